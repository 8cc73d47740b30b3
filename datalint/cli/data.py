"""Commands about a dataset besides checking it: `stats`, `init`, `baseline`, `clean`."""

from __future__ import annotations

from pathlib import Path

import click

from datalint.cli.entry import main
from datalint.cli.errors import fail, usage_errors
from datalint.cli.options import config_file_option, selection_options, split


@main.command("stats")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write an HTML report.")
@config_file_option
@click.option("--no-progress", "--quiet", "-q", "quiet", is_flag=True, help="No progress line on stderr.")
def stats(path: Path, output_format: str, html_file: Path | None, config: Path | None, quiet: bool) -> None:
    """Profile a dataset: fields, lengths, languages, labels, duplicates, top violations."""
    import json

    import datalint
    from datalint.progress import wants_progress

    try:
        profile = datalint.profile_file(path, config=config, progress=wants_progress(quiet))
    except usage_errors() as error:
        fail(str(error))
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
    except (InitError, *usage_errors()) as error:
        fail(str(error))
    ignored = len(result.ignored or [])
    click.echo(
        f"Wrote {target}: format {result.format}, {ignored} noisy rule{'s' * (ignored != 1)} ignored for now.",
        err=True,
    )


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
@selection_options
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
            select=split(select) or None,
            extend_select=split(extend_select),
            ignore=split(ignore),
            profile=profile,
            progress=wants_progress(quiet),
        )
    except usage_errors() as error:
        fail(str(error))
    root = output.resolve().parent
    entries = baseline.entries_for(report.violations, root)
    baseline.write(output, entries)
    click.echo(f"Wrote {output}: {len(report.violations):,} violations in {len(entries):,} entries.", err=True)


@main.command()
@click.argument("paths", nargs=-1)
@config_file_option
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
        fail(str(error))
