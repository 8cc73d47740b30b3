"""The human review loop: `sample` records to review, `train-quality` on the ratings."""

from __future__ import annotations

from pathlib import Path

import click

from datalint.cli.entry import main
from datalint.cli.errors import fail
from datalint.cli.options import config_file_option


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Review file.")
@click.option("--fraction", default=0.05, show_default=True, type=click.FloatRange(0, 1, min_open=True))
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same sample.")
@click.option("--stratify", default="type", show_default=True, help="Label to stratify by (type, difficulty).")
@click.option("--ledger", help="Glob of existing review files (default: config `review.ledger`).")
@config_file_option
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
        fail(f"{output} exists; reviews are not overwritten (choose a new file name)")
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
        fail(str(error))
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
@config_file_option
def train_quality(ratings: tuple[str, ...], output: Path, seed: int, config: Path | None) -> None:
    """Train a quality classifier on rated review files; print cross-validated precision/recall."""
    from datalint.config import ConfigError, SettingsResolver
    from datalint.review.ledger import DEFAULT_GOOD_CUT, ReviewError, is_good, ledger_files, read_ledger, review_example

    try:
        files = sorted({path for pattern in ratings for path in ledger_files(pattern)})
        if not files:
            fail(f"no review files match {', '.join(ratings)}")
        resolver = SettingsResolver(config_path=config)
        review = resolver.config_for(files[0]).table.get("review", {})
        settings = resolver.settings_for(files[0])  # format and mapping of the records
        rated = [entry for entry in read_ledger(files).values() if entry.rated and isinstance(entry.record, dict)]
        scale, good_cut = review.get("ratings", "good-bad"), review.get("good-cut", DEFAULT_GOOD_CUT)
        labels = [is_good(entry, scale, good_cut) for entry in rated]
        examples = [review_example(entry, settings.format, settings.mapping) for entry in rated]
    except (ConfigError, ReviewError) as error:
        fail(str(error))
    n_good = sum(labels)
    n_bad = len(labels) - n_good
    if min(n_good, n_bad) < 2 or len(labels) < 10:
        fail(f"{len(labels)} rated records ({n_good} good, {n_bad} bad): need 10, with at least 2 of each")
    try:
        from datalint.review import quality_model, training

        folds = min(5, n_good, n_bad)
        metrics = training.cross_validate(examples, labels, folds=folds, seed=seed)
        model = training.train(examples, labels, seed=seed)
    except ImportError as error:
        fail(str(error))
    click.echo(f"trained on {len(labels)} rated records ({n_good} good, {n_bad} bad) from {len(files)} review file(s)")
    click.echo(f"cross-validated ({folds} folds, seed {seed}):")
    for name in ("bad", "good"):
        part = metrics[name]
        click.echo(f"  {name:<4} precision {part['precision']:.2f}  recall {part['recall']:.2f}  ({part['support']})")
    click.echo(f"  accuracy {metrics['accuracy']:.2f}; majority-class baseline {metrics['baseline_accuracy']:.2f}")
    quality_model.save(model, output)
    click.echo(f"wrote {output}")
