"""Feature columns: each file's per-record results assembled in line order, and the tables the
dataset pass reads.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import accumulate, chain, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from datalint.engine.plan import RulePlan
from datalint.reader import Problem, hash_text
from datalint.record_keys import ENTRY_DTYPE, KeyIndex, RecordKeys, empty_hashes
from datalint.results import Entries
from datalint.rules import Rule
from datalint.typed_columns import TypedColumn, concat_typed
from datalint.violation import Violation

if TYPE_CHECKING:
    from datalint.source_reader import RowIndex

_KNOWN_KIND = re.compile(rb"[\x02-\xff]")  # the kind byte of a record in a known format


class PathColumn(Sequence[str]):
    """The path of each row of a table, held as runs of one path (a table's rows come file after
    file), not as a str per row; reads like a list of paths."""

    __slots__ = ("counts", "ends", "names")

    def __init__(self, names: Iterable[str] = (), counts: Iterable[int] = ()) -> None:
        self.names = list(names)
        self.counts = list(counts)
        self.ends = list(accumulate(self.counts))

    def __len__(self) -> int:
        return self.ends[-1] if self.ends else 0

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - an int (a path) or a slice (a list), as a list's
        if isinstance(index, slice):
            return list(self)[index]
        size = len(self)
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            raise IndexError("row out of range")
        return self.names[bisect_right(self.ends, position)]

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(map(repeat, self.names, self.counts))

    def count(self, value: object) -> int:
        return sum(count for name, count in zip(self.names, self.counts, strict=True) if name == value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"PathColumn({self.names!r}, {self.counts!r})"

    @classmethod
    def joined(cls, parts: Iterable[PathColumn]) -> PathColumn:
        parts = list(parts)
        return cls([name for part in parts for name in part.names], [count for part in parts for count in part.counts])


@dataclass(slots=True)
class FeatureTable:
    """Per-record values one dataset-wide rule collected in the record pass, in record order: where
    each row is (`paths`, a list-like of paths; `lines`, an int array or range; `hashes`, the
    lines' content hashes as a uint64 array: `hash_text` gives the text a violation shows), and its
    features, read two ways: `values`, a Python value per row as the kind returned it (tuples), or
    `column(name)`, one declared column as numpy arrays (typed_columns.TypedColumn), with no Python object
    per row: the way to read a large table. Each is decoded from the files' columns when first
    asked for. Nothing mutates a table: it may share its arrays (a file's hashes)."""

    paths: PathColumn = field(default_factory=PathColumn)
    lines: Sequence[int] = range(0)
    hashes: np.ndarray = field(default_factory=empty_hashes)
    row_paths: frozenset[str] = frozenset()  # columnar inputs: their "lines" are rows
    read_values: Callable[[], list[Any]] | None = None
    read_column: Callable[[str], TypedColumn] | None = None
    _values: list[Any] | None = None
    _columns: dict[str, TypedColumn] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def values(self) -> list[Any]:
        """Each row's features as the kind returned them."""
        if self._values is None:
            self._values = self.read_values() if self.read_values is not None else []
        return self._values

    def column(self, name: str) -> TypedColumn:
        """The declared feature `name` of every row, as arrays (a number, bool or category column;
        ragged in a `rows` layout: a row's items at `offsets[row]:offsets[row + 1]`)."""
        found = self._columns.get(name)
        if found is None:
            if self.read_column is None:
                raise KeyError(name)
            found = self._columns[name] = _sharing_offsets(self.read_column(name), self._columns.values())
        return found

    def with_columns(self, names: Iterable[str]) -> FeatureTable:
        """The table with these columns read and nothing left to read: what another process (one
        pickled copy, no reference to the files' results) needs to run a kind over it."""
        return FeatureTable(
            self.paths,
            self.lines,
            self.hashes,
            self.row_paths,
            _columns={name: self.column(name) for name in names},
        )

    def hash_text(self, row: int) -> str:
        """The content hash of row `row`'s line, as violations show it."""
        return hash_text(self.hashes[row])

    def where(self, other: int, seen_from: int) -> str:
        """How a message names record `other` when reported at `seen_from`: "line N" ("row N" in a
        columnar input), or "path:N" ("path:row N") in another file."""
        path = self.paths[other]
        number = f"row {self.lines[other]}" if path in self.row_paths else str(self.lines[other])
        if path == self.paths[seen_from]:
            return number if path in self.row_paths else f"line {number}"
        return f"{path}:{number}"


def _sharing_offsets(column: TypedColumn, read: Iterable[TypedColumn]) -> TypedColumn:
    """The column, with the offsets of a ragged column read before when they are the same (the
    columns of one rule are): one array per table, not one per column."""
    if column.offsets is None:
        return column
    for other in read:
        if other.offsets is not None and np.array_equal(other.offsets, column.offsets):
            return replace(column, offsets=other.offsets)
    return column


@dataclass(slots=True)
class FileResults:
    """What the record pass found in one file: its violations and records, and, line by line, the
    results its dataset-wide rules read: one run of entries (`results.Entries`: the ones loaded
    from the cache first, then the ones checked in this run) and the entry and content hash of each
    line. A rule's table is built (and its column decoded) only when its dataset pass has to run."""

    name: str
    violations: list[Violation] = field(default_factory=list)
    records: int = 0
    format: str = "unknown"
    first_known: int = 0  # kind byte of the first record in a known format (the file's format)
    rules: dict[str, tuple[int, Rule]] = field(default_factory=dict)  # dataset-wide: code -> (plan index, rule)
    hashes: np.ndarray = field(default_factory=empty_hashes)  # content hash of each line (reader.record_digests)
    order: np.ndarray | range = range(0)  # entry of each line (ENTRY_DTYPE), or a range when line i has entry i
    entries: Entries = field(default_factory=Entries)  # cached entries first (numbered as `known` says), then new
    known: KeyIndex = field(default_factory=KeyIndex)  # record key -> cached entry
    numbers: list[int] | None = None  # the lines' numbers, when not 1..n (JSON array elements)
    run_key: tuple[str, str, Path] | None = None  # (path, settings digest, cache folder): what the memo keys on
    rows: RowIndex | None = None  # the lines are rows of a columnar input (Parquet, Arrow): where they sit
    cache_write: Callable[[], None] | None = None  # run after the record pass of every file

    def value(self, rule_index: int, position: int) -> Any:
        """The rule's feature value on line `position` + 1 (None: none)."""
        return self.entries.value(rule_index, self.order[position])

    def cached_value(self, rule_index: int, hash_: int, line_one: bool) -> tuple[bool, Any]:
        """(whether the cache holds this record key, its feature value for the rule)."""
        entry = self.known.get(hash_, line_one)
        if entry is None:
            return False, None
        return True, self.entries.value(rule_index, entry)

    def table(self, code: str) -> FeatureTable:
        """The rule's rows in this file: the lines with a feature value, in line order; their
        values or typed columns are decoded only when the rule reads them. Built for each rule and
        dropped with it: cheap to build, while kept for every rule they held most of a large run's
        memory (bench/README.md)."""
        index = self.rules[code][0]
        present = self.entries.present(index)
        if present is None:
            return FeatureTable()
        lines_order = None if isinstance(self.order, range) else self.order
        positions = np.flatnonzero(present if lines_order is None else present[lines_order])  # lines with a value
        rows = lines_order[positions] if lines_order is not None else positions  # their entries
        lines: Sequence[int]
        if len(positions) == len(self.hashes):
            lines, hashes = self.numbers or range(1, len(self.hashes) + 1), self.hashes
        else:
            lines = np.asarray(self.numbers)[positions] if self.numbers else positions + 1
            hashes = self.hashes[positions]
        every = lines_order is None and len(positions) == len(present)  # every entry, in order: no copy
        return FeatureTable(
            PathColumn([self.name], [len(positions)]),
            lines,
            hashes,
            frozenset([self.name]) if self.rows else frozenset(),
            partial(self._values_at, index, None if every else rows),
            partial(self._column_at, index, None if every else rows),
        )

    def let_go_of_features(self) -> None:
        """Drop what only the dataset pass reads (the entries, their keys and order), keeping the
        lines' hashes, rows and violations: once forked children hold the features, the process
        that will receive their findings needs them no more."""
        self.entries, self.known, self.order, self.cache_write = Entries(), KeyIndex(), range(0), None

    def rows_of(self, code: str) -> int:
        """How many rows the rule's table has in this file (its lines with a feature value)."""
        present = self.entries.present(self.rules[code][0])
        if present is None:
            return 0
        return int(np.count_nonzero(present if isinstance(self.order, range) else present[self.order]))

    def _values_at(self, rule_index: int, rows: np.ndarray | None) -> list[Any]:
        column = self.entries.column(rule_index)
        return column if rows is None else list(map(column.__getitem__, rows.tolist()))

    def _column_at(self, rule_index: int, rows: np.ndarray | None, name: str) -> TypedColumn:
        column = self.entries.typed_column(rule_index, name)
        return column if rows is None else column.take(rows)


def assemble_file(
    name: str,
    plan: RulePlan,
    new: Entries,
    order: np.ndarray | range,
    hashes: np.ndarray,
    problems: Iterable[tuple[int, str, Problem]] = (),
    cached: Entries | None = None,
    known: KeyIndex | None = None,
) -> FileResults:
    """A file's violations and its features from its lines' results: line i + 1 has the results
    of entry `order[i]` (a cached entry, then `new`'s) and the content hash `hashes[i]` (a uint64
    array, reader.record_digests). Whole columns move at once, so a warm run costs a few C-level
    calls rather than Python steps per record and rule."""
    entries = new
    if cached is not None:  # one run of entries: the cached ones, then the new ones after them
        entries = Entries()
        entries.extend(cached)
        entries.extend(new)
        entries.keys = RecordKeys()  # `cached` and `new` keep theirs for the cache write; nothing reads these
    featured = {rule.code: (index, rule) for index, rule in plan.featured_rules}
    state = FileResults(name, rules=featured, hashes=hashes, order=order, entries=entries, known=known or KeyIndex())
    results = entries.results
    if isinstance(order, range):
        kinds = results.kinds
    else:
        kinds = np.frombuffer(results.kinds, np.uint8)[order].tobytes() if len(order) else b""
    state.records = len(kinds) - kinds.count(0)
    known_kind = _KNOWN_KIND.search(kinds)
    state.first_known = known_kind.group()[0] if known_kind else 0
    rules = plan.rules
    for number, problem_hash, problem in problems:
        index = plan.reading.get(problem.kind)
        if index is not None:
            state.violations.append(
                make_violation(
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
    found = results.violations
    if found:
        with_violations = np.fromiter(found, ENTRY_DTYPE, len(found))
        if isinstance(order, range):  # line i + 1 has entry i
            lines = np.sort(with_violations[with_violations < len(order)])
            line_entries = lines
        else:
            lines = np.flatnonzero(np.isin(order, with_violations))  # in line order
            line_entries = order[lines]
        for position, entry, hash_ in zip(lines.tolist(), line_entries.tolist(), hashes[lines], strict=True):
            for index, message, column, end_column, pointer in found[entry]:
                state.violations.append(
                    make_violation(
                        rules[index], message, name, position + 1, column, end_column, pointer, hash_text(hash_)
                    )
                )
    return state


def table_of(files: list[FileResults], code: str) -> FeatureTable:
    """A rule's table over the run: its rows in every file, in run order (tables span files, so
    duplicates across train/validation shards are found)."""
    parts = [features.table(code) for features in files if code in features.rules]
    parts = [part for part in parts if len(part)]
    if len(parts) <= 1:
        return parts[0] if parts else FeatureTable()
    return FeatureTable(
        PathColumn.joined(part.paths for part in parts),
        np.concatenate([np.asarray(part.lines, np.int64) for part in parts]),
        np.concatenate([part.hashes for part in parts]),
        frozenset().union(*(part.row_paths for part in parts)),
        read_values=partial(_joined_values, parts),
        read_column=partial(_joined_column, parts),
    )


def _joined_values(parts: list[FeatureTable]) -> list[Any]:
    # Read from each part, not kept by it: the parts live as long as the table.
    return [value for part in parts for value in part.read_values()]


def _joined_column(parts: list[FeatureTable], name: str) -> TypedColumn:
    return concat_typed([part.read_column(name) for part in parts])


def make_violation(
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
