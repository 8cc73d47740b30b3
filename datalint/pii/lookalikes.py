"""The look-alikes instruction data is full of, shared by the detectors: made-up contact details
(Anytown, 555, John Doe), placeholder values (xxxx, 1234567), sequential digits, and numbers that
are part of a calculation or follow a word that makes them an identifier (order, SKU, ISBN)."""

from __future__ import annotations

import re

# The contact details of a text that also holds these are made up (a sample resume, a form).
FICTION = re.compile(
    r"anytown|anyville|anystate|\(555\)|\b555[-. ]\d{4}\b|\b(?:123|1234|12345) main st|\b(?:john|jane) doe\b|"
    r"lorem ipsum|\[your (?:full )?(?:name|e-?mail|phone|address)|@example\.(?:com|org|net)\b"
)
# An operator next to digits: the number is part of a calculation (456 + 9603979124 = ...).
_ARITHMETIC_BEFORE = re.compile(r"(?:[\d)]\s*[+*/×÷^=]|[=≈]|\d\s*\n)\s*$")
_ARITHMETIC_AFTER = re.compile(r"\s*(?:[+*/×÷^=]\s*[\d(]|=|\n\s*[-=_]{3,})")
_ARITHMETIC_NEAR = re.compile(r"\d\s*[+*×÷=]\s*\d|\d\s+/\s+\d")  # not 04/12: a date
# Words of calculations: the number is an operand or a result ("4539148803436467 squared").
_MATH_WORDS = re.compile(
    r"\b(?:plus|minus|times|divided|multipl\w*|squared|cubed|power|equals?|sum|product|quotient|remainder|"
    r"factorial|digits|divisible|primes?|factors?|modulo|sqrt|square root|calculat\w*|comput\w*|random)\b"
)
# Words that say the number after them is an identifier (order 4716..., SKU 212-748-3920, ISBN ...).
_IDENTIFIER_BEFORE = re.compile(
    r"\b(?:order|tracking|invoice|isbn|issn|imei|serial|sku|item|product|part|model|ref|reference|id|account|acct|"
    r"transaction|confirmation|receipt|barcode|upc|ean|iban|routing|policy|case|ticket|booking|claim|patent|lot|"
    r"batch|version|build|po|doi)s?\b(?:\s*(?:number|no\.?|nr\.?|#|id|code|num))?\W{0,6}$"
)


def not_personal_number(text: str, start: int, end: int, kind_word: re.Pattern[str]) -> bool:
    """A number that is part of a calculation, or an identifier (order, SKU, ISBN ...) rather than
    personal data. Words of calculations count only when no word of its kind (card, SSN, phone)
    stands right before it: "charged a sum of $40 to card 4556 ..." is a card."""
    before = text[max(0, start - 30) : start].lower()
    if _in_arithmetic(text, start, end) or _IDENTIFIER_BEFORE.search(before):
        return True
    if kind_word.search(before):
        return False
    return bool(_MATH_WORDS.search(text[max(0, start - 60) : start].lower() + " " + text[end : end + 40].lower()))


def _in_arithmetic(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 60) : start]
    return bool(
        _ARITHMETIC_BEFORE.search(before)
        or _ARITHMETIC_AFTER.match(text, end, end + 30)
        or _ARITHMETIC_NEAR.search(before)
        or _ARITHMETIC_NEAR.search(text, end, end + 30)
    )


def is_placeholder(value: str) -> bool:
    """xxxx, 0000, 1234..., abcabc: too few distinct characters or a run to be a real value."""
    core = re.sub(r"[^A-Za-z0-9]", "", value)
    lowered = core.lower()
    if len(set(lowered)) <= min(max(3, len(lowered) // 5), 8) and len(lowered) >= 8:
        return True
    return any(run in lowered for run in ("xxxx", "0000000", "1234567", "abcdef", "your", "placeholder", "redacted"))


_RUNS = tuple("0123456789"[i : i + 5] for i in range(6)) + tuple("9876543210"[i : i + 5] for i in range(6))


def looks_sequential(digits: str) -> bool:
    """Made-up digits: a run like 12345 or 98765, or one digit repeated."""
    return any(run in digits for run in _RUNS) or len(set(digits[-7:])) == 1
