"""E-mail addresses of people: not example or toy domains, service accounts (git@github.com),
placeholders (your.name@), roles (support@), file names (logo@2x.png) or URL credentials."""

from __future__ import annotations

import re
from collections.abc import Iterator

from datalint.pii import Match
from datalint.pii.lookalikes import FICTION, is_placeholder

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
        if FICTION.search(text.lower()):
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
    return not (words & _PLACEHOLDER_WORDS or words & _ROLE_WORDS) and not is_placeholder(local)
