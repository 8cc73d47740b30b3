"""datalint: a linter for instruction-tuning datasets.

The public API, which the CLI is built on:

    import datalint
    violations = datalint.lint_file("train.jsonl")
    violations = datalint.lint_records([{"instruction": "Hi", "output": ""}])
    report = datalint.lint_paths(["data/"], baseline="datalint-baseline.json", diff_base="origin/main")

Each `Violation` has the fields of the JSON output (`violation.to_dict()` is that object): code,
name, severity, message, path, line, column, end_column, pointer, record_hash, related, fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

__version__ = "0.1.0"

if TYPE_CHECKING:
    from datalint.config import Settings, SettingsResolver
    from datalint.engine import Report
    from datalint.violation import Violation

__all__ = ["__version__", "lint_file", "lint_lines", "lint_paths", "lint_records"]


def settings_resolver(config, select, extend_select, ignore, fail_on=None, against=()) -> SettingsResolver:
    from datalint.config import CommandLine, SettingsResolver

    command_line = CommandLine(
        tuple(select) if select is not None else None,
        tuple(extend_select),
        tuple(ignore),
        fail_on,
        tuple(str(path) for path in against),
    )
    return SettingsResolver(command_line, Path(config) if config else None)


def lint_paths(
    paths: Sequence[str | Path],
    *,
    config: str | Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    fail_on: str | None = None,
    against: Sequence[str | Path] = (),
    jobs: int = 1,
    cache: bool = False,
    timings: bool = False,
    baseline: str | Path | None = None,
    prune_baseline: bool = False,
    diff_base: str | None = None,
    progress: bool = False,
    conventions: bool = True,
) -> Report:
    """Lint files and folders; each file uses the config found from it upward unless `config` is given.

    Then, in order: config `[[suppress]]` entries drop their violations; `baseline` (a file from
    `datalint baseline`) drops accepted ones and reports its stale entries (DL001), which
    `prune_baseline` removes from the file; `diff_base` (a git revision) keeps only violations of
    records added or changed since then. `progress` shows a status line on a terminal's stderr.
    `against`: evaluation sets the records must not overlap (as `--against` on the command line).
    `jobs` > 1 runs the record pass of large files in that many worker processes; `cache=True`
    reads and writes the incremental cache (.datalint_cache/), as the command line does by default;
    `timings` measures time per rule family (in `report.timings`). A finding most records of a file
    share is reported once, with its count and examples (conventions.py); `conventions=False` keeps
    one finding per record.
    """
    from datalint.conventions import collapse as collapse_conventions
    from datalint.engine import RunOptions, collect_sources, lint_sources, without_cycle_collection

    # The suppressions, baseline and diff filters walk every violation too: see without_cycle_collection.
    with without_cycle_collection():
        resolver = settings_resolver(config, select, extend_select, ignore, fail_on, against)
        sources = collect_sources([str(path) for path in paths], resolver)
        meter = None
        if progress:
            import sys

            from datalint.progress import Meter, metered

            meter = Meter(sys.stderr, len(sources))
            sources = metered(sources, meter)
        try:
            report = lint_sources(sources, resolver, RunOptions(jobs=max(1, jobs), cache=cache, timings=timings))
        finally:
            if meter is not None:
                meter.close()
        if conventions:
            report = collapse_conventions(report)
        report = _apply_suppressions(report, resolver)
        if baseline is not None:
            report = _apply_baseline(report, resolver, Path(baseline), prune_baseline)
        if diff_base is not None:
            from datalint.diff_base import only_changed

            report = only_changed(report, diff_base)
        return report


def _apply_suppressions(report: Report, resolver: SettingsResolver) -> Report:
    from datalint import suppression
    from datalint.engine import Report

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
    from datalint.engine import Report

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
    conventions: bool = True,
) -> list[Violation]:
    """Lint records held in memory (rows of a `datasets.Dataset`, `DataFrame.to_dict("records")` ...).

    Record N is reported at line N, as if the records were written to a JSONL file in order;
    `record_hash` is the hash of that JSON line (`json.dumps(record, ensure_ascii=False)`).
    """
    from datalint.conventions import collapse as collapse_conventions
    from datalint.engine import lint_in_memory

    report = lint_in_memory(records, settings_resolver(config, select, extend_select, ignore), name)
    return (collapse_conventions(report) if conventions else report).violations


class LinesLinted(NamedTuple):
    """What `lint_lines` found: pass it back as `previous` on the next call over the same buffer."""

    violations: list[Violation]  # of the record pass and reading, sorted; suppressions and conventions not applied
    dataset: list[Violation]  # of the dataset pass (empty unless asked for), sorted
    results: dict[str, Any]  # the record pass's result per line content (opaque); later calls add to it
    file_format: str
    records: int  # lines that hold a record
    per_line: list[Any]  # each line's result (opaque)
    line_violations: list[Violation]  # the record pass's, by line (without reading problems of the whole file)
    first_crlf: int | None  # the first line with a CRLF ending
    plan: Any  # the rules as the engine runs them, for the next call with the same settings


def lint_lines(
    lines: Sequence[str],
    settings: Settings,
    *,
    name: str = "<buffer>",
    final_newline: bool = True,
    previous: LinesLinted | None = None,
    unchanged: tuple[int, int] | None = None,
    dataset: bool = False,
) -> LinesLinted:
    """Lint a dataset held as lines of text (an editor's unsaved buffer), checking only new lines.

    `lines` are the text split on "\\n" (a line ending in "\\r" had a CRLF ending); violations are
    reported at `name` and the lines' numbers. The record pass runs only on lines whose content
    `previous` has no result for (results are keyed by line content, as the cache's are). With
    `unchanged` = (first, last), the caller says how many first and last lines are the lines
    `previous` ran on: only the lines between are looked at, so a keystroke costs its line, not
    the buffer. The dataset pass (duplicates, outliers ...) runs over every line when `dataset`
    is true, else no dataset-wide rule reports. Give `settings` with prepared rules
    (`datalint.rules.prepared`) so a call does not prepare them again. Built on the engine's
    record pass (`check_lines`), `assemble_file` and `dataset_pass`, as a file run is.
    """
    from itertools import compress, count, islice
    from operator import itemgetter, methodcaller

    from datalint import cache
    from datalint.engine import (
        RulePlan,
        _FileState,
        _finish,
        _violation,
        assemble_file,
        check_lines,
        dataset_pass,
        parse_lines,
    )
    from datalint.locate import locate
    from datalint.reader import LineParser, position_problems, record_hash
    from datalint.records import detect_format
    from datalint.results import Results
    from datalint.violation import by_position

    def key(number: int, text: str) -> str:
        return text if number > 1 else "\x00" + text  # line 1 may hold a byte order mark

    def body(text: str) -> str:
        return text[:-1] if text.endswith("\r") else text

    plan = previous.plan if previous is not None and previous.plan.settings is settings else RulePlan(settings)
    parser = LineParser(plan.max_line_bytes)
    file_format = settings.format
    if file_format == "auto":
        # The first record in a known format: among the first lines, as a file run probes, else
        # where the last call found it, else anywhere (a first call parses every line anyway).
        file_format = "unknown"
        probe = lines if previous is None else islice(lines, 64)
        for number, text in enumerate(probe, 1):
            value = parser.parse(number, body(text).encode("utf-8", "surrogatepass"), "").value
            if isinstance(value, dict) and (detected := detect_format(value)) != "unknown":
                file_format = detected
                break
        if file_format == "unknown" and previous is not None:
            file_format = previous.file_format
    if previous is not None and previous.file_format != file_format:
        previous = None  # results depend on the file's format
    known = previous.results if previous is not None else {}
    # The lines to look at: all, or those between the unchanged first and last lines.
    size, before = len(lines), len(previous.per_line) if previous is not None else 0
    first = last = 0
    if previous is not None and unchanged is not None:
        first = max(0, min(unchanged[0], size, before))
        last = max(0, min(unchanged[1], size - first, before - first))
        if first == 0:
            last = max(0, min(last, size - 1, before - 1))  # line 1's result is its own (a BOM): never moved
    middle = range(first, size - last)
    keys = [key(position + 1, lines[position]) for position in middle]
    found = list(map(known.get, keys))
    missing: dict[str, tuple[int, bytes, str]] = {}
    for position, line_key, result in zip(middle, keys, found, strict=True):
        if result is None and line_key not in missing:
            raw = body(lines[position]).encode("utf-8", "surrogatepass")
            missing[line_key] = (position + 1, raw, record_hash(raw))
    results = known
    if missing:
        checked = check_lines(plan, file_format, parse_lines(parser, missing.values()))
        for entry, (line_key, (_, _, hash_)) in enumerate(missing.items()):
            kind, found_here, features = checked.entry(entry)
            results[line_key] = (hash_, kind, found_here, features)
        found = list(map(results.__getitem__, keys))
    # The record pass's violations of the middle lines, between the others' (moved by the lines added).
    rules = plan.rules
    made = [
        _violation(rules[index], message, name, position + 1, column, end_column, pointer, result[0])
        for position, result in zip(middle, found, strict=True)
        if result[2]
        for index, message, column, end_column, pointer in result[2]
    ]
    if previous is None:
        per_line, line_violations, records = found, made, _records_in(found)
    else:
        moved_by = size - before
        per_line = [*previous.per_line[:first], *found, *previous.per_line[before - last :]]
        kept = [v for v in previous.line_violations if v.line <= first]
        after = [v for v in previous.line_violations if v.line > before - last]
        after = [_at_line(v, v.line + moved_by) for v in after] if moved_by else after
        line_violations = [*kept, *made, *after]
        gone = previous.per_line[first : before - last]
        records = previous.records - _records_in(gone) + _records_in(found)
    if len(results) > 2 * size + 1024:
        results = {
            key(number, text): result for number, (text, result) in enumerate(zip(lines, per_line, strict=True), 1)
        }
    # Problems of a line's place in the file: the first CRLF ending, the missing final newline.
    ends_with_cr = methodcaller("endswith", "\r")
    first_crlf = None
    if previous is not None and previous.first_crlf is not None and previous.first_crlf <= first:
        first_crlf = previous.first_crlf
    else:
        first_crlf = next(compress(count(first + 1), map(ends_with_cr, islice(lines, first, size - last))), None)
        if first_crlf is None and previous is not None and previous.first_crlf is not None:
            tail = islice(lines, size - last, size)
            first_crlf = next(compress(count(size - last + 1), map(ends_with_cr, tail)), None)
    state = _FileState(records=records, format=file_format)
    placed = [(first_crlf, position_problems(True, False)[0])] if first_crlf is not None else []
    if lines and not final_newline:
        placed.append((size, position_problems(False, True)[0]))
    for number, problem in placed:
        if problem.kind in plan.reading:
            rule = rules[plan.reading[problem.kind]]
            hash_ = per_line[number - 1][0]
            state.violations.append(_violation(rule, problem.message, name, number, 1, None, "", hash_))
    state = _finish(state, name, settings)
    violations = sorted([*line_violations, *state.violations], key=by_position)
    found_in_dataset: list[Violation] = []
    if dataset:
        # The buffer as the engine's own results, one entry per line, for the features' tables.
        whole = Results(bytearray(map(itemgetter(1), per_line)))
        for position, result in enumerate(per_line):
            for rule_index, value in result[3]:
                whole.column(rule_index)[position] = value
        hashes = list(map(itemgetter(0), per_line))
        features = assemble_file(name, plan, cache.Entries(whole), range(size), hashes).features
        found_in_dataset = list(dataset_pass([features], {code: rule for code, (_, rule) in features.rules.items()}))
        for violation in found_in_dataset:
            if violation.pointer and violation.end_column is None:
                text = body(lines[violation.line - 1])
                text = text[1:] if violation.line == 1 and text.startswith("\ufeff") else text
                violation.column, violation.end_column = locate(text, violation.pointer)
        found_in_dataset.sort(key=by_position)
    return LinesLinted(
        violations, found_in_dataset, results, file_format, records, per_line, line_violations, first_crlf, plan
    )


def _records_in(results: list[Any]) -> int:
    return sum(1 for result in results if result[1])  # kind byte 0: not a record


def _at_line(violation: Violation, line: int) -> Violation:
    from dataclasses import replace

    return replace(violation, line=line)
