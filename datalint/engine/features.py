"""Feature columns: each file's per-record results assembled in line order, and the tables the
dataset pass reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import is_not
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datalint import cache
from datalint.engine.plan import RulePlan
from datalint.reader import (
    Problem,
)
from datalint.results import Entries
from datalint.rules import Rule
from datalint.violation import Violation

if TYPE_CHECKING:
    from datalint.source_reader import RowIndex

_KNOWN_KIND = re.compile(rb"[\x02-\xff]")  # the kind byte of a record in a known format


@dataclass(slots=True)
class FeatureTable:
    """Per-record values one dataset-wide rule collected in the record pass, in record order.
    Nothing mutates a table: it may share its lists (a file's hashes)."""

    paths: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    row_paths: frozenset[str] = frozenset()  # columnar inputs: their "lines" are rows

    def __len__(self) -> int:
        return len(self.values)

    def where(self, other: int, seen_from: int) -> str:
        """How a message names record `other` when reported at `seen_from`: "line N" ("row N" in a
        columnar input), or "path:N" ("path:row N") in another file."""
        path = self.paths[other]
        number = f"row {self.lines[other]}" if path in self.row_paths else str(self.lines[other])
        if path == self.paths[seen_from]:
            return number if path in self.row_paths else f"line {number}"
        return f"{path}:{number}"


@dataclass(slots=True)
class FileState:
    """What the record pass of one file produces."""

    violations: list[Violation] = field(default_factory=list)
    records: int = 0
    format: str = "unknown"
    features: FileFeatures | None = None
    first_known: int = 0  # kind byte of the first record in a known format (the file's format)
    cache_write: Callable[[], None] | None = None  # run after the record pass of every file


@dataclass(slots=True)
class FileFeatures:
    """A file's results for its dataset-wide rules, line by line: one run of entries, the ones
    from the cache first, then the ones checked in this run. A rule's table is built (and its
    cached column decoded) only when its dataset pass has to run."""

    name: str
    rules: dict[str, tuple[int, Rule]]  # code -> (index in the file's plan, rule)
    hashes: list[str]  # content hash of each line
    order: Sequence[int]  # entry of each line
    entries: Entries  # cached entries first (numbered as `known` says), then the new ones
    known: dict[str, int] = field(default_factory=dict)  # record key -> cached entry
    numbers: list[int] | None = None  # the lines' numbers, when not 1..n (JSON array elements)
    run_key: tuple[str, str, Path] | None = None  # (path, settings digest, cache folder): what the memo keys on
    rows: RowIndex | None = None  # the lines are rows of a columnar input (Parquet, Arrow): where they sit

    def value(self, rule_index: int, position: int) -> Any:
        """The rule's feature value on line `position` + 1 (None: none)."""
        return self.entries.value(rule_index, self.order[position])

    def cached_value(self, rule_index: int, key: str) -> tuple[bool, Any]:
        """(whether the cache holds this record key, its feature value for the rule)."""
        entry = self.known.get(key)
        if entry is None:
            return False, None
        return True, self.entries.value(rule_index, entry)

    def table(self, code: str) -> FeatureTable:
        """The rule's rows in this file: the lines with a feature value, in line order. Built for
        each rule and dropped with it: cheap to build, while kept for every rule they held most of
        a large run's memory (bench/README.md)."""
        values = self._line_values(self.rules[code][0])
        if values is None:
            return FeatureTable()
        # `is_not`, as `None in` is elementwise on arrays.
        present = list(map(is_not, values, repeat(None)))
        numbers = self.numbers or range(1, len(self.hashes) + 1)
        row_paths = frozenset([self.name]) if self.rows else frozenset()
        if False not in present:
            return FeatureTable([self.name] * len(values), list(numbers), self.hashes, values, row_paths)
        values = list(compress(values, present))
        return FeatureTable(
            [self.name] * len(values),
            list(compress(numbers, present)),
            list(compress(self.hashes, present)),
            values,
            row_paths,
        )

    def _line_values(self, rule_index: int) -> list[Any] | None:
        """The rule's value on each line (None: none), or None when no entry has one."""
        column = self.entries.column(rule_index)
        if column is None or isinstance(self.order, range):  # a cold run: every line its own entry
            return column
        return list(map(column.__getitem__, self.order))


def assemble_file(
    name: str,
    plan: RulePlan,
    new: Entries,
    order: Sequence[int],
    hashes: list[str],
    problems: Iterable[tuple[int, str, Problem]] = (),
    cached: cache.CachedFile | None = None,
    known: dict[str, int] | None = None,
) -> FileState:
    """A file's violations and its features from its lines' results: line i + 1 has the results
    of entry `order[i]` (a cached entry, then `new`'s) and the content hash `hashes[i]`. Whole
    columns move at once, so a warm run costs a few C-level calls rather than Python steps per
    record and rule."""
    state = FileState()
    entries = new
    if cached is not None:  # one run of entries: the cached ones, then the new ones after them
        entries = Entries()
        entries.extend(cached.entries)
        entries.extend(new)
    results = entries.results
    kinds = results.kinds if isinstance(order, range) else bytes(map(results.kinds.__getitem__, order))
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
        for position, entry in enumerate(order):
            if entry in found:
                for index, message, column, end_column, pointer in found[entry]:
                    state.violations.append(
                        make_violation(
                            rules[index], message, name, position + 1, column, end_column, pointer, hashes[position]
                        )
                    )
    featured = {rule.code: (index, rule) for index, rule in plan.featured_rules}
    state.features = FileFeatures(name, featured, hashes, order, entries, known or {})
    return state


def table_of(files: list[FileFeatures], code: str) -> FeatureTable:
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
        table.row_paths |= rows.row_paths
    return table


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
