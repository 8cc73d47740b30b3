"""What the record pass found on a run of lines, stored by column.

One `Results` holds, for each of its lines (its *entries*): the kind byte (0 = not a record, else
1 + the record's detected format), the violations found there, and one feature value per
dataset-wide rule. Worker processes send one per chunk in the cache's column encoding; a file's
`Entries` (below) keep them so, as a cache file loads (the same type: cached and new entries join
into one run), and decode a rule's column only when its table is built: by column, so a warm run
moves a column of 52k feature values with one C-level call instead of touching every record.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter, is_not
from pathlib import Path
from typing import Any

import numpy as np

from datalint.codec import declaration, decode_entries_column, entries_present, value_at
from datalint.feature_types import Features
from datalint.record_keys import RecordKeys
from datalint.typed_columns import (
    TypedColumn,
    absent_column,
    concat_typed,
    decode_typed_column,
    typed_kind,
    typed_of_values,
)

# (rule index, message, column, end column, pointer): a violation as the record pass stores it.
StoredViolation = tuple[int, str, int, "int | None", str]


@dataclass(slots=True)
class Results:
    kinds: bytearray = field(default_factory=bytearray)
    violations: dict[int, tuple[StoredViolation, ...]] = field(default_factory=dict)  # entry -> found there
    features: dict[int, list[Any]] = field(default_factory=dict)  # rule index -> value per entry (None: none)
    declared: dict[int, Features] = field(default_factory=dict)  # rule index -> its features' declaration

    def __len__(self) -> int:
        return len(self.kinds)

    def append(self, kind: int, violations: Iterable[StoredViolation] = (), features: Iterable = ()) -> None:
        """Add one entry; `features` are (rule index, value) pairs."""
        entry = len(self.kinds)
        self.kinds.append(kind)
        violations = tuple(violations)
        if violations:
            self.violations[entry] = violations
        for rule_index, value in features:
            self.column(rule_index)[entry] = value

    def column(self, rule_index: int) -> list[Any]:
        """The feature column of a rule, as long as the entries (created full of None)."""
        column = self.features.get(rule_index)
        if column is None:
            column = self.features[rule_index] = [None] * len(self.kinds)
        elif len(column) < len(self.kinds):
            column.extend([None] * (len(self.kinds) - len(column)))
        return column

    def extend(self, other: Results) -> None:
        """Append the entries of `other` after these."""
        offset = len(self.kinds)
        self.declared.update(other.declared)
        for rule_index in other.features.keys() - self.features.keys():
            self.features[rule_index] = [None] * offset
        self.kinds += other.kinds
        for entry, found in other.violations.items():
            self.violations[offset + entry] = found
        for rule_index, column in self.features.items():
            theirs = other.features.get(rule_index)
            if len(column) < offset:
                column.extend([None] * (offset - len(column)))
            column.extend(theirs if theirs is not None else [None] * len(other))
            if len(column) < len(self.kinds):
                column.extend([None] * (len(self.kinds) - len(column)))

    def select(self, entries: list[int]) -> Results:
        """A new Results of these entries, in this order."""
        picked = Results(bytearray(self.kinds[entry] for entry in entries), declared=dict(self.declared))
        found = self.violations
        picked.violations = {new: found[old] for new, old in enumerate(entries) if old in found}
        for rule_index in self.features:
            column = self.column(rule_index)
            picked.features[rule_index] = list(map(column.__getitem__, entries))
        return picked

    def entry(self, index: int) -> tuple[int, tuple[StoredViolation, ...], tuple[tuple[int, Any], ...]]:
        """One entry as (kind, violations, ((rule index, value), ...)): for tests and debugging."""
        features = tuple(
            (rule_index, column[index])
            for rule_index, column in sorted(self.features.items())
            if index < len(column) and column[index] is not None
        )
        return self.kinds[index], self.violations.get(index, ()), features


@dataclass(slots=True)
class _Segment:
    """Consecutive entries with their feature columns, decoded on first use: a warm run whose
    dataset-wide rules reuse their last findings never decodes most columns, and a run over a
    large file holds one decoded column at a time."""

    first: int  # the number of the segment's first entry among all the entries
    entries: int
    encoded: dict[int, tuple[dict, Sequence[Any]]]  # rule index -> (column meta, blobs)
    decoded: dict[int, list[Any]] = field(default_factory=dict)

    def column(self, rule_index: int) -> list[Any] | None:
        column = self.decoded.get(rule_index)
        if column is None and rule_index in self.encoded:
            meta, blobs = self.encoded[rule_index]
            column = self.decoded[rule_index] = decode_entries_column(meta, blobs, self.entries)
        return column

    def has(self, rule_index: int) -> bool:
        return rule_index in self.encoded or rule_index in self.decoded

    def value(self, rule_index: int, offset: int) -> Any:
        """The value of the segment's entry `offset`, decoding as little of the column as it can."""
        column = self.decoded.get(rule_index)
        if column is not None:
            return column[offset]
        if rule_index not in self.encoded:
            return None
        meta, blobs = self.encoded[rule_index]
        return value_at(meta, blobs, offset)

    def declarations(self) -> dict[int, Features]:
        return {rule_index: declaration(meta) for rule_index, (meta, _) in self.encoded.items()}

    def present(self, rule_index: int) -> np.ndarray:
        """Which entries have a feature value for the rule, without decoding the values."""
        if rule_index in self.decoded:
            return _present_of(self.decoded[rule_index])
        if rule_index in self.encoded:
            return entries_present(*self.encoded[rule_index], self.entries)
        return np.zeros(self.entries, np.bool_)

    def typed(self, rule_index: int, name: str, features: Features) -> TypedColumn:
        """Column `name` of the rule's features over the segment's entries, as arrays."""
        if rule_index in self.encoded:
            return decode_typed_column(*self.encoded[rule_index], self.entries, name)
        if rule_index in self.decoded:
            return typed_of_values(self.decoded[rule_index], features, name)
        return absent_column(self.entries, typed_kind(features, name), features.layout == "rows")


def _present_of(column: list[Any]) -> np.ndarray:
    # `is_not`, as `None in` is elementwise on arrays.
    return np.fromiter(map(is_not, column, repeat(None)), np.bool_, len(column))


@dataclass(slots=True)
class Entries:
    """A file's results by entry (a distinct line content): the ones checked in this run, or the
    ones a cache file held (cache.load; the same type, so the two join into one run of entries).
    `results` holds their kinds and violations, and a feature column joins it only when `decode`
    asks; until then columns stay as the cache file or the worker processes encoded them, in
    segments of consecutive entries, a few bytes per value instead of Python objects."""

    results: Results = field(default_factory=Results)
    segments: list[_Segment] = field(default_factory=list)
    keys: RecordKeys = field(default_factory=RecordKeys)  # the record key of each entry, when known
    file_format: str = ""  # the format the file was checked as (a cache file's)
    deltas: list[Path] = field(default_factory=list)  # the cache's delta files merged into these entries

    @classmethod
    def of_columns(
        cls,
        results: Results,
        chunks: list[tuple[int, dict[int, tuple[dict, Sequence[Any]]]]],
        keys: RecordKeys,
        file_format: str,
    ) -> Entries:
        """Entries whose feature columns are still encoded (a cache file's), in chunks of consecutive
        entries: (entries in the chunk, rule index -> (column meta, blobs))."""
        segments, first = [], 0
        for count, encoded in chunks:
            segments.append(_Segment(first, count, encoded))
            first += count
        return cls(results, segments, keys, file_format)

    def __len__(self) -> int:
        return len(self.results)

    def value(self, rule_index: int, entry: int) -> Any:
        """One entry's feature value for a rule (None: none), decoding only its segment's column."""
        if rule_index in self.results.features:
            return self.results.features[rule_index][entry]
        if not self.segments:
            return None
        segment = self.segments[bisect_right(self.segments, entry, key=attrgetter("first")) - 1]
        return segment.value(rule_index, entry - segment.first)

    def column(self, rule_index: int) -> list[Any] | None:
        """A rule's feature value per entry (None: none), or None when no entry has one."""
        if rule_index in self.results.features:
            return self.results.features[rule_index]
        if not any(segment.has(rule_index) for segment in self.segments):
            return None
        if len(self.segments) == 1 and self.segments[0].entries == len(self.results):
            (segment,) = self.segments
            column = segment.column(rule_index)
            if rule_index in segment.encoded:
                segment.decoded.pop(rule_index, None)  # held once, by the caller; decoded again if asked
            return column
        column = []
        for segment in self.segments:
            part = segment.column(rule_index)
            column.extend(repeat(None, segment.entries) if part is None else part)
            if rule_index in segment.encoded:
                segment.decoded.pop(rule_index, None)
        return column

    def present(self, rule_index: int) -> np.ndarray | None:
        """Which entries have a feature value for the rule (without decoding the values), or None
        when none has."""
        if rule_index in self.results.features:
            return _present_of(self.results.features[rule_index])
        if not any(segment.has(rule_index) for segment in self.segments):
            return None
        return np.concatenate([segment.present(rule_index) for segment in self.segments])

    def typed_column(self, rule_index: int, name: str) -> TypedColumn:
        """Column `name` of the rule's features over every entry, as arrays (typed_columns.TypedColumn)."""
        features = self.results.declared.get(rule_index)
        for segment in self.segments if features is None else ():
            if rule_index in segment.encoded:
                features = declaration(segment.encoded[rule_index][0])
                break
        if rule_index in self.results.features:
            return typed_of_values(self.results.features[rule_index], features, name)
        return concat_typed([segment.typed(rule_index, name, features) for segment in self.segments])

    def decode(self, rule_indices: Iterable[int] | None = None) -> Results:
        """`results` with the feature columns of these rules (of every rule: None) decoded."""
        if rule_indices is None:
            rule_indices = {index for segment in self.segments for index in (*segment.encoded, *segment.decoded)}
        for segment in self.segments:
            self.results.declared.update(segment.declarations())
        for rule_index in rule_indices:
            column = self.column(rule_index)
            if column is not None:
                self.results.features[rule_index] = column
        return self.results

    def extend(self, other: Entries) -> None:
        """Add `other`'s entries after these."""
        offset = len(self.results)
        self.keys.extend(other.keys)
        self.results.declared.update(other.results.declared)
        self.results.kinds += other.results.kinds
        for entry, found in other.results.violations.items():
            self.results.violations[offset + entry] = found
        for segment in other.segments:
            self.segments.append(_Segment(segment.first + offset, segment.entries, segment.encoded, segment.decoded))
        if other.results.features and not other.segments:  # decoded from its segments: those hold them
            self.segments.append(_Segment(offset, len(other.results), {}, dict(other.results.features)))

    def add_packed(self, packed: tuple) -> None:
        """Add the entries a worker process packed (`pack_results`), their columns still encoded."""
        kinds, violations, columns = packed
        encoded = {rule_index: (meta, blobs) for rule_index, meta, blobs in columns}
        self.extend(Entries(Results(bytearray(kinds), violations), [_Segment(0, len(kinds), encoded)]))

    def add_results(self, results: Results) -> None:
        """Add entries checked in this process (their columns decoded already)."""
        self.extend(Entries(results))
