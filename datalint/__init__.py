"""datalint: a linter for instruction-tuning datasets.

The public API, which the CLI is built on:

    import datalint
    violations = datalint.lint_file("train.jsonl")
    violations = datalint.lint_records([{"instruction": "Hi", "output": ""}])
    report = datalint.lint_paths(["data/"], baseline="datalint-baseline.json", diff_base="origin/main")

Each `Violation` has the fields of the JSON output (`violation.to_dict()` is that object): code,
name, severity, message, path, line, column, end_column, pointer, record_hash, related, fix; and
`row` (a `Row`: row, row group, shard) for a record of a Parquet or Arrow input (docs/inputs.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datalint.lint_options import LintOptions, lint_options

__version__ = "0.1.0"

if TYPE_CHECKING:
    from datalint.config import SettingsResolver
    from datalint.fix import FixPlan
    from datalint.profile import Profile
    from datalint.report import Report
    from datalint.violation import Violation

__all__ = [
    "LinesLinted",
    "LintOptions",
    "__version__",
    "lint_file",
    "lint_lines",
    "lint_paths",
    "lint_records",
    "plan_fixes",
    "profile_file",
]


def settings_resolver(
    config, select, extend_select, ignore, fail_on=None, against=(), profile=None
) -> SettingsResolver:
    from datalint.config import CommandLine, SettingsResolver

    command_line = CommandLine(
        tuple(select) if select is not None else None,
        tuple(extend_select),
        tuple(ignore),
        fail_on,
        tuple(str(path) for path in against),
        profile,
    )
    return SettingsResolver(command_line, Path(config) if config else None)


def lint_paths(paths: Sequence[str | Path], *, options: LintOptions | None = None, **keywords: Any) -> Report:
    """Lint files and folders; each file uses the config found from it upward unless `config` is given.

    `options` (a `LintOptions`) or its fields as keywords (`select=["P"]`, `cache=True` ...), the
    keywords changing `options` when both are given. Then, in order: config `[[suppress]]` entries
    drop their violations; `baseline` (a file from `datalint baseline`) drops accepted ones and
    reports its stale entries (DL001), which `prune_baseline` removes from the file; `diff_base` (a
    git revision) keeps only violations of records added or changed since then. `against`:
    evaluation sets the records must not overlap (as `--against` on the command line). `jobs` > 1
    runs the record pass of large files in that many worker processes; `cache=True` reads and
    writes the incremental cache (.datalint_cache/), as the command line does by default; `timings`
    measures time per rule family (in `report.timings`). A finding most records of a file share is
    reported once, with its count and examples (conventions.py); `conventions=False` keeps one
    finding per record. Each violation a rule can fix carries its `fix` (fix.py); `stdin` is the
    bytes of a `-` path when the caller has read them already (the CLI does, to fix stdin).
    `profile`: a trainer profile (rules/profiles/NAME.toml), as `--profile`. `executor`: "local"
    (the default) or "ray" (docs/ray.md: the cluster at `ray_address` or RAY_ADDRESS, else a local
    one); None takes `executor` from the config of the first dataset.
    """
    options = lint_options(options, keywords)
    resolver = options.resolver()
    contents = {"<stdin>": options.stdin} if options.stdin is not None else {}
    report = _run(paths, resolver, contents, options)
    return _narrowed(report, resolver, contents, options, options.conventions, options.prune_baseline)


def _run(paths, resolver: SettingsResolver, contents: dict[str, bytes], options: LintOptions) -> Report:
    """The engine's report on the paths, each violation with its fix attached; `contents` holds the
    bytes to lint instead of a file's (stdin's, a file's fixed in memory), by source name."""
    from datalint.engine import RunOptions, lint_sources
    from datalint.fix import attach_fixes
    from datalint.sources import collect_sources

    sources = collect_sources([str(path) for path in paths], resolver, contents.get("<stdin>"))
    sources = [replace(source, data=contents[source.name]) if source.name in contents else source for source in sources]
    meter = None
    if options.progress:
        import sys

        from datalint.progress import Meter, metered

        meter = Meter(sys.stderr, len(sources))
        sources = metered(sources, meter, count_reads=False)  # the engine tells what is checked
    try:
        run_options = RunOptions(
            jobs=max(1, options.jobs),
            cache=options.cache,
            timings=options.timings,
            progress=meter,
            executor=options.executor or _configured_executor(resolver, sources),
            ray_address=options.ray_address,
            chunk_bytes=options.chunk_bytes,
            pool_min_lines=options.pool_min_lines,
        )
        report = lint_sources(sources, resolver, run_options)
    finally:
        if meter is not None:
            meter.close()
    attach_fixes(report, resolver, contents)
    return report


def _narrowed(
    report: Report,
    resolver: SettingsResolver,
    contents: dict[str, bytes],
    options: LintOptions,
    conventions: bool,
    prune_baseline: bool,
) -> Report:
    """The engine's report as the user asked for it: conventions once (if `conventions`),
    suppressions, the baseline (pruned if `prune_baseline`), --diff-base (compared with `contents`
    where a file's bytes are held in memory)."""
    from datalint.conventions import collapse as collapse_conventions

    if conventions:
        report = collapse_conventions(report)
    report = _apply_suppressions(report, resolver)
    if options.baseline is not None:
        report = _apply_baseline(report, resolver, Path(options.baseline), prune_baseline)
    if options.diff_base is not None:
        from datalint.diff_base import only_changed

        report = only_changed(report, options.diff_base, contents)
    return report


def _configured_executor(resolver: SettingsResolver, sources: list) -> str:
    """`executor` in the config of the run's first dataset (one executor runs the whole run)."""
    first = next((source.path for source in sources if source.path is not None), None)
    config = resolver.config_for(first) if first is not None else resolver.fixed_config
    return config.table.get("executor", "local") if config is not None else "local"


def _apply_suppressions(report: Report, resolver: SettingsResolver) -> Report:
    from datalint import suppression
    from datalint.report import Report

    report, unused = suppression.apply(
        report, lambda path: None if path.startswith("<") else resolver.config_for(Path(path))
    )
    extra = []
    fail_on = dict(report.fail_on)
    for entry in unused:
        settings = resolver.settings_for(entry.config)
        rule = settings.rule_for("suppression", problem="unused-suppression")
        if rule is None:
            continue
        fail_on[str(entry.config)] = settings.fail_on
        extra.append(
            _meta_violation(
                rule,
                f"unused suppression: {', '.join(entry.rules)} on record {entry.hash} matches no violation",
                str(entry.config),
                suppression.entry_line(entry),
            )
        )
    if not extra:
        return report
    return Report(report.violations, report.files, 0, fail_on).with_violations([*report.violations, *extra])


def _apply_baseline(report: Report, resolver: SettingsResolver, path: Path, prune: bool) -> Report:
    from datalint import baseline as baselines
    from datalint.report import Report

    loaded = baselines.load(path)

    def in_scope(linted: str, code: str) -> bool:
        settings = resolver.settings_for(None if linted.startswith("<") else Path(linted))
        return any(rule.code == code for rule in settings.rules)

    matched = baselines.apply(report, loaded, in_scope)
    if prune:
        baselines.write(path, baselines.pruned(loaded, matched))
        return matched.report
    settings = resolver.settings_for(path)
    rule = settings.rule_for("suppression", problem="unused-baseline-entry")
    if rule is None or not matched.unused:
        return matched.report
    extra = [baselines.unused_violation(entry, path, rule.code, rule.name, rule.severity) for entry in matched.unused]
    fail_on = {**matched.report.fail_on, str(path): settings.fail_on}
    return Report(matched.report.violations, matched.report.files, 0, fail_on).with_violations(
        [*matched.report.violations, *extra]
    )


def _meta_violation(rule, message: str, path: str, line: int) -> Violation:
    from datalint.violation import Violation

    return Violation(rule.code, rule.name, rule.severity, message, path, line)


def lint_file(path: str | Path, *, options: LintOptions | None = None, **keywords: Any) -> list[Violation]:
    """Violations of one dataset file, sorted by line. Options as for `lint_paths`."""
    return lint_paths([path], options=options, **keywords).violations


def lint_records(
    records: Iterable[dict],
    *,
    config: str | Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    name: str = "<memory>",
    conventions: bool = True,
    profile: str | None = None,
) -> list[Violation]:
    """Lint records held in memory (rows of a `datasets.Dataset`, `DataFrame.to_dict("records")` ...).

    Record N is reported at line N, as if the records were written to a JSONL file in order;
    `record_hash` is the hash of that JSON line (`json.dumps(record, ensure_ascii=False)`). Fixes
    are edits of that file; they are attached when `records` can be iterated again (a list, a
    `datasets.Dataset`), not for a one-shot iterator.
    """
    from datalint.conventions import collapse as collapse_conventions
    from datalint.engine import lint_in_memory
    from datalint.fix import attach_fixes

    resolver = settings_resolver(config, select, extend_select, ignore, profile=profile)
    report = lint_in_memory(records, resolver, name)
    if iter(records) is not records:
        attach_fixes(report, resolver, {name: lambda: _as_jsonl(records)})
    return (collapse_conventions(report) if conventions else report).violations


def plan_fixes(
    paths: Sequence[str | Path],
    *,
    unsafe: bool = False,
    max_rounds: int | None = None,
    options: LintOptions | None = None,
    **keywords: Any,
) -> FixPlan:
    """The fixes `datalint check --fix` would apply to these files, planned in memory: nothing is written.

    Fixes are applied in rounds, as ruff does, until none applies (a fix can make another possible:
    a special token cut off an answer makes the record a copy of an earlier one) or `max_rounds`
    (default `fix.MAX_ROUNDS`) have run; each round lints once, the files' current bytes held in
    memory (`cache` makes re-linting the unchanged records free). Each `FileFix` of the plan holds
    the file's bytes before the first round and after the last (`fix.unified_diff(item)` is their
    diff; `fix.write(plan)` writes them); `plan.report` is what remains, the last round's lint as
    `lint_paths` with these options reports it. Unsafe fixes (content changes, records removed)
    only with `unsafe`; `plan.unsafe_skipped` counts the ones left out. `options` and `keywords`
    are those of `lint_paths` (config, select, cache, baseline, stdin ...), with the same defaults.
    """
    from datalint import fix

    options = lint_options(options, keywords)
    resolver = options.resolver()
    last: list[Report] = []

    def lint(contents: dict[str, bytes]) -> Report:
        # Fixes are planned per record: a convention reported once still has one fix per record,
        # and suppressed, baselined or unchanged (--diff-base) findings are not fixed.
        last[:] = [_run(paths, resolver, contents, options)]
        return _narrowed(last[0], resolver, contents, options, conventions=False, prune_baseline=False)

    initial = {"<stdin>": options.stdin} if options.stdin is not None else {}
    rounds = fix.MAX_ROUNDS if max_rounds is None else max_rounds
    plan = fix.fix_in_rounds(lint, resolver, initial, unsafe=unsafe, max_rounds=rounds)
    contents = {**initial, **{item.path: item.after for item in plan.files}}
    plan.report = _narrowed(last[0], resolver, contents, options, options.conventions, options.prune_baseline)
    return plan


def profile_file(path: str | Path, *, config: str | Path | None = None, progress: bool = False) -> Profile:
    """The profile `datalint stats` shows of one dataset file: fields, lengths, languages, labels,
    duplicates and the rules that flag most records (`profile.to_dict()` is its JSON output)."""
    from datalint.profile import profile_path
    from datalint.reader import is_array_path
    from datalint.sources import Source

    path = Path(path)
    from datalint.sources import collect_sources, jsonl_only

    jsonl_only(collect_sources([str(path)], settings_resolver(config, None, (), ())), "datalint stats")
    settings = settings_resolver(config, None, (), ()).settings_for(path)
    # The profile counts records per rule: every record, not a convention reported once.
    report = lint_paths([path], config=config, progress=progress, conventions=False)
    source = Source(str(path), path, array=is_array_path(path))
    meter = None
    if progress:
        import sys

        from datalint.progress import Meter, metered

        meter = Meter(sys.stderr, 1)
        source = metered([source], meter)[0]
    try:
        return profile_path(path, settings, report, source)
    finally:
        if meter is not None:
            meter.close()


def _as_jsonl(records: Iterable[dict]) -> bytes:
    """The JSONL file lint_records reports on: each record as the engine serialises it."""
    import json

    lines = []
    for record in records:
        text = json.dumps(record, ensure_ascii=False)
        try:
            lines.append(text.encode())
        except UnicodeEncodeError:  # a lone surrogate: escaped, as the engine reads it
            lines.append(json.dumps(record).encode())
    return b"".join(line + b"\n" for line in lines)


def __getattr__(name: str):
    # `lint_lines` (an editor's buffer, checked incrementally) is imported on first use: the
    # engine stays out of `import datalint`, as for the other entry points.
    if name in ("lint_lines", "LinesLinted"):
        from datalint.engine import buffer

        return getattr(buffer, name)
    raise AttributeError(f"module 'datalint' has no attribute {name!r}")
