"""Reading problems (bad JSON, bad bytes, blank lines ...). The reader finds them; rules of this
kind give each problem its code, severity and docs, and let users select or ignore it."""

from __future__ import annotations

from datalint.checks import Option

PROBLEMS = (
    "invalid-json",
    "not-an-object",
    "invalid-utf8",
    "bom",
    "blank-line",
    "duplicate-key",
    "missing-final-newline",
    "line-too-long",
    "json-array",
    "crlf",
)

OPTIONS = {
    "problem": Option(str, "invalid-json", "which reading problem this rule reports", PROBLEMS),
    "max-bytes": Option(int, 10_000_000, "for line-too-long: longest line, in bytes, that is parsed"),
}
