"""Concise text output: one `path:line:col: CODE message` line per violation and the summary line.

For grep, editors' quickfix lists and terminals where the rule name and related records are noise.
"""

from __future__ import annotations

from datalint.formatters.text import head, one_line, summary_line
from datalint.report import Report


def render(report: Report, *, color: bool = False) -> str:
    lines = [f"{head(violation, color)} {one_line(violation.message)}" for violation in report.violations]
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
