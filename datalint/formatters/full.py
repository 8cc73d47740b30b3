"""Full text output: each violation with the offending part of its line and a caret under the span.

Long lines (a 20 kB record) are shown as a window around the span, with `…` where they are cut.
Excerpts are read back from the files after the run; stdin and in-memory records have none.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from pathlib import Path

import click

from datalint.formatters.text import SEVERITY_COLORS, fix_marker, one_line, summary_line
from datalint.reader import open_binary
from datalint.report import Report
from datalint.violation import Violation

WINDOW = 100  # characters of a line shown around the span
CONTEXT = 30  # characters kept before the span when a line is cut


def display_width(text: str) -> int:
    """Terminal cells: wide (CJK) characters take two, combining marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _printable(text: str) -> str:
    return "".join(char if char.isprintable() else "\ufffd" for char in text)


def excerpt(text: str, column: int, end_column: int | None) -> tuple[str, str]:
    """(window of the line, caret line) for a 1-based [column, end_column) span."""
    start = max(column - 1, 0)
    end = end_column - 1 if end_column is not None and end_column > column else start + 1
    end = min(max(end, start + 1), max(len(text), start + 1))
    left = 0
    if len(text) > WINDOW:
        left = max(0, start - CONTEXT)
    right = min(len(text), max(left + WINDOW, left + 1))
    shown_end = min(end, right)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    window = prefix + _printable(text[left:right]) + suffix
    pad = display_width(prefix + _printable(text[left:start]))
    carets = "^" * max(1, display_width(_printable(text[start:shown_end])))
    return window, " " * pad + carets


def read_lines(path: str, wanted: set[int]) -> dict[int, str]:
    """The decoded text of the wanted lines of a dataset file (missing or unreadable files: none)."""
    found: dict[int, str] = {}
    last = max(wanted)
    try:
        with open_binary(Path(path)) as stream:
            for number, raw in enumerate(stream, start=1):
                if number in wanted:
                    text = raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", errors="replace")
                    found[number] = text[1:] if number == 1 and text.startswith("\ufeff") else text
                if number >= last:
                    break
    except OSError:
        return {}
    return found


def _lines_needed(report: Report) -> dict[str, dict[int, str]]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for violation in report.violations:
        if violation.path.startswith("<") or violation.row is not None:  # a row is not a line of its file
            continue
        wanted[violation.path].add(violation.line)
    return {path: read_lines(path, lines) for path, lines in wanted.items()}


def render_violation(violation: Violation, text: str | None, *, color: bool) -> list[str]:
    where = f"{violation.where()}:"
    code = violation.code
    if color:
        where = click.style(where, bold=True)
        code = click.style(code, fg=SEVERITY_COLORS[violation.severity], bold=True)
    lines = [f"{where} {code}{fix_marker(violation)} [{violation.name}] {one_line(violation.message)}"]
    if text is not None:
        gutter = f"{violation.line:>6} | "
        window, carets = excerpt(text, violation.column, violation.end_column)
        if color:
            carets = click.style(carets, fg=SEVERITY_COLORS[violation.severity], bold=True)
        lines += [gutter + window, " " * (len(gutter) - 2) + "| " + carets]
    if violation.pointer:
        lines.append(f"    at {violation.pointer}")
    for related in violation.related:
        lines.append(f"    related: {related.where()}" + (f" {related.message}" if related.message else ""))
    return lines


def render(report: Report, *, color: bool = False) -> str:
    texts = _lines_needed(report)
    blocks = []
    for violation in report.violations:
        text = None if violation.row is not None else texts.get(violation.path, {}).get(violation.line)
        blocks.append("\n".join(render_violation(violation, text, color=color)))
    blocks.append(summary_line(report))
    return "\n\n".join(blocks) + "\n"
