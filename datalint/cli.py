"""The `datalint` command: thin click commands over the Python API."""

from __future__ import annotations

import os
import sys
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="datalint")
def main() -> None:
    """Lint instruction-tuning datasets (JSONL) like code."""


def _usage_errors() -> tuple[type[Exception], ...]:
    """Errors that mean the run could not start (exit 2), from the modules that raise them."""
    from datalint.baseline import BaselineError
    from datalint.config import ConfigError
    from datalint.diff_base import DiffBaseError
    from datalint.engine import InputError

    return (ConfigError, InputError, BaselineError, DiffBaseError)


def _selection_options(function):
    for option in reversed(
        [
            click.option(
                "--select", multiple=True, help="Rules to enable (codes, names or family letters; comma-separated)."
            ),
            click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection."),
            click.option("--ignore", multiple=True, help="Rules to disable."),
            click.option(
                "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this config file."
            ),
        ]
    ):
        function = option(function)
    return function


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "output_format", type=click.Choice(list(FORMATTERS)), default="text", show_default=True)
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
@click.option("--quiet", "-q", is_flag=True, help="No progress line on stderr.")
def check(
    paths: tuple[str, ...],
    output_format: str,
    output_file: Path | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config: Path | None,
    fail_on: str | None,
    exit_zero: bool,
    statistics: bool,
    against: tuple[str, ...],
    jobs: int,
    no_cache: bool,
    timings: bool,
    baseline: Path | None,
    prune: bool,
    diff_base: str | None,
    every_record: bool,
    fix: bool,
    unsafe_fixes: bool,
    show_diff: bool,
    quiet: bool,
) -> None:
    """Check datasets (files, folders, or - for stdin; default: the current folder)."""
    import datalint
    from datalint.engine import default_jobs, without_cycle_collection
    from datalint.formatters import render
    from datalint.formatters.text import statistics as statistics_table
    from datalint.progress import wants_progress

    if prune and baseline is None:
        _fail("--prune needs --baseline FILE")
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
        "cache": not no_cache,
        "timings": timings,
        "conventions": not every_record,
    }
    targets = list(paths or (".",))
    try:
        report = datalint.lint_paths(targets, prune_baseline=prune, progress=wants_progress(quiet), **options)
        if fix or show_diff:
            # Fixes are planned per record: a convention reported once still has one fix per record.
            per_record = report if every_record else datalint.lint_paths(targets, **{**options, "conventions": False})
            fixed = _apply_fixes(per_record, options, write=not show_diff, unsafe=unsafe_fixes)
            if show_diff:
                sys.exit(1 if fixed else 0)
            if fixed:
                report = datalint.lint_paths(targets, progress=wants_progress(quiet), **options)
    except _usage_errors() as error:
        _fail(str(error))
        return
    color = output_file is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    with without_cycle_collection():  # formatting makes objects per violation; the report's need no scan
        text = (
            statistics_table(report)
            if statistics and output_format == "text"
            else render(output_format, report, color=color)
        )
    if output_file is not None:
        output_file.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    if report.timings is not None:
        from datalint.timings import render_timings

        click.echo(render_timings(report.timings, report.stats, options["jobs"]), err=True, nl=False)
    sys.exit(0 if exit_zero else report.exit_code)


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


def _apply_fixes(report, options: dict, *, write: bool, unsafe: bool) -> int:
    """Fix the report's files (or print the diff); returns how many fixes apply."""
    from datalint import fix, settings_resolver

    resolver = settings_resolver(options["config"], options["select"], options["extend_select"], options["ignore"])
    fixed = fix.fix_report(report, resolver, unsafe=unsafe)
    if write:
        fix.write(fixed)
        if fixed.files:
            click.echo(_fix_summary(fixed), err=True)
    else:
        for item in fixed.files:
            click.echo(fix.unified_diff(item), nl=False)
    if fixed.unsafe_skipped:
        count = fixed.unsafe_skipped
        click.echo(f"{count:,} more fix{'es' * (count != 1)} available with --unsafe-fixes.", err=True)
    return fixed.applied


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
@click.option("--quiet", "-q", is_flag=True, help="No progress line on stderr.")
def write_baseline(
    paths: tuple[str, ...],
    output: Path,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config: Path | None,
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
            progress=wants_progress(quiet),
        )
    except _usage_errors() as error:
        _fail(str(error))
        return
    root = output.resolve().parent
    entries = baseline.entries_for(report.violations, root)
    baseline.write(output, entries)
    click.echo(f"Wrote {output}: {len(report.violations):,} violations in {len(entries):,} entries.", err=True)


@main.command("rules")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True
)
def list_rules(output_format: str) -> None:
    """List every built-in rule: code, name, severity, summary."""
    import json

    from datalint.docs import rules_table
    from datalint.rules import builtin_rules

    rules = builtin_rules()
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
def show_rule(code: str) -> None:
    """Show a rule's documentation (by code or name)."""
    from datalint.docs import rule_markdown
    from datalint.rules import builtin_rules

    for rule in builtin_rules():
        if code in (rule.code, rule.name):
            click.echo(rule_markdown(rule))
            return
    _fail(f"no rule {code!r}; `datalint rules` lists them")


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
@click.option("--quiet", "-q", is_flag=True, help="No progress line on stderr.")
def stats(path: Path, output_format: str, html_file: Path | None, config: Path | None, quiet: bool) -> None:
    """Profile a dataset: fields, lengths, languages, labels, duplicates, top violations."""
    import json

    import datalint
    from datalint.engine import Source
    from datalint.profile import profile_path
    from datalint.progress import Meter, metered, wants_progress
    from datalint.reader import is_array_path

    try:
        resolver = datalint.settings_resolver(config, None, (), ())
        settings = resolver.settings_for(path)
        # The profile counts records per rule: every record, not a convention reported once.
        report = datalint.lint_paths([path], config=config, progress=wants_progress(quiet), conventions=False)
        source = Source(str(path), path, array=is_array_path(path))
        meter = Meter(sys.stderr, 1) if wants_progress(quiet) else None
        if meter is not None:
            source = metered([source], meter)[0]
        try:
            profile = profile_path(path, settings, report, source)
        finally:
            if meter is not None:
                meter.close()
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
    from datalint.engine import InputError, collect_sources
    from datalint.review import ReviewError, draw, ledger_files, read_candidates, read_ledger, review_line

    if output.exists():
        _fail(f"{output} exists; reviews are not overwritten (choose a new file name)")
    try:
        resolver = SettingsResolver(config_path=config)
        sources = [source for source in collect_sources(paths, resolver) if source.path is not None]
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
    from datalint.review import DEFAULT_GOOD_CUT, ReviewError, is_good, ledger_files, read_ledger, review_example

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
        from datalint import quality_model

        folds = min(5, n_good, n_bad)
        metrics = quality_model.cross_validate(examples, labels, folds=folds, seed=seed)
        model = quality_model.train(examples, labels, seed=seed)
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


def run() -> None:
    """The `datalint` console script: `main`, then exit without the interpreter's teardown, which
    frees every object of the run one by one (~50 ms after 50k records) when nothing is left to
    do: worker pools were closed by the run and the output is flushed here."""
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
