"""LintOptions: what a lint run takes besides its paths, in one place for `lint_paths`, `plan_fixes`
and the command line (`datalint check` builds one from its flags)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datalint.config import SettingsResolver


@dataclass(frozen=True, kw_only=True)
class LintOptions:
    """The options of a lint run, with the defaults of the library API (the command line differs:
    one job per core, the cache on). `datalint.lint_paths(paths, select=["P"])` is
    `datalint.lint_paths(paths, options=LintOptions(select=["P"]))`."""

    # Which rules run: the settings of each file (as --config, --select ... on the command line).
    config: str | Path | None = None
    select: Sequence[str] | None = None
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    fail_on: str | None = None
    against: Sequence[str | Path] = ()  # evaluation sets the records must not overlap (D006)
    profile: str | None = None  # a trainer profile (rules/profiles/NAME.toml)

    # How the engine runs.
    jobs: int = 1  # > 1: the record pass of large files in that many worker processes
    cache: bool = False  # read and write the incremental cache (.datalint_cache/)
    timings: bool = False  # time per rule family, in `report.timings`
    progress: bool = False  # a status line on a terminal's stderr
    executor: str | None = None  # "local" or "ray"; None: the config's `executor` (docs/ray.md)
    ray_address: str | None = None  # the Ray cluster; None: RAY_ADDRESS, else a local one
    chunk_bytes: int | None = None  # the size of the record pass's tasks (tests and benchmarks)
    pool_min_lines: int | None = None  # fewer lines to check stay in this process (tests and benchmarks)

    # What is reported.
    baseline: str | Path | None = None  # a file of `datalint baseline`: accepted violations dropped
    prune_baseline: bool = False  # remove the baseline's entries that no longer match
    diff_base: str | None = None  # a git revision: only records added or changed since
    conventions: bool = True  # a finding most records of a file share, once (False: on every record)
    stdin: bytes | None = None  # the bytes of a `-` path, when the caller has read them already

    def resolver(self) -> SettingsResolver:
        """The settings of each file, from the config found from it (or `config`) and the selection."""
        from datalint import settings_resolver

        return settings_resolver(
            self.config, self.select, self.extend_select, self.ignore, self.fail_on, self.against, self.profile
        )


def lint_options(options: LintOptions | None, keywords: dict[str, Any]) -> LintOptions:
    """`options` (default: LintOptions()) with `keywords` changed; an unknown keyword is a TypeError."""
    return replace(options, **keywords) if options is not None else LintOptions(**keywords)
