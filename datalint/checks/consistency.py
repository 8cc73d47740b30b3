"""Format consistency: each response against its own dataset's norm, flagging the minority.

The record pass reduces a record to one small feature per rule (does the response use a
markdown heading? start with "Sure!"? end with a period?); the dataset pass counts, per file,
how many records have it and reports the records on the rare side. Nothing is wrong with a
bullet list in itself: a bullet list in 1% of the responses of a dataset whose answers are
prose is an inconsistency the model learns as noise.

Two ways to decide, by feature:
- yes/no features (structure, openers, sign-offs, lower-case start, HTML, whitespace): the
  records that have the feature are reported when at most `max-share` of the file's records
  have it; with `missing = true`, the records that lack it are reported when at most
  `max-share` lack it;
- `ending` (how the response ends: sentence punctuation, a word or number, a colon, a comma,
  a code fence ...): the records whose ending class is rare (at most `max-share`) are
  reported when the most common class covers at least `min-norm` of the file.
Files with fewer than `min-records` records with the field have no norm and are skipped.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from datalint.checks import Option
from datalint.records import TEXT_FIELDS, Record, Text
from datalint.violation import DatasetFinding

_OPENERS = (
    r"(?:sure|certainly|absolutely|of course|great question|good question|excellent question|"
    r"what a great question|great|okay|ok|alright|no problem|happy to help|i'd be happy to|"
    r"i would be happy to|i'd be glad to|i'm happy to|glad you asked)\b[!,.:]?"
)
_SIGN_OFFS = (
    r"(?:hope (?:this|that|it) helps|i hope (?:this|that|it) (?:helps|was helpful|answers)|"
    r"let me know if (?:you have|there(?:'s| is)|you need|i can)|feel free to (?:ask|reach out|let me know)|"
    r"happy coding|don't hesitate to (?:ask|reach out)|do not hesitate to (?:ask|reach out))[^\n]{0,80}$"
)
_HTML_TAGS = (
    "a|abbr|b|blockquote|body|br|button|code|div|em|form|h[1-6]|head|hr|html|i|img|input|label|li|meta|ol|p|"
    "pre|script|section|small|span|strong|style|sub|sup|table|tbody|td|th|thead|title|tr|u|ul"
)
FEATURES: dict[str, tuple[re.Pattern[str] | None, str]] = {
    # name: (regex searched in the text, or None when a function decides; what the feature is called)
    "heading": (re.compile(r"(?m)^#{1,6} \S"), "a markdown heading"),
    "bullet-list": (re.compile(r"(?m)^[ \t]*[-*•] \S"), "a bullet list"),
    "numbered-list": (re.compile(r"(?m)^[ \t]*\d{1,2}[.)] \S"), "a numbered list"),
    "code-fence": (re.compile(r"(?m)^[ \t]*```"), "a code fence"),
    "table": (re.compile(r"(?m)^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|"), "a markdown table"),
    "stock-opener": (re.compile(r"^\W{0,3}" + _OPENERS + r"(?=\s|$)"), "a stock opener"),
    "sign-off": (re.compile(_SIGN_OFFS), "a stock sign-off"),
    "html": (re.compile(rf"</?(?:{_HTML_TAGS})(?:\s[^<>]{{0,200}})?/?>"), "HTML tags"),
    "lowercase-start": (None, "a lower-case first letter"),
    "edge-whitespace": (None, "leading or trailing whitespace"),
    # exactly two: a word dropped from a sentence leaves two; three or more line up columns
    "space-runs": (re.compile(r"(?<=\S)  (?=\S)"), "runs of spaces inside a line"),
    "ending": (None, "its last character"),
}
# Substrings one of which the feature's regex needs (None: no cheap test): an `in` test rules out
# most texts far faster than the regex, which starts with `^` or a lookbehind, not a literal.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "heading": ("# ",),
    "bullet-list": ("- ", "* ", "• "),
    "code-fence": ("```",),
    "table": ("---",),
    "html": ("<",),
    "space-runs": ("  ",),
}
_ON_LOWER = {"stock-opener", "sign-off"}
# Responses that are code (unfenced, as in Alpaca) say nothing about prose formatting: a `#` comment is
# not a heading, `x = 1` is not a lower-case start. These features skip them.
_SENTENCE_ONLY = {"lowercase-start", "ending"}
_MIN_WORDS = 5
_PROSE_ONLY = {"heading", "bullet-list", "html", "lowercase-start", "space-runs", "ending"}
_CODE_LINE = re.compile(
    r"(?m)^[ \t]*(?:def \w|class \w|import \w|from [\w.]+ import|#include|#!/|using namespace|package \w|"
    r"public |private |static |function\b|(?:var|let|const) \w|SELECT\b|CREATE\b|INSERT\b|<\?php|<!DOCTYPE|"
    r"for ?\(|while ?\(|if ?\(|print\(|console\.log|return\b|\w+(?:\[[^\]]*\])? ?[-+*/]?= ?\S.*;?$)"
)
_FENCED = re.compile(r"```.*?(?:```|\Z)", re.S)
_ENDINGS = {
    **dict.fromkeys(".!?。！？…", "sentence punctuation"),
    **dict.fromkeys(":：", "a colon"),
    **dict.fromkeys(",;，；、", "a comma or semicolon"),
    **dict.fromkeys("-–—", "a dash"),
}

OPTIONS = {
    "feature": Option(str, "heading", "what each response is compared on", tuple(FEATURES)),
    "fields": Option(list, ["response"], f"text fields compared: {', '.join(TEXT_FIELDS)}, or all"),
    "max-share": Option(float, 0.02, "report the side of a feature held by at most this share of the file"),
    "missing": Option(bool, False, "also report records lacking a feature that nearly all records have"),
    "min-norm": Option(float, 0.8, "ending: the most common ending must cover at least this share"),
    "min-records": Option(int, 50, "files with fewer records (with the field) have no norm and are skipped"),
    "skip-code": Option(bool, True, "ignore fenced code blocks when looking for the feature"),
}


@dataclass(frozen=True, slots=True)
class Compiled:
    feature: str
    regex: re.Pattern[str] | None
    fields: frozenset[str]
    skip_code: bool
    needles: tuple[str, ...] = ()


def prepare(options: dict[str, Any]) -> Compiled:
    unknown = set(options["fields"]) - {*TEXT_FIELDS, "all"}
    if unknown:
        raise ValueError(f"unknown field {sorted(unknown)[0]!r} in `fields` (fields: {', '.join(TEXT_FIELDS)}, all)")
    for key in ("max-share", "min-norm"):
        if not 0 <= options[key] <= 1:
            raise ValueError(f"`{key}` must be between 0 and 1")
    feature = options["feature"]
    skip_code = options["skip-code"] and feature not in ("code-fence", "edge-whitespace", "ending")
    return Compiled(feature, FEATURES[feature][0], frozenset(options["fields"]), skip_code, _NEEDLES.get(feature, ()))


def record_features(rule, record: Record) -> tuple[tuple[str, Any, str], ...] | None:
    """(field, value, pointer) per text field present: value is True/False, or an ending class.

    A field seen several times (the assistant turns of a chat) counts once: it has the feature if
    any of its texts has it, and its ending is the last text's ending."""
    compiled: Compiled = rule.state
    found: dict[str, tuple[str, Any, str]] = {}  # field -> the (field, value, pointer) returned
    for text in record.texts_of(compiled.fields):
        if not text.text.strip():
            continue
        if compiled.feature == "ending":
            value: Any = ending_class(text.text)
            usual = value == "sentence punctuation"
        elif text.field in found and found[text.field][1]:
            continue
        else:
            value = has_feature(compiled, text)
            usual = not value
        # The code test is the costly part: only texts on the rare side need it.
        if not usual and compiled.feature in _PROSE_ONLY and looks_like_code(text.text):
            continue
        # Short answers ("positive", "informal", "42") are labels, not prose: no casing or ending norm.
        if not usual and compiled.feature in _SENTENCE_ONLY and len(text.text.split(None, _MIN_WORDS)) < _MIN_WORDS:
            continue
        found[text.field] = (text.field, value, text.pointer)
    return tuple(found.values()) or None


def has_feature(compiled: Compiled, field: Text) -> bool:
    text = field.text
    feature = compiled.feature
    if feature == "edge-whitespace":
        return text[:1].isspace() or text[-1:].isspace()
    if feature == "lowercase-start":
        return _starts_lower(text)
    if feature == "space-runs" and ("|" in text or "\t" in text):
        return False  # tables and tab-separated columns are aligned with spaces on purpose
    if compiled.skip_code and "```" in text:
        text = _FENCED.sub("", text)
    # Tested on the text the regex searches: removing a code block can join two halves of a needle.
    if compiled.needles and not _contains_any(text, compiled.needles):
        return False
    if feature in _ON_LOWER:
        lowered = field.lower if text is field.text else text.lower()  # field.lower is computed once per text
        text = lowered.replace("\u2019", "'")
        if feature == "sign-off":
            text = text.rstrip()[-200:]
        else:
            text = text.lstrip()[:60]
    return compiled.regex.search(text) is not None


def _contains_any(text: str, needles: tuple[str, ...]) -> bool:
    for needle in needles:  # a plain loop: any() over a generator costs more than the `in` tests
        if needle in text:
            return True
    return False


def looks_like_code(text: str) -> bool:
    """Unfenced code or markup: a line that starts like code, or a text wrapped in <...> or {...}."""
    stripped = text.strip()
    if stripped[:1] in "<{[" and stripped[-1:] in ">}]":
        return True
    if stripped[:1] == "|":  # a markdown table
        return True
    return _CODE_LINE.search(_FENCED.sub("", text) if "```" in text else text) is not None


def _starts_lower(text: str) -> bool:
    stripped = text.lstrip()
    if not stripped or not stripped[0].isalpha() or not stripped[0].islower():
        return False
    # iPhone, eBay, x = 5, f(x): a lower-case letter followed by a capital, a digit or a symbol is a name or code.
    word = re.match(r"\w+", stripped)
    return word is not None and word.group().isalpha() and word.group().islower() and len(word.group()) > 1


_CLOSERS = "\"'”’»)]」』*_"


def ending_class(text: str) -> str:
    """What a text ends with; closing quotes and brackets are looked through ("...end." ends with a period)."""
    stripped = text.rstrip()
    if stripped.endswith("```"):
        return "a code fence"
    last = stripped.rstrip(_CLOSERS)[-1:] or stripped[-1:]
    if not last:
        return "nothing"
    if last in _ENDINGS:
        return _ENDINGS[last]
    if last.isalnum() or last in "%°$€£":
        return "a word or number"
    return "another symbol"


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    """Norms are per file and per field: a prompt convention says nothing about responses."""
    groups: dict[tuple[str, str], list[tuple[int, Any, str]]] = defaultdict(list)
    for index, (path, values) in enumerate(zip(table.paths, table.values, strict=True)):
        for field, value, pointer in values:
            groups[path, field].append((index, value, pointer))
    findings: list[DatasetFinding] = []
    for (_, field), members in groups.items():
        if len(members) < rule.options["min-records"]:
            continue
        decide = _rare_endings if rule.state.feature == "ending" else _minority
        findings.extend(decide(rule, field, members))
    # One finding per record (the first field), in record order.
    seen: set[int] = set()
    for finding in sorted(findings, key=lambda finding: finding.index):
        if finding.index not in seen:
            seen.add(finding.index)
            yield finding


def _minority(rule, field: str, members: list[tuple[int, Any, str]]) -> Iterator[DatasetFinding]:
    total = len(members)
    having = sum(1 for _, value, _ in members if value)
    what = FEATURES[rule.state.feature][1]
    max_share = rule.options["max-share"]
    if having and having / total <= max_share:
        others = total - having
        for index, value, pointer in members:
            if value:
                yield DatasetFinding(
                    index,
                    f"{field} has {what}, unlike {others} of {total} in this file ({_percent(others, total)})",
                    pointer=pointer,
                )
    elif rule.options["missing"] and having < total and (total - having) / total <= max_share:
        for index, value, pointer in members:
            if not value:
                yield DatasetFinding(
                    index,
                    f"{field} has no {what.removeprefix('a ')}, unlike {having} of {total} in this file "
                    f"({_percent(having, total)})",
                    pointer=pointer,
                )


def _rare_endings(rule, field: str, members: list[tuple[int, Any, str]]) -> Iterator[DatasetFinding]:
    total = len(members)
    counts = Counter(value for _, value, _ in members)
    norm, norm_count = counts.most_common(1)[0]
    if norm_count / total < rule.options["min-norm"]:
        return
    for index, ending, pointer in members:
        if ending != norm and counts[ending] / total <= rule.options["max-share"]:
            yield DatasetFinding(
                index,
                f"{field} ends with {ending}, while {_percent(norm_count, total)} of the {field}s in this file "
                f"end with {norm}",
                pointer=pointer,
            )


def _percent(part: int, total: int) -> str:
    return f"{100 * part / total:.0f}%" if part * 100 // total else f"{100 * part / total:.1f}%"


_ALIGNMENT = re.compile(r"\S {3,}\S")


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
        spans = [match.span() for match in rule.state.regex.finditer(text)]
        edits = replace_in_string(line, violation.line, violation.pointer, spans, " ")
    else:
        return None
    return Fix(rule.fix, tuple(edits)) if edits else None
