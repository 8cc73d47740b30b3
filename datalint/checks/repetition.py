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
from typing import Any

from datalint import intent
from datalint.checks import Option
from datalint.records import Record, Turn
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
# ASCII bytes -> themselves lower-cased when `\w` matches them, else a space (the rest of the
# table is never used): lower-casing and splitting ASCII text in one pass.
_ASCII_LOWER_WORD_BYTES = bytes(
    ord(chr(byte).lower()) if chr(byte).isalnum() or byte == ord("_") else ord(" ") for byte in range(256)
)
# The ASCII bytes `\w` matches: deleting them leaves the separators, one at least between two words.
_ASCII_WORD_BYTES = bytes(byte for byte in range(128) if chr(byte).isalnum() or byte == ord("_"))
# Below this length counting the separators first is worth it: such texts often have too few words.
_SHORT = 300
_FENCED = re.compile(r"```.*?(?:```|\Z)", re.S)
_ASKS_TO_REPEAT = re.compile(r"\brepeat|\btimes\b|重复|遍", re.I)


def check_record(rule, record: Record) -> list[Finding] | tuple[()]:
    # A list (or an empty tuple) rather than a generator: nearly every call finds nothing.
    options = rule.options
    check = options["check"]
    found = None
    for index, turn in enumerate(record.turns):
        if turn.role != "assistant" or not turn.text:
            continue
        if check == "echo":
            finding = _echo(record, turn, _user_turn_before(record, index))
        elif check == "lines":
            finding = _repeated_lines(turn.text, turn.pointer, options)
        else:
            finding = _repeated_ngrams(turn.text, turn.pointer, options)
        if finding is None:
            continue
        # A request to repeat exempts the answer; asked only of the few answers with a finding.
        if check != "echo":
            question = _question_before(record, index)
            if question is not None and _ASKS_TO_REPEAT.search(question):
                continue
        if found is None:
            found = []
        found.append(finding)
    return found or ()


def _question_before(record: Record, index: int) -> str | None:
    turn = _user_turn_before(record, index)
    return turn.text if turn is not None else None


def _user_turn_before(record: Record, index: int) -> Turn | None:
    turns = record.turns
    for before in range(index - 1, -1, -1):
        if turns[before].role == "user":
            return turns[before]
    return None


def duplicate_line_share(text: str, min_chars: int) -> tuple[float, int, str]:
    """Share of prose lines that repeat an earlier line, the number of prose lines, the most repeated line."""
    lines = _prose_lines(text, min_chars)
    if not lines:
        return 0.0, 0, ""
    counts = Counter(lines)
    repeats = len(lines) - len(counts)
    top = counts.most_common(1)[0][0] if repeats else ""
    return repeats / len(lines), len(lines), top


def _prose_lines(text: str, min_chars: int) -> list[str]:
    if "```" in text:
        text = _FENCED.sub("", text)
    return [line for line in map(str.strip, text.split("\n")) if len(line) >= min_chars]


def _repeated_lines(text: str, pointer: str, options: dict[str, Any]) -> Finding | None:
    if text.count("\n") + 1 < options["min-lines"]:
        return None
    # The share by a set first (most answers repeat no line); the Counter only for a finding.
    lines = _prose_lines(text, options["min-line-chars"])
    share = (len(lines) - len(set(lines))) / len(lines) if lines else 0.0
    if len(lines) < options["min-lines"] or share <= options["max-duplicate-share"]:
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


def lower_words(text: str) -> list[str] | list[bytes]:
    """The `\\w+` words of a text, lower-cased. ASCII text (nearly all of an English dataset) is
    split by bytes.translate + split, about twice as fast as the regex; its words are then bytes."""
    if text.isascii():
        return text.encode().translate(_ASCII_LOWER_WORD_BYTES).split()
    return _WORD.findall(text.lower())


def repeated_run_bound(words: list, n: int) -> float:
    """An upper bound of the share of words inside repeated n-grams.

    Every word of an n-gram that occurs twice occurs twice itself, so it sits in a run of at
    least n consecutive words that each occur twice or more. Counting words is C work (Counter),
    and so is marking and splitting the runs; most long answers have no such run of 10 words."""
    counts = Counter(words)
    repeated = {word for word, count in counts.items() if count > 1}
    marks = bytes(map(repeated.__contains__, words))  # 1 for a repeated word, 0 for a single one
    return sum(len(run) for run in marks.split(b"\x00") if len(run) >= n) / len(words)


def repeated_bigram_bound(words: list) -> float:
    """An upper bound of the share of words inside repeated n-grams, for any n >= 2.

    Each word of a repeated n-gram is in one of its bigrams, which repeats too; and a repeated
    bigram position covers at most two words. Counting bigrams is much cheaper than n-grams."""
    counts = Counter(zip(words, words[1:], strict=False))
    return 2 * sum(count for count in counts.values() if count > 1) / len(words)


def _repeated_ngrams(text: str, pointer: str, options: dict[str, Any]) -> Finding | None:
    n, limit = options["n"], options["max-duplicate-share"]
    min_words = max(options["min-words"], 2 * n)
    if len(text) < 2 * options["min-words"] - 1:  # fewer characters than min-words words need
        return None
    if len(text) < _SHORT and text.isascii() and len(text.encode().translate(None, _ASCII_WORD_BYTES)) < min_words - 1:
        return None  # words are separated by non-word characters: too few of them, too few words
    words = lower_words(text)
    if len(words) < min_words:
        return None
    # Words inside repeated n-grams occur at least twice, so few repeated words rule it out cheaply.
    if len(set(words)) > (1 - limit / 2) * len(words):
        return None
    # Two upper bounds of the share, cheapest first: most long answers stop at the first.
    if n >= 2 and repeated_bigram_bound(words) <= limit or repeated_run_bound(words, n) <= limit:
        return None
    share, top = duplicate_ngram_share(words, n)
    if share <= limit:
        return None
    example = _quote(" ".join(word.decode() if isinstance(word, bytes) else word for word in top))
    return Finding(f"{share:.0%} of its {len(words)} words are in repeated {n}-word runs, like {example}", pointer)


def _echo(record: Record, answer: Turn, asked: Turn | None) -> Finding | None:
    """An answer that only repeats its prompt, its instruction, or its input where the
    instruction asks for a changed text. Repeating the input is the right answer of many tasks
    (correct a sentence that has no error, sort a list already sorted, match pairs the input
    already matches), so only a request to change the text (rewrite, replace, remove, change the
    tense ...) makes it a defect, and so does repeating a placeholder input ("N/A")."""
    stripped = answer.text.strip()
    if not stripped:
        return None
    if asked is None or not asked.text:
        return None
    first = _first_word(stripped)
    question = asked.text
    if _same_text(question, stripped, first) and not intent.asks_to_repeat(question):
        return Finding("answer only repeats the prompt", answer.pointer)
    # The texts of this exchange: its instruction (an Alpaca user turn is instruction + input).
    instruction = next((text.text for text in record.texts if text.pointer == asked.pointer), question)
    for text in record.texts:
        if text.pointer == asked.pointer and _same_text(text.text, stripped, first):
            if not intent.asks_to_repeat(text.text):
                return Finding("answer only repeats the instruction", answer.pointer)
        elif text.field == "input" and _same_text(text.text, stripped, first):
            if intent.is_placeholder(stripped):
                return Finding(f"answer only repeats the placeholder input {_quote(stripped)}", answer.pointer)
            if intent.asks_for_change(instruction) and not intent.accepts_unchanged(instruction):
                return Finding(_UNCHANGED, answer.pointer)
    return None


_UNCHANGED = "answer repeats the input unchanged, but the instruction asks to change it"


def _first_word(stripped: str) -> str:
    """The first word of a text without leading whitespace, cut at 64 characters (a prefix test:
    equal first words give equal cut words; the full comparison follows)."""
    return stripped[:64].split(None, 1)[0]


def _same_text(candidate: str, answer: str, answer_first: str) -> bool:
    """Equal up to leading and trailing whitespace of the text and of its lines. Spaces inside a
    line and line breaks count: removing extra spaces or splitting a paragraph is a change."""
    stripped = candidate.strip()
    if not stripped or stripped[0] != answer_first[0] or _first_word(stripped) != answer_first:
        return False
    if stripped == answer:
        return True
    return _layout(stripped) == _layout(answer)


def _layout(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]


def _quote(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
