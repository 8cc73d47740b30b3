"""Length: absolute bounds, runaway answers, answers too short for the task, truncated answers.

Each answer is read with the prompt it answers (the user turn before it; an Alpaca record's
instruction). `check` chooses what is reported:
- `bounds` (record pass): a field longer than `max` or shorter than `min`, counted in `unit`
  (chars, words, or approximate tokens: one per CJK/non-ASCII character plus one per four ASCII
  characters, close to BPE tokenizers on English and Chinese);
- `outlier` (dataset pass): a text `min-ratio` times longer than the texts of the same kind of
  task and `threshold` robust deviations (MADs of log length) above them: the same `type` label,
  else the same prompt template (first or last words), else the whole file when its prompts are
  mostly one-off;
- `ratio` (dataset pass): log(response length / prompt length) far from the file's median;
- `too-short` (record pass): the prompt asks for long-form writing ("write an essay about ...")
  as its task, not for something short, and the response has fewer than `min` words;
- `truncated` (record pass): the response stops mid-clause: a final comma, an open bracket, an
  empty list item, or a last word that cannot end a clause (article, determiner, conjunction,
  auxiliary, a preposition with nothing after it), in prose; not code, keyword lists, labels,
  names, verse, or fragments the prompt asked for. An unclosed code fence is F007.

The truncation test and the dataset pass's norms are in `datalint/length/`.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from datalint import feature_types
from datalint.checks import Option, fields_option
from datalint.feature_types import CATEGORY, FLOAT64, INT64, NO_FEATURES, UINT32, rows
from datalint.intent.size import asks_for_short_answer
from datalint.length.outliers import Features, robust_outliers, runaways
from datalint.length.truncation import truncation
from datalint.records import Record, Text
from datalint.violation import DatasetFinding, Finding

CHECKS = ("bounds", "outlier", "ratio", "too-short", "truncated")
UNITS = ("chars", "words", "tokens")
OPTIONS = {
    "check": Option(str, "bounds", "what to check", CHECKS),
    "fields": fields_option(["response"], "text fields measured"),
    "unit": Option(str, "tokens", "bounds: what is counted", UNITS),
    "min": Option(int, 0, "bounds: fewest units (0: no minimum); too-short: fewest words for long-form tasks"),
    "max": Option(int, 0, "bounds: most units (0: no maximum)"),
    "threshold": Option(float, 5.0, "outlier, ratio: robust z-score (distance from the median in MADs) to report"),
    "side": Option(str, "both", "ratio: which side to report (outlier reports long texts)", ("both", "high", "low")),
    "min-records": Option(
        int, 50, "ratio: files (or type groups) with fewer are not judged; outlier: fewer have no spread"
    ),
    "by-type": Option(bool, True, "outlier, ratio: judge each `type` label value against its own rows"),
    "min-length": Option(int, 1000, "outlier: a long outlier must also have at least this many characters"),
    "min-ratio": Option(float, 10.0, "outlier: a long outlier is this many times its task's median length"),
    "min-group": Option(int, 20, "outlier: fewest texts of one template (or `type`) to judge together"),
}
_WORD = re.compile(r"\w+")
_WIDE = re.compile("[\u2e80-\U0010ffff]")  # ord(char) >= 0x2E80: CJK and beyond
# A request for long-form writing, as the task itself: at the start of a sentence (after polite
# openers), the verb, at most two modifiers, then the noun, followed by what it is about ("Write a
# short story about ..."), not by another noun ("a story starter", "a story prompt").
_LONG_FORM = re.compile(
    r"(?:^|[.!?:\n]\s*|\band\s+)"
    r"(?:(?:please|kindly|now|also|then|can you|could you|would you|will you|i want you to|i need you to|"
    r"i'd like you to|help me)\s+)*"
    r"(?:write|compose|draft|create|produce|generate|prepare)\s+(?:me\s+|us\s+)?(?:(?:a|an|the|one|my|our|this)\s+)?"
    r"(?:(?!(?:for|of|to|about|on|with|from|the|a|an|and|or)\b)[\w'-]+\s+){0,2}?"
    r"(?<!user )(?:essay|article|blog post|story|report|speech|letter|narrative|chapter|sermon|eulogy|paragraphs)"
    r"(?=\s*$|\s*[.,;:!?)]|\s+(?:about|on|for|that|which|describing|explaining|discussing|exploring|arguing|"
    r"comparing|to|in|of|based|from|with|regarding|using|where|set|titled|called|entitled|aimed|targeted|"
    r"introducing|persuading|convincing|analy[sz]ing|summari[sz]ing|highlighting|detailing|addressing|"
    r"outlining|telling|asking|thanking|apologi[sz]ing|inviting|requesting)\b)"
    r"|\b(?:write|compose|draft|create|produce|generate)\b[^.?!\n]{0,60}?\b\d{3,4}[- ]words?\b"
    r"|\bin (?:at least |about |around |approximately )?\d{3,4} words\b|\bat least \d{3,4} words\b"
    r"|\bdetailed explanation\b",
    re.I,
)
# What a match of _LONG_FORM needs (lower-cased): a verb and a noun, or the words of its other branches.
_LONG_FORM_VERBS = ("write", "generate", "create", "compose", "produce", "draft", "prepare")
_LONG_FORM_NOUNS = (
    "essay",
    "article",
    "blog post",
    "story",
    "report",
    "speech",
    "letter",
    "narrative",
    "chapter",
    "sermon",
    "eulogy",
    "paragraphs",
)
_THREE_DIGITS = re.compile(r"[0-9]{3}")


def check_options(options: dict[str, Any]) -> None:
    if options["check"] == "bounds" and not options["min"] and not options["max"]:
        raise ValueError("a bounds rule needs `min` or `max`")


def prepare(options: dict[str, Any]) -> frozenset[str]:
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
    minimum = rule.options["min"] or 30
    findings = []
    for text in record.texts_of(rule.state):
        prompt = _task_of(record, text.pointer)[:500]
        if not prompt or not _may_ask_long_form(prompt):
            continue  # the cheap test first: most prompts lack the words a long-form request needs
        words = measure(text.text, "words")
        if not 0 < words < minimum or text.text.rstrip().endswith("?"):
            continue  # a clarifying question is a fair short answer
        match = _LONG_FORM.search(prompt)
        if match is None or asks_for_short_answer(prompt):
            continue  # "a 6-word story", "a title for an article": the short answer was asked for
        findings.append(
            Finding(
                f"{text.field} has {words} word{'s' if words != 1 else ''} but the instruction asks for "
                f"long-form writing ({match.group().strip(' .!?:,')!r})",
                text.pointer,
            )
        )
    return findings


def _prompt_of(record: Record, pointer: str) -> str:
    """The user turn a response answers: the last one before it (an Alpaca record's instruction
    and input together), or "" when there is none."""
    prompt = ""
    for turn in record.turns:
        if turn.pointer == pointer:
            return prompt
        if turn.role == "user" and turn.text:
            prompt = turn.text
    return prompt


def _task_of(record: Record, pointer: str) -> str:
    """What a response was asked: its prompt, or an Alpaca record's instruction alone (the input is data)."""
    prompt = _prompt_of(record, pointer)
    for text in record.texts:
        if text.pointer == "/instruction" and prompt.startswith(text.text):
            return text.text
    return prompt


def _truncated(rule, record: Record) -> list[Finding]:
    findings = []
    for text in record.texts_of(rule.state):
        reason = truncation(text.text)
        if reason:  # the prompt is looked up only for the few texts that look cut off
            reason = truncation(text.text, _prompt_of(record, text.pointer))
        if reason:
            findings.append(Finding(f"{text.field} looks cut off: {reason}", text.pointer, _tail_span(text.text)))
    return findings


def _may_ask_long_form(head: str) -> bool:
    """False when `_LONG_FORM` cannot match: it lacks the words the regex needs. Only for ASCII
    text: re.I also folds a few non-ASCII letters (ſ, K) that lower() keeps apart."""
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


def _tail_span(text: str) -> tuple[int, int]:
    end = len(text.rstrip())
    return (max(0, end - 1), end)


def features(rule) -> feature_types.Features:
    """A row per text: its field ("ratio" for the ratio check), the record's task type, the log of
    its length, its pointer, its length and the prompt's; outliers add the CRC-32 of the prompt's
    first and last words."""
    check = rule.options["check"]
    common = {"field": CATEGORY, "group": CATEGORY, "log_len": FLOAT64, "pointer": CATEGORY, "size": INT64}
    if check == "ratio":
        return rows(**common, prompt=INT64)
    if check == "outlier":
        return rows(**common, prompt=INT64, head=UINT32, tail=UINT32)
    return NO_FEATURES


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
    values = [_length_feature(record, text, group) for text in record.texts_of(rule.state) if not _blank(text.text)]
    return tuple(values) or None


def _blank(text: str) -> bool:
    return not text or text.isspace()  # not text.strip(), without the copy


def _length_feature(record: Record, text: Text, group: str | None) -> tuple:
    size = len(text.text)
    template = _template(_task_of(record, text.pointer))
    return (text.field, group, math.log(size + 1), text.pointer, size, 0, *template)


def _template(prompt: str) -> tuple[int, int]:
    """The prompt's first and last words: records rendered from one template share one or the other
    ("Summarize the following article: ...", "...\nIs this review positive or negative?"). Kept as
    CRC-32 checksums: small features, the same in every worker process (unlike hash())."""
    head = _LETTERS.findall(prompt[:120].lower())[:4]
    tail = _LETTERS.findall(prompt[-120:].lower())[-4:]
    return (zlib.crc32(" ".join(head).encode()), zlib.crc32(" ".join(tail).encode()))


_LETTERS = re.compile(r"[a-z]+")


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    features = Features(table)
    groups = features.positions_by_key()
    if rule.options["check"] == "outlier":
        yield from runaways(rule, features, groups)
        return
    minimum = rule.options["min-records"]
    # A type with too few rows is judged with its whole file instead.
    judged: dict[tuple, list[np.ndarray]] = defaultdict(list)
    for (path, field, group), members in groups.items():
        key = (path, field, group) if group is not None and len(members) >= minimum else (path, field, None)
        judged[key].append(members)
    findings: dict[int, DatasetFinding] = {}
    for (_, field, group), parts in judged.items():
        members = np.concatenate(parts)
        if len(members) < minimum:
            continue
        for finding in robust_outliers(rule, field, group, features, members):
            findings.setdefault(finding.index, finding)
    yield from (findings[index] for index in sorted(findings))
