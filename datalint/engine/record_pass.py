"""The record pass: a pure function from lines to per-line results (kind, violations, features).

It depends only on each line's content (and whether it is line 1), the file's format and the
rules: its results are cached per record hash (incremental.py) and run by an executor
(executor.py) here or in worker processes, in chunks, with results put back in line order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from operator import methodcaller
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING

import numpy as np

from datalint import cache
from datalint.checks import load_kind
from datalint.config import Settings
from datalint.engine.features import FileResults, assemble_file, make_violation
from datalint.engine.incremental import save_cache
from datalint.engine.plan import RulePlan
from datalint.field_mapping import build_record
from datalint.locate import locate
from datalint.presets import PRESETS, detect_format
from datalint.reader import (
    HASH_DTYPE,
    Block,
    Line,
    LineParser,
    Problem,
    hash_text,
    hash_texts,
    hash_values,
    position_problems,
    record_digests,
    record_hash,
)
from datalint.record_keys import ENTRY_DTYPE, KeyIndex, RecordKeys
from datalint.records import Record
from datalint.results import Entries, Results
from datalint.source_reader import SourceReader
from datalint.sources import Source
from datalint.timings import Timings, rule_set_timing

if TYPE_CHECKING:
    from datalint.engine.executor import Executor

CHUNK_LINES = 2048  # records per check_lines call for records held in memory
FORMAT_PROBE_LINES = 64  # lines parsed up front to find the file's format


# The kind byte of a line's result: 0 = not a record, else 1 + the record's detected format here.
DETECTED_FORMATS = ("unknown", *PRESETS)


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
    # Rules of a kind that share work on a record: one call gives each rule's value, in order.
    feature_sets = [(indices, state, compute, [[] for _ in indices]) for indices, state, compute in plan.feature_sets]
    set_appends = [
        (tuple(column.append for column in columns), state, compute) for _, state, compute, columns in feature_sets
    ]
    empty_columns = [column for _, _, _, column in featured] + [c for *_, columns in feature_sets for c in columns]
    per_record = plan.per_record
    rule_sets = plan.rule_sets
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
            for column in empty_columns:
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
            for indices, state, check in rule_sets:
                for member, finding in check(state, record):
                    column, end_column = locate(line.text, finding.pointer, finding.span)
                    violations.append((indices[member], finding.message, column, end_column, finding.pointer))
            for append, rule, compute in appends:
                append(compute(rule, record))
            for set_appends_of, state, compute in set_appends:
                for append, value in zip(set_appends_of, compute(state, record), strict=True):
                    append(value)
        else:
            for index, rule, check in per_record:
                started = clock()
                for finding in check(rule, record):
                    column, end_column = locate(line.text, finding.pointer, finding.span)
                    violations.append((index, finding.message, column, end_column, finding.pointer))
                timings.add(rule.code, clock() - started)
            for indices, state, check in rule_sets:
                started = clock()
                for member, finding in check(state, record):
                    column, end_column = locate(line.text, finding.pointer, finding.span)
                    violations.append((indices[member], finding.message, column, end_column, finding.pointer))
                first = plan.rules[indices[0]]  # a set's time is its kind's, under its first rule's family
                timings.add(rule_set_timing(first.code, first.kind), clock() - started)
            for append, rule, compute in appends:
                started = clock()
                append(compute(rule, record))
                timings.add(rule.code, clock() - started)
            for (indices, _, _, _), (set_appends_of, state, compute) in zip(feature_sets, set_appends, strict=True):
                started = clock()
                for append, value in zip(set_appends_of, compute(state, record), strict=True):
                    append(value)
                first = plan.rules[indices[0]]
                timings.add(rule_set_timing(first.code, first.kind), clock() - started)
        if violations:
            found[position] = tuple(violations)
        if plan.batched or plan.batched_checks:
            batch.append((position, record, line))
    columns = {index: column for index, _, _, column in featured}
    for indices, _, _, set_columns in feature_sets:
        columns.update(zip(indices, set_columns, strict=True))
    results = Results(kinds, found, columns, dict(plan.declared))  # a copy: extend() adds to it
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


@dataclass(frozen=True, slots=True)
class BlockPlace:
    """Where a block of lines sits in its file, so a worker on another machine can read the lines
    itself: `path` is None when the bytes cannot be read there (stdin, a gzip stream)."""

    path: Path | None
    offset: int  # byte offset of the block's first line
    first_line: int  # its line number
    lines: list[bytes]  # the block's raw lines (a "\r" kept), without their "\n"
    strip_cr: bool  # whether a final "\r" is cut from each line before it is checked


_KIND_OF = {name: position + 1 for position, name in enumerate(DETECTED_FORMATS)}


_ends_with_cr = methodcaller("endswith", b"\r")


def _format_of_kind(kind: int) -> str:
    return DETECTED_FORMATS[kind - 1] if kind > 1 else "unknown"


def finish_file(state: FileResults, name: str, settings: Settings) -> FileResults:
    """File-level findings, from kinds that judge a whole file by its format and record count
    (`check_file`): reported on line 1."""
    for rule in settings.rules:
        check_file = getattr(load_kind(rule.kind), "check_file", None) if rule.kind != "reading" else None
        if check_file is not None:
            for finding in check_file(rule, state.format, state.records):
                state.violations.append(make_violation(rule, finding.message, name, 1, 1, None, finding.pointer, None))
    return state


def memory_record_pass(
    name: str,
    lines: Iterable[Line],
    settings: Settings,
    timings: Timings | None = None,
) -> FileResults:
    """The record pass over parsed lines held in memory (records given as dicts, JSON array files)."""
    plan = RulePlan(settings)
    lines = list(lines)
    file_format = _file_format(settings, lines)
    results = Results()
    for start in range(0, len(lines), CHUNK_LINES):
        results.extend(check_lines(plan, file_format, lines[start : start + CHUNK_LINES], timings))
    # In-memory lines may skip numbers (a JSON array's elements sit on their own lines): the
    # results are assembled as if consecutive, then given their real line numbers.
    hashes = hash_values(line.hash for line in lines)
    state = assemble_file(name, plan, Entries(results), range(len(lines)), hashes)
    _renumber(state, [line.number for line in lines])
    state.format = file_format
    return finish_file(state, name, settings)


def _renumber(state: FileResults, numbers: list[int]) -> None:
    if numbers == list(range(1, len(numbers) + 1)):
        return
    for violation in state.violations:
        violation.line = numbers[violation.line - 1]
    state.numbers = numbers


def _file_format(settings: Settings, lines: Iterable[Line]) -> str:
    return settings.format if settings.format != "auto" else first_known_format(lines)


def first_known_format(lines: Iterable[Line]) -> str:
    """The format of the first record in a known format, else "unknown"."""
    return next(
        (found for line in lines if line.value is not None and (found := detect_format(line.value)) != "unknown"),
        "unknown",
    )


def probe_format(parser: LineParser, raws: Iterable[bytes]) -> str:
    """first_known_format of raw lines (their "\\n" dropped, a CR before it too): a file's first
    block, an editor's buffer."""
    return first_known_format(parser.parse(number, without_cr(raw), "") for number, raw in enumerate(raws, 1))


def without_cr(raw: bytes) -> bytes:
    """A line's body: a CRLF line's "\\r" is its ending, not its content."""
    return raw[:-1] if raw[-1:] == b"\r" else raw


def file_record_pass(source: Source, settings: Settings, run: Executor, cache_folder: Path | None) -> FileResults:
    """The record pass of a source of lines (a JSONL file, stdin, a columnar input's rows), read by
    the reader in blocks: records found in the cache reused, the others checked here or, when there
    are many, in worker processes; results in line order."""
    plan = run.plan(settings)
    parser = LineParser(plan.max_line_bytes)
    reader = SourceReader(source, max_row_group_bytes=_row_group_limit(settings))
    blocks = reader.blocks()
    first = next(blocks, None)
    file_format = settings.format
    if file_format == "auto":
        file_format = probe_format(parser, first.lines[:FORMAT_PROBE_LINES] if first is not None else ())
    state = _pass_over_blocks(source, reader, settings, plan, run, cache_folder, file_format, first, blocks)
    seen_format = _format_of_kind(state.first_known)
    if settings.format == "auto" and seen_format != file_format:
        # The first record in a known format lay beyond the first lines looked at: run again with it.
        blocks = reader.blocks()
        state = _pass_over_blocks(
            source, reader, settings, plan, run, cache_folder, seen_format, next(blocks, None), blocks
        )
    state = finish_file(state, source.name, settings)
    if reader.rows is not None:  # rows of a columnar input: each violation's row group and shard
        state.rows = reader.rows  # messages name its records "row N"; placing locates rows
        for violation in state.violations:
            violation.row = reader.rows.locate(violation.line)
    return state


def _row_group_limit(settings: Settings) -> int | None:
    """S015's limit on a Parquet row group's size, when the rule is on: the reader reports it."""
    rule = settings.rule_for("reading", problem="row-group-too-large")
    return rule.options["max-bytes"] if rule is not None else None


def _pass_over_blocks(
    source: Source,
    reader: SourceReader,
    settings: Settings,
    plan: RulePlan,
    run: Executor,
    cache_folder: Path | None,
    file_format: str,
    first: Block | None,
    blocks: Iterator[Block],
) -> FileResults:
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
    known = cached.keys.index() if cached is not None else KeyIndex()
    entries_known = len(cached) if cached is not None else 0
    # What the driver keeps per line is arrays (bench/README.md, "The driver's per-line memory"):
    # its content hash and its entry, a block at a time, joined at the end.
    seen = KeyIndex()  # record key -> entry, for entries computed in this run
    new_count = 0  # entries computed in this run
    new = Entries()  # columns stay as the workers encoded them until a rule needs one
    orders: list[np.ndarray] = []  # entry of each line, per block
    hashes: list[np.ndarray] = []  # of every line, per block
    problems: list[tuple[int, str, Problem]] = []
    in_flight: deque[Callable[[], tuple[Results | None, list[tuple] | None]]] = deque()
    packs: list[tuple] | None = []  # the new results as workers packed them, while all came from workers
    number = 0
    offset = 0  # in the file's bytes, of the block's first line
    readable = reader.byte_file
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
            lines = list(map(without_cr, lines))
        # Whole blocks at a time: C-level passes over the lines, a Python step only per line to check.
        block_hashes = record_digests(lines)
        entries, from_cache, to_check = line_entries(block_hashes, number == 0, known, seen, entries_known + new_count)
        new_count += len(to_check)
        to_check_hashes = hash_texts(block_hashes[to_check])
        misses = [
            (number + position + 1, lines[position], hash_)
            for position, hash_ in zip(to_check.tolist(), to_check_hashes, strict=True)
        ]
        problems += [
            (number + position + 1, hash_text(block_hashes[position]), found) for position, found in block.problems
        ]
        place = BlockPlace(readable, offset, number + 1, block.lines, crlf_seen)
        offset += sum(map(len, block.lines)) + len(block.lines)
        number += len(lines)
        hashes.append(block_hashes)
        orders.append(entries)
        if block.missing_newline and number:
            last = next(part for part in reversed(hashes) if len(part))
            problems.append((number, hash_text(last[-1]), position_problems(False, True)[0]))
        if timings is not None:
            timings.add("read, hash, cache lookup", perf_counter() - started)
        # Copies of a line seen earlier in this run are checked once, but count as checked.
        run.stats["checked"] += len(block.lines) - from_cache
        run.stats["cached"] += from_cache
        done = None
        if run.options.progress is not None:  # bytes (with their newlines) of lines not sent: at once
            done = partial(run.options.progress.checked, source.name)
            done(sum(map(len, lines)) + len(lines) - sum(len(miss[1]) + 1 for miss in misses))
        in_flight.append(run.submit(plan, settings, file_format, misses, done, place))
        while len(in_flight) >= run.blocks_in_flight:
            packs = _gather(in_flight.popleft(), new, packs)
    while in_flight:
        packs = _gather(in_flight.popleft(), new, packs)
    started = perf_counter()
    line_hashes = np.concatenate(hashes) if hashes else np.empty(0, HASH_DTYPE)
    del hashes
    order: np.ndarray | range
    if cached is None and new_count == number:
        order = range(number)  # the common case of a cold run: every line its own entry
    else:
        order = np.concatenate(orders) if orders else np.empty(0, ENTRY_DTYPE)
    del orders
    if cache_path is not None:  # the cache stores them
        new.keys = new_record_keys(line_hashes, order, entries_known, new_count, seen)
    state = assemble_file(source.name, plan, new, order, line_hashes, problems, cached, known)
    state.format = file_format
    if cache_path is not None and digest is not None:
        state.run_key = (str(source.path.resolve()), digest, cache_path.parent)
    if timings is not None:
        timings.add("assemble results", perf_counter() - started)
    if cache_path is not None and digest is not None and (new_count or cached is None):
        state.cache_write = partial(save_cache, cache_path, digest, file_format, cached, new, order, packs)
    return state


def line_entries(
    hashes: np.ndarray, has_line_one: bool, known: KeyIndex, seen: KeyIndex, next_entry: int
) -> tuple[np.ndarray, int, np.ndarray]:
    """The entry of each line of a block (`hashes`: its lines' content hashes; `has_line_one`: it
    starts the file): the cache's entry of its record key (`known`), else the entry of a copy seen
    earlier in this run (`seen`), else a new entry, numbered from `next_entry` in line order and
    added to `seen`. Returns (entries, how many came from the cache, the positions of the lines to
    check: the first line of each new entry, in order)."""
    entries = np.empty(len(hashes), ENTRY_DTYPE)
    to_check = []
    start = 0
    if has_line_one and len(hashes):  # line 1 has its own key: a byte order mark is allowed there only
        start = 1
        key = int(hashes[0])
        entry = known.get(key, line_one=True)
        if entry is None:
            entry = seen.line_one[key] = next_entry
            next_entry += 1
            to_check.append(0)
        entries[0] = entry
    rest = hashes[start:]
    found = known.find(rest)
    unknown = np.flatnonzero(found < 0)
    from_cache = len(hashes) - len(unknown) - len(to_check)
    if len(unknown):
        found[unknown] = seen.find(rest[unknown])
        unseen = unknown[found[unknown] < 0]
        if len(unseen):
            keys, first, inverse = np.unique(rest[unseen], return_index=True, return_inverse=True)
            in_line_order = np.argsort(first)
            rank = np.empty(len(keys), ENTRY_DTYPE)
            rank[in_line_order] = np.arange(len(keys), dtype=ENTRY_DTYPE)
            found[unseen] = next_entry + rank[inverse]
            seen.add(keys, next_entry + rank)
            to_check.extend((start + unseen[first[in_line_order]]).tolist())
    entries[start:] = found
    return entries, from_cache, np.array(to_check, np.int64)


def new_record_keys(
    hashes: np.ndarray, order: np.ndarray | range, entries_known: int, new_count: int, seen: KeyIndex
) -> RecordKeys:
    """The record keys of the entries computed in this run, in entry order, from the lines'."""
    if isinstance(order, range):
        new_hashes = hashes.copy()
    else:
        new_hashes = np.empty(new_count, HASH_DTYPE)
        is_new = order >= entries_known
        new_hashes[order[is_new] - entries_known] = hashes[is_new]  # copies of a line write the same hash
    line_one = [entry - entries_known for entry in seen.line_one.values()]
    return RecordKeys(new_hashes, line_one)


def _gather(
    pending: Callable[[], tuple[Results | None, list[tuple] | None]], new: Entries, packs: list[tuple] | None
) -> list[tuple] | None:
    """Add one block's results to `new`; keep their packed form while every block has one."""
    results, packed = pending()
    if packed is None:
        new.add_results(results)
    else:
        for chunk in packed:
            new.add_packed(chunk)
    return packs + packed if packs is not None and packed is not None else None


def _chain(first: Block | None, rest: Iterator[Block]) -> Iterator[Block]:
    if first is not None:
        yield first
        yield from rest
