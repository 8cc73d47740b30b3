"""The length kind's dataset pass: robust norms of log length (median and MAD) per kind of task,
runaway answers far above their norm, and response/prompt ratio outliers."""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from collections.abc import Iterator

import numpy

from datalint.feature_types import FeatureError
from datalint.typed_columns import first_seen
from datalint.violation import DatasetFinding

MAD_TO_SIGMA = 1.4826
# A file with fewer texts than `min-records` (but at least SMALL_FILE_TEXTS) has a median but no
# reliable spread: a runaway there must be SMALL_FILE_FACTOR times `min-ratio` above the median.
SMALL_FILE_TEXTS = 5
SMALL_FILE_FACTOR = 5


def runaways(rule, features: Features, groups: dict[tuple, numpy.ndarray]) -> Iterator[DatasetFinding]:
    """Texts far longer than the texts of the same kind of task: the same `type` label (20+
    texts), else the same prompt template (first or last words). A file that is mostly one-off
    prompts is one kind; in a file of templates, a one-off prompt is judged against the template
    with the longest answers."""
    findings: dict[int, DatasetFinding] = {}
    by_file: dict[tuple, list[numpy.ndarray]] = defaultdict(list)
    for (path, field, group), members in groups.items():
        if group is None or len(members) < rule.options["min-group"]:
            by_file[(path, field)].append(members)  # a type with too few texts is judged as untyped
        else:
            norm = _Norm(features, members, f"type {group!r}")
            for position in members.tolist():
                if norm.far_above(rule, features, position):
                    findings.setdefault(position, norm.finding(features, position))
    for parts in by_file.values():
        for position, norm in _judged_by_template(rule, features, numpy.concatenate(parts)):
            findings.setdefault(position, norm.finding(features, position))
    for position in sorted(findings, key=features.rows.__getitem__):
        yield findings[position]


class _Groups:
    """Members grouped by a key (the CRC-32 of a prompt's first or last words), each group numbered
    by its first member, as a dict of lists over the members would be, held as arrays."""

    def __init__(self, members: numpy.ndarray, keys: numpy.ndarray) -> None:
        self.codes, _ = first_seen(keys)  # each member's group
        self.sizes = numpy.bincount(self.codes)
        self.starts = numpy.concatenate(([0], numpy.cumsum(self.sizes)))
        self.sorted = members[numpy.argsort(self.codes, kind="stable")]  # by group, in member order

    def members(self, code: int) -> numpy.ndarray:
        return self.sorted[self.starts[code] : self.starts[code + 1]]


def _judged_by_template(rule, features: Features, members: numpy.ndarray) -> Iterator[tuple[int, _Norm]]:
    minimum = rule.options["min-group"]
    heads = _Groups(members, features.heads[members])
    tails = _Groups(members, features.tails[members])
    one_off = int(numpy.count_nonzero((heads.sizes[heads.codes] < minimum) & (tails.sizes[tails.codes] < minimum)))
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
    long_enough = numpy.flatnonzero(features.sizes[members] >= rule.options["min-length"])
    for at, position in zip(long_enough.tolist(), members[long_enough].tolist(), strict=True):
        references = [whole] if free_form else []
        for key, groups, kind in (
            (("head", int(heads.codes[at])), heads, "prompts starting like this one"),
            (("tail", int(tails.codes[at])), tails, "prompts ending like this one"),
        ):
            if groups.sizes[key[1]] >= minimum:
                if key not in norms:
                    norms[key] = _Norm(features, groups.members(key[1]), kind)
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


def _judged_in_a_small_file(rule, features: Features, members: numpy.ndarray) -> Iterator[tuple[int, _Norm]]:
    """Too few texts for a spread: only a text SMALL_FILE_FACTOR times further above the median
    than `min-ratio` asks is a runaway (OpenAI's 5-record example with a 26,000-character answer)."""
    if len(members) < SMALL_FILE_TEXTS:
        return
    whole = _Norm(features, members, "the file")
    floor = math.log(rule.options["min-ratio"] * SMALL_FILE_FACTOR)
    for position in members.tolist():
        if features.sizes[position] >= rule.options["min-length"] and features.values[position] - whole.centre >= floor:
            yield position, whole


def _template_norms(features: Features, heads: _Groups, tails: _Groups, minimum: int, norms: dict) -> list[_Norm]:
    """The norms of every template group (computed once, kept in `norms`)."""
    for name, groups, kind in (
        ("head", heads, "prompts starting like this one"),
        ("tail", tails, "prompts ending like this one"),
    ):
        for code in numpy.flatnonzero(groups.sizes >= minimum).tolist():
            if (name, code) not in norms:
                norms[(name, code)] = _Norm(features, groups.members(code), kind)
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
        size = int(features.sizes[position])
        message = (
            f"{features.field(position)} is {size:,} characters, {size / max(typical, 1):,.0f} times the median "
            f"of {self.kind} ({typical:,.0f} characters, {self.count:,} texts)"
        )
        return DatasetFinding(int(features.rows[position]), message, pointer=features.pointer(position))


class Features:
    """The table's length features one by one (a record has one per text), as arrays read from its
    typed columns: no Python object per text. `rows` is each text's record."""

    def __init__(self, table) -> None:
        sizes = table.column("size")
        self.rows = sizes.record_of_rows()
        self.sizes = sizes.values
        self.prompts = table.column("prompt").values
        self.values = table.column("log_len").values
        self._fields, self._groups, self._pointers = (table.column(name) for name in ("field", "group", "pointer"))
        self._paths = table.paths
        # Outlier features end with the prompt template's head and tail; ratio features have none.
        self.heads, self.tails = _template_columns(table)

    def field(self, position: int) -> str:
        return self._fields.dictionary[self._fields.values[position]]

    def pointer(self, position: int) -> str:
        return self._pointers.dictionary[self._pointers.values[position]]

    def positions_by_key(self) -> dict[tuple, numpy.ndarray]:
        """(file, field, type) -> positions of its features, in order; keys in order of first feature."""
        paths, fields, groups = self._paths, self._fields, self._groups
        one_file = paths.count(paths[0]) == len(paths)
        if one_file and len(fields.dictionary) == 1 and len(groups.dictionary) == 1:  # the usual case
            return {(paths[0], fields.dictionary[0], groups.dictionary[0]): numpy.arange(len(self.sizes))}
        file_codes = numpy.zeros(len(self.rows), numpy.int64)
        if not one_file:
            numbers: dict[str, int] = {}
            by_record = numpy.fromiter((numbers.setdefault(path, len(numbers)) for path in paths), numpy.int64)
            file_codes = by_record[self.rows]
        keys = (file_codes * len(fields.dictionary) + fields.values) * max(len(groups.dictionary), 1) + groups.values
        codes, firsts = first_seen(keys)
        order = numpy.argsort(codes, kind="stable")
        ends = numpy.cumsum(numpy.bincount(codes)).tolist()
        found = {}
        for first, start, end in zip(firsts.tolist(), [0, *ends[:-1]], ends, strict=True):
            record = int(self.rows[first])
            found[(paths[record], self.field(first), groups.dictionary[groups.values[first]])] = order[start:end]
        return found


def _template_columns(table) -> tuple[numpy.ndarray, numpy.ndarray]:
    try:
        return table.column("head").values, table.column("tail").values
    except FeatureError:  # ratio features: no template
        return numpy.zeros(0, numpy.uint32), numpy.zeros(0, numpy.uint32)


def robust_outliers(
    rule, field: str, group: str | None, features: Features, members: numpy.ndarray
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
        position = int(members[member])
        score = float(scores[member])
        if (side == "high" and score < 0) or (side == "low" and score > 0):
            continue
        size, prompt = int(features.sizes[position]), int(features.prompts[position])
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
        yield DatasetFinding(int(features.rows[position]), message, pointer=features.pointer(position))


def _median(values: numpy.ndarray) -> float:
    """numpy.median's value, from a partition as numpy computes it (the middle value, or the
    mean of the two middle ones): numpy.median's first call imports numpy.ma (its cost: bench/README.md)."""
    middle = len(values) // 2
    if len(values) % 2:
        return float(numpy.partition(values, middle)[middle])
    parted = numpy.partition(values, (middle - 1, middle))
    return float((parted[middle - 1] + parted[middle]) / 2)
