"""Payment card numbers: printed as cards group them, an issuer's prefix and length, a valid Luhn
check digit, not a published test card."""

from __future__ import annotations

import re
from collections.abc import Iterator

from datalint.pii import Match
from datalint.pii.lookalikes import FICTION, is_placeholder, looks_sequential, not_personal_number

_CARD_WORD = re.compile(r"\b(?:card|visa|mastercard|amex|american express|discover|cc|credit|debit|pan)\b")
_CARD = re.compile(r"(?=\d)(?<![\w+/-])(?<!\d[.,])\d(?:[ -]?\d){12,18}(?!\w|[.,/-]\d)")
_TEST_CARDS = frozenset(
    {
        "4111111111111111", "4242424242424242", "4012888888881881", "4000056655665556", "4222222222222",
        "5555555555554444", "5105105105105100", "5200828282828210", "2223003122003222", "378282246310005",
        "371449635398431", "378734493671000", "6011111111111117", "6011000990139424", "3530111333300000",
        "3566002020360505", "30569309025904", "38520000023237", "6200000000000005",
    }
)  # fmt: skip


def find_cards(text: str, allow: frozenset[str]) -> Iterator[Match]:
    for match in _CARD.finditer(text):
        value = match.group()
        digits = value.replace(" ", "").replace("-", "")
        if digits in _TEST_CARDS or value in allow or digits in allow or not _card_layout(value):
            continue
        if not _issuer_length(digits) or not luhn_valid(digits) or is_placeholder(digits) or looks_sequential(digits):
            continue
        start, end = match.span()
        if not_personal_number(text, start, end, _CARD_WORD):
            continue
        if FICTION.search(text.lower()):
            return
        yield Match("credit card number", start, end, "**** " + digits[-4:])


def _card_layout(value: str) -> bool:
    """One run of digits, or groups as cards print them: 4-4-4-4(-3), Amex 4-6-5, Diners 4-6-4."""
    if value.isdigit():
        return True
    if " " in value and "-" in value:
        return False
    lengths = [len(group) for group in re.split(r"[ -]", value)]
    if lengths in ([4, 6, 5], [4, 6, 4]):
        return True
    return all(length == 4 for length in lengths[:-1]) and 1 <= lengths[-1] <= 4


def _issuer_length(digits: str) -> bool:
    """An issuer prefix (IIN) and a length that issuer uses."""
    length, two, three, four = len(digits), int(digits[:2]), int(digits[:3]), int(digits[:4])
    if digits[0] == "4":
        return length in (13, 16, 19)  # Visa
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return length == 16  # Mastercard
    if two in (34, 37):
        return length == 15  # American Express
    if 300 <= three <= 305 or two in (36, 38, 39):
        return length in (14, 16)  # Diners Club
    if four == 6011 or 644 <= three <= 649 or two in (62, 65) or 3528 <= four <= 3589:
        return 16 <= length <= 19  # Discover, UnionPay, JCB
    return False


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
