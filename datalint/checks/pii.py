"""Personal data and secrets in text: e-mail addresses, phone numbers, card numbers, SSNs, IP
addresses, cloud keys and tokens, private keys, JWTs.

Every match is validated before it is reported (Luhn for cards, SSA rules for SSNs, public
routable addresses only for IPs, a decodable header for JWTs) and checked against the values
that examples use (example.com, 555 numbers, the published test card numbers, AWS's
`...EXAMPLE` keys, `xxxx` placeholders). A cheap test gates each regex: a substring (`@`,
`eyJ`, `PRIVATE KEY`), one pass of an Aho-Corasick automaton for the key prefixes, or for the
number detectors the count of digits in the text (a phone number has 10 digits, a card 13).
The first pii rule to see a record runs every gate on each of its texts once, for all eight
detectors (`candidates`); each rule then runs its finder only on the texts its gate let
through, usually none. The message names the kind and shows the value masked; the column
still points at it.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import ahocorasick

from datalint.checks import Option
from datalint.records import TEXT_FIELDS, Record, Text
from datalint.violation import Finding

DETECTORS = ("email", "phone", "credit-card", "ssn", "ip-address", "api-key", "private-key", "jwt")
OPTIONS = {
    "detect": Option(str, "email", "what to look for", DETECTORS),
    "fields": Option(list, ["all"], f"text fields to search: {', '.join(TEXT_FIELDS)}, or all"),
    "allow": Option(list, [], "values (or e-mail domains) never reported, e.g. your company's support address"),
}

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})\b"
)
_EXAMPLE_DOMAINS = re.compile(
    r"(?:^|\.)(?:example|test|invalid|localhost|local|domain|yourdomain|mydomain|yourcompany|mycompany|company|"
    r"email|mail|website|site|sample|acme|foo|bar|abc|xyz|somewhere|someone|address|host|server|users?|"
    r"noreply|no-reply)\.[a-z.]+$|\.(?:example|test|invalid|localhost|local)$"
)
_PLACEHOLDER_LOCAL = re.compile(
    r"^(?:john|jane|j)[._-]?(?:doe|smith)\d*$|^(?:user|username|name|your|yourname|you|me|someone|test|email|"
    r"example|sample|foo|bar|abc|xyz|firstname|first\.last|lastname|info|contact|support|sales|admin|hello|help|"
    r"noreply|no-reply|team|office|feedback|hr|jobs|careers|press|media|webmaster|customerservice|service)\d*$"
)
_PHONE = re.compile(
    r"(?<![\w+.-])(?:\+?1[ .-]?)?\(?([2-9]\d{2})\)?[ .-]?([2-9]\d{2})[ .-](\d{4})(?![\w-])"
    r"|(?<![\w+])\+(?:[2-9]\d{0,2})[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}(?![\w-])"
)
_CARD = re.compile(r"(?<![\d.-])(?:\d[ -]?){12,18}\d(?![\d.-])")
_TEST_CARDS = frozenset(
    {
        "4111111111111111", "4242424242424242", "4012888888881881", "4000056655665556", "4222222222222",
        "5555555555554444", "5105105105105100", "5200828282828210", "2223003122003222", "378282246310005",
        "371449635398431", "378734493671000", "6011111111111117", "6011000990139424", "3530111333300000",
        "3566002020360505", "30569309025904", "38520000023237", "6200000000000005",
    }
)  # fmt: skip
_SSN = re.compile(r"(?<![\d-])(\d{3})-(\d{2})-(\d{4})(?![\d-])")
_FAKE_SSNS = frozenset({"123-45-6789", "078-05-1120", "219-09-9999", "987-65-4321"})
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w.]|\.\d)")
_VERSION_BEFORE = re.compile(r"(?:v|version|ver\.?|release|build|python|node|java|chrome|firefox|os)\s*$", re.I)
_WELL_KNOWN_IPS = frozenset({"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "208.67.222.222", "208.67.220.220"})
_API_KEYS = (
    ("AWS access key ID", re.compile(r"\b((?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16})\b")),
    ("AWS secret access key", re.compile(r"aws_?secret_?(?:access_?)?key\W{0,4}([A-Za-z0-9/+]{40})\b", re.I)),
    ("GitHub token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b")),
    ("Slack token", re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{10,250})\b")),
    ("Slack webhook", re.compile(r"(hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]{20,})")),
    ("Google API key", re.compile(r"\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])")),
    ("Stripe live key", re.compile(r"\b((?:sk|rk)_live_[0-9a-zA-Z]{20,99})\b")),
    ("OpenAI API key", re.compile(r"\b(sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,})")),
    ("Anthropic API key", re.compile(r"\b(sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,})")),
)
# Every key pattern contains one of these (lower-cased: the AWS secret pattern ignores case).
# One Aho-Corasick pass over the lower-cased text (cached on the Text, other rules read it too)
# tells whether any can; much cheaper than a regex alternation, which re scans position by position.
_API_KEY_NEEDLES = (
    *("akia", "asia", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "apka", "secret"),
    *("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "hooks.slack", "aiza", "_live_", "sk-"),
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----\s*"
    r"((?:[A-Za-z0-9+/=]{16,}\s*|[\w-]+: [^\n]*\n\s*)+)"
)
_JWT = re.compile(r"\b(eyJ[A-Za-z0-9_-]{8,})\.(eyJ[A-Za-z0-9_-]{8,})\.([A-Za-z0-9_-]{16,})")
_JWT_IO_SIGNATURES = frozenset({"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"})  # jwt.io's sample token


@dataclass(frozen=True, slots=True)
class Match:
    kind: str
    start: int
    end: int
    shown: str  # the masked value


# The fewest digits (`\d`, as the regexes count them) a text must hold for a detector to match:
# most texts have far fewer, and counting is much cheaper than running these regexes.
_MIN_DIGITS = {"phone": 10, "credit-card": 13, "ssn": 9, "ip-address": 4}
# A substring that every match of a detector contains, when there is one (the finders test it too).
_NEEDLE = {"email": "@", "ssn": "-", "ip-address": ".", "private-key": "PRIVATE KEY", "jwt": "eyJ"}
_DIGIT = re.compile(r"\d")
_NOT_ASCII_DIGITS = bytes(byte for byte in range(128) if not chr(byte).isdigit())


def _automaton(needles: tuple[str, ...]) -> Any:
    automaton = ahocorasick.Automaton()
    for needle in needles:
        automaton.add_word(needle, needle)
    automaton.make_automaton()
    return automaton


# Built once at import and only read after (a few µs); api-key's gate on the lower-cased text.
_API_KEY_GATE = _automaton(_API_KEY_NEEDLES)
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
    candidates_key: str  # the `record.derived` key of the gates' verdicts for these fields


def prepare(options: dict[str, Any]) -> Compiled:
    unknown = set(options["fields"]) - {*TEXT_FIELDS, "all"}
    if unknown:
        raise ValueError(f"unknown field {sorted(unknown)[0]!r} in `fields` (fields: {', '.join(TEXT_FIELDS)}, all)")
    fields = frozenset(options["fields"])
    detect = options["detect"]
    # A string key: Python keeps its hash, and rules with the same fields share the verdicts.
    key = "pii-candidates " + ",".join(sorted(fields))
    return Compiled(fields, _FINDERS[detect], frozenset(options["allow"]), detect, key)


def check_record(rule, record: Record) -> list[Finding] | tuple[()]:
    # A list (or an empty tuple) rather than a generator: nearly every call finds nothing.
    compiled: Compiled = rule.state
    by_detector = record.derived.get(compiled.candidates_key)
    if by_detector is None:
        by_detector = record.derived[compiled.candidates_key] = candidates(record.texts_of(compiled.fields))
    texts = by_detector.get(compiled.detect)
    if texts is None:
        return ()
    found = []
    for text in texts:
        for match in compiled.find(text.text, compiled.allow):
            found.append(Finding(f"{match.kind} {match.shown} in {text.field}", text.pointer, (match.start, match.end)))
            break  # one per field: the first is enough to act on
    return found or ()


def candidates(texts: list[Text]) -> dict[str, list[Text]]:
    """detector -> the texts (in record order) that pass its gate; detectors no text passes are absent."""
    found: dict[str, list[Text]] = {}
    for text in texts:
        for detect in passed_gates(text):
            found.setdefault(detect, []).append(text)
    return found


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


def find_emails(text: str, allow: frozenset[str]) -> Iterator[Match]:
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        address = match.group().lower()
        local, domain = address.rsplit("@", 1)
        if (
            address in allow
            or domain in allow
            or _EXAMPLE_DOMAINS.search(domain)
            or _PLACEHOLDER_LOCAL.match(local)
            or _is_placeholder(local)
            or domain.endswith((".png", ".jpg", ".gif", ".svg", ".webp"))  # image@2x.png
        ):
            continue
        yield Match("e-mail address", match.start(), match.end(), f"{local[0]}***@{domain}")


def find_phones(text: str, allow: frozenset[str]) -> Iterator[Match]:
    for match in _PHONE.finditer(text):
        value = match.group()
        digits = re.sub(r"\D", "", value)
        if value in allow or digits in allow or not 10 <= len(digits) <= 15:
            continue
        if "555" in (match.group(1), match.group(2)) or _is_placeholder(digits) or _looks_sequential(digits):
            continue  # 555 numbers are reserved for fiction and examples
        yield Match("phone number", match.start(), match.end(), "*" * (len(value) - 4) + value[-4:])


def find_cards(text: str, allow: frozenset[str]) -> Iterator[Match]:
    for match in _CARD.finditer(text):
        value = match.group()
        digits = value.replace(" ", "").replace("-", "")
        if not 13 <= len(digits) <= 19 or digits in _TEST_CARDS or value in allow or digits in allow:
            continue
        if not _card_prefix(digits) or not luhn_valid(digits) or _is_placeholder(digits) or _looks_sequential(digits):
            continue
        yield Match("credit card number", match.start(), match.end(), "**** " + digits[-4:])


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card_prefix(digits: str) -> bool:
    two, four = int(digits[:2]), int(digits[:4])
    return (
        digits[0] == "4"
        or 51 <= two <= 55
        or 2221 <= four <= 2720
        or two in (34, 37, 36, 38, 65)
        or digits.startswith("6011")
        or 300 <= int(digits[:3]) <= 305
        or 3528 <= four <= 3589
        or 644 <= int(digits[:3]) <= 649
    )


def find_ssns(text: str, allow: frozenset[str]) -> Iterator[Match]:
    if "-" not in text:
        return
    for match in _SSN.finditer(text):
        area, group, serial = match.groups()
        value = match.group()
        if value in _FAKE_SSNS or value in allow or area in ("000", "666") or area[0] == "9":
            continue
        if group == "00" or serial == "0000" or _is_placeholder(area + group + serial):
            continue
        yield Match("US social security number", match.start(), match.end(), "***-**-" + serial)


def find_ips(text: str, allow: frozenset[str]) -> Iterator[Match]:
    if "." not in text:
        return
    for match in _IPV4.finditer(text):
        value = match.group()
        if value in allow or value in _WELL_KNOWN_IPS or any(int(part) > 255 for part in match.groups()):
            continue
        if _VERSION_BEFORE.search(text, max(0, match.start() - 12), match.start()):
            continue
        if _looks_sequential("".join(match.groups())) or value.startswith("1.2.3."):
            continue
        address = ipaddress.IPv4Address(value)
        if not address.is_global or _is_documentation(address) or match.group(4) in ("0", "255"):
            continue
        yield Match("IP address", match.start(), match.end(), value.rsplit(".", 1)[0] + ".*")


def _is_documentation(address: ipaddress.IPv4Address) -> bool:
    return any(address in network for network in _DOCUMENTATION_NETWORKS)


_DOCUMENTATION_NETWORKS = tuple(
    ipaddress.IPv4Network(block) for block in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)


def find_api_keys(text: str, allow: frozenset[str]) -> Iterator[Match]:
    for kind, pattern in _API_KEYS:
        for match in pattern.finditer(text):
            secret = match.group(1)
            if secret in allow or "EXAMPLE" in secret.upper() or _is_placeholder(secret):
                continue
            yield Match(kind, match.start(1), match.end(1), mask(secret))


def find_private_keys(text: str, allow: frozenset[str]) -> Iterator[Match]:
    if "PRIVATE KEY" not in text:
        return
    for match in _PRIVATE_KEY.finditer(text):
        body = re.sub(r"\s|[\w-]+: [^\n]*", "", match.group(2))
        if len(body) < 64 or _is_placeholder(body):
            continue
        yield Match(f"{match.group(1).lower()} block", match.start(), match.end(), "-----BEGIN … (redacted)")


def find_jwts(text: str, allow: frozenset[str]) -> Iterator[Match]:
    if "eyJ" not in text:
        return
    for match in _JWT.finditer(text):
        header, _, signature = match.groups()
        if signature in _JWT_IO_SIGNATURES or match.group() in allow or _is_placeholder(signature):
            continue
        if not _decodes_to_json(header):
            continue
        yield Match("JSON Web Token", match.start(), match.end(), mask(match.group()))


def _decodes_to_json(part: str) -> bool:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, RecursionError):  # RecursionError: a header nested thousands of levels deep
        return False
    return isinstance(decoded, dict) and "alg" in decoded


def mask(secret: str) -> str:
    """The first four characters and the length: enough to find the key, useless to an attacker."""
    return f"{secret[:4]}… ({len(secret)} characters)"


def _is_placeholder(value: str) -> bool:
    """xxxx, 0000, 1234..., abcabc: too few distinct characters or a run to be a real value."""
    core = re.sub(r"[^A-Za-z0-9]", "", value)
    lowered = core.lower()
    if len(set(lowered)) <= max(3, len(lowered) // 5) and len(lowered) >= 8:
        return True
    return any(run in lowered for run in ("xxxx", "0000000", "1234567", "abcdef", "your", "placeholder", "redacted"))


_RUNS = tuple("0123456789"[i : i + 5] for i in range(6)) + tuple("9876543210"[i : i + 5] for i in range(6))


def _looks_sequential(digits: str) -> bool:
    """Made-up digits: a run like 12345 or 98765, or one digit repeated."""
    return any(run in digits for run in _RUNS) or len(set(digits[-7:])) == 1


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
