"""Length: absolute bounds, robust outliers, answers too short for the task, truncated answers.

`check` chooses what is reported:
- `bounds` (record pass): a field longer than `max` or shorter than `min`, counted in `unit`
  (chars, words, or approximate tokens: one per CJK/non-ASCII character plus one per four ASCII
  characters, close to BPE tokenizers on English and Chinese);
- `outlier` (dataset pass): log length far from the file's median, in MADs (a robust z-score,
  so a few huge rows cannot hide themselves), per `type` label when the label has enough rows;
- `ratio` (dataset pass): the same on log(response length / prompt length);
- `too-short` (record pass): the instruction asks for long-form writing ("write an essay") and
  the response has fewer than `min` words;
- `truncated` (record pass): the response stops mid-sentence: it ends with a comma, a colon,
  an article, conjunction or preposition, an open bracket, or an empty list item. Answers that
  end without a period (code, lists, numbers) are not truncated; an unclosed code fence is F007.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

import numpy

from datalint.checks import Option
from datalint.checks.consistency import looks_like_code
from datalint.records import TEXT_FIELDS, Record, Text
from datalint.violation import DatasetFinding, Finding

CHECKS = ("bounds", "outlier", "ratio", "too-short", "truncated")
UNITS = ("chars", "words", "tokens")
OPTIONS = {
    "check": Option(str, "bounds", "what to check", CHECKS),
    "fields": Option(list, ["response"], f"text fields measured: {', '.join(TEXT_FIELDS)}, or all"),
    "unit": Option(str, "tokens", "bounds: what is counted", UNITS),
    "min": Option(int, 0, "bounds: fewest units (0: no minimum); too-short: fewest words for long-form tasks"),
    "max": Option(int, 0, "bounds: most units (0: no maximum)"),
    "threshold": Option(float, 5.0, "outlier, ratio: robust z-score (distance from the median in MADs) to report"),
    "side": Option(str, "both", "outlier, ratio: which side to report", ("both", "high", "low")),
    "min-records": Option(int, 50, "outlier, ratio: files (or type groups) with fewer records are not judged"),
    "by-type": Option(bool, True, "outlier, ratio: judge each `type` label value against its own rows"),
    "min-length": Option(int, 1000, "outlier: a long outlier must also have at least this many characters"),
}
_WORD = re.compile(r"\w+")
_WIDE = re.compile("[\u2e80-\U0010ffff]")  # ord(char) >= 0x2E80: CJK and beyond
_LONG_FORM = re.compile(
    r"\b(?:write|compose|draft|create|produce|generate)\b[^.?!\n]{0,40}?(?<![-\w])(?:essay|article|blog post|story|"
    r"short story|report|speech|cover letter|letter|narrative|review|paragraphs)\b"
    r"|\b(?:detailed explanation|at least \d{3} words|\d{3,4}[- ]word)\b",
    re.I,
)
# What a match of _LONG_FORM needs (lower-cased): a verb and a noun, or the words of its second branch.
_LONG_FORM_VERBS = ("write", "generate", "create", "compose", "produce", "draft")
_LONG_FORM_NOUNS = (
    "essay",
    "article",
    "blog post",
    "story",
    "report",
    "speech",
    "letter",
    "narrative",
    "review",
    "paragraphs",
)
_THREE_DIGITS = re.compile(r"[0-9]{3}")
# Short forms named beside the long ones: "a title for an article", "a one-sentence story".
_SHORT_FORM = re.compile(
    r"\b(?:titles?|headlines?|haikus?|tweets?|slogans?|taglines?|captions?|sentences?|summar\w*|outlines?|"
    r"one[- ]line|opening line|first line|subject line|lines?|word count|topics?|names?)\b",
    re.I,
)
# A response that ends with one of these words stopped mid-sentence.
_DANGLING = frozenset(
    "a an the and or but of to with for from in on at by as that which because than into is are was were "
    "their its our your my his her".split()
)
_LAST_WORD = re.compile(r"(\w+)\W*$")
# A list of single words ("10. a") ends with a word that is an item, not a dangling article.
_ONE_WORD_ITEM = re.compile(r"(?:^|\n)[ \t]*(?:[-*•]|\d{1,3}[.)])[ \t]*\w+[ \t]*$")
_EMPTY_ITEM = re.compile(r"(?:^|\n)[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]*$")
_FENCE = re.compile(r"(?m)^[ \t]*```")
MAD_TO_SIGMA = 1.4826


def prepare(options: dict[str, Any]) -> frozenset[str]:
    unknown = set(options["fields"]) - {*TEXT_FIELDS, "all"}
    if unknown:
        raise ValueError(f"unknown field {sorted(unknown)[0]!r} in `fields` (fields: {', '.join(TEXT_FIELDS)}, all)")
    if options["check"] == "bounds" and not options["min"] and not options["max"]:
        raise ValueError("a bounds rule needs `min` or `max`")
    return frozenset(options["fields"])


def measure(text: str, unit: str) -> int:
    if unit == "chars":
        return len(text)
    if unit == "words":
        return len(_WORD.findall(text)) if text.isascii() else _cjk_aware_words(text)
    return approximate_tokens(text)


def _cjk_aware_words(text: str) -> int:
    # Chinese and Japanese have no spaces: each ideograph counts as a word.
    words = 0
    for word in _WORD.findall(text):
        if word.isascii():
            words += 1
        else:
            wide = len(_WIDE.findall(word))
            words += wide + (1 if wide < len(word) else 0)
    return words


def approximate_tokens(text: str) -> int:
    if text.isascii():
        return (len(text) + 3) // 4
    wide = sum(1 for char in text if ord(char) > 0x7F)
    return wide + (len(text) - wide + 3) // 4


def check_record(rule, record: Record) -> Iterable[Finding]:
    # Lists, not generators: most records have no finding, and an empty generator costs more.
    check = rule.options["check"]
    if check == "bounds":
        return _bounds(rule, record)
    if check == "too-short":
        return _too_short(rule, record)
    if check == "truncated":
        return _truncated(rule, record)
    return ()  # outlier and ratio are dataset-wide


def _bounds(rule, record: Record) -> list[Finding]:
    unit, low, high = rule.options["unit"], rule.options["min"], rule.options["max"]
    findings = []
    for text in record.texts_of(rule.state):
        size = measure(text.text, unit)
        if high and size > high:
            findings.append(
                Finding(f"{text.field} is {size:,} {_shown(unit)} long, over the maximum of {high:,}", text.pointer)
            )
        elif low and size < low and text.text.strip():
            findings.append(
                Finding(f"{text.field} is {size:,} {_shown(unit)} long, under the minimum of {low:,}", text.pointer)
            )
    return findings


def _shown(unit: str) -> str:
    return "approximate tokens" if unit == "tokens" else unit


def _too_short(rule, record: Record) -> list[Finding]:
    instruction = _instruction(record)
    if instruction is None or not _may_ask_long_form(instruction):
        return []
    match = _LONG_FORM.search(instruction.text[:500])
    if match is None or _SHORT_FORM.search(instruction.text[:500]):
        return []
    minimum = rule.options["min"] or 30
    findings = []
    for text in record.texts_of(rule.state):
        words = measure(text.text, "words")
        if 0 < words < minimum:
            findings.append(
                Finding(
                    f"{text.field} has {words} word{'s' if words != 1 else ''} but the instruction asks for "
                    f"long-form writing ({match.group()!r})",
                    text.pointer,
                )
            )
    return findings


def _instruction(record: Record) -> Text | None:
    for text in record.texts:
        if text.field == "instruction":
            return text
    return None


def _truncated(rule, record: Record) -> list[Finding]:
    findings = []
    for text in record.texts_of(rule.state):
        reason = truncation(text.text)
        if reason:
            findings.append(Finding(f"{text.field} looks cut off: {reason}", text.pointer, _tail_span(text.text)))
    return findings


def _may_ask_long_form(instruction: Text) -> bool:
    """False when `_LONG_FORM` cannot match: it lacks the words the regex needs. Only for ASCII
    text: re.I also folds a few non-ASCII letters (ſ, K) that lower() keeps apart."""
    head = instruction.text[:500]
    if not head.isascii():
        return True
    lowered = head.lower()  # ASCII: the same as lower-casing the whole text, then cutting
    if "detailed explanation" in lowered or ("word" in lowered and _THREE_DIGITS.search(lowered)):
        return True
    return _contains_any(lowered, _LONG_FORM_VERBS) and _contains_any(lowered, _LONG_FORM_NOUNS)


def _contains_any(text: str, needles: tuple[str, ...]) -> bool:
    for needle in needles:  # a plain loop: any() over a generator costs more than the `in` tests
        if needle in text:
            return True
    return False


def truncation(text: str) -> str | None:
    """Why `text` looks cut off mid-sentence, or None."""
    stripped = text.rstrip()
    if len(stripped) < 20 or stripped.endswith("```"):
        return None  # short answers are judged by other rules
    # The ending decides first (a look at the last characters); the costly exemptions (an open
    # fence, code) are tested only for the few texts whose ending looks cut off.
    reason = _cut_off_ending(stripped)
    if reason is None or len(_FENCE.findall(stripped)) % 2:
        return None  # an open fence is F007's
    if looks_like_code(stripped):
        return None  # code ends with `;`, `{`, `(` and keywords
    return reason


def _cut_off_ending(stripped: str) -> str | None:
    last = stripped[-1]
    if last == ",":  # not `;`: one-line code answers end with it
        return f"ends with {last!r}"
    if last in "([{":
        return f"ends with an open {last!r}"
    # an empty item ends with its marker: the text is right-stripped
    if last in "-*•.)" and _EMPTY_ITEM.match(_last_line(stripped)):
        return "ends with an empty list item"
    if last.isalpha() and not _ONE_WORD_ITEM.match(_last_line(stripped)):
        word = _LAST_WORD.search(stripped[-40:])
        if word and word.group(1).lower() in _DANGLING and word.group(0) == word.group(1):
            return f"ends with {word.group(1)!r}"
    return None


def _last_line(stripped: str) -> str:
    """The last line with the newline before it: all that `_EMPTY_ITEM` and `_ONE_WORD_ITEM` can match,
    from its start (they match no newline but the one they start at, and end at the end)."""
    start = stripped.rfind("\n")
    return stripped if start < 0 else stripped[start:]


def _tail_span(text: str) -> tuple[int, int]:
    end = len(text.rstrip())
    return (max(0, end - 1), end)


def record_features(rule, record: Record) -> tuple | None:
    check = rule.options["check"]
    if check not in ("outlier", "ratio"):
        return None
    label = record.labels.get("type")
    group = str(label[0])[:50] if label is not None and rule.options["by-type"] else None
    if check == "ratio":
        prompt = 0
        for text in record.texts:
            if text.field == "instruction" or text.field == "input":
                prompt += len(text.text)
        response = [text for text in record.texts_of(rule.state) if not _blank(text.text)]
        if not response or not prompt:
            return None
        size = sum(len(text.text) for text in response) if len(response) > 1 else len(response[0].text)
        return (("ratio", group, math.log((size + 1) / (prompt + 1)), response[0].pointer, size, prompt),)
    values = [_length_feature(text, group) for text in record.texts_of(rule.state) if not _blank(text.text)]
    return tuple(values) or None


def _blank(text: str) -> bool:
    return not text or text.isspace()  # not text.strip(), without the copy


def _length_feature(text: Text, group: str | None) -> tuple:
    size = len(text.text)
    return (text.field, group, math.log(size + 1), text.pointer, size, 0)


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    features = _Features(table)
    groups = features.positions_by_key()
    minimum = rule.options["min-records"]
    # A type with too few rows is judged with its whole file instead.
    judged: dict[tuple, list[int]] = defaultdict(list)
    for (path, field, group), members in groups.items():
        key = (path, field, group) if group is not None and len(members) >= minimum else (path, field, None)
        judged[key].extend(members)
    findings: dict[int, DatasetFinding] = {}
    for (_, field, group), members in judged.items():
        if len(members) < minimum:
            continue
        for finding in _outliers(rule, field, group, features, members):
            findings.setdefault(finding.index, finding)
    yield from (findings[index] for index in sorted(findings))


class _Features:
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
        self.fields, self.groups, values_, self.pointers, self.sizes, self.prompts = zip(*flat, strict=True)
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


def _outliers(rule, field: str, group: str | None, features: _Features, members: list[int]) -> Iterator[DatasetFinding]:
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
    mean of the two middle ones): numpy.median's first call imports numpy.ma, ~20 ms of a warm run."""
    middle = len(values) // 2
    if len(values) % 2:
        return float(numpy.partition(values, middle)[middle])
    parted = numpy.partition(values, (middle - 1, middle))
    return float((parted[middle - 1] + parted[middle]) / 2)
