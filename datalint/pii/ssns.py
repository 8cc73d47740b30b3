"""US social security numbers: dashed, or undashed right after a word that says so, in ranges the
SSA issues, not a famous fake (078-05-1120) or a phone number."""

from __future__ import annotations

import re
from collections.abc import Iterator

from datalint.pii import Match
from datalint.pii.lookalikes import FICTION, is_placeholder, not_personal_number

_SSN = re.compile(r"(?=\d)(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-]|[.,]\d)")
# Undashed or spaced (536 22 8714, 536228714) only shortly after a word that says it is an SSN.
_SSN_AFTER_WORD = re.compile(
    r"(?:\bssn|\bsocial security|\bsocial)[^\d\n]{0,30}?(\d{3})[ .]?(\d{2})[ .]?(\d{4})(?![\w-]|[.,]\d)", re.I
)
_FAKE_SSNS = frozenset({"123-45-6789", "078-05-1120", "219-09-9999", "987-65-4321"})
_SSN_WORD = re.compile(r"\b(?:ssn|social security|social)\b")
_PHONE_BEFORE = re.compile(r"\b(?:phone|tel|fax|call|mobile|cell)\b\W{0,12}$")


def find_ssns(text: str, allow: frozenset[str]) -> Iterator[Match]:
    matches = list(_SSN.finditer(text)) if "-" in text else []
    lowered = text.lower()
    if "ssn" in lowered or "social" in lowered:
        dashed = {match.span(1) for match in matches}
        matches += [match for match in _SSN_AFTER_WORD.finditer(text) if match.span(1) not in dashed]
    for match in matches:
        area, group, serial = match.groups()
        value = f"{area}-{group}-{serial}"
        if value in _FAKE_SSNS or value in allow or match.group() in allow or area in ("000", "666") or area[0] == "9":
            continue  # the SSA never issues these
        if group == "00" or serial == "0000" or is_placeholder(area + group + serial):
            continue
        start, end = match.start(1), match.end(3)
        if _PHONE_BEFORE.search(text[max(0, start - 25) : start].lower()) or not_personal_number(
            text, start, end, _SSN_WORD
        ):
            continue
        if FICTION.search(lowered):
            return
        yield Match("US social security number", start, end, "***-**-" + serial)
