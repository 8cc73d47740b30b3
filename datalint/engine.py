"""The lint run: a streaming record pass per file, then a dataset pass over collected features.

record pass:  lines -> reading problems + Record -> per-record findings + features per rule.
              A pure function of (line bytes, prepared rules): its results are cached per record
              content hash (datalint/cache.py), and large inputs run it in worker processes, in
              chunks, with results put back in line order.
dataset pass: features of every file in the run -> dataset-wide findings (duplicates, quotas ...)
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import compress, islice, repeat
from operator import is_, is_not, methodcaller, ne
from pathlib import Path
from time import perf_counter
from typing import Any, BinaryIO, Protocol

from datalint import cache, forking, memo
from datalint.checks import load_kind
from datalint.config import ConfigError, Settings, SettingsResolver
from datalint.locate import locate
from datalint.reader import (
    Line,
    LineParser,
    Problem,
    open_binary,
    position_problems,
    read_json_array,
    record_hash,
    record_hashes,
)
from datalint.records import PRESETS, Record, build_record, detect_format
from datalint.report import NO_STATS, FileSummary, Report, count_failing
from datalint.results import Results
from datalint.rules import Rule, RuleError, prepared
from datalint.sources import Source
from datalint.timings import Timings
from datalint.violation import DatasetFinding, Location, Violation, by_position

DEFAULT_MAX_LINE_BYTES = 10_000_000
# Lines go to worker processes in tasks of about CHUNK_BYTES; files are read BLOCK_BYTES at a time,
# so memory holds a couple of blocks, not the file. Fewer than POOL_MIN_LINES records to check
# (small files, warm caches) are checked in this process: starting workers would cost more.
CHUNK_BYTES = 1 << 20
BLOCK_BYTES = 16 << 20
POOL_MIN_LINES = 5000
CHUNK_LINES = 2048  # records per check_lines call for records held in memory
FORMAT_PROBE_LINES = 64  # lines parsed up front to find the file's format
# The kind byte of a line's result: 0 = not a record, else 1 + the record's detected format here.
DETECTED_FORMATS = ("unknown", *PRESETS)


@dataclass(slots=True)
class FeatureTable:
    """Per-record values one dataset-wide rule collected in the record pass, in record order.
    Nothing mutates a table: it may share its lists (a file's hashes)."""

    paths: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.values)

    def where(self, other: int, seen_from: int) -> str:
        """How a message names record `other` when reported at `seen_from`: "line N", or "path:N" in another file."""
        if self.paths[other] == self.paths[seen_from]:
            return f"line {self.lines[other]}"
        return f"{self.paths[other]}:{self.lines[other]}"


class Progress(Protocol):
    """What a run tells a progress display as it goes (datalint/progress.py draws one). Called in
    the process doing the work: a forked dataset-pass process too."""

    def checked(self, name: str, size: int) -> None: ...  # `size` more bytes of file `name` checked

    def dataset_rule(self, rule: Rule, number: int, total: int, finished: bool) -> None: ...


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run: worker processes for the record pass, the cache, per-rule timings, progress."""

    jobs: int = 1
    cache: bool = False
    timings: bool = False
    progress: Progress | None = None


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector: a run makes millions of small acyclic objects (tuples,
    lists, records), which reference counting frees; scanning them again and again for cycles
    cost ~15% of a run and freed nothing. Cycles made meanwhile are collected once it resumes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def lint_sources(sources: list[Source], resolver: SettingsResolver, options: RunOptions | None = None) -> Report:
    with without_cycle_collection():
        return _lint_sources(sources, resolver, options)


def _lint_sources(sources: list[Source], resolver: SettingsResolver, options: RunOptions | None) -> Report:
    options = options or RunOptions()
    run = _Run(options)
    files: list[_FileFeatures] = []
    violations: list[Violation] = []
    summaries: list[FileSummary] = []
    fail_on: dict[str, str] = {}
    cache_writes: list[Callable[[], None]] = []
    try:
        for source in sources:
            settings = resolver.settings_for(source.path)
            fail_on[source.name] = settings.fail_on
            if source.array:
                with source.open() as stream:
                    state = record_pass(source.name, read_json_array(stream), settings, run.timings)
            else:
                cache_folder = _cache_folder(resolver, source) if options.cache else None
                with source.open() as stream:
                    state = file_record_pass(source, stream, settings, run, cache_folder)
                if state.cache_write is not None:
                    cache_writes.append(state.cache_write)
            files.append(state.features)
            violations.extend(state.violations)
            summaries.append(FileSummary(source.name, state.records, state.format))
    except BaseException:
        run.close(terminate=True)  # workers of a failed or interrupted run are stopped, not awaited
        raise
    run.close()
    found = dataset_findings(files, sources, run, meanwhile=lambda: _write_caches(cache_writes, run.timings))
    violations.extend(found)
    violations.sort(key=by_position)
    return Report(violations, summaries, count_failing(violations, fail_on), fail_on, run.timings, run.stats)


def dataset_findings(
    files: list[_FileFeatures], sources: list[Source], run: _Run, meanwhile: Callable[[], None]
) -> list[Violation]:
    """The dataset pass over the run's files, its violations placed. A rule whose feature values
    are unchanged since the last run over these files (datalint/memo.py) reuses its findings; the
    others run. Findings on lines that did not change keep the column spans found last time."""
    rules: dict[str, Rule] = {}
    for features in files:
        for code, (_, rule) in features.rules.items():
            rules.setdefault(code, rule)
    where = _memo_where(files)
    previous = memo.load(*where) if where is not None else None
    changes = _changed_lines(previous, files) if previous is not None else None
    reused = _reusable(previous, changes, rules) if changes is not None else {}
    to_run = {code: rule for code, rule in rules.items() if code not in reused}
    run.stats["dataset rules reused"] = len(reused)
    found = run_dataset_pass(
        files,
        to_run,
        run.options.jobs,
        run.timings,
        meanwhile=meanwhile,
        stats=run.stats,
        progress=run.options.progress,
    )
    hash_at = {features.name: features.hashes for features in files}
    for code, items in reused.items():
        rule = rules[code]
        for item in items:
            hashes, line = hash_at.get(item[1], ()), item[2]
            record_hash = hashes[line - 1] if 0 < line <= len(hashes) else None
            found.append(memo.decode_violation(item, rule.code, rule.name, rule.severity, record_hash))
    if changes is not None:
        changed = {(features.name, position + 1) for features, position, _ in changes}
        spans = memo.spans(previous, changed)
        for violation in found:
            if violation.pointer and violation.end_column is None:
                span = spans.get((violation.path, violation.line, violation.pointer))
                if span is not None:
                    violation.column, violation.end_column = span
    place_dataset_violations(found, sources, run.options.jobs)
    if where is not None:
        by_code: dict[str, list[Violation]] = {code: [] for code in rules}
        for violation in found:
            by_code[violation.code].append(violation)
        memo.save(*where, [(features.name, features.hashes) for features in files], by_code)
    return found


def table_of(files: list[_FileFeatures], code: str) -> FeatureTable:
    """A rule's table over the run: its rows in every file, in run order (tables span files, so
    duplicates across train/validation shards are found)."""
    parts = [features.table(code) for features in files if code in features.rules]
    if len(parts) == 1:
        return parts[0]
    table = FeatureTable()
    for rows in parts:
        table.paths.extend(rows.paths)
        table.lines.extend(rows.lines)
        table.hashes.extend(rows.hashes)
        table.values.extend(rows.values)
    return table


def _memo_where(files: list[_FileFeatures]) -> tuple[Path, str] | None:
    """(memo file, run key) when every file of the run is cached in one folder; else None."""
    keys = [features.run_key for features in files]
    if not keys or None in keys or len({folder for _, _, folder in keys}) != 1:
        return None
    key = memo.run_key([(features.name, path, digest) for features, (path, digest, _) in zip(files, keys, strict=True)])
    return memo.memo_path(keys[0][2], key), key


def _changed_lines(previous: memo.Memo, files: list[_FileFeatures]) -> list[tuple[_FileFeatures, int, str]] | None:
    """(file, line index, the line's old record key) of every line whose content changed since
    the memo was written; None when the files or their numbers of lines differ (every row moves)."""
    if [name for name, _ in previous.files] != [features.name for features in files]:
        return None
    changes = []
    for features, (_, old_hashes) in zip(files, previous.files, strict=True):
        if len(old_hashes) != len(features.hashes):
            return None
        if old_hashes != features.hashes:
            changes.extend(
                (features, position, cache.record_key(old, position + 1))
                for position, (old, now) in enumerate(zip(old_hashes, features.hashes, strict=True))
                if old != now
            )
    return changes


def _reusable(
    previous: memo.Memo, changes: list[tuple[_FileFeatures, int, str]], rules: dict[str, Rule]
) -> dict[str, list]:
    """The last findings of each rule whose feature value is the same, before and after, on every
    changed line."""
    reused = {}
    for code, rule in rules.items():
        if code not in previous.findings:
            continue
        if changes and getattr(load_kind(rule.kind), "READS_RECORD_HASHES", False):
            continue
        if all(_unchanged_value(features, code, position, key) for features, position, key in changes):
            reused[code] = previous.findings[code]
    return reused


def _unchanged_value(features: _FileFeatures, code: str, position: int, old_key: str) -> bool:
    if code not in features.rules:
        return True  # the rule is not on for this file: it has no rows here
    index = features.rules[code][0]
    known, before = features.cached_value(index, old_key)
    return known and _same(before, features.value(index, position))


def _same(before: Any, after: Any) -> bool:
    if before is after:
        return True
    if type(before) is not type(after):
        return False
    try:
        if type(before).__name__ == "ndarray":
            return before.shape == after.shape and before.dtype == after.dtype and bool((before == after).all())
        return bool(before == after)
    except Exception:  # noqa: BLE001 - values that cannot be compared count as changed
        return False


def lint_in_memory(
    records: Iterable[dict], resolver: SettingsResolver, name: str = "<memory>", options: RunOptions | None = None
) -> Report:
    """Lint dicts held in memory; each is given the line its JSON would have in a JSONL file."""
    timings = Timings() if options is not None and options.timings else None
    settings = resolver.settings_for(None)
    state = record_pass(name, _lines_of(records), settings, timings)
    rules = {code: rule for code, (_, rule) in state.features.rules.items()}
    violations = sorted([*state.violations, *dataset_pass([state.features], rules, timings)], key=by_position)
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


def _max_line_bytes(settings: Settings) -> int:
    rule = settings.rule_for("reading", problem="line-too-long")
    return rule.options["max-bytes"] if rule else DEFAULT_MAX_LINE_BYTES


def _cache_folder(resolver: SettingsResolver, source: Source) -> Path | None:
    if source.path is None:
        return None
    config = resolver.config_for(source.path)
    return cache_folder_of(config.root, config.table)


def cache_folder_of(root: Path, table: dict) -> Path:
    """`cache-dir` from the config (relative to the config's folder), else .datalint_cache there."""
    configured = table.get("cache-dir")
    return (root / configured) if configured else root / cache.FOLDER_NAME


# --- the record pass: a pure function of (line, prepared rules) ----------------------------------


class RulePlan:
    """The enabled rules of one Settings, sorted by what they need from the record pass.

    Per-record rules are prepared (regexes compiled, models loaded) only when a record has to be
    checked, so a run served from the cache loads nothing; dataset-wide rules are prepared at once,
    since their dataset pass runs on cached features too. A rule that cannot be prepared is a
    configuration error.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rules = list(settings.rules)
        self.mapping = settings.mapping
        self.max_line_bytes = _max_line_bytes(settings)
        self.reading: dict[str, int] = {}
        self.kinds = {}
        for index, rule in enumerate(self.rules):
            if rule.kind == "reading":
                self.reading[rule.options["problem"]] = index
            else:
                self.kinds[index] = load_kind(rule.kind)
        self.ready = False
        for index, kind in self.kinds.items():
            if hasattr(kind, "record_features") or hasattr(kind, "record_features_batch"):
                self._prepare(index)
        self._sort()

    def prepare(self) -> None:
        if not self.ready:
            for index in self.kinds:
                self._prepare(index)
            self._sort()
            self.ready = True

    def _prepare(self, index: int) -> None:
        rule = self.rules[index]
        if rule.state is None:
            try:
                self.rules[index] = prepared(rule)
            except (RuleError, ValueError, OSError) as error:
                raise ConfigError(f"{self.settings.config_label}: rule {rule.code}: {error}") from error

    def _sort(self) -> None:
        self.per_record: list[tuple[int, Rule, Callable]] = []
        self.featured: list[tuple[int, Rule, Callable]] = []
        self.batched: list[tuple[int, Rule, Callable]] = []
        self.batched_checks: list[tuple[int, Rule, Callable]] = []
        for index, kind in self.kinds.items():
            rule = self.rules[index]
            if hasattr(kind, "check_record"):
                self.per_record.append((index, rule, kind.check_record))
            if hasattr(kind, "check_records"):
                self.batched_checks.append((index, rule, kind.check_records))
            if hasattr(kind, "record_features"):
                self.featured.append((index, rule, kind.record_features))
            if hasattr(kind, "record_features_batch"):
                self.batched.append((index, rule, kind.record_features_batch))

    @property
    def featured_rules(self) -> list[tuple[int, Rule]]:
        return [(index, rule) for index, rule, _ in [*self.featured, *self.batched]]


def check_lines(plan: RulePlan, file_format: str, lines: Iterable[Line], timings: Timings | None = None) -> Results:
    """The record pass over some lines: per line, its kind, violations and features, by column.

    Depends only on each line's content (and whether it is line 1), the file's format and the
    rules: this is what the cache stores per record hash and what worker processes run.
    """
    plan.prepare()
    clock = perf_counter if timings is not None else None
    kinds = bytearray()
    found: dict[int, tuple] = {}
    featured = [(index, rule, compute, []) for index, rule, compute in plan.featured]
    appends = [(column.append, rule, compute) for _, rule, compute, column in featured]
    per_record = plan.per_record
    batch: list[tuple[int, Record, Line]] = []
    for position, line in enumerate(lines):
        violations = []
        for problem in line.problems:
            index = plan.reading.get(problem.kind)
            if index is not None:
                violations.append((index, problem.message, problem.column, problem.end_column, problem.pointer))
        if line.value is None:
            kinds.append(0)
            if violations:
                found[position] = tuple(violations)
            for _, _, _, column in featured:
                column.append(None)
            continue
        kinds.append(_KIND_OF[detect_format(line.value)])
        started = clock() if clock else 0.0
        record = build_record(line.number, line.hash, line.value, file_format, plan.mapping)
        if clock:
            timings.add("record view", clock() - started)
        if clock is None:  # the usual run: nothing but the rules in the loops, ~80 calls per record
            for index, rule, check in per_record:
                for finding in check(rule, record):
                    column, end_column = locate(line.text, finding.pointer, finding.span)
                    violations.append((index, finding.message, column, end_column, finding.pointer))
            for append, rule, compute in appends:
                append(compute(rule, record))
        else:
            for index, rule, check in per_record:
                started = clock()
                for finding in check(rule, record):
                    column, end_column = locate(line.text, finding.pointer, finding.span)
                    violations.append((index, finding.message, column, end_column, finding.pointer))
                timings.add(rule.code, clock() - started)
            for append, rule, compute in appends:
                started = clock()
                append(compute(rule, record))
                timings.add(rule.code, clock() - started)
        if violations:
            found[position] = tuple(violations)
        if plan.batched or plan.batched_checks:
            batch.append((position, record, line))
    results = Results(kinds, found, {index: column for index, _, _, column in featured})
    if batch:
        _add_batched_results(plan, batch, results, timings)
    return results


def _add_batched_results(
    plan: RulePlan, batch: list[tuple[int, Record, Line]], results: Results, timings: Timings | None
) -> None:
    """Kinds that are much cheaper on many records at once (a model scoring texts, numpy shingling)
    get the chunk's records together: `check_records` gives findings per record,
    `record_features_batch` a feature value per record."""
    records = [record for _, record, _ in batch]
    for index, rule, check in plan.batched_checks:
        started = perf_counter()
        for (position, _, line), findings in zip(batch, check(rule, records), strict=True):
            located = [
                (index, finding.message, *locate(line.text, finding.pointer, finding.span), finding.pointer)
                for finding in findings
            ]
            if located:
                results.violations[position] = results.violations.get(position, ()) + tuple(located)
        if timings is not None:
            timings.add(rule.code, perf_counter() - started)
    for index, rule, compute in plan.batched:
        started = perf_counter()
        values = compute(rule, records)
        if timings is not None:
            timings.add(rule.code, perf_counter() - started)
        column = results.column(index)
        for (position, _, _), value in zip(batch, values, strict=True):
            column[position] = value


def parse_lines(
    parser: LineParser, lines: Iterable[tuple[int, bytes, str]], timings: Timings | None = None
) -> list[Line]:
    started = perf_counter()
    parsed = [parser.parse(number, body, hash_) for number, body, hash_ in lines]
    if timings is not None:
        timings.add("read and parse JSON", perf_counter() - started)
    return parsed


_KIND_OF = {name: position + 1 for position, name in enumerate(DETECTED_FORMATS)}
_NOT_FIRST_LINE = "0"  # the last character of a record key on any line but line 1 (cache.record_key)
_ends_with_cr = methodcaller("endswith", b"\r")
_KNOWN_KIND = re.compile(rb"[\x02-\xff]")  # the kind byte of a record in a known format


def _format_of_kind(kind: int) -> str:
    return DETECTED_FORMATS[kind - 1] if kind > 1 else "unknown"


@dataclass(slots=True)
class _FileState:
    """What the record pass of one file produces."""

    violations: list[Violation] = field(default_factory=list)
    records: int = 0
    format: str = "unknown"
    features: _FileFeatures | None = None
    first_known: int = 0  # kind byte of the first record in a known format (the file's format)
    cache_write: Callable[[], None] | None = None  # run after the record pass of every file


@dataclass(slots=True)
class _FileFeatures:
    """A file's feature values for its dataset-wide rules, line by line: entries from the cache
    first, then the ones checked in this run. A rule's table is built (and its cached column
    decoded) only when its dataset pass has to run."""

    name: str
    rules: dict[str, tuple[int, Rule]]  # code -> (index in the file's plan, rule)
    hashes: list[str]  # content hash of each line
    order: Sequence[int]  # entry of each line
    new: cache.Entries  # the entries checked in this run, numbered after the cached ones
    cached: cache.CachedFile | None = None
    known: dict[str, int] = field(default_factory=dict)  # record key -> cached entry
    numbers: list[int] | None = None  # the lines' numbers, when not 1..n (JSON array elements)
    run_key: tuple[str, str, Path] | None = None  # (path, settings digest, cache folder): what the memo keys on
    moved: list[int] | None = None  # see _moved

    def value(self, rule_index: int, position: int) -> Any:
        """The rule's feature value on line `position` + 1 (None: none)."""
        entry = self.order[position]
        offset = len(self.cached) if self.cached is not None else 0
        if entry < offset:
            return self.cached.entries.value(rule_index, entry)
        return self.new.value(rule_index, entry - offset)

    def cached_value(self, rule_index: int, key: str) -> tuple[bool, Any]:
        """(whether the cache holds this record key, its feature value for the rule)."""
        entry = self.known.get(key)
        if entry is None or self.cached is None:
            return False, None
        return True, self.cached.entries.value(rule_index, entry)

    def table(self, code: str) -> FeatureTable:
        """The rule's rows in this file: the lines with a feature value, in line order. Built for
        each rule and dropped with it (a few ms per million rows): kept for every set of rows
        the rules have, the lists held ~700 MB at the end of a 1M-record run."""
        values = self._line_values(self.rules[code][0])
        if values is None:
            return FeatureTable()
        # `is_not`, as `None in` is elementwise on arrays.
        present = list(map(is_not, values, repeat(None)))
        numbers = self.numbers or range(1, len(self.hashes) + 1)
        if False not in present:
            return FeatureTable([self.name] * len(values), list(numbers), self.hashes, values)
        values = list(compress(values, present))
        return FeatureTable(
            [self.name] * len(values),
            list(compress(numbers, present)),
            list(compress(self.hashes, present)),
            values,
        )

    def _line_values(self, rule_index: int) -> list[Any] | None:
        """The rule's value on each line (None: none), or None when no line has one."""
        new = self.new.column(rule_index)
        if new is not None and not any(map(is_not, new, repeat(None))):
            new = None  # the rule found nothing to keep in the new lines (a rule that is off, say)
        old = self.cached.entries.column(rule_index) if self.cached is not None else None
        if old is None and new is None:
            return None
        if isinstance(self.order, range):  # every line its own new entry (a cold run)
            return new
        offset = len(self.cached) if self.cached is not None else 0
        moved = self._moved()
        if old is not None and len(moved) * 8 < len(self.order):
            # Most lines have the cached entry of their own number (a warm run after a few edits,
            # as a full cache save keeps line order): copy those at once, then patch the others.
            values = old[: len(self.order)]
            values.extend(repeat(None, len(self.order) - len(values)))
            for position in moved:
                entry = self.order[position]
                values[position] = old[entry] if entry < offset else None if new is None else new[entry - offset]
            return values
        column = (old if old is not None else [None] * offset) + (new if new is not None else [None] * len(self.new))
        return list(map(column.__getitem__, self.order))

    def _moved(self) -> list[int]:
        """The lines whose entry is not the cached entry of their own number (found once per file)."""
        if self.moved is None:
            order, offset = self.order, len(self.cached) if self.cached is not None else 0
            limit = min(len(order), offset)
            self.moved = [*compress(range(limit), map(ne, order[:limit], range(limit))), *range(limit, len(order))]
        return self.moved


def assemble_file(
    name: str,
    plan: RulePlan,
    new: cache.Entries,
    order: Sequence[int],
    hashes: list[str],
    problems: Iterable[tuple[int, str, Problem]] = (),
    cached: cache.CachedFile | None = None,
    known: dict[str, int] | None = None,
) -> _FileState:
    """A file's violations and its features from its lines' results: line i + 1 has the results
    of entry `order[i]` (a cached entry, then `new`'s) and the content hash `hashes[i]`. Whole
    columns move at once, so a warm run costs a few C-level calls rather than Python steps per
    record and rule."""
    state = _FileState()
    offset = len(cached) if cached is not None else 0
    results = new.results if cached is None else cached.entries.results
    all_kinds = results.kinds if cached is None else results.kinds + new.results.kinds
    kinds = all_kinds if isinstance(order, range) else bytes(map(all_kinds.__getitem__, order))
    state.records = len(kinds) - kinds.count(0)
    known_kind = _KNOWN_KIND.search(kinds)
    state.first_known = known_kind.group()[0] if known_kind else 0
    rules = plan.rules
    for number, problem_hash, problem in problems:
        index = plan.reading.get(problem.kind)
        if index is not None:
            state.violations.append(
                _violation(
                    rules[index],
                    problem.message,
                    name,
                    number,
                    problem.column,
                    problem.end_column,
                    problem.pointer,
                    problem_hash,
                )
            )
    found = results.violations if cached is None else {**results.violations, **_shifted(new.results.violations, offset)}
    if found:
        for position, entry in enumerate(order):
            if entry in found:
                for index, message, column, end_column, pointer in found[entry]:
                    state.violations.append(
                        _violation(
                            rules[index], message, name, position + 1, column, end_column, pointer, hashes[position]
                        )
                    )
    featured = {rule.code: (index, rule) for index, rule in plan.featured_rules}
    state.features = _FileFeatures(name, featured, hashes, order, new, cached, known or {})
    return state


def _shifted(violations: dict[int, tuple], offset: int) -> dict[int, tuple]:
    return {entry + offset: found for entry, found in violations.items()} if offset else violations


def _finish(state: _FileState, name: str, settings: Settings) -> _FileState:
    """The file-level finding: records in no known format."""
    unknown_rule = settings.rule_for("schema", check="unknown-format")
    if state.format == "unknown" and state.records and unknown_rule is not None:
        state.violations.append(
            _violation(
                unknown_rule,
                f"records match no known format ({', '.join(PRESETS)}); "
                "set `format` and `mapping` in config so content rules can read them",
                name,
                1,
                1,
                None,
                "",
                None,
            )
        )
    return state


def record_pass(
    name: str,
    lines: Iterable[Line],
    settings: Settings,
    timings: Timings | None = None,
) -> _FileState:
    """The record pass over parsed lines held in memory (records given as dicts, JSON array files)."""
    plan = RulePlan(settings)
    lines = list(lines)
    file_format = _file_format(settings, lines)
    results = Results()
    for start in range(0, len(lines), CHUNK_LINES):
        results.extend(check_lines(plan, file_format, lines[start : start + CHUNK_LINES], timings))
    # In-memory lines may skip numbers (a JSON array's elements sit on their own lines): the
    # results are assembled as if consecutive, then given their real line numbers.
    state = assemble_file(name, plan, cache.Entries(results), range(len(lines)), [line.hash for line in lines])
    _renumber(state, [line.number for line in lines])
    state.format = file_format
    return _finish(state, name, settings)


def _renumber(state: _FileState, numbers: list[int]) -> None:
    if numbers == list(range(1, len(numbers) + 1)):
        return
    for violation in state.violations:
        violation.line = numbers[violation.line - 1]
    state.features.numbers = numbers


def _file_format(settings: Settings, lines: Iterable[Line]) -> str:
    if settings.format != "auto":
        return settings.format
    return next(
        (found for line in lines if line.value is not None and (found := detect_format(line.value)) != "unknown"),
        "unknown",
    )


def file_record_pass(
    source: Source, stream: BinaryIO, settings: Settings, run: _Run, cache_folder: Path | None
) -> _FileState:
    """The record pass of a JSONL file: streamed in blocks, records found in the cache reused,
    the others checked here or, when there are many, in worker processes; results in line order."""
    plan = run.plan(settings)
    parser = LineParser(plan.max_line_bytes)
    if source.path is None:  # stdin cannot be read twice; the format may need a second pass
        stream = io.BytesIO(stream.read())
    blocks = _blocks(stream)
    first = next(blocks, None)
    file_format = settings.format
    if file_format == "auto":
        file_format = _file_format(settings, _first_lines(parser, first))
    state = _pass_over_blocks(source, settings, plan, run, cache_folder, file_format, first, blocks)
    seen_format = _format_of_kind(state.first_known)
    if settings.format == "auto" and seen_format != file_format:
        # The first record in a known format lay beyond the first lines looked at: run again with it.
        stream.seek(0)
        with contextlib.nullcontext(stream) if source.path is None else source.open() as again:
            blocks = _blocks(again)
            state = _pass_over_blocks(
                source, settings, plan, run, cache_folder, seen_format, next(blocks, None), blocks
            )
    return _finish(state, source.name, settings)


def _first_lines(parser: LineParser, block: _Block | None) -> Iterator[Line]:
    if block is None:
        return
    for number, raw in enumerate(block.lines[:FORMAT_PROBE_LINES], start=1):
        body = raw[:-1] if raw.endswith(b"\r") else raw
        yield parser.parse(number, body, "")


def _pass_over_blocks(
    source: Source,
    settings: Settings,
    plan: RulePlan,
    run: _Run,
    cache_folder: Path | None,
    file_format: str,
    first: _Block | None,
    blocks: Iterator[_Block],
) -> _FileState:
    timings = run.timings
    digest = cached = cache_path = None
    if cache_folder is not None and source.path is not None:
        started = perf_counter()
        digest = run.digest(settings)
        cache_path = cache.cache_file(cache_folder, source.path, digest)
        cached = cache.load(cache_path, digest, len(plan.rules), len(DETECTED_FORMATS))
        if cached is not None and cached.file_format != file_format:
            cached = None
        if timings is not None:
            timings.add("cache load", perf_counter() - started)
    # Entries: the cached ones first (0 .. known-1), then the ones computed in this run, in the
    # order they were sent to be checked. A line maps to the entry of its record key.
    known = cached.index() if cached is not None else {}
    entries_known = len(cached) if cached is not None else 0
    new_keys: dict[str, int] = {}  # record key -> entry, for entries computed in this run
    new = cache.Entries()  # columns stay as the workers encoded them until a rule needs one
    order: list[int] = []  # entry of each line
    hashes: list[str] = []  # of every line, in order
    problems: list[tuple[int, str, Problem]] = []
    in_flight: deque[Callable[[], tuple[Results | None, list[tuple] | None]]] = deque()
    packs: list[tuple] | None = []  # the new results as workers packed them, while all came from workers
    number = 0
    crlf_seen = False
    for block in _chain(first, blocks):
        started = perf_counter()
        lines = block.lines
        if not crlf_seen and block.carriage_return and any(map(_ends_with_cr, lines)):
            crlf_seen = True
            position = next(index for index, raw in enumerate(lines) if raw[-1:] == b"\r")
            problems.append(
                (number + position + 1, record_hash(lines[position][:-1]), position_problems(True, False)[0])
            )
        if crlf_seen:
            lines = [raw[:-1] if raw[-1:] == b"\r" else raw for raw in lines]
        # Whole blocks at a time: C-level passes over the lines, a Python step only per line to check.
        block_hashes = record_hashes(lines)
        keys = list(map(str.__add__, block_hashes, repeat(_NOT_FIRST_LINE)))
        if number == 0 and keys:
            keys[0] = block_hashes[0] + "1"  # line 1 has its own key: a byte order mark is allowed there only
        entries = list(map(known.get, keys))
        misses: list[tuple[int, bytes, str]] = []
        unknown = list(compress(range(len(entries)), map(is_, entries, repeat(None))))
        for position in unknown:
            key = keys[position]
            entry = new_keys.get(key)
            if entry is None:
                entry = new_keys[key] = entries_known + len(new_keys)
                misses.append((number + position + 1, lines[position], block_hashes[position]))
            entries[position] = entry
        from_cache = len(lines) - len(unknown)
        number += len(lines)
        hashes += block_hashes
        order += entries
        if block.missing_newline:
            problems.append((number, hashes[-1], position_problems(False, True)[0]))
        if timings is not None:
            timings.add("read, hash, cache lookup", perf_counter() - started)
        # Copies of a line seen earlier in this run are checked once, but count as checked.
        run.stats["checked"] += len(block.lines) - from_cache
        run.stats["cached"] += from_cache
        done = None
        if run.options.progress is not None:  # bytes (with their newlines) of lines not sent: at once
            done = partial(run.options.progress.checked, source.name)
            done(sum(map(len, lines)) + len(lines) - sum(len(miss[1]) + 1 for miss in misses))
        in_flight.append(run.submit(plan, settings, file_format, misses, done))
        while len(in_flight) > 1:
            packs = _gather(in_flight.popleft(), new, packs)
    while in_flight:
        packs = _gather(in_flight.popleft(), new, packs)
    started = perf_counter()
    if cached is None and order == list(range(len(new))):
        order = range(len(new))  # the common case of a cold run: every line its own entry
    state = assemble_file(source.name, plan, new, order, hashes, problems, cached, known)
    state.format = file_format
    if cache_path is not None and digest is not None:
        state.features.run_key = (str(source.path.resolve()), digest, cache_path.parent)
    if timings is not None:
        timings.add("assemble results", perf_counter() - started)
    if cache_path is not None and digest is not None and (new_keys or cached is None):
        state.cache_write = partial(_save_cache, cache_path, digest, file_format, cached, new, new_keys, order, packs)
    return state


def _save_cache(
    path: Path,
    digest: str,
    file_format: str,
    cached: cache.CachedFile | None,
    new: cache.Entries,
    new_keys: dict[str, int],
    order: Sequence[int],
    packs: list[tuple] | None,
) -> None:
    # The workers' packed chunks are written as they are: no column is decoded for them.
    new_results = new.results if packs is not None else new.decode()
    if cached is not None and len(cached.deltas) < cache.MAX_DELTAS and len(new) <= max(1000, len(order) // 10):
        cache.save_delta(path, digest, file_format, list(new_keys), new_results, packs)
        return
    # First run, or time to fold the deltas in (and drop the results of deleted lines).
    if cached is None:
        results, keys = new_results, list(new_keys)
    else:
        results, keys = cached.entries.decode(), [*cached.keys, *new_keys]
        results.extend(new.decode())
    used = list(dict.fromkeys(order))  # the entries some line still has, in line order
    if used != list(range(len(results))):
        if results is new_results:
            results = new.decode()
        results, keys, packs = results.select(used), list(map(keys.__getitem__, used)), None
    segments = packs if cached is None else None  # a first run's entries are the workers' chunks
    cache.save(path, digest, file_format, keys, results, cached.deltas if cached is not None else (), segments)


def _gather(
    pending: Callable[[], tuple[Results | None, list[tuple] | None]], new: cache.Entries, packs: list[tuple] | None
) -> list[tuple] | None:
    """Add one block's results to `new`; keep their packed form while every block has one."""
    results, packed = pending()
    if packed is None:
        new.add_results(results)
    else:
        for chunk in packed:
            new.add_packed(chunk)
    return packs + packed if packs is not None and packed is not None else None


def _chain(first: _Block | None, rest: Iterator[_Block]) -> Iterator[_Block]:
    if first is not None:
        yield first
        yield from rest


@dataclass(slots=True)
class _Block:
    lines: list[bytes]  # without their "\n"
    missing_newline: bool = False  # the last line of the file, not ended by "\n"
    carriage_return: bool = True  # whether any line may end with "\r" (else none is looked at)


def _blocks(stream: BinaryIO) -> Iterator[_Block]:
    """Lines of a stream in blocks of about BLOCK_BYTES, split on b"\\n" only."""
    rest = b""
    size = max(1, BLOCK_BYTES // 4)  # a smaller first block: worker processes get their first tasks sooner
    while True:
        data = stream.read(size)
        size = BLOCK_BYTES
        if not data:
            break
        data = rest + data if rest else data
        lines = data.split(b"\n")
        rest = lines.pop()
        if lines:
            yield _Block(lines, carriage_return=b"\r" in data)
    if rest:
        yield _Block([rest], missing_newline=True)


# --- running the record pass here or in worker processes -----------------------------------------


class _Run:
    """State of one lint run: prepared plans, the worker pool (started only when worth it), timings."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.timings = Timings() if options.timings else None
        self.stats = dict(NO_STATS)
        self._plans: dict[int, tuple[str, RulePlan, tuple]] = {}
        self._digests: dict[int, str] = {}
        self._fingerprint: str | None = None
        self._pool = None

    def plan(self, settings: Settings) -> RulePlan:
        return self._plan_entry(settings)[1]

    def _plan_entry(self, settings: Settings) -> tuple[str, RulePlan, tuple]:
        entry = self._plans.get(id(settings))
        if entry is None:
            plan = RulePlan(settings)
            key = f"{os.getpid()}-{len(self._plans)}"
            payload = (tuple(replace(rule, state=None) for rule in settings.rules), settings.format, settings.mapping)
            entry = self._plans[id(settings)] = (key, plan, payload)
            _WORKER_PLANS[key] = plan  # inherited by workers forked after this
        return entry

    def digest(self, settings: Settings) -> str:
        if id(settings) not in self._digests:
            if self._fingerprint is None:
                self._fingerprint = cache.code_fingerprint()
            self._digests[id(settings)] = cache.settings_digest(
                settings.rules, settings.format, settings.mapping, self._fingerprint
            )
        return self._digests[id(settings)]

    def submit(
        self,
        plan: RulePlan,
        settings: Settings,
        file_format: str,
        misses: list[tuple[int, bytes, str]],
        done: Callable[[int], None] | None = None,
    ) -> Callable[[], tuple[Results | None, list[tuple] | None]]:
        """Start checking these lines; the returned function gives their results, in order: checked
        here, as Results; by worker processes, as they packed them there (`cache.pack_results`).
        `done(size)` is told the bytes of the lines whose results are in, as they come."""
        if not misses:
            return lambda: (None, [])
        if self._pool is None and (self.options.jobs <= 1 or len(misses) < POOL_MIN_LINES):
            results = check_lines(
                plan, file_format, parse_lines(LineParser(plan.max_line_bytes), misses, self.timings), self.timings
            )
            if done is not None:
                done(sum(len(miss[1]) + 1 for miss in misses))
            return lambda: (results, None)
        key, _, payload = self._plan_entry(settings)
        plan.prepare()  # here first: a configuration error is raised once, and forked workers inherit the state
        pool = self._start_pool()
        timed = self.timings is not None
        chunks = list(_chunks(misses))
        tasks = [pool.apply_async(_work, ((key, payload, file_format, chunk, timed),)) for chunk in chunks]
        self.stats["worker tasks"] += len(tasks)

        def results() -> tuple[None, list[tuple]]:
            packs = []
            for task, chunk in zip(tasks, chunks, strict=True):
                packed, chunk_timings = task.get()
                packs.append(packed)
                if done is not None:
                    done(sum(len(miss[1]) + 1 for miss in chunk))
                if self.timings is not None and chunk_timings:
                    self.timings.merge(chunk_timings)
            return None, packs

        return results

    def _start_pool(self):
        if self._pool is None:
            import multiprocessing

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self._pool = context.Pool(self.options.jobs)
        return self._pool

    def close(self, terminate: bool = False) -> None:
        if self._pool is not None:
            if terminate:
                self._pool.terminate()
            else:
                self._pool.close()
            self._pool.join()
            self._pool = None


def _chunks(misses: list[tuple[int, bytes, str]]) -> Iterator[list[tuple[int, bytes, str]]]:
    chunk: list[tuple[int, bytes, str]] = []
    size = 0
    for item in misses:
        chunk.append(item)
        size += len(item[1]) + 64
        if size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


# Plans in worker processes by key: inherited from the parent when forked, else prepared on first use.
_WORKER_PLANS: dict[str, RulePlan] = {}


def _work(task: tuple) -> tuple[tuple, dict | None]:
    with without_cycle_collection():
        return _work_on(task)


def _work_on(task: tuple) -> tuple[tuple, dict | None]:
    key, payload, file_format, lines, timed = task
    plan = _WORKER_PLANS.get(key)
    if plan is None:
        rules, format_name, mapping = payload
        plan = _WORKER_PLANS[key] = RulePlan(Settings(tuple(prepared(rule) for rule in rules), format_name, mapping))
    timings = Timings() if timed else None
    results = check_lines(plan, file_format, parse_lines(LineParser(plan.max_line_bytes), lines, timings), timings)
    return cache.pack_results(results), (timings.seconds if timings is not None else None)


def _write_caches(writes: list[Callable[[], None]], timings: Timings | None) -> None:
    started = perf_counter()
    for write in writes:
        write()
    if timings is not None and writes:
        timings.add("cache save", perf_counter() - started)


# Dataset-wide rules whose pass costs the most, started first when they are spread over processes.
_COSTLY_KINDS = ("near-duplicate", "contamination", "duplicate", "consistency", "language")


def run_dataset_pass(
    files: list[_FileFeatures],
    rules: dict[str, Rule],
    jobs: int,
    timings: Timings | None = None,
    meanwhile: Callable[[], None] = lambda: None,
    stats: dict[str, int] | None = None,
    progress: Progress | None = None,
) -> list[Violation]:
    """The dataset pass of these rules over the run's files; `meanwhile` (writing the cache) runs
    here while it works.

    With several jobs and many rows, the rules are shared by this process and forked ones
    (datalint/forking.py), which inherit the files' features (nothing is copied to them), build
    the tables of their rules and send back only their violations; the rules are independent of
    each other, so the result is the same as one after the other. A child shares its parent's
    memory until it writes to it: the features it inherits are still encoded (bytes, which it
    reads without writing), so it copies little more than the tables it builds (on 1M records the
    largest process held 1.2-1.3 GB, all of them together 1.9-2.0 GB of PSS)."""
    # Costly rules first: spread over processes, they start soonest; in one process, the largest
    # temporaries (D005's) come before other rules' freed objects have scattered over the heap.
    ranks = {kind: rank for rank, kind in enumerate(_COSTLY_KINDS)}
    codes = sorted(rules, key=lambda code: ranks.get(rules[code].kind, len(ranks)))
    rows = sum(len(features.hashes) for features in files)
    if jobs <= 1 or rows < POOL_MIN_LINES or len(rules) < 2 or not _FORKABLE:
        meanwhile()
        return list(dataset_pass(files, {code: rules[code] for code in codes}, timings, progress))  # sorted later
    processes = min(jobs, len(codes))
    if stats is not None:
        stats["dataset processes"] = processes
    work = partial(_dataset_rule, files, rules, progress, len(codes))
    outcomes = forking.share(list(enumerate(codes, start=1)), work, processes - 1, meanwhile)
    found: dict[str, list[Violation]] = {}
    for code, (violations, seconds) in zip(codes, outcomes, strict=True):
        found[code] = violations
        if timings is not None:
            timings.add(code, seconds)
    return [violation for code in rules for violation in found[code]]


_FORKABLE = hasattr(os, "fork") and sys.platform != "win32"


def _dataset_rule(
    files: list[_FileFeatures], rules: dict[str, Rule], progress: Progress | None, total: int, task: tuple[int, str]
) -> tuple[list[Violation], float]:
    number, code = task
    started = perf_counter()
    violations = list(dataset_pass(files, {code: rules[code]}, progress=progress, numbers=(number, total)))
    return violations, perf_counter() - started


def dataset_pass(
    files: list[_FileFeatures],
    rules: dict[str, Rule],
    timings: Timings | None = None,
    progress: Progress | None = None,
    numbers: tuple[int, int] | None = None,
) -> Iterator[Violation]:
    """Each rule on its table, built just before and dropped after: one table in memory at a time.
    A rule's time includes building its table. `numbers`: (first rule's number, rules in the pass)
    for `progress`, when these rules are part of a pass shared by processes."""
    first, total = numbers or (1, len(rules))
    for number, (code, rule) in enumerate(rules.items(), start=first):
        if progress is not None:
            progress.dataset_rule(rule, number, total, finished=False)
        started = perf_counter()
        table = table_of(files, code)
        found = list(load_kind(rule.kind).check_dataset(rule, table)) if len(table) else []
        if timings is not None and len(table):
            timings.add(rule.code, perf_counter() - started)
        if progress is not None:
            progress.dataset_rule(rule, number, total, finished=True)
        for finding in found:
            yield _dataset_violation(rule, table, finding)


def place_dataset_violations(violations: list[Violation], sources: list[Source], jobs: int = 1) -> None:
    """Give dataset-wide violations the column span of their pointer, as record violations have.

    The dataset pass decides on features alone; only to place its findings for editors are the
    lines concerned read again (a sequential read of a file, up to its last such line). Many
    lines (a large run has ~500k findings to place, ~20 us each) are shared by `jobs` processes,
    each reading the file up to the lines of its part.
    """
    wanted: dict[str, dict[int, list[Violation]]] = {}
    for violation in violations:
        if violation.pointer and violation.end_column is None:
            wanted.setdefault(violation.path, {}).setdefault(violation.line, []).append(violation)
    for source in sources:
        lines = wanted.get(source.name)
        if not lines or source.path is None or source.array:
            continue
        numbers = sorted(lines)
        processes = jobs if len(numbers) >= FORKED_PLACING_MIN_LINES and _FORKABLE else 1
        size = -(-len(numbers) // processes)
        parts = [numbers[start : start + size] for start in range(0, len(numbers), size)]
        spans_of = partial(_spans_on_lines, source.path, lines)
        found = forking.share(parts, spans_of, len(parts) - 1, lambda: None) if len(parts) > 1 else [spans_of(parts[0])]
        for part, spans in zip(parts, found, strict=True):
            for number, line_spans in zip(part, spans, strict=False):  # shorter: the file could not be read
                for violation, span in zip(lines[number], line_spans, strict=True):
                    violation.column, violation.end_column = span


FORKED_PLACING_MIN_LINES = 10_000


def _spans_on_lines(path: Path, lines: dict[int, list[Violation]], numbers: list[int]) -> list[list[tuple]]:
    """The (column, end column) of each violation on these lines (ascending line numbers)."""
    found: list[list[tuple]] = []
    with contextlib.suppress(OSError), open_binary(path) as stream:
        current = 0
        for number in numbers:
            raw = next(islice(stream, number - current - 1, None), None)  # the lines between, skipped in C
            if raw is None:
                break
            current = number
            text = raw.rstrip(b"\r\n").decode("utf-8", errors="replace")
            text = text[1:] if number == 1 and text.startswith("\ufeff") else text
            spans: dict[str, tuple[int, int | None]] = {}  # several rules may point at one value
            for violation in lines[number]:
                if violation.pointer not in spans:
                    spans[violation.pointer] = locate(text, violation.pointer)
            found.append([spans[violation.pointer] for violation in lines[number]])
    return found


def _dataset_violation(rule: Rule, table: FeatureTable, finding: DatasetFinding) -> Violation:
    index = finding.index
    related = [Location(table.paths[other], table.lines[other], pointer=finding.pointer) for other in finding.related]
    related += finding.elsewhere
    return Violation(
        rule.code,
        rule.name,
        rule.severity,
        finding.message,
        table.paths[index],
        table.lines[index],
        pointer=finding.pointer,
        related=related,
        record_hash=table.hashes[index],
    )


def _violation(
    rule: Rule,
    message: str,
    path: str,
    line: int,
    column: int,
    end_column: int | None,
    pointer: str,
    hash_: str | None,
) -> Violation:
    return Violation(
        rule.code, rule.name, rule.severity, message, path, line, column, end_column, pointer, [], hash_ or None
    )
