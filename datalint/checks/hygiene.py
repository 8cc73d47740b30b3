"""Text hygiene: characters that should not be in training text, found one character class at a time.

Each rule names a class (`characters`): U+FFFD replacement characters, control characters,
invisible characters (zero-width and bidi controls), NBSP, mojibake (UTF-8 read as Latin-1 or
cp1252, `Ã©`), mixed line endings, or unbalanced markdown code fences. A class is one compiled
regex, run only on texts that may hold it: the kind checks all its rules at once
(`check_record_set`), finding once per record which classes its texts may hold by a few C-level
tests on the texts joined (ASCII-only? a control byte? a carriage return? three backticks?); the
non-ASCII classes then skip ASCII-only texts. The first occurrence per field is reported with its column, and the
message says how many there are in the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from datalint.checks import Option, fields_option
from datalint.records import Record, Text
from datalint.violation import Finding

# cp1252 shows the UTF-8 continuation bytes 0x80-0x9F as these characters; Latin-1 as C1 controls.
_CP1252_HIGH = (
    "\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d"
    "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
)
_CONTINUATION = f"[\u0080-\u00bf{_CP1252_HIGH}]"

CLASSES: dict[str, tuple[str, str, bool]] = {
    # name: (regex, what one match is called, needs non-ASCII text)
    "replacement": ("\ufffd", "U+FFFD replacement character", True),
    "control": ("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u0080-\u009f]", "control character", False),
    "invisible": (
        "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]",
        "invisible character",
        True,
    ),
    "nbsp": ("[\u00a0\u202f\u2007]", "no-break space", True),
    # Two- and three-byte UTF-8 sequences decoded as cp1252/Latin-1: Ã© (é), Â  (NBSP), â€™ (’).
    "mojibake": (f"[\u00c2\u00c3]{_CONTINUATION}|\u00e2\u20ac", "mojibake", True),
    "mixed-line-endings": (r"\r\n", "mixed line endings", False),
    # Any run of three backticks: a fence opens at a line start but may close at a line end ("});```"),
    # and "```cout << x```" is a fence pair on one line.
    "code-fence": (r"`{3,}", "unbalanced code fence", False),
}
NAMES = {
    "\ufffd": "U+FFFD",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\u2060": "word joiner",
    "\ufeff": "U+FEFF (byte order mark)",
    "\u00ad": "soft hyphen",
    "\u00a0": "NBSP",
    "\u202f": "narrow NBSP",
    "\u2007": "figure space",
}

OPTIONS = {
    "characters": Option(str, "replacement", "which character class to report", tuple(CLASSES)),
    "fields": fields_option(["all"], "text fields to check"),
}


@dataclass(frozen=True, slots=True)
class Compiled:
    name: str
    regex: re.Pattern[str]
    label: str
    non_ascii: bool
    fields: frozenset[str]
    find: Callable[[Compiled, Text], Finding | None]  # the class's test of one text


def prepare(options: dict[str, Any]) -> Compiled:
    name, fields = options["characters"], frozenset(options["fields"])
    pattern, label, non_ascii = CLASSES[name]
    find = _SPECIAL.get(name, _first_character)
    return Compiled(
        name,
        re.compile(pattern),
        label,
        non_ascii,
        fields,
        find,
    )


def prepare_set(rules: list) -> tuple[Compiled, ...]:
    return tuple(rule.state for rule in rules)


def check_record_set(rules: tuple[Compiled, ...], record: Record) -> list[tuple[int, Finding]]:
    """(position of the rule, its finding) for every hygiene rule at once: the classes a record's
    texts may hold, and its non-ASCII texts, are found once per set of fields for all the rules
    (most records hold no suspect, and every rule then returns at once)."""
    findings: list[tuple[int, Finding]] = []
    suspects_of: dict[frozenset[str], frozenset[str]] = {}
    non_ascii_of: dict[frozenset[str], list[Text]] = {}
    for position, compiled in enumerate(rules):
        fields = compiled.fields
        suspects = suspects_of.get(fields)
        if suspects is None:
            suspects = suspects_of[fields] = _suspects(record.texts_of(fields))
        if compiled.name not in suspects:
            continue
        if compiled.non_ascii:
            texts = non_ascii_of.get(fields)
            if texts is None:
                texts = non_ascii_of[fields] = [text for text in record.texts_of(fields) if not text.text.isascii()]
        else:
            texts = record.texts_of(fields)
        for field in texts:
            if compiled.name == "invisible" and _empty_turn(record, field, compiled.regex):
                continue  # a turn of nothing but invisible characters is S205's empty turn: one finding
            finding = compiled.find(compiled, field)
            if finding is not None:
                findings.append((position, finding))
    return findings


def _empty_turn(record: Record, field: Text, invisible: re.Pattern[str]) -> bool:
    if invisible.sub("", field.text).strip():
        return False
    return any(turn.pointer == field.pointer for turn in record.turns)


# Every printable ASCII character, and the tab and line breaks: what is left of ASCII text without them
# is control characters.
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\r"
_NON_ASCII_CLASSES = frozenset(name for name, (_, _, non_ascii) in CLASSES.items() if non_ascii)
_NO_SUSPECTS: frozenset[str] = frozenset()


def _suspects(texts: list[Text]) -> frozenset[str]:
    """The classes the texts may hold, from C-level tests on them joined (the separator adds none):
    most records hold none, and every hygiene rule then returns at once."""
    joined = "\n".join([field.text for field in texts])
    if joined.isascii():
        if "\r" not in joined and "```" not in joined and not joined.encode().translate(None, _PLAIN_ASCII):
            return _NO_SUSPECTS
        found = set()
    else:
        found = {*_NON_ASCII_CLASSES, "control"}  # C1 controls are not ASCII
    if "\r" in joined:
        found.add("mixed-line-endings")
    if "```" in joined:
        found.add("code-fence")
    if "control" not in found and joined.encode().translate(None, _PLAIN_ASCII):
        found.add("control")
    return frozenset(found)


def _first_character(compiled: Compiled, field: Text) -> Finding | None:
    text = field.text
    match = compiled.regex.search(text)
    if match is None:
        return None
    count = len(compiled.regex.findall(text))
    found = match.group()
    name = NAMES.get(found, f"{found!r}" if compiled.name == "mojibake" else f"U+{ord(found[0]):04X}")
    what = compiled.label if compiled.name in ("replacement", "nbsp") else f"{compiled.label} {name}"
    if compiled.name == "nbsp" and found != "\u00a0":
        what = f"{compiled.label} ({name})"
    more = f" ({count} in this field)" if count > 1 else ""
    return Finding(f"{what} in {field.field}{more}", field.pointer, match.span())


def _unexplained_character(compiled: Compiled, field: Text) -> Finding | None:
    """`_first_character` for the classes whose characters are sometimes right: a no-break space
    between a number and its unit or before French punctuation, a zero-width joiner inside an emoji
    sequence, a zero-width non-joiner inside a Persian or Indic word. Only the others are reported."""
    text = field.text
    explained = _EXPLAINED[compiled.name]
    wrong = [match for match in compiled.regex.finditer(text) if not explained(text, match.start())]
    if not wrong:
        return None
    found = wrong[0].group()
    name = NAMES.get(found, f"U+{ord(found):04X}")
    what = compiled.label if compiled.name == "nbsp" else f"{compiled.label} {name}"
    if compiled.name == "nbsp" and found != "\u00a0":
        what = f"{compiled.label} ({name})"
    more = f" ({len(wrong)} in this field)" if len(wrong) > 1 else ""
    return Finding(f"{what} in {field.field}{more}", field.pointer, wrong[0].span())


# Titles and abbreviations that typography binds to what follows ("Dr. Watson", "p. 12", "§ 3").
_BOUND_ABBREVIATIONS = frozenset(
    "mr. mrs. ms. dr. prof. st. no. nr. p. pp. vol. art. fig. ch. sec. § ¶ € $ £ ¥ n° nº".split()
)
_UNIT_AFTER = frozenset("%‰°′″€$£¥")
_FRENCH_BEFORE = frozenset(";:!?»›%")


def _typographic_nbsp(text: str, index: int) -> bool:
    """A no-break space that good typography puts there: inside a number (1 000), between a number
    and its unit (5 km, 760,000 sq mi, 23 AD), after a title or an abbreviation bound to a number
    (Dr. Watson, p. 12), before French high punctuation (« oui » ; !). Narrow and figure spaces are
    typographic by nature."""
    char = text[index]
    if char != "\u00a0":
        return True
    before, after = text[index - 1 : index], text[index + 1 : index + 2]
    if after in _FRENCH_BEFORE or before in "«‹" or after in _UNIT_AFTER:
        return True
    word_start = max(text.rfind(" ", 0, index), text.rfind("\n", 0, index), text.rfind("\u00a0", 0, index)) + 1
    word = text[word_start:index]
    if before.isdigit():
        return after.isalnum()
    if word.lower() in _BOUND_ABBREVIATIONS:
        return after.isalnum()
    # the second word of a unit after a number: "760,000 sq mi"
    return (
        0 < len(word) <= 3
        and word.isalpha()
        and text[word_start - 1 : word_start] == "\u00a0"
        and text[word_start - 2 : word_start - 1].isdigit()
    )


def _joins_legitimately(text: str, index: int) -> bool:
    """A zero-width joiner inside an emoji sequence (👨‍👩‍👧), a zero-width (non-)joiner inside an Arabic,
    Persian or Indic word, a direction mark beside right-to-left text, a zero-width space between Thai
    or Khmer words: the script needs them."""
    char = text[index]
    neighbours = text[index - 1 : index] + text[index + 1 : index + 2]
    if char == "\u200b":  # Thai, Lao, Khmer and Myanmar mark word breaks with zero-width spaces
        return any(_breaks_words_invisibly(neighbour) for neighbour in neighbours)
    if char not in _JOINERS:
        return False
    if char == "\u200d" and any(_is_emoji(neighbour) for neighbour in neighbours):
        return True
    return any(_needs_joiners(neighbour) for neighbour in neighbours)


_JOINERS = frozenset("\u200c\u200d\u200e\u200f")


def _breaks_words_invisibly(char: str) -> bool:
    code = ord(char)
    return 0x0E00 <= code <= 0x0EFF or 0x1000 <= code <= 0x109F or 0x1780 <= code <= 0x17FF


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or code in (0xFE0F, 0x2640, 0x2642, 0x20E3)


def _needs_joiners(char: str) -> bool:
    """Right-to-left and Indic scripts, where (non-)joiners and direction marks are spelling."""
    code = ord(char)
    return 0x0590 <= code <= 0x08FF or 0x0900 <= code <= 0x0DFF or 0xFB1D <= code <= 0xFEFC


_EXPLAINED = {"nbsp": _typographic_nbsp, "invisible": _joins_legitimately}


def _mixed_line_endings(compiled: Compiled, field: Text) -> Finding | None:
    text = field.text
    if "\r" not in text:
        return None
    crlf = text.count("\r\n")
    lone_lf = text.count("\n") - crlf
    lone_cr = text.count("\r") - crlf
    kinds = [name for name, count in (("CRLF", crlf), ("LF", lone_lf), ("CR", lone_cr)) if count]
    if len(kinds) < 2:
        return None
    counts = ", ".join(f"{count} {name}" for name, count in (("CRLF", crlf), ("LF", lone_lf), ("CR", lone_cr)) if count)
    return Finding(f"mixed line endings in {field.field} ({counts})", field.pointer)


def _unbalanced_fence(compiled: Compiled, field: Text) -> Finding | None:
    text = field.text
    if "```" not in text:
        return None
    fences = [match.span() for match in compiled.regex.finditer(text)]
    # Six or more backticks in a row are a fence pair with nothing between (an emptied code span).
    if sum(1 if end - start < 6 else 2 for start, end in fences) % 2 == 0:
        return None
    start, end = fences[-1]
    return Finding(
        f"unbalanced code fence in {field.field}: {len(fences)} ``` fences, the last one is never closed",
        field.pointer,
        (start, end),
    )


_SPECIAL = {
    "mixed-line-endings": _mixed_line_endings,
    "code-fence": _unbalanced_fence,
    "nbsp": _unexplained_character,
    "invisible": _unexplained_character,
}
