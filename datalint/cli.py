"""The `datalint` command: thin click commands over the Python API."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from datalint import __version__

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


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--select", multiple=True, help="Rules to enable (codes, names or family letters; comma-separated).")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this config file.")
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
) -> None:
    """Check datasets (files, folders, or - for stdin; default: the current folder)."""
    from datalint.config import CommandLine, ConfigError, SettingsResolver
    from datalint.engine import InputError, RunOptions, collect_sources, default_jobs, lint_sources
    from datalint.formatters import render
    from datalint.formatters.text import statistics as statistics_table

    command_line = CommandLine(_split(select) or None, _split(extend_select), _split(ignore), fail_on, against)
    try:
        resolver = SettingsResolver(command_line, config)
        options = RunOptions(jobs=jobs or default_jobs(), cache=not no_cache, timings=timings)
        report = lint_sources(collect_sources(paths or (".",), resolver), resolver, options)
    except (ConfigError, InputError) as error:
        _fail(str(error))
        return
    color = output_file is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
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

        click.echo(render_timings(report.timings, report.stats, options.jobs), err=True, nl=False)
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

    from datalint.config import ConfigError, SettingsResolver
    from datalint.engine import InputError, collect_sources
    from datalint.review import ReviewError, draw, ledger_files, read_candidates, read_ledger, review_line, write_atomic

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
    write_atomic(output, "".join(review_line(candidate) + "\n" for candidate in picked))
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


if __name__ == "__main__":
    main()
