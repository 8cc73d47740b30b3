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
from datalint.intent.exercise import asks_for_exercise, value_exercise
from datalint.records import TEXT_FIELDS, Record, Text
from datalint.violation import Finding

DETECTORS = ("email", "phone", "credit-card", "ssn", "ip-address", "api-key", "private-key", "jwt")
OPTIONS = {
    "detect": Option(str, "email", "what to look for", DETECTORS),
    "fields": Option(
        list,
        ["all"],
        f"text fields to search: {', '.join(TEXT_FIELDS)}, or all",
        items=str,
        item_choices=(*TEXT_FIELDS, "all"),
    ),
    "allow": Option(
        list, [], "values (or e-mail domains) never reported, e.g. your company's support address", items=str
    ),
}

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24})\b"
)
# Top-level domains reserved for examples and private networks (RFC 2606, RFC 6761, common LAN names).
_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost", "local", "internal", "lan", "home", "corp"})
# Second-level labels of the domains examples use: acme.com, yourcompany.org, somemachine.edu, ...
_TOY_DOMAIN = re.compile(
    r"(?:your|my|some|any|the|fake|dummy|test|sample|demo)(?:domain|company|companyname|business|organi[sz]ation|org|"
    r"site|website|web|server|host|machine|mail|email|e-mail|provider|isp|office|school|university|college|shop|store|"
    r"app|service|bank|work|corp|corporation)s?\d*|domain|company|companyname|business|organi[sz]ation|website|"
    r"email|e-mail|provider|university|college|school|acme|foo|bar|baz|abc|xyz|test|testing|demo|dummy|fake|sample|"
    r"placeholder|somewhere|someone|somebody|address|users?|noreply|no-reply|.|.*example.*"
)
_SECOND_LEVEL_SUFFIXES = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or", "go"})
# Accounts of code hosts and servers, not of people: git@github.com:owner/repo.git, ubuntu@host.
_SERVICE_USERS = frozenset({"git", "hg", "svn", "ssh", "root", "ubuntu", "ec2-user", "deploy", "daemon", "www-data"})
# Words of a local part that make it a placeholder (your.name@, first.last@, joe_user@) ...
_PLACEHOLDER_WORDS = frozenset(
    {
        "user", "username", "name", "yourname", "your", "you", "my", "me", "myself", "email", "mail", "address",
        "example", "sample", "test", "testing", "demo", "dummy", "fake", "foo", "bar", "baz", "someone", "somebody",
        "anyone", "person", "firstname", "lastname", "first", "last", "surname", "placeholder", "recipient", "sender",
        "receiver", "doe", "xxx", "xyz", "abc", "login", "account", "gmail", "yahoo", "hotmail", "outlook",
    }
)  # fmt: skip
# ... or the address of a role, a team or an automated sender rather than of a person.
_ROLE_WORDS = frozenset(
    {
        "info", "contact", "contacts", "support", "sales", "admin", "administrator", "hello", "hi", "help", "noreply",
        "donotreply", "team", "office", "feedback", "hr", "jobs", "careers", "press", "media", "webmaster", "service",
        "services", "billing", "alert", "alerts", "offers", "offer", "promotions", "promo", "news", "newsletter",
        "notifications", "notification", "notify", "updates", "marketing", "orders", "order", "shop", "store", "deals",
        "security", "privacy", "legal", "abuse", "postmaster", "hostmaster", "enquiries", "inquiries", "enquiry",
        "reservations", "bookings", "booking", "accounts", "accounting", "finance", "partners", "hiring", "recruiting",
        "events", "community", "developers", "foia", "policy", "editor", "editors", "letters", "tips",
        "subscriptions", "membership", "admissions", "registrar", "mailer", "bounce", "system", "bot", "reply",
        "customercare", "customerservice", "helpdesk", "reception", "general", "mailbox", "inbox", "board",
        "comments", "suggestions", "submissions", "requests", "reports", "report", "corrections", "research",
        "tickets", "invoices", "receipts", "verify", "verification", "welcome", "ask", "questions", "query",
    }
)  # fmt: skip
# Role words long enough to recognise inside one word (importpolicy@, kivydevelopment@).
_ROLE_INSIDE = re.compile(
    r"support|service|policy|development|developer|marketing|newsletter|notification|promotion|billing|enquir|inquir|"
    r"feedback|customer|reservation|booking|career|webmaster|postmaster|admission|noreply|donotreply|helpdesk|"
    r"customs|compliance|registry|licensing|permits|complaint|refund|payments|payroll|procurement|purchasing|"
    r"investor|relations|facilities|benefits|library|helpline|office|queries|questions"
)
# The largest free-mail providers, where short bare names (john@gmail.com) went decades ago.
_FREE_MAIL = frozenset(
    {"gmail", "googlemail", "yahoo", "hotmail", "outlook", "live", "msn", "aol", "icloud", "me", "mail", "gmx", "qq",
     "163"}
)  # fmt: skip
_LOCAL_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")  # camelCase and snake_case words: joeUser -> joe, user
_PLACEHOLDER_LOCAL = re.compile(r"^(?:john|jane|joe|j)[._-]?(?:doe|smith)\d*$")
# logo@2x.png, config@v2.json, lodash@latest.js: file names, not addresses
_FILE_SUFFIXES = tuple(
    f".{extension}"
    for extension in "png jpg jpeg gif svg webp ico json js jsx ts tsx html htm css scss yml yaml xml csv txt log exe "
    "zip tar gz pdf java kt rb php go rs swift vue lock toml ini cfg env".split()
)

# The contact details of a text that also holds these are made up (a sample resume, a form).
_FICTION = re.compile(
    r"anytown|anyville|anystate|\(555\)|\b555[-. ]\d{4}\b|\b(?:123|1234|12345) main st|\b(?:john|jane) doe\b|"
    r"lorem ipsum|\[your (?:full )?(?:name|e-?mail|phone|address)|@example\.(?:com|org|net)\b"
)

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
_SSN = re.compile(r"(?=\d)(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-]|[.,]\d)")
# Undashed or spaced (536 22 8714, 536228714) only shortly after a word that says it is an SSN.
_SSN_AFTER_WORD = re.compile(
    r"(?:\bssn|\bsocial security|\bsocial)[^\d\n]{0,30}?(\d{3})[ .]?(\d{2})[ .]?(\d{4})(?![\w-]|[.,]\d)", re.I
)
_FAKE_SSNS = frozenset({"123-45-6789", "078-05-1120", "219-09-9999", "987-65-4321"})
_SSN_WORD = re.compile(r"\b(?:ssn|social security|social)\b")
_PHONE_BEFORE = re.compile(r"\b(?:phone|tel|fax|call|mobile|cell)\b\W{0,12}$")
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?!\w|\.\d)")
# Dotted numbers after these are versions or section numbers (git 1.7.7.3, §15.12.2.7, v2.0.0.1).
_VERSION_BEFORE = re.compile(
    r"(?:\bv|\bversion|\bver\.?|\brelease|\bbuild|\brev(?:ision)?|\bpatch|\bupdate|\bfirmware|\bkernel|\bgit|"
    r"\bpython|\bnode|\bjava|\bchrome|\bfirefox|\bos|\bsdk|\bapi|§|\bsection|\bsec\.|\bchapter|\bclause|"
    r"\bpara(?:graph)?|\barticle|\bfig(?:ure)?\.?|\btable|\bstep|\bitem)\s*$"
)
_OTHER_VERSION = re.compile(r"(?<![\w.])\d+\.\d+\.\d+(?![\w]|\.\d)")  # 1.7.6 next to 1.7.7.3
# Words that make a dotted quad an address: without one it may be a version, a section or a score.
_IP_WORDS = re.compile(
    r"\bips?\b|\bip[_\\]|\bipv4|\baddr|\bhost|\bserver|\bdns\b|\bping|\bssh\b|\bconnect|\blog(?:ged)? ?in|"
    r"\bfirewall|\bproxy|\bvpn\b|\bgateway|\brouter|\bclient|\bremote|\bcurl\b|\bnslookup|\bdig\b|"
    r"\binet\b|\bnetwork|\bhttps?\b|\bport\b|\baccess|\brequest|\btraffic|\bblock(?:ed|s|list)?\b|\bbann?(?:ed|s)?\b|"
    r"\bwhitelist|\ballowlist|\borigin|"
    r"\bsource|\bsrc\b|\bdst\b|\bdestination|\bvisitor|\bresolv|\bnginx|\bapache|\blisten|\bbind\b|\bsubnet|"
    r"\bnameserver|\bendpoint|\bwebsite|\bdomain|\bdevice|\bmachine|\bnode\b|\binstance|\bec2\b|\bvps\b|"
    r"\bvisit|\busers?\b|\battack|\bhacker|\bscan|\bgeoloc|\blocated|\bisp\b|\bwan\b|\blan\b|\bpublic\b|"
    r"\bstatic\b|\bdynamic\b|\bassigned|\blease|\bdhcp|\btelnet|\bs?ftp\b|\brdp\b|\bsmtp|\blogs?\b|\bddos|"
    r"\bbotnet|\bmalicious|\bsuspicious"
)
_WELL_KNOWN_IPS = frozenset({"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "208.67.222.222", "208.67.220.220"})
# kind, the lower-cased substrings one of which every match holds, the pattern (group 1 is the secret).
_API_KEYS = (
    (
        "AWS access key ID",
        ("akia", "asia", "agpa", "aida", "aroa", "aipa", "anpa", "anva", "apka"),
        re.compile(r"\b((?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16})\b"),
    ),
    (
        "AWS secret access key",
        ("secret",),
        re.compile(r"aws_?secret_?(?:access_?)?key\W{0,4}([A-Za-z0-9/+]{40})(?![\w/+])", re.I),
    ),
    (
        "GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b"),
    ),
    ("GitLab token", ("glpat-",), re.compile(r"\b(glpat-[A-Za-z0-9_-]{20,})\b")),
    ("Slack token", ("xox",), re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{10,250})\b")),
    (
        "Slack webhook",
        ("hooks.slack",),
        re.compile(r"(hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]{20,})"),
    ),
    ("Google API key", ("aiza",), re.compile(r"\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])")),
    ("Stripe live key", ("_live_",), re.compile(r"\b((?:sk|rk)_live_[0-9a-zA-Z]{20,99})\b")),
    ("Anthropic API key", ("sk-ant-",), re.compile(r"\b(sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,})")),
    # sk-..., sk-proj-..., sk-svcacct-...: long, and mixing cases and digits (not sk-learn-compatible-...)
    (
        "OpenAI API key",
        ("sk-",),
        re.compile(
            r"\b(sk-(?!ant-)(?:proj-|svcacct-|admin-)?(?=[\w-]*[A-Z])(?=[\w-]*[a-z])(?=(?:[\w-]*\d){3})"
            r"[A-Za-z0-9_-]{32,})(?![\w-])"
        ),
    ),
    ("Hugging Face token", ("hf_",), re.compile(r"\b(hf_[A-Za-z]{34})\b")),
    (
        "SendGrid API key",
        ("sg.",),
        re.compile(r"\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])"),
    ),
    ("npm token", ("npm_",), re.compile(r"\b(npm_[A-Za-z0-9]{36})\b")),
    ("PyPI token", ("pypi-",), re.compile(r"\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})")),
    (
        "Shopify token",
        ("shpat_", "shpss_", "shpca_", "shppa_"),
        re.compile(r"\b(shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})\b"),
    ),
    ("Telegram bot token", (":aa",), re.compile(r"\b(\d{8,10}:AA[0-9A-Za-z_-]{33})(?![\w-])")),
    (
        "Azure storage account key",
        ("accountkey",),
        re.compile(r"AccountKey=([A-Za-z0-9+/]{86}==)", re.I),
    ),
)
# One Aho-Corasick pass over the lower-cased text (cached on the Text, other rules read it too)
# tells whether any key can be there; much cheaper than a regex alternation, which re scans
# position by position. The finder then runs only the patterns whose substrings the text holds.
_API_KEY_NEEDLES = tuple(needle for _, needles, _ in _API_KEYS for needle in needles)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----\s*"
    r"((?:[A-Za-z0-9+/=]{16,}\s*|[\w-]+: [^\n]*\n\s*)+)"
)
_JWT = re.compile(r"\b(eyJ[A-Za-z0-9_-]{8,})\.(eyJ[A-Za-z0-9_-]{8,})\.([A-Za-z0-9_-]{16,})")
_JWT_IO_SIGNATURES = frozenset({"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"})  # jwt.io's sample token

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


@dataclass(frozen=True, slots=True)
class Match:
    kind: str
    start: int
    end: int
    shown: str  # the masked value


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
    find = compiled.find
    if compiled.detect == "ip-address" and _about_networks(record, texts):
        find = find_ips_about_networks  # "Where did the login come from?": the question gives the context
    found = []
    for text in texts:
        for match in find(text.text, compiled.allow):
            if is_value_exercise(record, compiled.detect):
                return ()
            found.append(Finding(f"{match.kind} {match.shown} in {text.field}", text.pointer, (match.start, match.end)))
            break  # one per field: the first is enough to act on
    return found or ()


def is_value_exercise(record: Record, detect: str) -> bool:
    """Whether the record's instruction asks to make up, reshape or check values of this kind
    ("Generate a hypothetical phone number", "Is this a valid IPv4 address?")."""
    exercise = _EXERCISES.get(detect)
    if exercise is None:
        return False
    return any(asks_for_exercise(instruction, exercise) for instruction in _instructions(record))


def _about_networks(record: Record, texts: list[Text]) -> bool:
    # the cheap test first: most texts that pass the gate hold no dotted quad at all
    if not any(_IPV4.search(text.text) for text in texts):
        return False
    return any(_IP_WORDS.search(instruction.lower()) for instruction in _instructions(record))


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


def find_emails(text: str, allow: frozenset[str]) -> Iterator[Match]:
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        address = match.group().lower()
        local, domain = address.rsplit("@", 1)
        if address in allow or domain in allow or domain.endswith(_FILE_SUFFIXES) or _in_url(text, match.start()):
            continue
        if text.startswith(":", match.end()) or not personal_email(match.group().rsplit("@", 1)[0], domain):
            continue  # git@github.com:owner/repo.git is an SSH remote
        if _FICTION.search(text.lower()):
            return
        yield Match("e-mail address", match.start(), match.end(), f"{local[0]}***@{domain}")


def _in_url(text: str, start: int) -> bool:
    """user:password@host in a URL: credentials of a service, not a mailbox."""
    word_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), text.rfind("(", 0, start)) + 1
    return "://" in text[word_start:start]


def personal_email(local: str, domain: str) -> bool:
    """Whether local@domain can be a person's mailbox: not a reserved or toy domain, not a
    service account (git@), a placeholder (your.name@, joeUser@) or a role (support@, alerts@)."""
    labels = domain.lower().split(".")
    # the registered name: hotmail in hotmail.co.uk, example in example.com.au
    name = labels[-3] if len(labels) > 2 and labels[-2] in _SECOND_LEVEL_SUFFIXES else labels[-2]
    if labels[-1] in _RESERVED_TLDS or _TOY_DOMAIN.fullmatch(name) or "example" in domain:
        return False
    lowered = local.lower()
    if lowered in _SERVICE_USERS or _PLACEHOLDER_LOCAL.match(lowered) or _ROLE_INSIDE.search(lowered):
        return False
    letters = re.sub(r"[^a-z]", "", lowered)
    if len(set(letters)) <= 1:
        return False  # xxxx@, yyyy@
    if lowered.isalpha() and len(lowered) <= 5 and name in _FREE_MAIL:
        return False  # john@gmail.com, bob@yahoo.com: names taken decades ago, used as stand-ins
    words = {word.lower() for word in _LOCAL_WORD.findall(local)}
    return not (words & _PLACEHOLDER_WORDS or words & _ROLE_WORDS) and not _is_placeholder(local)


def find_phones(text: str, allow: frozenset[str]) -> Iterator[Match]:
    for match in _PHONE.finditer(text):
        if match.group("worded") and not _PHONE_WORD.search(text[max(0, match.start() - 30) : match.start()].lower()):
            continue  # other groupings only right after a word that says it is a phone number
        value = match.group()
        digits = re.sub(r"\D", "", value.replace("(0)", ""))
        if value in allow or digits in allow or _is_placeholder(digits) or _looks_sequential(digits):
            continue
        if not _valid_phone(match, digits):
            continue
        start, end = match.span()
        before = text[max(0, start - 120) : start].lower()
        after = text[end : end + 40].lower()
        if _ORGANISATION_WORDS.search(before + " " + after) or _not_personal_number(text, start, end, _PHONE_WORD_ANY):
            continue
        if _FICTION.search(text.lower()):
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


def _not_personal_number(text: str, start: int, end: int, kind_word: re.Pattern[str]) -> bool:
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


def find_cards(text: str, allow: frozenset[str]) -> Iterator[Match]:
    for match in _CARD.finditer(text):
        value = match.group()
        digits = value.replace(" ", "").replace("-", "")
        if digits in _TEST_CARDS or value in allow or digits in allow or not _card_layout(value):
            continue
        if not _issuer_length(digits) or not luhn_valid(digits) or _is_placeholder(digits) or _looks_sequential(digits):
            continue
        start, end = match.span()
        if _not_personal_number(text, start, end, _CARD_WORD):
            continue
        if _FICTION.search(text.lower()):
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
        if group == "00" or serial == "0000" or _is_placeholder(area + group + serial):
            continue
        start, end = match.start(1), match.end(3)
        if _PHONE_BEFORE.search(text[max(0, start - 25) : start].lower()) or _not_personal_number(
            text, start, end, _SSN_WORD
        ):
            continue
        if _FICTION.search(lowered):
            return
        yield Match("US social security number", start, end, "***-**-" + serial)


def find_ips(text: str, allow: frozenset[str], about_networks: bool = False) -> Iterator[Match]:
    if "." not in text:
        return
    for match in _IPV4.finditer(text):
        value = match.group()
        parts = [int(part) for part in match.groups()]
        if value in allow or value in _WELL_KNOWN_IPS or max(parts) > 255 or parts[3] in (0, 255):
            continue
        if any(len(part) > 1 and part[0] == "0" for part in match.groups()):
            continue  # 01.02.03.04 is a date or a code (and ipaddress rejects leading zeros)
        if _looks_sequential("".join(match.groups())) or value.startswith("1.2.3."):
            continue
        address = ipaddress.IPv4Address(value)
        if not address.is_global or _is_documentation(address):
            continue
        if _looks_like_version(text, match.start(), match.end(), parts, about_networks):
            continue
        yield Match("IP address", match.start(), match.end(), value.rsplit(".", 1)[0] + ".*")


def find_ips_about_networks(text: str, allow: frozenset[str]) -> Iterator[Match]:
    """IP addresses in a record whose instruction is about networks: no word of networks needed in the text."""
    return find_ips(text, allow, about_networks=True)


def _looks_like_version(text: str, start: int, end: int, parts: list[int], about_networks: bool) -> bool:
    """A dotted quad that is a version or a section number rather than an address: one after
    `version`, `git`, `§`; one next to a three-part version (1.7.6); one with no word of networks
    near it or in the instruction; one of small parts only (1.7.7.3, 15.12.2.7) unless such a word
    is right beside it."""
    before = text[max(0, start - 20) : start].lower()
    if _VERSION_BEFORE.search(before):
        return True
    window = text[max(0, start - 60) : start] + " " + text[end : end + 60]
    if _OTHER_VERSION.search(window):
        return True
    if max(parts) < 32:
        return not _IP_WORDS.search(text[max(0, start - 25) : start].lower())
    return not (about_networks or _IP_WORDS.search(window.lower()) or text.startswith(":", end))


def _is_documentation(address: ipaddress.IPv4Address) -> bool:
    return any(address in network for network in _DOCUMENTATION_NETWORKS)


_DOCUMENTATION_NETWORKS = tuple(
    ipaddress.IPv4Network(block) for block in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)


def find_api_keys(text: str, allow: frozenset[str]) -> Iterator[Match]:
    lowered = text.lower()
    for kind, needles, pattern in _API_KEYS:
        if not any(needle in lowered for needle in needles):
            continue
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
        header, payload, signature = match.groups()
        if signature in _JWT_IO_SIGNATURES or match.group() in allow or _is_placeholder(signature):
            continue
        header_claims, claims = _decode_json(header), _decode_json(payload)
        if header_claims is None or "alg" not in header_claims or claims is None or _sample_claims(claims):
            continue
        yield Match("JSON Web Token", match.start(), match.end(), mask(match.group()))


def _decode_json(part: str) -> dict | None:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, RecursionError):  # RecursionError: a header nested thousands of levels deep
        return None
    return decoded if isinstance(decoded, dict) else None


def _sample_claims(claims: dict) -> bool:
    """jwt.io's sample payload re-signed (sub 1234567890, John Doe) or other placeholder claims."""
    values = [str(value) for key, value in claims.items() if key in ("sub", "name", "email", "user", "username")]
    return any(value in ("1234567890", "John Doe", "Jane Doe") or _is_placeholder(value) for value in values)


def mask(secret: str) -> str:
    """The first four characters and the length: enough to find the key, useless to an attacker."""
    return f"{secret[:4]}… ({len(secret)} characters)"


def _is_placeholder(value: str) -> bool:
    """xxxx, 0000, 1234..., abcabc: too few distinct characters or a run to be a real value."""
    core = re.sub(r"[^A-Za-z0-9]", "", value)
    lowered = core.lower()
    if len(set(lowered)) <= min(max(3, len(lowered) // 5), 8) and len(lowered) >= 8:
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
