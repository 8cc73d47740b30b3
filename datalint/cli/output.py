"""What `check` prints: the format asked for, --quiet levels, colour, a cap on violations, the
command that reproduces the run (for the CI job summary), and --timings."""

from __future__ import annotations

import importlib
import itertools
import os
import shlex
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from datalint.cli.errors import fail
from datalint.formatters import FORMATTERS

if TYPE_CHECKING:
    from datalint.lint_options import LintOptions

# -q hides info, -qq warnings too (ESLint's --quiet reports errors only; datalint has three levels).
QUIET_LEVELS = ("info", "warning", "error")
HUMAN_FORMATS = ("text", "concise", "full")


@dataclass(frozen=True)
class Output:
    format: str
    file: Path | None
    statistics: bool
    lowest_severity: str  # findings below it are dropped (--quiet), as if not found
    max_violations: int | None
    color: bool
    progress: bool
    command: str  # `datalint check ...` that reproduces the run, for the CI job summary
    show_fixes: bool = False  # list each finding's fix after the findings (text formats)


def shown_format(output_format: str, show_source: bool | None) -> str:
    """--show-source turns the text formats into `full`; --no-show-source turns `full` into `text`."""
    if show_source is None:
        return output_format
    if output_format not in HUMAN_FORMATS:
        flag = "--show-source" if show_source else "--no-show-source"
        fail(f"{flag} applies to text output, not --output-format {output_format}")
    if show_source:
        return "full"
    return "text" if output_format == "full" else output_format


def color_wanted(choice: str, output_file: Path | None, environ, stream) -> bool:
    """--color always/never win; auto colours a terminal, unless NO_COLOR is set (no-color.org),
    and FORCE_COLOR (set, not "0") colours even a pipe or a file."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return output_file is None and stream.isatty()


def print_report(report, output: Output, jobs: int, fixed_stdin: bytes | None = None):
    """Print the report as asked; returns it as reported (after --quiet), for the exit code. After
    `--fix -` the fixed dataset goes to stdout and the report to stderr."""
    from datalint.formatters import pieces
    from datalint.formatters.text import statistics as statistics_table
    from datalint.violation import severity_rank

    if output.lowest_severity != "info":
        lowest = severity_rank(output.lowest_severity)
        report = report.with_violations([v for v in report.violations if severity_rank(v.severity) >= lowest])
    if output.statistics and output.format == "text":
        text: Iterable[str] = [statistics_table(report)]
    elif output.max_violations is not None and output.format in HUMAN_FORMATS:
        text = [_capped(output.format, report, output.max_violations, output.color)]
    elif output.max_violations is not None and output.format in ("github", "gitlab"):
        module = importlib.import_module(FORMATTERS[output.format])
        text = [module.render(report, per_severity=output.max_violations)]
    else:
        text = pieces(output.format, report, color=output.color)
    if output.show_fixes and output.format in HUMAN_FORMATS:
        from datalint.formatters.text import fixes_listing

        text = itertools.chain(text, [fixes_listing(report)])
    to_stderr = fixed_stdin is not None and output.file is None
    if fixed_stdin is not None:
        sys.stdout.buffer.write(fixed_stdin)
        sys.stdout.flush()
    if output.file is not None:
        with output.file.open("w", encoding="utf-8") as stream:
            stream.writelines(text)
    else:
        for batch in _batched(text):
            click.echo(batch, nl=False, color=output.color, err=to_stderr)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if output.format == "github" and summary_file:
        from datalint.formatters.github import step_summary

        with open(summary_file, "a", encoding="utf-8") as stream:
            stream.write(step_summary(report, output.command))
    if report.timings is not None:
        from datalint.timings import render_timings

        click.echo(render_timings(report.timings, report.stats, jobs), err=True, nl=False)
    return report


def reproduce(targets: list[str], options: LintOptions) -> str:
    """The `datalint check` command that finds the same violations (for the CI job summary)."""
    args = ["datalint", "check", *targets]
    for flag, values in (
        ("--select", options.select),
        ("--extend-select", options.extend_select),
        ("--ignore", options.ignore),
    ):
        if values:
            args += [flag, ",".join(values)]
    for flag, value in (("--config", options.config), ("--fail-on", options.fail_on), ("--baseline", options.baseline)):
        if value is not None:
            args += [flag, str(value)]
    for against in options.against:
        args += ["--against", str(against)]
    if options.diff_base is not None:
        args += ["--diff-base", options.diff_base]
    if not options.conventions:
        args.append("--every-record")
    return shlex.join(args)


def _capped(output_format: str, report, cap: int, color: bool) -> str:
    """The first `cap` violations, a line saying how many more there are, and the summary of all."""
    from datalint.formatters import render
    from datalint.formatters.text import summary_line

    hidden = len(report.violations) - cap
    if hidden <= 0:
        return render(output_format, report, color=color)
    shown = report.with_violations(report.violations[:cap])
    text = render(output_format, shown, color=color)
    # Each human format ends with the summary line: it counts every violation, shown or not.
    body, _, tail = text.rpartition(summary_line(shown))
    note = f"... {hidden:,} more violation{'s' * (hidden != 1)} not shown (--max-violations {cap})"
    return f"{body}{note}\n{summary_line(report)}{tail}"


def _batched(pieces: Iterable[str], size: int = 1 << 20) -> Iterator[str]:
    """Pieces of output joined into strings of about `size` characters, written one at a time."""
    batch: list[str] = []
    length = 0
    for piece in pieces:
        batch.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(batch)
            batch, length = [], 0
    if batch:
        yield "".join(batch)


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"
