"""`datalint check`: its options, fixes in rounds, watch mode."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from datalint.cli.entry import main
from datalint.cli.errors import fail, usage_errors
from datalint.cli.fix_report import note_columnar_not_fixed, tell_fixes
from datalint.cli.options import selection_options, split
from datalint.cli.output import (
    HUMAN_FORMATS,
    QUIET_LEVELS,
    Output,
    color_wanted,
    plural,
    print_report,
    reproduce,
    shown_format,
)
from datalint.formatters import FORMATTERS
from datalint.lint_options import LintOptions


@main.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--output-format",
    "--format",
    "output_format",
    type=click.Choice(list(FORMATTERS)),
    default="text",
    show_default=True,
    help="How to print violations (--format is the same option).",
)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@selection_options
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), help="Lowest severity that fails the run.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when violations are found.")
@click.option("--statistics", is_flag=True, help="Print counts per rule instead of each violation.")
@click.option(
    "--against",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="An evaluation set (JSONL) the records must not overlap (rule D006); repeatable.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    help="Worker processes for the record pass (default 0: one per core; 1: none).",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    help="Run the record pass here (local, the default) or as Ray tasks (needs datalint[ray]; docs/ray.md).",
)
@click.option(
    "--ray-address",
    metavar="HOST:PORT",
    help="With --executor ray: the Ray cluster to join (default: RAY_ADDRESS, else a local one).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the incremental cache.")
@click.option("--timings", is_flag=True, help="Print the time spent per rule family and engine phase (to stderr).")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report only violations not in this baseline file (see `datalint baseline`).",
)
@click.option("--prune", is_flag=True, help="With --baseline: remove baseline entries that no longer match.")
@click.option("--diff-base", metavar="REV", help="Report only records added or changed since this git revision.")
@click.option(
    "--every-record",
    is_flag=True,
    help="Report a finding most records of a file share on every record, not once per file.",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files, then report what is left.")
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="With --fix or --diff: also apply fixes that change content or remove records.",
)
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
# How much is printed, and how (docs/cli.md).
@click.option(
    "--quiet",
    "-q",
    count=True,
    help="Report only warnings and errors (-qq: only errors); the exit code follows what is reported. No progress.",
)
@click.option(
    "--show-source/--no-show-source",
    default=None,
    help="Show each violation's line with a caret under the span (as --output-format full).",
)
@click.option(
    "--max-violations",
    type=click.IntRange(min=0),
    metavar="N",
    help="Print at most N violations (github, gitlab: N per severity); the summary still counts all.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text output; auto: on a terminal, unless NO_COLOR is set (FORCE_COLOR forces it).",
)
@click.option("--no-progress", is_flag=True, help="No progress line on stderr (shown on a terminal only).")
@click.option(
    "--watch", "-w", is_flag=True, help="Check again whenever a dataset or config file changes (Ctrl-C stops)."
)
@click.option(
    "--show-fixes",
    is_flag=True,
    help="Text formats: list each finding's fix after the findings; with --fix, what was fixed per rule (stderr).",
)
def check(
    paths: tuple[str, ...],
    output_format: str,
    output_file: Path | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config: Path | None,
    profile: str | None,
    fail_on: str | None,
    exit_zero: bool,
    statistics: bool,
    against: tuple[str, ...],
    jobs: int,
    executor: str | None,
    ray_address: str | None,
    no_cache: bool,
    timings: bool,
    baseline: Path | None,
    prune: bool,
    diff_base: str | None,
    every_record: bool,
    fix: bool,
    unsafe_fixes: bool,
    show_diff: bool,
    quiet: int,
    show_source: bool | None,
    max_violations: int | None,
    color: str,
    no_progress: bool,
    watch: bool,
    show_fixes: bool,
) -> None:
    """Check datasets (files, folders, or - for stdin; default: the current folder)."""
    import datalint
    from datalint.engine import default_jobs

    if prune and baseline is None:
        fail("--prune needs --baseline FILE")
    if max_violations is not None and output_format not in (*HUMAN_FORMATS, "github", "gitlab"):
        fail(f"--max-violations applies to text, concise, full, github and gitlab output, not {output_format}")
    progress = not (no_progress or quiet) and sys.stderr.isatty()
    options = LintOptions(
        config=config,
        select=split(select) or None,
        extend_select=split(extend_select),
        ignore=split(ignore),
        fail_on=fail_on,
        against=against,
        profile=profile,
        jobs=jobs or default_jobs(),
        cache=not no_cache,
        timings=timings,
        progress=progress,
        executor=executor,
        ray_address=ray_address,
        baseline=baseline,
        prune_baseline=prune,
        diff_base=diff_base,
        conventions=not every_record,
    )
    targets = list(paths or (".",))
    output = Output(
        format=shown_format(output_format, show_source),
        file=output_file,
        statistics=statistics,
        lowest_severity=QUIET_LEVELS[min(quiet, 2)],
        max_violations=max_violations,
        color=color_wanted(color, output_file, os.environ, sys.stdout),
        progress=progress,
        command=reproduce(targets, options),
        show_fixes=show_fixes,
    )
    if watch:
        if "-" in targets or fix or show_diff or prune:
            fail("--watch checks files and folders and writes nothing: not with -, --fix, --diff or --prune")
        _watch(targets, options, output)
        return
    if "-" in targets:
        if (fix or show_diff) and len(targets) > 1:
            fail("--fix and --diff on stdin (-) take no other paths")
        options = replace(options, stdin=sys.stdin.buffer.read())  # read once: fixes are planned on these bytes
    fixed_stdin = None
    try:
        if fix or show_diff:
            # Rounds of fixes until none applies; the last round's lint is the report.
            fixed = datalint.plan_fixes(targets, unsafe=unsafe_fixes, options=options)
            tell_fixes(fixed, write=not show_diff, listed=show_fixes)
            note_columnar_not_fixed(fixed.report)
            if show_diff:
                sys.exit(1 if fixed.applied else 0)
            if options.stdin is not None:
                # ruff's `--fix -`: the fixed dataset to stdout, what is left to stderr
                fixed_stdin = fixed.files[0].after if fixed.files else options.stdin
            report = fixed.report
        else:
            report = datalint.lint_paths(targets, options=options)
    except usage_errors() as error:
        fail(str(error))
    report = print_report(report, output, options.jobs, fixed_stdin)
    sys.exit(0 if exit_zero else report.exit_code)


def _watch(targets: list[str], options: LintOptions, output: Output) -> None:
    """Check, then again each time a watched file changes, until interrupted (`ruff check --watch`).
    A run that cannot start (a config error while it is being edited) is reported, and watched."""
    import datalint
    from datalint.watch import snapshot, wait_for_change

    clear = output.file is None and sys.stdout.isatty()
    seen = snapshot(targets, options.config)
    message = "Starting datalint in watch mode..."
    try:
        while True:
            if clear:
                click.clear()
            click.echo(f"[{time.strftime('%H:%M:%S')}] {message}", err=True)
            try:
                report = datalint.lint_paths(targets, options=options)
                print_report(report, output, options.jobs)
            except usage_errors() as error:
                click.echo(f"datalint: error: {error}", err=True)
            click.echo("Watching for file changes.", err=True)
            sys.stdout.flush()
            seen, changed = wait_for_change(targets, seen, options.config)
            names = ", ".join(changed[:3]) + (", ..." if len(changed) > 3 else "")
            message = f"{plural(len(changed), 'file')} changed ({names}), checking again..."
    except KeyboardInterrupt:
        sys.exit(0)
