"""Text output: `path:line:col: CODE [name] message`, then a summary line."""

from __future__ import annotations

from collections import Counter

import click

from datalint.engine import Report

SEVERITY_COLORS = {"error": "red", "warning": "yellow", "info": "blue"}


def render(report: Report, *, color: bool = False) -> str:
    lines = []
    for violation in report.violations:
        where = f"{violation.path}:{violation.line}:{violation.column}:"
        code = violation.code
        if color:
            where = click.style(where, bold=True)
            code = click.style(code, fg=SEVERITY_COLORS[violation.severity], bold=True)
        lines.append(f"{where} {code} [{violation.name}] {violation.message}")
        for related in violation.related:
            lines.append(
                f"    related: {related.path}:{related.line}:{related.column}{' ' + related.message if related.message else ''}"
            )
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def one_line(message: str) -> str:
    """A message on one line, for line-oriented output."""
    return " ".join(message.splitlines())


def summary_line(report: Report) -> str:
    records = sum(summary.records for summary in report.files)
    files = len(report.files)
    if not report.violations:
        return f"All checks passed: {records:,} records in {files} file{'s' * (files != 1)}."
    counts = Counter(violation.severity for violation in report.violations)
    parts = ", ".join(f"{counts[s]:,} {s}{'s' * (counts[s] != 1)}" for s in ("error", "warning", "info") if counts[s])
    return f"Found {len(report.violations):,} violations ({parts}) in {records:,} records in {files} file{'s' * (files != 1)}."


def statistics(report: Report) -> str:
    """Counts per rule, most frequent first (`--statistics`)."""
    counts = Counter((violation.code, violation.name) for violation in report.violations)
    return "".join(f"{count:>8,}  {code}  {name}\n" for (code, name), count in counts.most_common())
