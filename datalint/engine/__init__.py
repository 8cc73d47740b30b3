"""The lint run.

    sources -> plan -> record pass (executor) -> feature columns -> dataset pass -> placing -> Report

See docs/architecture.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from time import perf_counter

from datalint.config import SettingsResolver
from datalint.engine.dataset_pass import dataset_findings, serial_dataset_pass
from datalint.engine.executor import RunOptions, default_jobs, make_executor
from datalint.engine.features import FileResults
from datalint.engine.incremental import cache_folder_for, cache_folder_of
from datalint.engine.plan import DEFAULT_MAX_LINE_BYTES
from datalint.engine.record_pass import file_record_pass, memory_record_pass
from datalint.reader import Line, LineParser, record_hash
from datalint.report import FileSummary, Report, count_failing
from datalint.source_reader import SourceReader
from datalint.sources import Source
from datalint.timings import Timings
from datalint.violation import Violation, by_position

__all__ = ["DEFAULT_MAX_LINE_BYTES", "RunOptions", "cache_folder_of", "default_jobs", "lint_in_memory", "lint_sources"]


def lint_sources(sources: list[Source], resolver: SettingsResolver, options: RunOptions | None = None) -> Report:
    """The record pass of each source in turn (its results cached, its chunks run by the executor),
    then the dataset pass over every file's features, then the report."""
    options = options or RunOptions()
    run = make_executor(options)
    files: list[FileResults] = []
    violations: list[Violation] = []
    summaries: list[FileSummary] = []
    fail_on: dict[str, str] = {}
    cache_writes: list[Callable[[], None]] = []
    try:
        for source in sources:
            settings = resolver.settings_for(source.path)
            fail_on[source.name] = settings.fail_on
            if source.array:
                lines = SourceReader(source).lines(max_line_bytes=DEFAULT_MAX_LINE_BYTES)
                state = memory_record_pass(source.name, lines, settings, run.timings)
            else:
                cache_folder = cache_folder_for(resolver, source) if options.cache else None
                state = file_record_pass(source, settings, run, cache_folder)
                if state.cache_write is not None:
                    cache_writes.append(state.cache_write)
            files.append(state)
            violations.extend(state.violations)
            summaries.append(FileSummary(source.name, state.records, state.format, state.rows is not None))
    except BaseException:
        run.close(terminate=True)  # workers of a failed or interrupted run are stopped, not awaited
        raise
    run.close()
    try:
        found = dataset_findings(files, sources, run, meanwhile=lambda: _write_caches(cache_writes, run.timings))
    finally:
        run.finish()
    violations.extend(found)
    violations.sort(key=by_position)
    return Report(violations, summaries, count_failing(violations, fail_on), fail_on, run.timings, run.stats)


def lint_in_memory(
    records: Iterable[dict], resolver: SettingsResolver, name: str = "<memory>", options: RunOptions | None = None
) -> Report:
    """Lint dicts held in memory; each is given the line its JSON would have in a JSONL file."""
    timings = Timings() if options is not None and options.timings else None
    settings = resolver.settings_for(None)
    state = memory_record_pass(name, _lines_of(records), settings, timings)
    rules = {code: rule for code, (_, rule) in state.rules.items()}
    violations = sorted([*state.violations, *serial_dataset_pass([state], rules, timings)], key=by_position)
    fail_on = {name: settings.fail_on}
    summaries = [FileSummary(name, state.records, state.format)]
    return Report(violations, summaries, count_failing(violations, fail_on), fail_on, timings)


def _lines_of(records: Iterable[dict]) -> Iterator[Line]:
    parser = LineParser(DEFAULT_MAX_LINE_BYTES)
    for number, record in enumerate(records, start=1):
        text = json.dumps(record, ensure_ascii=False)
        try:
            raw = text.encode()
        except UnicodeEncodeError:  # a lone surrogate: read the record as its JSONL line would be (S011)
            raw = json.dumps(record).encode()
            yield parser.parse(number, raw, record_hash(raw))
            continue
        yield Line(number, text, record if isinstance(record, dict) else None, record_hash(raw))


def _write_caches(writes: list[Callable[[], None]], timings: Timings | None) -> None:
    started = perf_counter()
    for write in writes:
        write()
    if timings is not None and writes:
        timings.add("cache save", perf_counter() - started)
    writes.clear()  # each held its file's new features
