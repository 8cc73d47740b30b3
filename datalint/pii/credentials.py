"""Secrets: API keys and tokens of cloud services (by prefix and shape), private key blocks and
JSON Web Tokens (a decodable header), shown masked; AWS's `...EXAMPLE` keys, jwt.io's sample
and placeholders skipped."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator

from datalint.pii import Match
from datalint.pii.lookalikes import is_placeholder

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
# Every needle of every key: the pii kind's gate looks for them all in one pass.
API_KEY_NEEDLES = tuple(needle for _, needles, _ in _API_KEYS for needle in needles)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----\s*"
    r"((?:[A-Za-z0-9+/=]{16,}\s*|[\w-]+: [^\n]*\n\s*)+)"
)
_JWT = re.compile(r"\b(eyJ[A-Za-z0-9_-]{8,})\.(eyJ[A-Za-z0-9_-]{8,})\.([A-Za-z0-9_-]{16,})")
_JWT_IO_SIGNATURES = frozenset({"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"})  # jwt.io's sample token


def find_api_keys(text: str, allow: frozenset[str]) -> Iterator[Match]:
    lowered = text.lower()
    for kind, needles, pattern in _API_KEYS:
        if not any(needle in lowered for needle in needles):
            continue
        for match in pattern.finditer(text):
            secret = match.group(1)
            if secret in allow or "EXAMPLE" in secret.upper() or is_placeholder(secret):
                continue
            yield Match(kind, match.start(1), match.end(1), mask(secret))


def find_private_keys(text: str, allow: frozenset[str]) -> Iterator[Match]:
    if "PRIVATE KEY" not in text:
        return
    for match in _PRIVATE_KEY.finditer(text):
        body = re.sub(r"\s|[\w-]+: [^\n]*", "", match.group(2))
        if len(body) < 64 or is_placeholder(body):
            continue
        yield Match(f"{match.group(1).lower()} block", match.start(), match.end(), "-----BEGIN … (redacted)")


def find_jwts(text: str, allow: frozenset[str]) -> Iterator[Match]:
    if "eyJ" not in text:
        return
    for match in _JWT.finditer(text):
        header, payload, signature = match.groups()
        if signature in _JWT_IO_SIGNATURES or match.group() in allow or is_placeholder(signature):
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
    return any(value in ("1234567890", "John Doe", "Jane Doe") or is_placeholder(value) for value in values)


def mask(secret: str) -> str:
    """The first four characters and the length: enough to find the key, useless to an attacker."""
    return f"{secret[:4]}… ({len(secret)} characters)"
