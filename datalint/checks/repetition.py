"""Repetition inside one answer: generation loops of lines or sentences (Q004) and of runs of
words (Q005), and answers that only echo the prompt (Q006).

A loop is the same unit over and over: "I love you. I love you. I love you. ..." or the same
line numbered 1 to 20. Share-based measures (Gopher's, as in datatrove) flag answers whose parts
merely share a template: an HTML table of `<td>Row 1</td>` cells, a survey whose questions all
offer "Very satisfied ... Very dissatisfied", a weekly schedule, Java setters. Those are not
loops, so here a unit must repeat back to back (`min-repeats` times, as one sentence or a cycle
of a few) in the prose of the answer: fenced code, lines of code or markup and
table rows are not prose, list numbering is not part of a line, and a request to repeat
something exempts the answer.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from datalint.checks import Option
from datalint.intent.change import accepts_unchanged, asks_for_change, asks_to_repeat, is_placeholder
from datalint.records import Record, Turn
from datalint.violation import Finding

CHECKS = ("lines", "ngrams", "echo")
OPTIONS = {
    "check": Option(
        str,
        "ngrams",
        "lines: a line or sentence in a loop; ngrams: a run of words in a loop; echo: answer = prompt",
        CHECKS,
    ),
    "min-repeats": Option(int, 5, "lines, ngrams: back-to-back repeats that make a loop"),
    "max-cycle-lines": Option(int, 8, "lines: lines or sentences in a repeating cycle"),
    "max-run-words": Option(int, 60, "ngrams: words in a repeating run"),
    "min-words": Option(int, 20, "ngrams: words a loop must cover"),
    "min-line-chars": Option(int, 8, "lines: shorter lines and sentences (`}`, `---`, a list label) are not counted"),
}
# Words, and each CJK character alone (Chinese and Japanese write no spaces between words).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_WORD = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")
# ASCII bytes -> themselves lower-cased when `\w` matches them, else a space (the rest of the
# table is never used): lower-casing and splitting ASCII text in one pass.
_ASCII_LOWER_WORD_BYTES = bytes(
    ord(chr(byte).lower()) if chr(byte).isalnum() or byte == ord("_") else ord(" ") for byte in range(256)
)
_FENCED = re.compile(r"```.*?(?:```|\Z)", re.S)
# Lines that are not prose: table rows, markup, code (a statement, a block, an assignment).
_NOT_PROSE_LINE = re.compile(
    r"\s*(?:\||<|[{}\[\]]|//|#include|(?:def|class|import|return|public|private|protected|static|void|var|let|"
    r"const|function|for|while|if|elif|else|case)\b)|.*(?:\|.*\||[;{}]\s*$|\w\s*=\s*\S|\)\s*$)"
)
# List numbering and bullets, and the label of a numbered item ("Step 3:", "Day 2 -").
_LIST_MARKER = re.compile(r"\A\s*(?:[-*•·>+]+|\(?\w{1,3}[.)\]]|(?:\w+\s+)?\d+\s*[:.)\-–])\s*")
_UNIT_ENDS = ("\n", ".", "!", "?", "。", "！", "？")
_RAW_UNITS = re.compile(r"[\n.!?。！？]")
_MARKER_CHARACTERS = " \t*-•·>+0123456789.)(:[]"
_NO_DIGITS = str.maketrans("", "", "0123456789")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")
_TWO_WORDS = re.compile(r"[^\W\d_]{2,}\W+(?:\S+\W+)*?[^\W\d_]{2,}|[\u3400-\u9fff\uac00-\ud7af\u3040-\u30ff]{4}")


_UNIT_PUNCTUATION = re.compile(r"[\s.,;:!?。，；：！？\"'“”‘’()*_]+")


def check_record(rule, record: Record) -> list[Finding] | tuple[()]:
    # A list (or an empty tuple) rather than a generator: nearly every call finds nothing.
    options = rule.options
    check = options["check"]
    found = None
    for index, turn in enumerate(record.turns):
        if turn.role != "assistant" or not turn.text:
            continue
        if check == "echo":
            finding = _echo(record, turn, record.user_turn_before(index))
        elif check == "lines":
            finding = _repeated_lines(turn.text, turn.pointer, options)
        else:
            finding = _repeated_ngrams(turn.text, turn.pointer, options)
        if finding is None:
            continue
        # A request to repeat exempts the answer; asked only of the few answers with a finding.
        if check != "echo":
            question = _question_before(record, index)
            if question is not None and asks_to_repeat(question):
                continue
        if found is None:
            found = []
        found.append(finding)
    return found or ()


def _question_before(record: Record, index: int) -> str | None:
    turn = record.user_turn_before(index)
    return turn.text if turn is not None else None


def prose_units(text: str) -> list[str]:
    """The lines and sentences of an answer's prose, normalised so that a loop shows as equal
    units: lower case, no list numbering, no punctuation. Code, markup and table rows are left
    out."""
    if "```" in text:
        text = _FENCED.sub("\n", text)
    units = []
    for line in text.split("\n"):
        if not line.strip() or _NOT_PROSE_LINE.match(line):
            continue
        for sentence in _SENTENCE_END.split(_LIST_MARKER.sub("", line, count=1)):
            unit = _UNIT_PUNCTUATION.sub(" ", sentence.lower()).strip()
            if unit:
                units.append(unit)
    return units


def is_wordy(unit: str, min_chars: int) -> bool:
    """Long enough, with two words of two letters or more or four CJK characters: language, not
    a `---`, a list label, a row of figures or a chord line."""
    return len(unit) >= min_chars and _TWO_WORDS.search(unit) is not None


def longest_loop(units: list, max_period: int) -> tuple[int, int, int]:
    """The longest back-to-back repetition in a sequence: (repeats, period, start). A cycle of
    `period` units repeated `repeats` times starts at `start`; (1, 0, 0) when nothing repeats."""
    best = (1, 0, 0)
    count = len(units)
    for period in range(1, max_period + 1):
        run = 0  # units equal to the one `period` before, in a row
        for index in range(period, count):
            if units[index] == units[index - period]:
                run += 1
                repeats = run // period + 1
                if repeats > best[0]:
                    best = (repeats, period, index - run - period + 1)
            else:
                run = 0
    return best


def _repeated_lines(text: str, pointer: str, options: dict[str, Any]) -> Finding | None:
    min_repeats = options["min-repeats"]
    if sum(map(text.count, _UNIT_ENDS)) + 1 < min_repeats:
        return None  # too few lines and sentences to hold a loop
    # A cheap look first (split, strip numbering, drop digits): a loop leaves min-repeats - 1
    # parts equal to an earlier one, and most answers have none.
    parts = [part.strip(_MARKER_CHARACTERS).translate(_NO_DIGITS).lower() for part in _RAW_UNITS.split(text)]
    parts = [part for part in parts if part]
    if len(set(parts)) > len(parts) - min_repeats + 1:
        return None
    units = prose_units(text)
    if len(units) < min_repeats or len(set(units)) > len(units) - min_repeats + 1:
        return None  # a loop of n repeats leaves at least n - 1 units equal to an earlier one
    repeats, period, start = longest_loop(units, options["max-cycle-lines"])
    cycle = units[start : start + period]
    if repeats >= min_repeats and any(is_wordy(unit, options["min-line-chars"]) for unit in cycle):
        what = "line" if period == 1 else f"cycle of {period} lines"
        example = _quote(" / ".join(cycle))
        return Finding(f"the same {what} repeats {repeats} times in a row: {example}", pointer)
    return None


def lower_words(text: str) -> list[str] | list[bytes]:
    """The `\\w+` words of a text, lower-cased, a CJK character being a word. ASCII text (nearly
    all of an English dataset) is split by bytes.translate + split, about twice as fast as the
    regex; its words are then bytes."""
    if text.isascii():
        return text.encode().translate(_ASCII_LOWER_WORD_BYTES).split()
    return _WORD.findall(text.lower())


def _repeated_ngrams(text: str, pointer: str, options: dict[str, Any]) -> Finding | None:
    """A run of words repeated back to back (`min-repeats` times or more, `min-words` words or
    more in all): "ooh ah giggle ooh ah giggle ...", "eat a banana eat a banana ...". The run
    must hold a word (a vector of zeros or a chord sheet is no loop), and lines of code, markup
    and tables are left out: their rows share a template by nature."""
    if len(text) < 2 * options["min-words"]:
        return None
    # The whole text first, numbers left out (one split, C work): when it has no loop, neither has
    # its prose. Code and tables are set aside, and list numbering, only when it loops.
    if _word_loop([word for word in lower_words(text) if not word.isdigit()], options) is None:
        return None
    if "```" in text:
        text = _FENCED.sub("\n", text)
    lines = (_LIST_MARKER.sub("", line, count=1) for line in text.split("\n") if not _NOT_PROSE_LINE.match(line))
    words = lower_words("\n".join(lines))
    found = _word_loop(words, options)
    if found is None:
        return None
    repeats, period, start = found
    run = " ".join(word.decode() if isinstance(word, bytes) else word for word in words[start : start + period])
    return Finding(f"the same {period}-word run repeats {repeats} times in a row: {_quote(run)}", pointer)


def _is_word(word: str | bytes) -> bool:
    """Letters, two or more of them or one CJK character: not a number, not a chord or a list label."""
    return word.isalpha() and (len(word) > 1 or isinstance(word, str) and word > "\u3000")


def _word_loop(words: list, options: dict[str, Any]) -> tuple[int, int, int] | None:
    """The first back-to-back repetition of a run of up to `max-run-words` words that repeats
    `min-repeats` times and covers `min-words` words: (repeats, period, start), or None.

    Every such loop holds a word (two letters or more) at distance `period` from itself, again
    and again, so the candidate periods come from the distances between a frequent word's
    occurrences, are checked on those occurrences (set lookups), and only then by comparing
    list slices (C work)."""
    min_repeats, min_words, max_period = options["min-repeats"], options["min-words"], options["max-run-words"]
    if len(words) < min_words:
        return None
    # Each word of a loop sits in a word pair that repeats min-repeats times (a pair (w, w) for a
    # loop of one word): pairs counted in C rule out most answers.
    pairs = Counter(zip(words, words[1:], strict=False))
    repeated = [pair for pair, count in pairs.items() if count >= min_repeats]
    frequent = {word for pair in repeated for word in pair if _is_word(word)}
    if not frequent:
        return None
    positions: dict = {}
    for index in [index for index, word in enumerate(words) if word in frequent]:
        positions.setdefault(words[index], []).append(index)
    for places in positions.values():
        place_set = set(places)
        for offset, start in enumerate(places):
            for following in places[offset + 1 :]:
                period = following - start
                if period > max_period:
                    break
                repeats_needed = max(min_repeats, -(-min_words // period))
                if any(start + step * period not in place_set for step in range(2, repeats_needed)):
                    continue
                end = start + repeats_needed * period
                if end <= len(words) and words[start : end - period] == words[start + period : end]:
                    repeats = repeats_needed
                    cycle = words[start : start + period]
                    while words[start + repeats * period : start + (repeats + 1) * period] == cycle:
                        repeats += 1
                    return repeats, period, start
    return None


def _echo(record: Record, answer: Turn, asked: Turn | None) -> Finding | None:
    """An answer that only repeats its prompt, its instruction, or its input where the
    instruction asks for a changed text. Repeating the input is the right answer of many tasks
    (correct a sentence that has no error, sort a list already sorted, match pairs the input
    already matches), so only a request to change the text (rewrite, replace, remove, change the
    tense ...) makes it a defect. Repeating a placeholder input ("N/A" for "N/A") is left to S209
    placeholder-answer, which reports the answer itself."""
    stripped = answer.text.strip()
    if not stripped:
        return None
    if asked is None or not asked.text:
        return None
    first = _first_word(stripped)
    question = asked.text
    if _same_text(question, stripped, first) and not asks_to_repeat(question):
        return Finding("answer only repeats the prompt", answer.pointer)
    # The texts of this exchange: its instruction (an Alpaca user turn is instruction + input).
    instruction = next((text.text for text in record.texts if text.pointer == asked.pointer), question)
    for text in record.texts:
        if text.pointer == asked.pointer and _same_text(text.text, stripped, first):
            if not asks_to_repeat(text.text):
                return Finding("answer only repeats the instruction", answer.pointer)
        elif text.field == "input" and _same_text(text.text, stripped, first):
            if is_placeholder(stripped):
                return None  # an answer that stands for no answer is S209's: one root cause, one finding
            if asks_for_change(instruction) and not accepts_unchanged(instruction):
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
