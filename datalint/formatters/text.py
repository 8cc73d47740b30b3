"""Text output: `path:line:col: CODE [name] message`, then a summary line."""

from __future__ import annotations

from collections import Counter

import click

from datalint.report import Report
from datalint.violation import Violation

SEVERITY_COLORS = {"error": "red", "warning": "yellow", "info": "blue"}


def render(report: Report, *, color: bool = False) -> str:
    lines = []
    for violation in report.violations:
        lines.append(f"{head(violation, color)} [{violation.name}] {violation.message}")
        for related in violation.related:
            note = f" {related.message}" if related.message else ""
            lines.append(f"    related: {related.path}:{related.line}:{related.column}{note}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def head(violation: Violation, color: bool) -> str:
    """`path:line:col: CODE`, bold and coloured by severity on a terminal."""
    where = f"{violation.path}:{violation.line}:{violation.column}:"
    code = violation.code
    if color:
        where = click.style(where, bold=True)
        code = click.style(code, fg=SEVERITY_COLORS[violation.severity], bold=True)
    return f"{where} {code}"


def one_line(message: str) -> str:
    """A message on one line, for line-oriented output."""
    return " ".join(message.splitlines())


def summary_line(report: Report) -> str:
    records = _count(sum(summary.records for summary in report.files), "record")
    files = _count(len(report.files), "file")
    if not report.violations:
        return f"All checks passed: {records} in {files}."
    counts = Counter(violation.severity for violation in report.violations)
    parts = ", ".join(_count(counts[s], s) for s in ("error", "warning", "info") if counts[s])
    return f"Found {_count(len(report.violations), 'violation')} ({parts}) in {records} in {files}."


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def statistics(report: Report) -> str:
    """Counts per rule, most frequent first (`--statistics`)."""
    counts = Counter((violation.code, violation.name) for violation in report.violations)
    return "".join(f"{count:>8,}  {code}  {name}\n" for (code, name), count in counts.most_common())
