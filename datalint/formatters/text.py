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
            lines.append(f"    related: {related.where()}{note}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def head(violation: Violation, color: bool) -> str:
    """`path:line:col: CODE` (`path:row N: CODE` for a columnar input), bold and coloured by
    severity on a terminal."""
    where = f"{violation.where()}:"
    code = violation.code
    if color:
        where = click.style(where, bold=True)
        code = click.style(code, fg=SEVERITY_COLORS[violation.severity], bold=True)
    return f"{where} {code}{fix_marker(violation)}"


def fix_marker(violation: Violation) -> str:
    """ruff's ` [*]` after the code: `--fix` repairs this finding (an unsafe fix needs `--unsafe-fixes`)."""
    return " [*]" if violation.fix is not None and violation.fix.applicability == "safe" else ""


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
    found = f"Found {_count(len(report.violations), 'violation')} ({parts}) in {records} in {files}."
    fixable = fixable_line(report)
    return f"{found}\n{fixable}" if fixable else found


def fixable_counts(report: Report) -> tuple[int, int]:
    """(findings `--fix` repairs, findings only `--fix --unsafe-fixes` repairs)."""
    counts = Counter(violation.fix.applicability for violation in report.violations if violation.fix is not None)
    return counts["safe"], counts["unsafe"]


def fixable_line(report: Report) -> str:
    """ruff's closing line: how many findings the fix flags repair ('' when none)."""
    safe, unsafe = fixable_counts(report)
    if safe and unsafe:
        return f"[*] {safe:,} fixable with `--fix` ({unsafe:,} more with `--unsafe-fixes`)."
    if safe:
        return f"[*] {safe:,} fixable with `--fix`."
    if unsafe:
        return f"{unsafe:,} fixable with `--fix --unsafe-fixes`."
    return ""


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def statistics(report: Report) -> str:
    """Counts per rule, most frequent first (`--statistics`): count, code, how many of them a fix
    repairs (`-`: none; `[*]`: safe, applied by `--fix`), name."""
    counts = Counter((violation.code, violation.name) for violation in report.violations)
    fixable = Counter((v.code, v.name) for v in report.violations if v.fix is not None)
    safe = {(v.code, v.name) for v in report.violations if v.fix is not None and v.fix.applicability == "safe"}
    rows = []
    for key, count in counts.most_common():
        cell = f"{fixable[key]:,}" if fixable[key] else "-"
        marker = "[*]" if key in safe else "   "
        rows.append(f"{count:>8,}  {key[0]}  {cell:>8} {marker}  {key[1]}\n")
    return "".join(rows)


def fixes_listing(report: Report) -> str:
    """Each finding's fix (`--show-fixes`): where, rule, applicability, what it does, how many edits."""
    lines = []
    for violation in report.violations:
        fix = violation.fix
        if fix is None:
            continue
        edits = _count(len(fix.text_edits), "edit")
        lines.append(f"{violation.where()}: {violation.code} {fix.applicability} fix: {fix.description} ({edits})")
    if not lines:
        return "No fixes available.\n"
    return "Fixes (`--fix` applies the safe ones, `--unsafe-fixes` the rest):\n" + "".join(
        f"  {line}\n" for line in lines
    )
