"""Typed feature columns: one declared column of a rule's features as numpy arrays (`TypedColumn`),
decoded from the codec's blobs with no Python value per record, and the distinct values of a
table's columns for kinds that count values which repeat. How the blobs are written: codec.py.

- `decode_typed_column`: one declared number, bool or category column, straight from the blobs.
  In a `rows` layout it is ragged: the rows of every entry one after the other, and an offset per
  entry (an entry without a value has no rows);
- `distinct_records` over a table's typed columns: each distinct value once as Python objects and
  a number per record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from datalint.codec import Blobs, CodecError, as_tuples, code_width, declaration, encode_entries_column
from datalint.feature_types import FeatureError, Features, FeatureType

# --- typed access: one declared column as numpy arrays, no Python value per row -------------------


@dataclass(frozen=True, slots=True)
class TypedColumn:
    """One declared feature column over some entries (or a table's records), as arrays: `values`
    holds the numbers (booleans as numpy bools) or, for a `category`, each row's code into
    `dictionary`; `present` is False where the row has no value (no feature there, or None in an
    optional column), and `values` is 0 there.

    `row` and `scalar` layouts have one row per record (`offsets` is None). A `rows` layout is
    ragged: `values` and `present` are flat over every record's rows, and record i's rows are
    `offsets[i]:offsets[i + 1]` (int64, one more than the records); a record with no feature has
    no rows. A `rows` column whose every record has one row (one text per record: the usual case)
    has no offsets either. An `array` column (in a `scalar` or `row` layout) is ragged the same way:
    a record's items are its rows. Numbers, booleans, categories and arrays have typed access; `str`
    columns are read as Python values (`FeatureTable.values`)."""

    values: np.ndarray
    present: np.ndarray
    dictionary: tuple = ()
    category: bool = False
    offsets: np.ndarray | None = None

    def __len__(self) -> int:
        """The records (entries, or a table's rows) the column covers."""
        return len(self.values) if self.offsets is None else len(self.offsets) - 1

    def row_counts(self) -> np.ndarray:
        """How many rows each record has (1 each in a `row` or `scalar` layout)."""
        return np.ones(len(self.values), np.int64) if self.offsets is None else np.diff(self.offsets)

    def record_of_rows(self) -> np.ndarray:
        """The record each row belongs to (int64)."""
        if self.offsets is None:
            return np.arange(len(self.values), dtype=np.int64)
        return np.repeat(np.arange(len(self), dtype=np.int64), self.row_counts())

    def take(self, records: np.ndarray) -> TypedColumn:
        """The column at these records, in this order (with all their rows; without offsets when
        each has one row)."""
        if self.offsets is None:
            return TypedColumn(self.values[records], self.present[records], self.dictionary, self.category)
        starts = self.offsets[records]
        counts = self.offsets[np.asarray(records) + 1] - starts
        if (counts == 1).all():  # one row each (a table of one text per record): no offsets
            return TypedColumn(self.values[starts], self.present[starts], self.dictionary, self.category)
        offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        rows = np.repeat(starts - offsets[:-1], counts) + np.arange(offsets[-1], dtype=np.int64)
        return TypedColumn(self.values[rows], self.present[rows], self.dictionary, self.category, offsets)

    def items(self) -> list[Any]:
        """The rows' values as Python objects (None where absent), flat over the records' rows:
        for a few rows, as messages need."""
        found = self.values.tolist()
        if self.category:
            dictionary = self.dictionary
            return [
                dictionary[code] if present else None
                for code, present in zip(found, self.present.tolist(), strict=True)
            ]
        return [value if present else None for value, present in zip(found, self.present.tolist(), strict=True)]


_TYPED = ("int64", "uint64", "uint32", "float64", "bool", "category", "array")


def typed_kind(features: Features, name: str) -> FeatureType:
    """The declared type of column `name`, when it has typed access; else FeatureError."""
    if name not in features.names:
        raise FeatureError(f"{features.owner or 'a rule'}: no typed column {name!r} (declared: {features.names})")
    kind = dict(features.columns)[name]
    if kind.name not in _TYPED:
        raise FeatureError(f"{features.owner or 'a rule'}: feature {name!r} ({kind.label}) has no typed access")
    return kind


def absent_column(count: int, kind: FeatureType, ragged: bool = False) -> TypedColumn:
    """A column of `count` records without a value (ragged: without rows)."""
    dtype = np.int64 if kind.name == "category" else kind.dtype
    if ragged:
        return TypedColumn(
            np.zeros(0, dtype), np.zeros(0, np.bool_), (), kind.name == "category", np.zeros(count + 1, np.int64)
        )
    return TypedColumn(np.zeros(count, dtype), np.zeros(count, np.bool_), (), kind.name == "category")


def decode_typed_column(meta: dict, blobs: Blobs, count: int, name: str) -> TypedColumn:
    """Column `name` of the column `encode_entries_column` wrote, over its `count` entries, as arrays."""
    features = declaration(meta)
    kind = typed_kind(features, name)
    blobs = iter(blobs)
    entries = np.ones(count, np.bool_) if meta["whole"] is True else np.frombuffer(next(blobs), np.bool_)
    if len(entries) != count:
        raise CodecError("feature column does not match its entries")
    offsets = None
    rows = entries
    if features.layout == "rows" and not (meta.get("single_rows") is True and meta["whole"] is True):
        offsets = _entry_offsets(entries, None if meta.get("single_rows") is True else next(blobs))
        rows = np.ones(int(offsets[-1]), np.bool_)  # every row of a ragged column is stored
        if len(rows) == count and (np.diff(offsets) == 1).all():
            offsets = None  # one row per entry
    column_blobs = [[next(blobs) for _ in range(column_meta["blobs"])] for column_meta in meta["columns"]]
    position = features.names.index(name)
    column_meta, part = meta["columns"][position], iter(column_blobs[position])
    if column_meta.get("t") != kind.name:
        raise CodecError("column does not match its declaration")
    has = rows
    if kind.optional:  # the rows whose value is not None, among the ones stored
        mask = np.frombuffer(next(part), np.bool_)
        if len(mask) != np.count_nonzero(rows):
            raise CodecError("feature column does not match its entries")
        has = np.zeros(len(rows), np.bool_)
        has[np.flatnonzero(rows)[mask]] = True
    if kind.name == "array":
        if features.layout == "rows":
            raise FeatureError(f"{features.owner or 'a rule'}: array feature {name!r} in rows has no typed access")
        return _array_column(has, kind, part)
    dictionary: tuple = ()
    if kind.name == "category":
        dictionary = as_tuples(json.loads(bytes(next(part))))
        values = np.frombuffer(next(part), code_width(column_meta))  # uint8/16/32: read in place
    else:
        values = np.frombuffer(next(part), kind.dtype)
    if len(values) != np.count_nonzero(has):
        raise CodecError("feature column does not match its entries")
    if len(values) != len(has):
        full = np.zeros(len(has), values.dtype)
        full[has] = values
        values = full
    return TypedColumn(values, has, dictionary, kind.name == "category", offsets)


def _array_column(has: np.ndarray, kind: FeatureType, part: Iterator[memoryview | bytes]) -> TypedColumn:
    """An `array` column, ragged: each entry's items are its rows, end to end in `values` (read in
    place, not copied); an entry without a value has none."""
    offsets = _entry_offsets(has, next(part))
    values = np.frombuffer(next(part), kind.dtype)
    if len(values) != offsets[-1]:
        raise CodecError("array column has the wrong size")
    return TypedColumn(values, np.ones(len(values), np.bool_), (), False, offsets)


def _offsets_of_part(column: TypedColumn) -> np.ndarray:
    if column.offsets is not None:
        return column.offsets
    return np.arange(len(column.values) + 1, dtype=np.int64)


def _entry_offsets(entries: np.ndarray, stored: memoryview | bytes | None) -> np.ndarray:
    """Where each entry's rows start, and the end (an entry without a value has none), from the
    stored offsets of the entries with a value (None: one row each)."""
    counts = np.zeros(len(entries), np.int64)
    if stored is None:
        counts[entries] = 1
    else:
        starts = np.frombuffer(stored, "<i8")
        if len(starts) != np.count_nonzero(entries) + 1 or starts[0] != 0 or (np.diff(starts) < 0).any():
            raise CodecError("feature column does not match its entries")
        counts[entries] = np.diff(starts)
    return np.concatenate(([0], np.cumsum(counts))).astype(np.int64)


def typed_of_values(column: list[Any], features: Features, name: str) -> TypedColumn:
    """The typed column of values held as Python objects (results checked in this process)."""
    encoded = encode_entries_column(column, features)
    if encoded is None:
        return absent_column(len(column), typed_kind(features, name), features.layout == "rows")
    return decode_typed_column(*encoded, len(column), name)


def concat_typed(parts: list[TypedColumn]) -> TypedColumn:
    """Columns one after the other; categories' codes moved into one dictionary."""
    if len(parts) == 1:
        return parts[0]
    present = np.concatenate([part.present for part in parts])
    offsets = None
    if any(part.offsets is not None for part in parts):  # ragged: a part of one row per record has offsets too
        ends = np.cumsum([0] + [len(part.values) for part in parts[:-1]])
        offsets = np.concatenate(
            [np.zeros(1, np.int64)] + [_offsets_of_part(part)[1:] + end for part, end in zip(parts, ends, strict=True)]
        )
    if not parts[0].category:
        return TypedColumn(np.concatenate([part.values for part in parts]), present, (), False, offsets)
    merged: dict[tuple[type, Any], int] = {}  # by (type, value): True and 1 are two categories
    moves = [
        np.array([merged.setdefault((type(value), value), len(merged)) for value in part.dictionary], np.int64)
        for part in parts
    ]
    width = "<u1" if len(merged) <= 0x100 else "<u2" if len(merged) <= 0x10000 else "<u4"
    codes = [
        moved.astype(width)[part.values] if len(moved) else np.zeros(len(part.values), width)
        for moved, part in zip(moves, parts, strict=True)
    ]
    dictionary = tuple(value for _, value in merged)
    return TypedColumn(np.concatenate(codes), present, dictionary, True, offsets)


# --- distinct values: kinds that count repeated values, without a Python value per record ---------


def first_seen(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(each item's number among the distinct keys, numbered in order of first appearance; the
    first item of each), as a dict built over the items would number them. Keys that are small
    non-negative integers (codes) are counted in place; others are sorted once to become so."""
    if not len(keys):
        return np.zeros(0, np.int32), np.zeros(0, np.int64)
    if keys.dtype.kind not in "iu" or keys.min() < 0 or keys.max() >= max(len(keys), 1 << 16):
        keys = np.unique(keys, return_inverse=True)[1].reshape(-1)
    first = np.full(int(keys.max()) + 1, len(keys), np.int64)
    for start in range(0, len(keys), _BLOCK):  # the first item of each key, a block of items at a time
        block = keys[start : start + _BLOCK]
        np.minimum.at(first, block, np.arange(start, start + len(block), dtype=np.int64))
    seen = np.flatnonzero(first < len(keys))
    firsts = np.sort(first[seen])
    number = np.zeros(len(first), np.int32 if len(firsts) < 1 << 31 else np.int64)  # 4 bytes an item
    number[keys[firsts]] = np.arange(len(firsts))
    return number[keys], firsts


_BLOCK = 1 << 16


def distinct_records(columns: Sequence[TypedColumn], layout: str) -> tuple[list[Any], np.ndarray]:
    """The records' values as their kind returned them (a tuple of row tuples in a `rows` layout,
    a row tuple in a `row` one, the value in a `scalar` one), each distinct value once in order of
    first appearance, and each record's number among them (int64). `columns` are a table's typed
    columns in declaration order (a table's records all have a value). Kinds that count values
    which repeat (consistency, language) read them so: the arrays are compared, and only one
    record of each distinct value becomes Python objects."""
    row_keys = np.zeros(len(columns[0].values), np.int64)
    span = 1  # row keys are below it
    for column in columns:
        codes = column.values if column.category else np.unique(column.values, return_inverse=True)[1].reshape(-1)
        width = int(codes.max(initial=0)) + 2  # 0: None, code + 1: a value
        if span * width >= 1 << 62:  # too many combinations for one integer: number the ones seen
            row_keys = np.unique(row_keys, return_inverse=True)[1].reshape(-1)
            span = int(row_keys.max(initial=0)) + 1
        row_keys *= width
        if column.present.all():
            row_keys += codes
            row_keys += 1
        else:
            row_keys += np.where(column.present, codes.astype(np.int64) + 1, 0)
        span *= width
    offsets = columns[0].offsets
    codes, firsts = first_seen(row_keys if offsets is None else _sequence_keys(row_keys, offsets))
    rows_of = (
        (lambda record: range(record, record + 1)) if offsets is None else (lambda r: range(offsets[r], offsets[r + 1]))
    )
    wanted = [rows_of(record) for record in firsts.tolist()]
    at = np.fromiter((row for rows in wanted for row in rows), np.int64)
    items = [_python_items(column, at) for column in columns]
    found, start = [], 0
    for rows in wanted:
        made = [tuple(item[start + position] for item in items) for position in range(len(rows))]
        start += len(rows)
        found.append(tuple(made) if layout == "rows" else made[0] if layout == "row" else made[0][0])
    # Values the arrays tell apart but Python holds equal (1 and 1.0 in a category) count as one, as in a dict.
    merged = dict.fromkeys(found)
    if len(merged) < len(found):
        number = {value: index for index, value in enumerate(merged)}
        codes = np.array([number[value] for value in found], np.int64)[codes]
        found = list(merged)
    return found, codes


def distinct_in_files(columns: Sequence[TypedColumn], layout: str, paths: Sequence[str]) -> tuple[list, np.ndarray]:
    """`distinct_records` told apart by file too: the keys are the values when every record is in
    one file (the usual case), else (path, value) pairs, in order of first record."""
    values, value_of_records = distinct_records(columns, layout)
    if not paths or paths.count(paths[0]) == len(paths):
        return values, value_of_records
    numbers: dict[str, int] = {}
    files = np.fromiter((numbers.setdefault(path, len(numbers)) for path in paths), np.int64, len(paths))
    key_of_records, firsts = first_seen(files * max(len(values), 1) + value_of_records)
    keys = [(paths[first], values[value_of_records[first]]) for first in firsts.tolist()]
    return keys, key_of_records


def _sequence_keys(row_keys: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """One key per record, equal when two records have the same row keys in the same order: the
    rows' numbers as the digits of one integer, for the records of each row count."""
    row_numbers, _ = first_seen(row_keys)
    base = int(row_numbers.max(initial=0)) + 1
    counts = np.diff(offsets)
    keys = np.zeros(len(counts), np.int64)
    taken = 0
    for count in np.unique(counts).tolist():
        records = np.flatnonzero(counts == count)
        starts = offsets[records]
        if base**count < 1 << 62:
            local = np.zeros(len(records), np.int64)
            for position in range(count):
                local *= base
                local += row_numbers[starts + position]
            local = first_seen(local)[0]
        else:  # too many digits for one integer: the rows side by side, compared as a matrix
            matrix = row_numbers[starts[:, None] + np.arange(count)]
            local = np.unique(matrix, axis=0, return_inverse=True)[1].reshape(-1)
        keys[records] = taken + local
        taken += int(local.max(initial=0)) + 1
    return keys


def _python_items(column: TypedColumn, rows: np.ndarray) -> list[Any]:
    """The values at these rows as Python objects, None where absent."""
    values, present = column.values[rows].tolist(), column.present[rows].tolist()
    if column.category:
        dictionary = column.dictionary
        return [dictionary[code] if has else None for code, has in zip(values, present, strict=True)]
    return [value if has else None for value, has in zip(values, present, strict=True)]
