"""Reading problems (bad JSON, bad bytes, blank lines ...). The reader finds them; rules of this
kind give each problem its code, severity and docs, and let users select or ignore it."""

from __future__ import annotations

from datalint.checks import Option
from datalint.violation import Fix, RemoveBom, SetLineEnding, Violation

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
    "lone-surrogate",
    "non-json-number",
    "row-group-too-large",
    "binary-value",
)

OPTIONS = {
    "problem": Option(str, "invalid-json", "which reading problem this rule reports", PROBLEMS),
    "max-bytes": Option(
        int,
        10_000_000,
        "for line-too-long: longest line, in bytes, that is parsed; for row-group-too-large: largest "
        "Parquet row group, in bytes uncompressed",
    ),
}


def fix(rule, violation: Violation, context) -> Fix | None:
    """Byte-level fixes of the file's framing; the records themselves are untouched."""
    problem = rule.options["problem"]
    if problem == "bom":
        return Fix(rule.fix, (RemoveBom(),))
    if problem == "missing-final-newline":
        return Fix(rule.fix, (SetLineEnding(violation.line, "\n"),))
    if problem == "crlf":
        return Fix(rule.fix, (SetLineEnding(None, "\n"),))
    return None
