"""The length kind's dataset pass: robust norms of log length (median and MAD) per kind of task,
runaway answers far above their norm, and response/prompt ratio outliers."""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from collections.abc import Iterator
from operator import itemgetter

import numpy

from datalint.violation import DatasetFinding

MAD_TO_SIGMA = 1.4826
# A file with fewer texts than `min-records` (but at least SMALL_FILE_TEXTS) has a median but no
# reliable spread: a runaway there must be SMALL_FILE_FACTOR times `min-ratio` above the median.
SMALL_FILE_TEXTS = 5
SMALL_FILE_FACTOR = 5


def runaways(rule, features: Features, groups: dict[tuple, list[int]]) -> Iterator[DatasetFinding]:
    """Texts far longer than the texts of the same kind of task: the same `type` label (20+
    texts), else the same prompt template (first or last words). A file that is mostly one-off
    prompts is one kind; in a file of templates, a one-off prompt is judged against the template
    with the longest answers."""
    findings: dict[int, DatasetFinding] = {}
    by_file: dict[tuple, list[int]] = defaultdict(list)
    for (path, field, group), members in groups.items():
        if group is None or len(members) < rule.options["min-group"]:
            by_file[(path, field)].extend(members)  # a type with too few texts is judged as untyped
        else:
            norm = _Norm(features, members, f"type {group!r}")
            for position in members:
                if norm.far_above(rule, features, position):
                    findings.setdefault(position, norm.finding(features, position))
    for members in by_file.values():
        for position, norm in _judged_by_template(rule, features, members):
            findings.setdefault(position, norm.finding(features, position))
    for position in sorted(findings, key=features.rows.__getitem__):
        yield findings[position]


def _judged_by_template(rule, features: Features, members: list[int]) -> Iterator[tuple[int, _Norm]]:
    minimum = rule.options["min-group"]
    heads: dict[int, list[int]] = defaultdict(list)
    tails: dict[int, list[int]] = defaultdict(list)
    for position in members:
        heads[features.heads[position]].append(position)
        tails[features.tails[position]].append(position)
    one_off = sum(len(heads[features.heads[p]]) < minimum and len(tails[features.tails[p]]) < minimum for p in members)
    if len(members) < rule.options["min-records"]:
        yield from _judged_in_a_small_file(rule, features, members)
        return
    whole = _Norm(features, members, "the file")
    # Mostly one-off prompts: the file is one kind of task, and a shared opening ("Given the
    # following sentence, ...") is too weak a sign of a task to judge by alone.
    free_form = 2 * one_off >= len(members)
    norms: dict[tuple[str, int], _Norm] = {}
    longest: _Norm | None = None  # the template with the longest answers, found on first need
    longest_found = False
    for position in members:
        if features.sizes[position] < rule.options["min-length"]:
            continue
        references = [whole] if free_form else []
        for key, group, kind in (
            (("head", features.heads[position]), heads[features.heads[position]], "prompts starting like this one"),
            (("tail", features.tails[position]), tails[features.tails[position]], "prompts ending like this one"),
        ):
            if len(group) >= minimum:
                if key not in norms:
                    norms[key] = _Norm(features, group, kind)
                references.append(norms[key])
        if not references:
            # A one-off prompt in a file of templates: its task is unknown, so it must be far above
            # the template with the longest answers (the file's own spread is that of its templates).
            if not longest_found:  # once per file: every template's norm, not again per one-off prompt
                longest = max(_template_norms(features, heads, tails, minimum, norms), default=None)
                longest_found = True
            references = [whole if longest is None else longest.named("the template with the longest answers")]
        # Long against every task it belongs to: a template of long answers keeps its own.
        if all(norm.far_above(rule, features, position) for norm in references):
            yield position, references[0]


def _judged_in_a_small_file(rule, features: Features, members: list[int]) -> Iterator[tuple[int, _Norm]]:
    """Too few texts for a spread: only a text SMALL_FILE_FACTOR times further above the median
    than `min-ratio` asks is a runaway (OpenAI's 5-record example with a 26,000-character answer)."""
    if len(members) < SMALL_FILE_TEXTS:
        return
    whole = _Norm(features, members, "the file")
    floor = math.log(rule.options["min-ratio"] * SMALL_FILE_FACTOR)
    for position in members:
        if features.sizes[position] >= rule.options["min-length"] and features.values[position] - whole.centre >= floor:
            yield position, whole


def _template_norms(features: Features, heads: dict, tails: dict, minimum: int, norms: dict) -> list[_Norm]:
    """The norms of every template group (computed once, kept in `norms`)."""
    for name, groups, kind in (
        ("head", heads, "prompts starting like this one"),
        ("tail", tails, "prompts ending like this one"),
    ):
        for value, group in groups.items():
            if len(group) >= minimum and (name, value) not in norms:
                norms[(name, value)] = _Norm(features, group, kind)
    return list(norms.values())


class _Norm:
    """The typical log length of a group of texts: its median and its spread (MAD, with a floor:
    a template whose answers all have one length still has a norm)."""

    def __init__(self, features: Features, members: list[int], kind: str) -> None:
        values = features.values[members]
        self.centre = _median(values)
        self.spread = max(_median(numpy.abs(values - self.centre)) * MAD_TO_SIGMA, 0.1)
        self.kind = kind
        self.count = len(members)

    def named(self, kind: str) -> _Norm:
        """The same norm, described as `kind` in messages."""
        norm = copy.copy(self)
        norm.kind = kind
        return norm

    def __lt__(self, other: _Norm) -> bool:
        return self.centre < other.centre

    def far_above(self, rule, features: Features, position: int) -> bool:
        """At least `min-ratio` times the median length, `threshold` spreads above it, `min-length` long."""
        excess = features.values[position] - self.centre
        return (
            features.sizes[position] >= rule.options["min-length"]
            and excess >= math.log(rule.options["min-ratio"])
            and excess / self.spread >= rule.options["threshold"]
        )

    def finding(self, features: Features, position: int) -> DatasetFinding:
        typical = math.exp(self.centre) - 1
        size = features.sizes[position]
        message = (
            f"{features.fields[position]} is {size:,} characters, {size / max(typical, 1):,.0f} times the median "
            f"of {self.kind} ({typical:,.0f} characters, {self.count:,} texts)"
        )
        return DatasetFinding(features.rows[position], message, pointer=features.pointers[position])


class Features:
    """The table's length features one by one (a record has one per text), as columns."""

    def __init__(self, table) -> None:
        values = table.values
        if set(map(len, values)) == {1}:  # the usual case: one text per record
            self.rows: list[int] | range = range(len(values))
            self.paths = table.paths
            flat = list(map(itemgetter(0), values))
        else:
            self.rows = [index for index, row in enumerate(values) for _ in row]
            self.paths = [table.paths[index] for index in self.rows]
            flat = [feature for row in values for feature in row]
        columns = list(zip(*flat, strict=True))
        self.fields, self.groups, values_, self.pointers, self.sizes, self.prompts = columns[:6]
        # Outlier features end with the prompt template's head and tail; ratio features have none.
        self.heads, self.tails = (columns[6], columns[7]) if len(columns) > 6 else ((), ())
        self.values = numpy.array(values_, dtype=float)

    def positions_by_key(self) -> dict[tuple, list[int]]:
        """(file, field, type) -> positions of its features, in order."""
        columns = (self.paths, self.fields, self.groups)
        if all(len(set(column)) == 1 for column in columns):  # the usual case: one file, one field, no types
            return {(self.paths[0], self.fields[0], self.groups[0]): list(range(len(self.fields)))}
        groups: dict[tuple, list[int]] = {}
        for position, key in enumerate(zip(*columns, strict=True)):
            members = groups.get(key)
            if members is None:
                groups[key] = [position]
            else:
                members.append(position)
        return groups


def robust_outliers(
    rule, field: str, group: str | None, features: Features, members: list[int]
) -> Iterator[DatasetFinding]:
    """The members whose robust z-score reaches the threshold. numpy computes the medians and the
    scores with the same float64 operations as Python would, so the same members are found."""
    values = features.values[members]
    centre = _median(values)
    spread = _median(numpy.abs(values - centre)) * MAD_TO_SIGMA
    if spread == 0:
        return
    threshold, side = rule.options["threshold"], rule.options["side"]
    where = f" {group!r}" if group is not None else ""
    typical = math.exp(centre) - 1
    scores = (values - centre) / spread
    for member in numpy.flatnonzero(numpy.abs(scores) >= threshold).tolist():
        position = members[member]
        score = float(scores[member])
        if (side == "high" and score < 0) or (side == "low" and score > 0):
            continue
        size, prompt = features.sizes[position], features.prompts[position]
        if score > 0 and field != "ratio" and size < rule.options["min-length"]:
            continue
        direction = "long" if score > 0 else "short"
        if field == "ratio":
            message = (
                f"response/prompt length ratio {size / max(prompt, 1):.3g} ({size:,} / {prompt:,} characters) is "
                f"unusually {'high' if score > 0 else 'low'}: the median{where} ratio is {typical + 1:.3g} "
                f"(robust z {score:+.1f})"
            )
        else:
            message = (
                f"{field} is unusually {direction}: {size:,} characters, the median{where} is {typical:,.0f} "
                f"(robust z {score:+.1f})"
            )
        yield DatasetFinding(features.rows[position], message, pointer=features.pointers[position])


def _median(values: numpy.ndarray) -> float:
    """numpy.median's value, from a partition as numpy computes it (the middle value, or the
    mean of the two middle ones): numpy.median's first call imports numpy.ma (its cost: bench/README.md)."""
    middle = len(values) // 2
    if len(values) % 2:
        return float(numpy.partition(values, middle)[middle])
    parted = numpy.partition(values, (middle - 1, middle))
    return float((parted[middle - 1] + parted[middle]) / 2)
