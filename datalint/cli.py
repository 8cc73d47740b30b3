"""The `datalint` command: thin click commands over the Python API."""

from __future__ import annotations

import gc
import importlib
import inspect
import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click

from datalint import __version__
from datalint.formatters import FORMATTERS

EXIT_USAGE = 2


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """--select A,B --select C -> (A, B, C)."""
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


def _fail(message: str) -> None:
    click.echo(f"datalint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


class _Commands(click.Group):
    """`datalint --help` lists each command with the whole first paragraph of its help: click
    would cut it to fit the terminal's width ("Check datasets (files, folders, or -...")."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if cmd.short_help is None and cmd.help:
            cmd.short_help = " ".join(inspect.cleandoc(cmd.help).split("\n\n")[0].split())
        super().add_command(cmd, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="datalint")
def main() -> None:
    """Lint instruction-tuning datasets (JSONL) like code."""


def _usage_errors() -> tuple[type[Exception], ...]:
    """Errors that mean the run could not start (exit 2), from the modules that raise them."""
    from datalint.baseline import BaselineError
    from datalint.config import ConfigError
    from datalint.diff_base import DiffBaseError
    from datalint.engine.executor import ExecutorError
    from datalint.sources import InputError

    return (ConfigError, InputError, BaselineError, DiffBaseError, ExecutorError)


def _selection_options(function):
    for option in reversed(
        [
            click.option(
                "--select",
                multiple=True,
                help="Rules to enable: codes, names, families (D: not DL) or code prefixes (P0); comma-separated.",
            ),
            click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection."),
            click.option("--ignore", multiple=True, help="Rules to disable."),
            click.option(
                "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this config file."
            ),
            click.option("--profile", metavar="NAME", help="Check against a trainer (`datalint profiles` lists them)."),
        ]
    ):
        function = option(function)
    return function


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
@_selection_options
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
        _fail("--prune needs --baseline FILE")
    if max_violations is not None and output_format not in (*HUMAN_FORMATS, "github", "gitlab"):
        _fail(f"--max-violations applies to text, concise, full, github and gitlab output, not {output_format}")
    options = {
        "config": config,
        "select": _split(select) or None,
        "extend_select": _split(extend_select),
        "ignore": _split(ignore),
        "fail_on": fail_on,
        "baseline": baseline,
        "diff_base": diff_base,
        "against": against,
        "jobs": jobs or default_jobs(),
        "executor": executor,
        "ray_address": ray_address,
        "cache": not no_cache,
        "timings": timings,
        "conventions": not every_record,
        "profile": profile,
    }
    targets = list(paths or (".",))
    output = Output(
        format=_shown_format(output_format, show_source),
        file=output_file,
        statistics=statistics,
        lowest_severity=QUIET_LEVELS[min(quiet, 2)],
        max_violations=max_violations,
        color=color_wanted(color, output_file, os.environ, sys.stdout),
        progress=not (no_progress or quiet) and sys.stderr.isatty(),
        command=_reproduce(targets, options),
        show_fixes=show_fixes,
    )
    if watch:
        if "-" in targets or fix or show_diff or prune:
            _fail("--watch checks files and folders and writes nothing: not with -, --fix, --diff or --prune")
        _watch(targets, options, output)
        return
    if "-" in targets:
        if (fix or show_diff) and len(targets) > 1:
            _fail("--fix and --diff on stdin (-) take no other paths")
        options["stdin"] = sys.stdin.buffer.read()  # read once: fixes are planned on these bytes
    fixed_stdin = None
    try:
        if fix or show_diff:
            # Rounds of fixes until none applies; the last round's lint is the report.
            fixed = datalint.plan_fixes(
                targets, unsafe=unsafe_fixes, prune_baseline=prune, progress=output.progress, **options
            )
            _tell_fixes(fixed, write=not show_diff, listed=show_fixes)
            _note_columnar_not_fixed(fixed.report)
            if show_diff:
                sys.exit(1 if fixed.applied else 0)
            if options.get("stdin") is not None:
                # ruff's `--fix -`: the fixed dataset to stdout, what is left to stderr
                fixed_stdin = fixed.files[0].after if fixed.files else options["stdin"]
            report = fixed.report
        else:
            report = datalint.lint_paths(targets, prune_baseline=prune, progress=output.progress, **options)
    except _usage_errors() as error:
        _fail(str(error))
        return
    report = _print_report(report, output, options["jobs"], fixed_stdin)
    sys.exit(0 if exit_zero else report.exit_code)


# --- what `check` prints: format, quiet levels, colour, a cap, watch mode ---------------------------

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


def _shown_format(output_format: str, show_source: bool | None) -> str:
    """--show-source turns the text formats into `full`; --no-show-source turns `full` into `text`."""
    if show_source is None:
        return output_format
    if output_format not in HUMAN_FORMATS:
        flag = "--show-source" if show_source else "--no-show-source"
        _fail(f"{flag} applies to text output, not --output-format {output_format}")
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


def _print_report(report, output: Output, jobs: int, fixed_stdin: bytes | None = None):
    """Print the report as asked; returns it as reported (after --quiet), for the exit code. After
    `--fix -` the fixed dataset goes to stdout and the report to stderr."""
    from datalint.formatters import render
    from datalint.formatters.text import statistics as statistics_table
    from datalint.violation import severity_rank

    if output.lowest_severity != "info":
        lowest = severity_rank(output.lowest_severity)
        report = report.with_violations([v for v in report.violations if severity_rank(v.severity) >= lowest])
    if output.statistics and output.format == "text":
        text = statistics_table(report)
    elif output.max_violations is not None and output.format in HUMAN_FORMATS:
        text = _capped(output.format, report, output.max_violations, output.color)
    elif output.max_violations is not None and output.format in ("github", "gitlab"):
        module = importlib.import_module(FORMATTERS[output.format])
        text = module.render(report, per_severity=output.max_violations)
    else:
        text = render(output.format, report, color=output.color)
    if output.show_fixes and output.format in HUMAN_FORMATS:
        from datalint.formatters.text import fixes_listing

        text += fixes_listing(report)
    to_stderr = fixed_stdin is not None and output.file is None
    if fixed_stdin is not None:
        sys.stdout.buffer.write(fixed_stdin)
        sys.stdout.flush()
    if output.file is not None:
        output.file.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False, color=output.color, err=to_stderr)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if output.format == "github" and summary_file:
        from datalint.formatters.github import step_summary

        with open(summary_file, "a", encoding="utf-8") as stream:
            stream.write(step_summary(report, output.command))
    if report.timings is not None:
        from datalint.timings import render_timings

        click.echo(render_timings(report.timings, report.stats, jobs), err=True, nl=False)
    return report


def _reproduce(targets: list[str], options: dict) -> str:
    """The `datalint check` command that finds the same violations (for the CI job summary)."""
    args = ["datalint", "check", *targets]
    for flag, key in (("--select", "select"), ("--extend-select", "extend_select"), ("--ignore", "ignore")):
        if options[key]:
            args += [flag, ",".join(options[key])]
    for flag, key in (("--config", "config"), ("--fail-on", "fail_on"), ("--baseline", "baseline")):
        if options[key] is not None:
            args += [flag, str(options[key])]
    for against in options["against"]:
        args += ["--against", str(against)]
    if options["diff_base"] is not None:
        args += ["--diff-base", options["diff_base"]]
    if not options["conventions"]:
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


def _watch(targets: list[str], options: dict, output: Output) -> None:
    """Check, then again each time a watched file changes, until interrupted (`ruff check --watch`).
    A run that cannot start (a config error while it is being edited) is reported, and watched."""
    import datalint
    from datalint.watch import snapshot, wait_for_change

    clear = output.file is None and sys.stdout.isatty()
    seen = snapshot(targets, options["config"])
    message = "Starting datalint in watch mode..."
    try:
        while True:
            if clear:
                click.clear()
            click.echo(f"[{time.strftime('%H:%M:%S')}] {message}", err=True)
            try:
                report = datalint.lint_paths(targets, progress=output.progress, **options)
                _print_report(report, output, options["jobs"])
            except _usage_errors() as error:
                click.echo(f"datalint: error: {error}", err=True)
            click.echo("Watching for file changes.", err=True)
            sys.stdout.flush()
            seen, changed = wait_for_change(targets, seen, options["config"])
            names = ", ".join(changed[:3]) + (", ..." if len(changed) > 3 else "")
            message = f"{_plural(len(changed), 'file')} changed ({names}), checking again..."
    except KeyboardInterrupt:
        sys.exit(0)


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this config file.")
def clean(paths: tuple[str, ...], config: Path | None) -> None:
    """Delete the incremental cache (of the config found from PATHS, default: the current folder)."""
    from datalint.cache import CacheError
    from datalint.cache import clean as clean_folder
    from datalint.config import ConfigError, SettingsResolver
    from datalint.engine import cache_folder_of

    try:
        resolver = SettingsResolver(config_path=config)
        folders = []
        for name in paths or (".",):
            found = resolver.config_for(Path(name).resolve())
            folder = cache_folder_of(found.root, found.table)
            if folder not in folders:
                folders.append(folder)
        for folder in folders:
            removed = clean_folder(folder)
            plural = "s" * (removed != 1)
            click.echo(f"Removed {folder} ({removed} file{plural})" if removed else f"No cache at {folder}")
    except (ConfigError, CacheError) as error:
        _fail(str(error))


def _tell_fixes(fixed, *, write: bool, listed: bool = False) -> None:
    """Write the fixed files and say what changed (stderr), or print the diff of every round's fixes;
    stdin's fixed bytes are the caller's to print."""
    from datalint import fix

    if write:
        fix.write(fixed)
        if fixed.files:
            click.echo(_fix_summary(fixed), err=True)
            if listed:
                click.echo(_fixed_listing(fixed), err=True, nl=False)
    else:
        for item in fixed.files:
            click.echo(fix.unified_diff(item), nl=False)
    if not fixed.converged:
        click.echo(
            f"datalint: warning: fixes still apply after {fixed.rounds} rounds; run --fix again to apply them.",
            err=True,
        )
    if fixed.unsafe_skipped:
        count = fixed.unsafe_skipped
        click.echo(f"{count:,} more fix{'es' * (count != 1)} available with --unsafe-fixes.", err=True)


def _note_columnar_not_fixed(report) -> None:
    """--fix and --diff rewrite JSONL files only; a columnar input with findings is named on stderr,
    and the run goes on (a folder may mix JSONL files to fix with Parquet shards to lint)."""
    columnar = sorted({summary.path for summary in report.files if summary.columnar})
    if columnar:
        names = ", ".join(columnar[:3]) + (f" and {len(columnar) - 3} more" if len(columnar) > 3 else "")
        click.echo(
            f"datalint: note: not fixed: {names} "
            "(--fix and --diff rewrite JSONL files, never a Parquet or Arrow input)",
            err=True,
        )


def _fixed_listing(fixed) -> str:
    """What --fix --show-fixes adds: the fixes applied per file and rule, as ruff lists them."""
    lines = []
    for item in fixed.files:
        lines.append(f"- {item.path}:")
        lines += [f"    {count:,} × {code} ({name})" for code, name, count in item.rules]
    return "".join(line + "\n" for line in lines)


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"


def _fix_summary(fixed) -> str:
    """What --fix did, in the words a reviewer of the diff needs: records removed, lines changed."""
    removed = sum(item.removed for item in fixed.files)
    changed = sum(item.changed for item in fixed.files)
    what = []
    if removed:
        what.append(f"removed {_plural(removed, 'record')}")
    if changed:
        what.append(f"changed {_plural(changed, 'line')}")
    return f"Fixed {_plural(fixed.applied, 'violation')} in {_plural(len(fixed.files), 'file')}: {', '.join(what)}."


@main.command("baseline")
@click.argument("paths", nargs=-1)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("datalint-baseline.json"),
    show_default=True,
    help="Baseline file to write.",
)
@_selection_options
@click.option("--no-progress", "--quiet", "-q", "quiet", is_flag=True, help="No progress line on stderr.")
def write_baseline(
    paths: tuple[str, ...],
    output: Path,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config: Path | None,
    profile: str | None,
    quiet: bool,
) -> None:
    """Write a baseline of today's violations, so `check --baseline` fails only on new ones."""
    import datalint
    from datalint import baseline
    from datalint.progress import wants_progress

    try:
        report = datalint.lint_paths(
            list(paths or (".",)),
            config=config,
            select=_split(select) or None,
            extend_select=_split(extend_select),
            ignore=_split(ignore),
            profile=profile,
            progress=wants_progress(quiet),
        )
    except _usage_errors() as error:
        _fail(str(error))
        return
    root = output.resolve().parent
    entries = baseline.entries_for(report.violations, root)
    baseline.write(output, entries)
    click.echo(f"Wrote {output}: {len(report.violations):,} violations in {len(entries):,} entries.", err=True)


def _config_option(function):
    return click.option(
        "--config",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Use this config file (default: the one found from the current folder, as `check` does).",
    )(function)


def _known_rules(config: Path | None):
    """The built-in rules and those the config declares, with its `[rules.X]` tables applied."""
    from datalint.config import ConfigError, find_config, load_config

    try:
        return load_config(config or find_config(Path.cwd())).rules
    except ConfigError as error:
        _fail(str(error))


@main.command("rules")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True
)
@_config_option
def list_rules(output_format: str, config: Path | None) -> None:
    """List every rule, built-in and declared in the config: code, name, severity, summary."""
    import json

    from datalint.docs import rules_table

    rules = _known_rules(config)
    if output_format == "markdown":
        click.echo(rules_table(rules))
        return
    if output_format == "json":
        fields = ("code", "name", "kind", "severity", "summary", "default")
        click.echo(json.dumps([{key: getattr(rule, key) for key in fields} for rule in rules], indent=2))
        return
    for rule in rules:
        marker = "" if rule.default else "  (off by default)"
        click.echo(f"{rule.code}  {rule.name:<28} {rule.severity:<8} {rule.summary}{marker}")


@main.command("rule")
@click.argument("code")
@_config_option
def show_rule(code: str, config: Path | None) -> None:
    """Show a rule's documentation (by code, in any case, or name)."""
    from datalint.docs import rule_markdown

    for rule in _known_rules(config):
        if code.upper() == rule.code or code.lower() == rule.name:
            click.echo(rule_markdown(rule))
            return
    _fail(f"no rule {code!r}; `datalint rules` lists them")


@main.command("profiles")
def list_profiles() -> None:
    """List the trainer profiles (`--profile NAME`, or `profile = "NAME"` in config)."""
    from datalint.trainer_profiles import load_profile, profile_names

    for name in profile_names():
        click.echo(f"{name:<14} {load_profile(name).summary}")


@main.command("profile")
@click.argument("name")
def show_profile(name: str) -> None:
    """Show a trainer profile: what it checks, what the trainer does silently, its sources."""
    from datalint.trainer_profiles import ProfileError, load_profile, profile_markdown

    try:
        click.echo(profile_markdown(load_profile(name)), nl=False)
    except ProfileError as error:
        _fail(str(error))


@main.command("mcp")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the incremental cache.")
def mcp_server(no_cache: bool) -> None:
    """Serve lint, fix, explain_rule and stats to coding agents over MCP (stdio); see docs/agents.md."""
    try:
        from datalint.mcp_server import serve
    except ImportError as error:  # the `mcp` extra is not installed
        _fail(str(error))
        return
    serve(cache=not no_cache)


@main.command("server")
def language_server() -> None:
    """Run the language server (LSP on stdin/stdout): diagnostics as you type, fixes, suppressions."""
    try:
        from datalint.lsp.server import serve
    except ImportError as error:
        if (error.name or "").split(".")[0] in ("pygls", "lsprotocol", "cattrs"):
            _fail("the language server needs its extra: pip install 'datalint[lsp]'")
        raise
    serve()


@main.command("stats")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write an HTML report.")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this config file.")
@click.option("--no-progress", "--quiet", "-q", "quiet", is_flag=True, help="No progress line on stderr.")
def stats(path: Path, output_format: str, html_file: Path | None, config: Path | None, quiet: bool) -> None:
    """Profile a dataset: fields, lengths, languages, labels, duplicates, top violations."""
    import json

    import datalint
    from datalint.progress import wants_progress

    try:
        profile = datalint.profile_file(path, config=config, progress=wants_progress(quiet))
    except _usage_errors() as error:
        _fail(str(error))
        return
    if html_file is not None:
        from datalint.atomic import write_atomic
        from datalint.profile_html import render as render_html

        write_atomic(html_file, render_html(profile).encode("utf-8"))
    if output_format == "json":
        click.echo(json.dumps(profile.to_dict(), ensure_ascii=False, indent=2))
    else:
        from datalint.profile_text import render as render_text

        click.echo(render_text(profile), nl=False)


@main.command("init")
@click.argument("path", required=False, default=".", type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing datalint.toml.")
def init(path: Path, force: bool) -> None:
    """Write a starter datalint.toml tuned to the datasets at PATH (a file or a folder)."""
    from datalint.starter import InitError, write

    folder = path if path.is_dir() else path.parent
    target = folder / "datalint.toml"
    try:
        result = write(target, [str(path)], force=force)
    except (InitError, *_usage_errors()) as error:
        _fail(str(error))
        return
    ignored = len(result.ignored or [])
    click.echo(
        f"Wrote {target}: format {result.format}, {ignored} noisy rule{'s' * (ignored != 1)} ignored for now.",
        err=True,
    )


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Review file.")
@click.option("--fraction", default=0.05, show_default=True, type=click.FloatRange(0, 1, min_open=True))
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same sample.")
@click.option("--stratify", default="type", show_default=True, help="Label to stratify by (type, difficulty).")
@click.option("--ledger", help="Glob of existing review files (default: config `review.ledger`).")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this config file.")
def sample(
    paths: tuple[str, ...],
    output: Path,
    fraction: float,
    seed: int,
    stratify: str,
    ledger: str | None,
    config: Path | None,
) -> None:
    """Write a stratified spot-check sample of each dataset to a review file."""
    from collections import Counter

    from datalint.atomic import write_atomic
    from datalint.config import ConfigError, SettingsResolver
    from datalint.review.ledger import ReviewError, ledger_files, read_ledger
    from datalint.review.sample import draw, read_candidates, review_line
    from datalint.sources import InputError, collect_sources, jsonl_only

    if output.exists():
        _fail(f"{output} exists; reviews are not overwritten (choose a new file name)")
    try:
        resolver = SettingsResolver(config_path=config)
        sources = [source for source in collect_sources(paths, resolver) if source.path is not None]
        jsonl_only(sources, "datalint sample")
        if ledger is None:
            found = resolver.config_for(sources[0].path) if sources else None
            configured = found.table.get("review", {}).get("ledger") if found else None
            ledger = str(found.root / configured) if configured else ""
        reviewed = set(read_ledger(ledger_files(ledger)))
        picked = []
        total = 0
        for source in sources:
            settings = resolver.settings_for(source.path)
            candidates = read_candidates(source.path, source.name, stratify, settings.format, settings.mapping)
            total += len(candidates)
            picked += draw(candidates, fraction, seed, reviewed)
    except (ConfigError, InputError, ReviewError) as error:
        _fail(str(error))
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(output, "".join(review_line(candidate) + "\n" for candidate in picked).encode("utf-8"))
    strata = Counter(candidate.stratum for candidate in picked)
    again = sum(candidate.hash in reviewed for candidate in picked)
    click.echo(f"sampled {len(picked)} of {total} records into {output} (seed {seed})")
    click.echo("by " + stratify + ": " + ", ".join(f"{name} {count}" for name, count in sorted(strata.items())))
    if again:
        click.echo(f"{again} of them were reviewed before (every other record has been)")


@main.command("train-quality")
@click.option("--ratings", "ratings", multiple=True, required=True, help="Rated review files (globs allowed).")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Model JSON.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this config file.")
def train_quality(ratings: tuple[str, ...], output: Path, seed: int, config: Path | None) -> None:
    """Train a quality classifier on rated review files; print cross-validated precision/recall."""
    from datalint.config import ConfigError, SettingsResolver
    from datalint.review.ledger import DEFAULT_GOOD_CUT, ReviewError, is_good, ledger_files, read_ledger, review_example

    try:
        files = sorted({path for pattern in ratings for path in ledger_files(pattern)})
        if not files:
            _fail(f"no review files match {', '.join(ratings)}")
        resolver = SettingsResolver(config_path=config)
        review = resolver.config_for(files[0]).table.get("review", {})
        settings = resolver.settings_for(files[0])  # format and mapping of the records
        rated = [entry for entry in read_ledger(files).values() if entry.rated and isinstance(entry.record, dict)]
        scale, good_cut = review.get("ratings", "good-bad"), review.get("good-cut", DEFAULT_GOOD_CUT)
        labels = [is_good(entry, scale, good_cut) for entry in rated]
        examples = [review_example(entry, settings.format, settings.mapping) for entry in rated]
    except (ConfigError, ReviewError) as error:
        _fail(str(error))
        return
    n_good = sum(labels)
    n_bad = len(labels) - n_good
    if min(n_good, n_bad) < 2 or len(labels) < 10:
        _fail(f"{len(labels)} rated records ({n_good} good, {n_bad} bad): need 10, with at least 2 of each")
    try:
        from datalint.review import quality_model, training

        folds = min(5, n_good, n_bad)
        metrics = training.cross_validate(examples, labels, folds=folds, seed=seed)
        model = training.train(examples, labels, seed=seed)
    except ImportError as error:
        _fail(str(error))
        return
    click.echo(f"trained on {len(labels)} rated records ({n_good} good, {n_bad} bad) from {len(files)} review file(s)")
    click.echo(f"cross-validated ({folds} folds, seed {seed}):")
    for name in ("bad", "good"):
        part = metrics[name]
        click.echo(f"  {name:<4} precision {part['precision']:.2f}  recall {part['recall']:.2f}  ({part['support']})")
    click.echo(f"  accuracy {metrics['accuracy']:.2f}; majority-class baseline {metrics['baseline_accuracy']:.2f}")
    quality_model.save(model, output)
    click.echo(f"wrote {output}")


def _tune_cycle_collector() -> None:
    """A run makes millions of small acyclic objects (tuples, lists, records) that reference
    counting frees; the cycle collector scanning them again and again cost a large share of a run
    and freed nothing. The objects alive now (imports) are frozen out of its scans and its collections
    made rare, for this process and the workers forked from it. Process policy: here only, never in
    the library (figures in bench/README.md)."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def run() -> None:
    """The `datalint` console script: `main`, then exit without the interpreter's teardown, which
    frees every object of the run one by one (noticeable in a warm run) when nothing is left to
    do: worker pools were closed by the run and the output is flushed here."""
    _tune_cycle_collector()
    try:
        main()
        code: int | str | None = 0
    except SystemExit as exit_:
        code = exit_.code
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`datalint check ... | head`) or stream
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    run()
