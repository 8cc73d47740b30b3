"""datalint: a linter for instruction-tuning datasets.

The public API, which the CLI is built on:

    import datalint
    violations = datalint.lint_file("train.jsonl")
    violations = datalint.lint_records([{"instruction": "Hi", "output": ""}])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from datalint.engine import Report
    from datalint.violation import Violation

__all__ = ["__version__", "lint_file", "lint_paths", "lint_records"]


def lint_paths(
    paths: Sequence[str | Path],
    *,
    config: str | Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    against: Sequence[str | Path] = (),
    jobs: int = 1,
    cache: bool = False,
) -> Report:
    """Lint files and folders; each file uses the config found from it upward unless `config` is given.

    `against`: evaluation sets the records must not overlap (as `--against` on the command line).
    `jobs` > 1 runs the record pass of large files in that many worker processes; `cache=True`
    reads and writes the incremental cache (.datalint_cache/), as the command line does by default.
    """
    from datalint.config import CommandLine, SettingsResolver
    from datalint.engine import RunOptions, collect_sources, lint_sources

    resolver = SettingsResolver(
        CommandLine(
            tuple(select) if select is not None else None,
            tuple(extend_select),
            tuple(ignore),
            against=tuple(str(path) for path in against),
        ),
        Path(config) if config else None,
    )
    options = RunOptions(jobs=max(1, jobs), cache=cache)
    return lint_sources(collect_sources([str(path) for path in paths], resolver), resolver, options)


def lint_file(path: str | Path, **options) -> list[Violation]:
    """Violations of one dataset file, sorted by line. Options as for `lint_paths`."""
    return lint_paths([path], **options).violations


def lint_records(
    records: Iterable[dict],
    *,
    config: str | Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    name: str = "<memory>",
) -> list[Violation]:
    """Lint records held in memory (rows of a `datasets.Dataset`, dicts from pandas ...).

    Record N is reported at line N, as if the records were written to a JSONL file in order.
    """
    from datalint.config import CommandLine, SettingsResolver
    from datalint.engine import lint_in_memory

    resolver = SettingsResolver(
        CommandLine(tuple(select) if select is not None else None, tuple(extend_select), tuple(ignore)),
        Path(config) if config else None,
    )
    return lint_in_memory(records, resolver, name).violations
