"""Phone numbers that fit a numbering plan (NANP, a country code and its national lengths, a
national number after a phone word), not fiction ranges, toll-free lines or organisations."""

from __future__ import annotations

import re
from collections.abc import Iterator

from datalint.pii import Match
from datalint.pii.lookalikes import FICTION, is_placeholder, looks_sequential, not_personal_number

# NANP (+1 212 748 3920, (212) 748-3920), international (+44 20 7946 0958, +81-3-3407-8811) and
# other groupings (020 7946 0958, 06 12 34 56 78, 4158672304), the last only after a word
# that says it is a phone number.
_PHONE = re.compile(
    r"(?=[+(\d])(?<![\w+.$/-])(?:"
    r"(?P<nanp>(?:\+?1[ .-]?)?\(?(?P<area>\d{3})\)?[ .-]?(?P<exchange>\d{3})[ .-](?P<line>\d{4}))"
    r"|(?P<intl>\+(?P<cc>\d{1,3})(?:[ .-]?\(0\))?(?:[ .-]?\(?\d{1,5}\)?){1,6})"
    r"|(?P<worded>\(?\d{2,5}\)?(?:[ .-]?\d{2,6}){1,4})"
    r")(?![\w-]|[.,]\d)"
)
# Ranges set aside for drama and examples, like 555 in NANP: UK (Ofcom: 020 7946 0xxx, 0161 496 0xxx,
# 07700 900xxx) and Australia (ACMA: 02/03/07/08 5550 xxxx, 0491 570 xxx), national digits without the 0.
_FICTION_RANGES = re.compile(r"2079460|1\d14960|7700900|[2378]5550|491570")
_NANP_NON_PERSONAL = frozenset({"800", "833", "844", "855", "866", "877", "888", "900"})  # toll-free, premium
# Country code -> (fewest, most) digits of the national number after it (ITU E.164 plans).
_NATIONAL_DIGITS = {
    "7": (10, 10), "20": (9, 10), "27": (9, 9), "30": (10, 10), "31": (9, 9), "32": (8, 9), "33": (9, 9),
    "34": (9, 9), "36": (8, 9), "39": (6, 11), "40": (9, 9), "41": (9, 9), "43": (4, 13), "44": (9, 10),
    "45": (8, 8), "46": (7, 10), "47": (8, 8), "48": (9, 9), "49": (6, 13), "51": (8, 9), "52": (10, 10),
    "53": (8, 8), "54": (10, 11), "55": (10, 11), "56": (9, 9), "57": (10, 10), "58": (10, 10), "60": (8, 10),
    "61": (9, 9), "62": (8, 12), "63": (8, 10), "64": (8, 10), "65": (8, 8), "66": (8, 9), "81": (9, 10),
    "82": (8, 10), "84": (9, 10), "86": (10, 11), "90": (10, 10), "91": (10, 10), "92": (9, 10), "93": (9, 9),
    "94": (9, 9), "95": (8, 10), "98": (10, 10),
}  # fmt: skip
# Three-digit country codes start with these two digits (the other two-digit prefixes are codes themselves
# or unassigned).
_THREE_DIGIT_CC = frozenset(
    {"21", "22", "23", "24", "25", "26", "29", "35", "37", "38", "42", "50", "59", "67", "68", "69", "85", "87", "88",
     "96", "97", "99"}
)  # fmt: skip
_PHONE_WORD = re.compile(
    r"(?:\b(?:tel|telephone|phone|ph|mobile|mob|cell|cellphone|call|fax|whatsapp|signal|contact|ring|text|sms|"
    r"reach|handy|telefon|téléphone|tél|portable|m|t|p)\b|☎|📞|\bmy number|电话|手机|联系方式|致电|電話|携帯)"
    r"(?:[\s.:#()-]*\b(?:number|no\.?|nr\.?|is|me|at|on|us)\b|号码?|号|是|番号)*[\s.:#()：:-]*$"
)
_PHONE_WORD_ANY = re.compile(r"\b(?:tel|telephone|phone|mobile|cell|call|fax|whatsapp|contact|text|reach)\b|☎|📞")
# Numbers of organisations and services: a hotline, a shop, an office.
_ORGANISATION_WORDS = re.compile(
    r"hotline|helpline|lifeline|toll[- ]free|customer (?:service|support|care)|call us|contact us|reach us|"
    r"our (?:office|team|store|shop|number|branch|hotline|support)|reservations|front desk|switchboard|headquarters|"
    r"\bbranch\b|reception|support line|service line|emergency (?:services|line|number)|police|poison|"
    r"fire department|embassy|consulate|"
    r"office hours|hours of operation|business hours|open (?:monday|daily|mon)|\bfax\b|"
    r"\b(?:inc|llc|ltd|gmbh|plc)\b|restaurant|hotel|clinic|hospital|pharmacy|museum|agency|airline|"
    r"department of|city hall|town hall|council"
)


def find_phones(text: str, allow: frozenset[str]) -> Iterator[Match]:
    for match in _PHONE.finditer(text):
        if match.group("worded") and not _PHONE_WORD.search(text[max(0, match.start() - 30) : match.start()].lower()):
            continue  # other groupings only right after a word that says it is a phone number
        value = match.group()
        digits = re.sub(r"\D", "", value.replace("(0)", ""))
        if value in allow or digits in allow or is_placeholder(digits) or looks_sequential(digits):
            continue
        if not _valid_phone(match, digits):
            continue
        start, end = match.span()
        before = text[max(0, start - 120) : start].lower()
        after = text[end : end + 40].lower()
        if _ORGANISATION_WORDS.search(before + " " + after) or not_personal_number(text, start, end, _PHONE_WORD_ANY):
            continue
        if FICTION.search(text.lower()):
            continue
        yield Match("phone number", start, end, "*" * (len(value) - 4) + value[-4:])


def _valid_phone(match: re.Match[str], digits: str) -> bool:
    """The number fits its numbering plan: NANP area and exchange rules, a country code and the
    length of its national numbers, or after a phone word a national number with a trunk 0 or ten
    NANP digits."""
    if match.group("nanp"):
        if len(digits) == 11 and digits[0] != "1":
            return False
        return _valid_nanp(match.group("area"), match.group("exchange"), match.group("line"))
    if match.group("intl"):
        code, national = _country_code(digits)
        if code is None:
            return False
        if code == "1":
            return len(national) == 10 and _valid_nanp(national[:3], national[3:6], national[6:])
        fewest, most = _NATIONAL_DIGITS.get(code, (6, 10) if len(code) == 3 else (7, 11))
        return fewest <= len(national) <= most and not (code in ("44", "61") and _FICTION_RANGES.match(national))
    # any other grouping (found only right after a phone word)
    if digits[0] == "0":  # a national number with its trunk 0
        return 9 <= len(digits) <= 12 and not _FICTION_RANGES.match(digits[1:])
    if len(digits) == 11 and digits[0] == "1":
        if _valid_nanp(digits[1:4], digits[4:7], digits[7:]):
            return True
        return digits[1] in "3456789" and digits[4:7] != "555"  # a Chinese mobile (138 1234 8876)
    return len(digits) == 10 and _valid_nanp(digits[:3], digits[3:6], digits[6:])


def _valid_nanp(area: str, exchange: str, line: str) -> bool:
    if area[0] in "01" or area[1] == "9" or area[1:] == "11" or area[:2] in ("37", "96"):
        return False  # N9X, N11, 37X and 96X area codes are not in service
    if exchange[0] in "01" or exchange[1:] == "11" or "555" in (area, exchange):
        return False  # 555 numbers are reserved for fiction and examples
    return area not in _NANP_NON_PERSONAL


def _country_code(digits: str) -> tuple[str | None, str]:
    if digits[0] in "17":
        return digits[0], digits[1:]
    if digits[:2] in _THREE_DIGIT_CC:
        return digits[:3], digits[3:]
    if digits[:2] in _NATIONAL_DIGITS or digits[:2] in ("98", "95", "94", "93", "92", "91", "90", "86", "84"):
        return digits[:2], digits[2:]
    return None, digits
