"""Concise text output: one `path:line:col: CODE message` line per violation and the summary line.

For grep, editors' quickfix lists and terminals where the rule name and related records are noise.
"""

from __future__ import annotations

import click

from datalint.engine import Report
from datalint.formatters.text import SEVERITY_COLORS, one_line, summary_line


def render(report: Report, *, color: bool = False) -> str:
    lines = []
    for violation in report.violations:
        where = f"{violation.path}:{violation.line}:{violation.column}:"
        code = violation.code
        if color:
            where = click.style(where, bold=True)
            code = click.style(code, fg=SEVERITY_COLORS[violation.severity], bold=True)
        lines.append(f"{where} {code} {one_line(violation.message)}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
