"""Personal data and secrets in text: e-mail addresses, phone numbers, card numbers, SSNs, IP
addresses, cloud keys and tokens, private keys, JWTs.

Every match is validated before it is reported, by its structure (numbering plans for phones,
card groupings, issuer lengths and Luhn, SSA rules for SSNs, public routable addresses only for
IPs, key prefixes, a decodable header for JWTs) and by its context: the look-alikes instruction
data is full of are skipped (example and toy domains, service accounts like git@github.com,
555 and toll-free numbers, numbers in arithmetic or after order/SKU/ISBN words, versions and
section numbers, identifier fields and UUIDs, records whose instruction asks to make up or
check such values, published test cards, AWS's `...EXAMPLE` keys, `xxxx` placeholders).

A cheap test gates each regex: a substring (`@`, `eyJ`, `PRIVATE KEY`), one pass of an
Aho-Corasick automaton for the key prefixes, or for the number detectors the count of digits
in the text (a phone number has 9 or more digits, a card 13). The first pii rule to see a
record runs every gate on each of its texts once, for all eight detectors (`candidates`); each
rule then runs its finder only on the texts its gate let through, usually none. The message
names the kind and shows the value masked; the column still points at it.

The detectors, one module per kind of value, are in `datalint/pii/`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import ahocorasick

from datalint.checks import Option, fields_option
from datalint.intent.exercise import asks_for_exercise, value_exercise
from datalint.pii import Match
from datalint.pii.cards import find_cards
from datalint.pii.credentials import API_KEY_NEEDLES, find_api_keys, find_jwts, find_private_keys
from datalint.pii.emails import find_emails
from datalint.pii.ip_addresses import about_networks, find_ips, find_ips_about_networks
from datalint.pii.phones import find_phones
from datalint.pii.ssns import find_ssns
from datalint.records import Record, Text
from datalint.violation import Finding

DETECTORS = ("email", "phone", "credit-card", "ssn", "ip-address", "api-key", "private-key", "jwt")
OPTIONS = {
    "detect": Option(str, "email", "what to look for", DETECTORS),
    "fields": fields_option(["all"], "text fields to search"),
    "allow": Option(
        list, [], "values (or e-mail domains) never reported, e.g. your company's support address", items=str
    ),
}

# Identifier fields (id, message_id, parentId, uuid) hold keys, not text: never searched.
_ID_KEY = re.compile(r"(?:^|[_-])(?:id|ids|uuid|guid|hash|sha\d*|md5|checksum|digest)$", re.I)
_CAMEL_ID_KEY = re.compile(r"[a-z](?:Id|Ids|ID|Uuid|UUID|Hash)$")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# The instruction is an exercise on such values (generate, reformat, validate, extract, a regex):
# the values in the record are made up or its subject, not somebody's data.
_EXERCISES = {
    "email": value_exercise(r"e-?mail address(?:es)?|e-?mail ids?|e-?mails", "电子邮件地址|邮箱地址|邮件地址|电子邮箱"),
    "phone": value_exercise(
        r"(?:tele)?phone numbers?|telephone|mobile numbers?|contact numbers?|phone", "电话号码|手机号|电话"
    ),
    "credit-card": value_exercise(
        r"(?:credit |debit |payment )?card numbers?|credit cards?|debit cards?|\d+[- ]digit numbers?|random numbers?",
        "信用卡号|信用卡|银行卡号",
    ),
    "ssn": value_exercise(r"ssns?|social security(?: numbers?)?", "社会保障号|社会安全号"),
    "ip-address": value_exercise(r"ip(?:v[46])?(?: address(?:es)?)?|ipv[46]|addresses", "IP ?地址|IPv4|IPv6"),
}
_INSTRUCTION_KEY = re.compile(r"instruction|prompt|question|query", re.I)  # en_instruction too

# The fewest digits (`\d`, as the regexes count them) a text must hold for a detector to match:
# most texts have far fewer, and counting is much cheaper than running these regexes.
_MIN_DIGITS = {"phone": 9, "credit-card": 13, "ssn": 9, "ip-address": 4}
# A substring that every match of a detector contains, when there is one (the finders test it too).
_NEEDLE = {"email": "@", "ip-address": ".", "private-key": "PRIVATE KEY", "jwt": "eyJ"}
_DIGIT = re.compile(r"\d")
_NOT_ASCII_DIGITS = bytes(byte for byte in range(128) if not chr(byte).isdigit())


def _automaton(needles: tuple[str, ...]) -> Any:
    automaton = ahocorasick.Automaton()
    for needle in needles:
        automaton.add_word(needle, needle)
    automaton.make_automaton()
    return automaton


# api-key's gate: one Aho-Corasick pass over the lower-cased text (cached on the Text, other rules
# read it too) tells whether any key can be there; much cheaper than a regex alternation, which re
# scans position by position. The finder then runs only the patterns whose substrings the text
# holds. Built once at import and only read after.
_API_KEY_GATE = _automaton(API_KEY_NEEDLES)
# The gates, split by what they test: a needle only (email, private-key, jwt), or a digit count
# and maybe a needle ("" is in every text).
_NEEDLE_GATES = tuple(
    (detect, _NEEDLE[detect]) for detect in DETECTORS if detect in _NEEDLE and detect not in _MIN_DIGITS
)
_DIGIT_GATES = tuple(
    (detect, _MIN_DIGITS[detect], _NEEDLE.get(detect, "")) for detect in DETECTORS if detect in _MIN_DIGITS
)
_FEWEST_DIGITS = min(_MIN_DIGITS.values())


@dataclass(frozen=True, slots=True)
class Compiled:
    fields: frozenset[str]
    find: Callable[[str, frozenset[str]], Iterator[Match]]
    allow: frozenset[str]
    detect: str


def prepare(options: dict[str, Any]) -> Compiled:
    detect = options["detect"]
    return Compiled(frozenset(options["fields"]), _FINDERS[detect], frozenset(options["allow"]), detect)


def prepare_set(rules: list) -> tuple[tuple[frozenset[str], tuple[tuple[int, Compiled], ...]], ...]:
    """The rules grouped by the fields they read (usually one group): the gates run once per group."""
    groups: dict[frozenset[str], list[tuple[int, Compiled]]] = {}
    for position, rule in enumerate(rules):
        groups.setdefault(rule.state.fields, []).append((position, rule.state))
    return tuple((fields, tuple(members)) for fields, members in groups.items())


def check_record_set(groups: tuple, record: Record) -> list[tuple[int, Finding]]:
    """(position of the rule, its finding) for every PII rule at once: the gates run once per set
    of fields, and each detector only on the texts that passed its gate (nearly none)."""
    found: list[tuple[int, Finding]] = []
    for fields, members in groups:
        by_detector = candidates(record.texts_of(fields))
        if not by_detector:
            continue
        for position, compiled in members:
            texts = by_detector.get(compiled.detect)
            if texts is not None:
                found.extend((position, finding) for finding in _findings(compiled, record, texts))
    return found


def _findings(compiled: Compiled, record: Record, texts: list[Text]) -> list[Finding]:
    find = compiled.find
    if compiled.detect == "ip-address" and about_networks((text.text for text in texts), _instructions(record)):
        find = find_ips_about_networks  # "Where did the login come from?": the question gives the context
    found = []
    for text in texts:
        for match in find(text.text, compiled.allow):
            if is_value_exercise(record, compiled.detect):
                return []
            found.append(Finding(f"{match.kind} {match.shown} in {text.field}", text.pointer, (match.start, match.end)))
            break  # one per field: the first is enough to act on
    return found


def is_value_exercise(record: Record, detect: str) -> bool:
    """Whether the record's instruction asks to make up, reshape or check values of this kind
    ("Generate a hypothetical phone number", "Is this a valid IPv4 address?")."""
    exercise = _EXERCISES.get(detect)
    if exercise is None:
        return False
    return any(asks_for_exercise(instruction, exercise) for instruction in _instructions(record))


def _instructions(record: Record) -> Iterator[str]:
    """The user turns, and top-level instruction-like fields the format does not map (en_instruction)."""
    for text in record.texts:
        if text.field == "instruction" or _INSTRUCTION_KEY.search(text.pointer.rsplit("/", 1)[-1]):
            yield text.text
    if isinstance(record.data, dict):
        for key, value in record.data.items():
            if isinstance(value, str) and _INSTRUCTION_KEY.search(key):
                yield value


def candidates(texts: list[Text]) -> dict[str, list[Text]]:
    """detector -> the texts (in record order) that pass its gate; detectors no text passes are absent."""
    found: dict[str, list[Text]] = {}
    for text in texts:
        if is_identifier(text):
            continue
        for detect in passed_gates(text):
            found.setdefault(detect, []).append(text)
    return found


def is_identifier(text: Text) -> bool:
    """An id field (`id`, `message_id`, `parentId`) or a UUID: a key, whatever digits it holds."""
    key = text.pointer.rsplit("/", 1)[-1]
    return bool(_ID_KEY.search(key) or _CAMEL_ID_KEY.search(key) or _UUID.fullmatch(text.text.strip()))


def passed_gates(text: Text) -> list[str]:
    """The detectors whose gate this text passes: nearly all texts pass none."""
    raw = text.text
    passed = [detect for detect, needle in _NEEDLE_GATES if needle in raw]
    digits = digit_count(raw)
    if digits >= _FEWEST_DIGITS:
        passed += [detect for detect, fewest, needle in _DIGIT_GATES if digits >= fewest and needle in raw]
    if next(_API_KEY_GATE.iter(text.lower), None) is not None:
        passed.append("api-key")
    return passed


def digit_count(raw: str) -> int:
    """How many digits (`\\d`, as the regexes count them) a text holds."""
    if raw.isascii():  # bytes.translate deletes the non-digits of ASCII text in one C loop
        return len(raw.encode().translate(None, _NOT_ASCII_DIGITS))
    return len(_DIGIT.findall(raw))


_FINDERS: dict[str, Callable[[str, frozenset[str]], Iterator[Match]]] = {
    "email": find_emails,
    "phone": find_phones,
    "credit-card": find_cards,
    "ssn": find_ssns,
    "ip-address": find_ips,
    "api-key": find_api_keys,
    "private-key": find_private_keys,
    "jwt": find_jwts,
}
