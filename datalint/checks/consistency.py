"""Format consistency: each response against its own dataset's norm, flagging the minority.

The record pass reduces a record to one small feature per rule (does the response use a
markdown heading? start with "Sure!"? end with a period? consistency_features.py scans a text
for all of them at once); the dataset pass counts, per file, how many records have it and
reports the records on the rare side. Nothing is wrong with a bullet list in itself: a bullet
list in 1% of the responses of a dataset whose answers are prose is an inconsistency the model
learns as noise.

Two ways to decide, by feature:
- yes/no features (structure, openers, sign-offs, lower-case start, HTML, whitespace): the
  records that have the feature are reported when at most `max-share` of the file's records
  have it; with `missing = true`, the records that lack it are reported when at most
  `max-share` lack it;
- `ending` (how the response ends: sentence punctuation, a word or number, a colon, a comma,
  a code fence ...): the records whose ending class is rare (at most `max-share`) are
  reported when the most common class covers at least `min-norm` of the file.
Files with fewer than `min-records` records with the field have no norm and are skipped.

A value on a rare side is read in its record's context first (consistency_context.py, with
datalint/intent/form.py): a table the instruction asks for, a sign-off in the letter it asks for, a
lower-case start of the sentence it asks to complete. Such a value still counts in the norm but
is never reported. A file whose records carry a `type` label has one norm per task type.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from datalint.checks import Option, fields_option
from datalint.checks.consistency_context import EXPLAINED, in_context, on_rare_side
from datalint.checks.consistency_features import FEATURES, SCANNED, USUAL_ENDING, looks_like_code, scan
from datalint.feature_types import CATEGORY, Features, rows
from datalint.records import Record, Text
from datalint.typed_columns import distinct_in_files
from datalint.violation import DatasetFinding

# Responses that are code (unfenced, as in Alpaca) say nothing about prose formatting: a `#` comment is
# not a heading, `x = 1` is not a lower-case start. These features skip them.
_SENTENCE_ONLY = {"lowercase-start", "ending"}
_MIN_WORDS = 5
_PROSE_ONLY = {"heading", "bullet-list", "lowercase-start", "space-runs"}

OPTIONS = {
    "feature": Option(str, "heading", "what each response is compared on", tuple(FEATURES)),
    "fields": fields_option(["response"], "text fields compared"),
    "max-share": Option(
        float, 0.02, "report the side of a feature held by at most this share of the file", minimum=0, maximum=1
    ),
    "missing": Option(bool, False, "also report records lacking a feature that nearly all records have"),
    "min-norm": Option(
        float, 0.8, "ending: the most common ending must cover at least this share", minimum=0, maximum=1
    ),
    "endings": Option(
        list,
        ["a colon", "a comma", "a dash"],
        "ending: the rare endings reported (the others end code, lists, letters and tables as often as cut text)",
        items=str,
    ),
    "min-records": Option(int, 50, "files with fewer records (with the field) have no norm and are skipped"),
    "skip-code": Option(bool, True, "ignore fenced code blocks when looking for the feature"),
}


@dataclass(frozen=True, slots=True)
class Compiled:
    feature: str
    regex: re.Pattern[str] | None
    fields: frozenset[str]
    skip_code: bool  # the `skip-code` option; code-fence, edge-whitespace and ending never skip code
    profile_key: str  # the record's profile for these fields and skip-code, shared by the rules that have them
    position: int  # where the feature's value is in a profile (-1: edge whitespace, not in profiles)


def prepare(options: dict[str, Any]) -> Compiled:
    feature, fields, skip_code = options["feature"], frozenset(options["fields"]), options["skip-code"]
    # A string key: its hash is computed once, a tuple's at every lookup.
    profile_key = f"consistency profile {sorted(fields)} skip-code={skip_code}"
    position = SCANNED.index(feature) if feature in SCANNED else -1
    return Compiled(feature, FEATURES[feature][0], fields, skip_code, profile_key, position)


_FEATURES = rows(field=CATEGORY, value=CATEGORY, pointer=CATEGORY, task=CATEGORY)


def features(rule) -> Features:
    """A row per text field: the field, its value (True/False, or an ending class), its pointer,
    and the record's task type when it has one (a multi-task file is judged per task)."""
    return _FEATURES


def prepare_features_set(rules: list) -> tuple[Compiled, ...]:
    return tuple(rule.state for rule in rules)


def record_features_set(rules: tuple[Compiled, ...], record: Record) -> list[tuple | None]:
    """Every consistency rule's features of the record: each text is scanned once for every
    feature (one profile per fields and skip-code setting), so a rule only looks its answer up."""
    profiles: dict[str | int, Any] = {}  # profile key -> profile; id of entries -> (entries, widened)
    return [_features(compiled, record, profiles) for compiled in rules]


def record_features(rule, record: Record) -> tuple[tuple[str, Any, str, str | None], ...] | None:
    return _features(rule.state, record, {})


def _features(
    compiled: Compiled, record: Record, profiles: dict[str | int, Any]
) -> tuple[tuple[str, Any, str, str | None], ...] | None:
    """(field, value, pointer, task type) per text field present: value is True/False, or an ending
    class; the task type is None in a record without one.

    A field seen several times (the assistant turns of a chat) counts once: it has the feature if
    any of its texts has it, and its ending is the last text's ending. Edge whitespace is cheaper
    to test than to look up, and its rule reads every field: it is tested on its own."""
    if record.format == "completions" and compiled.feature != "edge-whitespace":
        return None  # candidates of several models under comparison share no house style to keep
    if compiled.feature == "edge-whitespace":
        entries = _edge_whitespace(record.texts_of(compiled.fields))
    else:
        profile = profiles.get(compiled.profile_key)
        if profile is None:
            profile = profiles[compiled.profile_key] = _profile(record, compiled.fields, compiled.skip_code)
        entries = profile[compiled.position]
    if not entries:
        return None
    # A multi-task file is judged per task type: (field, value, pointer, task or None). Features
    # that a text lacks share one entries object in a profile: widened once for all their rules.
    widened = profiles.get(id(entries))
    if widened is None or widened[0] is not entries:
        task = record.labels.get("type")
        task_name = str(task[0]) if task is not None else None
        widened = profiles[id(entries)] = (entries, tuple([(*entry, task_name) for entry in entries]))
    return widened[1]


def _profile(record: Record, fields: frozenset[str], skip_code: bool) -> Sequence[tuple | None]:
    """Every feature's value for the record, in `SCANNED` order: the texts of `fields` are each scanned once."""
    texts = [text for text in record.texts_of(fields) if text.text and not text.text.isspace()]
    if not texts:
        return _NOTHING
    if len(texts) == 1:
        profile, rare = _one_text_profile(texts[0], scan(texts[0], skip_code))
    else:
        scans = [scan(text, skip_code) for text in texts]
        exempt = _Exemptions(texts)
        profile = [_feature_value(feature, position, texts, scans, exempt) for position, feature in _ORDER]
        rare = [position for position, feature in _ORDER if on_rare_side(feature, profile[position])]
    return in_context(record, profile, rare) if rare else profile


_ORDER = tuple(enumerate(SCANNED))
_NOTHING = (None,) * len(SCANNED)


def _edge_whitespace(texts: list[Text]) -> tuple[tuple[str, bool, str], ...] | None:
    found: dict[str, tuple[str, bool, str]] = {}
    for field in texts:
        text = field.text
        if not text or text.isspace() or (field.field in found and found[field.field][1]):
            continue
        found[field.field] = (field.field, _has_edge_whitespace(text, field.field != "response"), field.pointer)
    return tuple(found.values()) or None


def _has_edge_whitespace(text: str, given: bool) -> bool:
    """Leading or trailing whitespace, except what code and data need: the indentation of a code
    snippet's first line (cut from a function body) and, in a given text (a prompt or its input, not
    a trained answer), the newlines that end a source or CSV file."""
    leading, trailing = text[:1].isspace(), text[-1:].isspace()
    if not (leading or trailing):
        return False
    if leading and text[:1] in " \t" and looks_like_code(text):
        leading = False
    if trailing and given and _ends_like_a_file(text):
        trailing = False
    return leading or trailing


def _ends_like_a_file(text: str) -> bool:
    body = text.rstrip("\n")
    if body == text or body[-1:].isspace() or "\n" not in body:
        return False
    return body.endswith(("```", "}", ";")) or looks_like_code(body) or _is_delimited(body)


def _is_delimited(text: str) -> bool:
    """CSV or TSV rows (most lines hold the same number, at least one, of commas or tabs), or one short
    value per line."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) >= 3 and all(len(line.split()) == 1 for line in lines):
        return True
    for separator in ",\t":
        counts = Counter(line.count(separator) for line in lines if separator in line and len(line) <= 80)
        if counts and 3 <= counts.most_common(1)[0][1] and counts.most_common(1)[0][1] * 2 >= len(lines):
            return True
    return False


def _one_text_profile(text: Text, values: tuple) -> tuple[list[tuple | None], list[int]]:
    """`_feature_value` for a record with one text in the fields (the usual case), without its loop:
    every feature the text lacks shares one answer, and most texts are on no rare side at all.
    Also the positions whose value is on a rare side."""
    field, pointer = text.field, text.pointer
    profile = [((field, False, pointer),)] * len(SCANNED)
    ending = values[-1]
    profile[-1] = ((field, ending, pointer),)
    rare: list[int] = []
    if ending == USUAL_ENDING and True not in values:  # the other values are True or False
        return profile, rare
    # Whether the text is too short to be a sentence, or is code: each asked at most once, and only
    # when a feature on the rare side needs it; the cheaper question first.
    short = code = None
    for position, feature in _ORDER:
        value = values[position]
        if value is False or value == USUAL_ENDING:
            continue
        if feature in _SENTENCE_ONLY:
            if short is None:
                short = _is_short(text.text)
            if short:
                profile[position] = None
                continue
        if feature in _PROSE_ONLY:
            if code is None:
                code = looks_like_code(text.text)
            if code:
                profile[position] = None
                continue
        profile[position] = ((field, value, pointer),)
        rare.append(position)
    return profile, rare


def _is_short(text: str) -> bool:
    return len(text.split(None, _MIN_WORDS)) < _MIN_WORDS


def _feature_value(feature: str, position: int, texts: list[Text], scans: list[tuple], exempt: _Exemptions):
    found: dict[str, tuple[str, Any, str]] = {}  # field -> the (field, value, pointer) returned
    for index, text in enumerate(texts):
        value = scans[index][position]
        if feature == "ending":
            usual = value == "sentence punctuation"
        elif text.field in found and found[text.field][1]:
            continue
        else:
            usual = not value
        # The code test is the costly part: only texts on the rare side need it.
        if not usual and feature in _PROSE_ONLY and exempt.is_code(index):
            continue
        # Short answers ("positive", "informal", "42") are labels, not prose: no casing or ending norm.
        if not usual and feature in _SENTENCE_ONLY and exempt.is_short(index):
            continue
        found[text.field] = (text.field, value, text.pointer)
    return tuple(found.values()) or None


class _Exemptions:
    """Whether a text is code, or too short to be a sentence: asked only for texts on the rare side, once."""

    __slots__ = ("texts", "code", "short")

    def __init__(self, texts: list[Text]) -> None:
        self.texts = texts
        self.code: dict[int, bool] = {}
        self.short: dict[int, bool] = {}

    def is_code(self, index: int) -> bool:
        if index not in self.code:
            self.code[index] = looks_like_code(self.texts[index].text)
        return self.code[index]

    def is_short(self, index: int) -> bool:
        if index not in self.short:
            self.short[index] = _is_short(self.texts[index].text)
        return self.short[index]


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    """Norms are per file and per field (a prompt convention says nothing about responses), and per
    task type in a file whose records carry one (a multi-task mixture has no single norm).

    Rows are counted by distinct (file, features) pair, which is few, read from the table's typed
    columns: the norms come from those counts, and only the rows on a reported side are found."""
    keys, key_of_rows, path_of = _row_keys(table)
    counts = np.bincount(key_of_rows, minlength=len(keys)).tolist()
    groups: dict[tuple[str, str], Counter] = {}  # (file, field) -> value -> rows, in order of first row
    for key, count in zip(keys, counts, strict=True):
        path, values = path_of(key)
        for entry in values:
            group = (path, entry[0], entry[3])
            tally = groups.get(group)
            if tally is None:
                tally = groups[group] = Counter()
            tally[entry[1]] += count
    decide = _rare_endings if rule.state.feature == "ending" else _minority
    reported: dict[tuple, tuple[int, dict[Any, str]]] = {}  # (file, field, task) -> (rank, value -> message)
    for rank, (group, tally) in enumerate(groups.items()):
        total = tally.total()
        if total >= rule.options["min-records"]:
            messages = decide(rule, group[1], tally, total)
            if messages:
                if group[2] is not None:
                    messages = {value: f"{message} (task type {group[2]!r})" for value, message in messages.items()}
                reported[group] = (rank, messages)
    if not reported:
        return
    # One finding per record: the field whose (file, field) came first in the file, as the rows were read.
    found: dict[int, tuple[str, str]] = {}  # key number -> (message, pointer)
    for number, key in enumerate(keys):
        path, values = path_of(key)
        best = None
        for entry in values:
            field, value, pointer, task = entry
            rank, messages = reported.get((path, field, task), (None, None))
            if messages is not None and value in messages and (best is None or rank < best[0]):
                best = (rank, messages[value], pointer)
        if best is not None:
            found[number] = best[1:]
    wanted = np.array(list(found), np.int64)
    for index in np.flatnonzero(np.isin(key_of_rows, wanted)).tolist():
        message, pointer = found[int(key_of_rows[index])]
        yield DatasetFinding(index, message, pointer=pointer)


def _row_keys(table) -> tuple[list, np.ndarray, Any]:
    """What identifies a row's group and features: its features alone when the table has one file
    (the usual case), else (file, features): the distinct keys in order of first row, each row's
    key number among them, and how to read a key back."""
    columns = [table.column(name) for name in _FEATURES.names]
    keys, key_of_rows = distinct_in_files(columns, "rows", table.paths)
    paths = table.paths
    if paths.count(paths[0]) == len(paths):
        path = paths[0]
        return keys, key_of_rows, lambda values: (path, values)
    return keys, key_of_rows, lambda key: key


def _minority(rule, field: str, tally: Counter, total: int) -> dict[Any, str]:
    """The reported values and their message: the yes side when rare, or the no side with `missing`."""
    having = sum(count for value, count in tally.items() if value)
    what = FEATURES[rule.state.feature][1]
    max_share = rule.options["max-share"]
    if having and having / total <= max_share:
        others = total - having
        message = f"{field} has {what}, unlike {others} of {total} in this file ({_percent(others, total)})"
        return {value: message for value in tally if value and value != EXPLAINED}
    if rule.options["missing"] and having < total and (total - having) / total <= max_share:
        message = (
            f"{field} has no {what.removeprefix('a ')}, unlike {having} of {total} in this file "
            f"({_percent(having, total)})"
        )
        return {value: message for value in tally if not value}
    return {}


def _rare_endings(rule, field: str, tally: Counter, total: int) -> dict[Any, str]:
    norm, norm_count = tally.most_common(1)[0]  # ties: the ending seen first, as the rows were read
    if norm_count / total < rule.options["min-norm"] or norm == EXPLAINED:
        return {}
    return {
        ending: f"{field} ends with {ending}, while {_percent(norm_count, total)} of the {field}s in this file "
        f"end with {norm}"
        for ending, count in tally.items()
        if ending != norm
        and ending in rule.options["endings"]
        and count / total <= rule.options["max-share"]
        and ending != EXPLAINED
    }


def _percent(part: int, total: int) -> str:
    return f"{100 * part / total:.0f}%" if part * 100 // total else f"{100 * part / total:.1f}%"


_ALIGNMENT = re.compile(r"\S {3,}\S")
_ANY_DOUBLED_SPACE = re.compile(r"(?<=\S)  (?=\S)")  # the fix collapses every doubled space of a reported text


def fix(rule, violation, context):
    """edge-whitespace: strip the value; space-runs: one space between words, only in texts without
    code and without alignment (a run of three or more spaces lines up columns, e.g. a receipt)."""
    from datalint.fix import keep_string_part, replace_in_string
    from datalint.violation import Fix

    feature = rule.state.feature
    record = context.record(violation.line)
    text = next((t.text for t in record.texts if t.pointer == violation.pointer), None) if record else None
    if text is None:
        return None
    line = context.text(violation.line)
    if feature == "edge-whitespace":
        stripped = text.strip()
        if not stripped or stripped == text:
            return None
        start = len(text) - len(text.lstrip())
        edits = keep_string_part(line, violation.line, violation.pointer, start, start + len(stripped))
    elif feature == "space-runs":
        if "`" in text or looks_like_code(text) or _ALIGNMENT.search(text):
            return None  # alignment in code and in tables is meaningful
        spans = [match.span() for match in _ANY_DOUBLED_SPACE.finditer(text)]
        edits = replace_in_string(line, violation.line, violation.pointer, spans, " ")
    else:
        return None
    return Fix(rule.fix, tuple(edits)) if edits else None
