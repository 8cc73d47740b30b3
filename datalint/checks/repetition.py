"""Repetition inside one answer: repeated lines, repeated word n-grams, and answers that only echo
the prompt.

The fractions are Gopher's (Rae et al. 2021, as in datatrove) adapted to instruction data:
web-text thresholds flag 41% of Alpaca answers (FACTS.md), mostly because one 2-gram "covers
too much" of a short answer. So a text must be long enough to judge (`min-words`, `min-lines`),
only n-grams that really occur twice or more count, and short lines (`}`, `---`, a fence) and
fenced code are not lines of prose. A request to repeat something exempts the answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from datalint.checks import Option
from datalint.records import Record
from datalint.violation import Finding

CHECKS = ("lines", "ngrams", "echo")
OPTIONS = {
    "check": Option(str, "ngrams", "lines: repeated lines; ngrams: repeated n-grams; echo: answer = prompt", CHECKS),
    "max-duplicate-share": Option(
        float, 0.6, "lines: share of lines that repeat an earlier line; ngrams: share of words inside repeated n-grams"
    ),
    "n": Option(int, 10, "ngrams: length of the word n-grams"),
    "min-words": Option(int, 30, "ngrams: shorter answers are not judged"),
    "min-lines": Option(int, 4, "lines: answers with fewer prose lines are not judged"),
    "min-line-chars": Option(int, 10, "lines: shorter lines (`}`, `---`, list markers) are not counted"),
}
_WORD = re.compile(r"\w+")
_FENCED = re.compile(r"```.*?(?:```|\Z)", re.S)
_ASKS_TO_REPEAT = re.compile(r"\brepeat|\btimes\b|重复|遍", re.I)


def check_record(rule, record: Record) -> Iterator[Finding]:
    options = rule.options
    check = options["check"]
    for index, turn in enumerate(record.turns):
        if turn.role != "assistant" or not turn.text:
            continue
        question = _question_before(record, index)
        if check == "echo":
            finding = _echo(record, turn, question)
        elif question is not None and _ASKS_TO_REPEAT.search(question):
            continue
        elif check == "lines":
            finding = _repeated_lines(turn.text, turn.pointer, options)
        else:
            finding = _repeated_ngrams(turn.text, turn.pointer, options)
        if finding is not None:
            yield finding


def _question_before(record: Record, index: int) -> str | None:
    for turn in reversed(record.turns[:index]):
        if turn.role == "user":
            return turn.text
    return None


def duplicate_line_share(text: str, min_chars: int) -> tuple[float, int, str]:
    """Share of prose lines that repeat an earlier line, the number of prose lines, the most repeated line."""
    if "```" in text:
        text = _FENCED.sub("", text)
    lines = [line for line in (raw.strip() for raw in text.split("\n")) if len(line) >= min_chars]
    if not lines:
        return 0.0, 0, ""
    counts = Counter(lines)
    repeats = len(lines) - len(counts)
    top = counts.most_common(1)[0][0] if repeats else ""
    return repeats / len(lines), len(lines), top


def _repeated_lines(text: str, pointer: str, options: dict[str, Any]) -> Finding | None:
    if text.count("\n") + 1 < options["min-lines"]:
        return None
    share, lines, top = duplicate_line_share(text, options["min-line-chars"])
    if lines < options["min-lines"] or share <= options["max-duplicate-share"]:
        return None
    return Finding(f"{share:.0%} of its {lines} lines repeat an earlier line (most repeated: {_quote(top)})", pointer)


def duplicate_ngram_share(words: list[str], n: int) -> tuple[float, tuple[str, ...]]:
    """Share of words inside an n-gram that occurs twice or more, and the most frequent such n-gram."""
    grams = list(zip(*(words[start:] for start in range(n)), strict=False))
    counts = Counter(grams)
    top, top_count = counts.most_common(1)[0]
    if top_count < 2:
        return 0.0, ()
    covered = bytearray(len(words))
    for start, gram in enumerate(grams):
        if counts[gram] > 1:
            covered[start : start + n] = b"\x01" * n
    return sum(covered) / len(words), top


def _repeated_ngrams(text: str, pointer: str, options: dict[str, Any]) -> Finding | None:
    n, limit = options["n"], options["max-duplicate-share"]
    words = _WORD.findall(text.lower())
    if len(words) < max(options["min-words"], 2 * n):
        return None
    # Words inside repeated n-grams occur at least twice, so few repeated words rule it out cheaply.
    if len(set(words)) > (1 - limit / 2) * len(words):
        return None
    share, top = duplicate_ngram_share(words, n)
    if share <= limit:
        return None
    example = _quote(" ".join(top))
    return Finding(f"{share:.0%} of its {len(words)} words are in repeated {n}-word runs, like {example}", pointer)


def _echo(record: Record, answer, question: str | None) -> Finding | None:
    said = " ".join(answer.text.split())
    if not said:
        return None
    candidates = [("the prompt", question)] if question is not None else []
    candidates += [(f"the {text.field}", text.text) for text in record.texts if text.field in ("instruction", "input")]
    for name, text in candidates:
        if text and " ".join(text.split()) == said:
            return Finding(f"answer only repeats {name}", answer.pointer)
    return None


def _quote(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
