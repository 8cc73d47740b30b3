"""The column codec of the record pass's results: how feature columns travel from worker
processes and sit in the cache, as typed buffers decoded with a few C-level calls.

A rule's column holds one value per entry (None: no feature there). It is stored by the rule's
declaration (feature_types.py), never by guessing from the values:

- which entries have a value: one byte each (left out when all have one);
- `rows` layout: the offset of each entry's first row (int64, one more than the entries), left out
  when every entry has one row (`single_rows` in the meta: the usual case, one text per record);
- then each declared column over the rows: numbers and booleans as one numpy buffer; `category`
  as its distinct values (JSON, tuples as lists) and a uint8/16/32 code per row; `str` and
  `array` as byte offsets (int64) and the data; an optional column adds a byte per row (None).

The blobs come with a JSON meta that holds the declaration, so a cached column decodes alone,
and `value_at` reads one entry's value without decoding its column (a warm run's memo check).

Three ways to read a column back, from the cheapest:
- `decode_typed_column`: one declared number, bool or category column as numpy arrays
  (`TypedColumn`), straight from the blobs. In a `rows` layout it is ragged: the rows of every
  entry one after the other, and an offset per entry (an entry without a value has no rows);
- `distinct_records` over a table's typed columns: each distinct value once as Python objects
  and a number per record, for kinds that count values which repeat;
- `decode_entries_column`: a Python value per entry, as the kind returned it (tuples): what
  `str` and `array` columns need, and the costliest in memory on a large run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, compress, pairwise, repeat
from operator import is_not, itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from datalint.feature_types import FeatureError, Features, FeatureType

if TYPE_CHECKING:
    from datalint.results import Results


class CodecError(ValueError):
    """An encoded column that does not decode: a damaged or foreign file."""


Blobs = Sequence[memoryview | bytes]


def pack_results(results: Results) -> tuple:
    """Results in the cache's column encoding, to send between processes (`Entries.add_packed`
    keeps them so): unpickling a column of 52k small tuples costs the receiving process far more
    than decoding it, and only the columns of rules that run are ever decoded. A value that does
    not fit its rule's declaration raises FeatureError."""
    columns = []
    for rule_index in sorted(results.features):
        encoded = encode_entries_column(results.column(rule_index), results.declared[rule_index])
        if encoded is not None:
            columns.append((rule_index, *encoded))
    return bytes(results.kinds), results.violations, columns


def encode_entries_column(column: list[Any], features: Features) -> tuple[dict, list[bytes]] | None:
    """A rule's feature column over entries (None: that record has no feature), or None when empty."""
    present = bytes(map(is_not, column, repeat(None)))  # not `is None` on values: arrays compare elementwise
    count = present.count(1)
    if not count:
        return None
    values = column if count == len(column) else list(compress(column, present))
    blobs: list[bytes] = [] if count == len(column) else [present]
    layout = features.layout
    single_rows = False  # a `rows` layout whose every entry has one row: no offsets are stored
    if layout == "scalar":
        if not features.columns:
            raise FeatureError(f"{features.owner}: declares no features, but keeps {_shown(values[0])}")
        name, kind = features.columns[0]
        parts = [values]
    else:
        width = len(features.columns)
        if layout == "rows":
            _check_tuples(features, "rows of", values, None)
            lengths = np.fromiter(map(len, values), np.int64, len(values))
            single_rows = bool((lengths == 1).all())
            if not single_rows:
                blobs.append(_offsets_of(lengths))
            values = list(chain.from_iterable(values))
        _check_tuples(features, "a row of", values, width)
        parts = [list(map(itemgetter(position), values)) for position in range(width)] if values else [[]] * width
    metas = []
    for (name, kind), part in zip(features.columns, parts, strict=True):
        meta, column_blobs = _encode_values(part, kind, f"{features.owner}: feature {name!r}")
        metas.append({**meta, "blobs": len(column_blobs)})
        blobs.extend(column_blobs)
    meta = {"features": features.spec(), "whole": count == len(column), "columns": metas, "blobs": len(blobs)}
    if single_rows:
        meta["single_rows"] = True
    return meta, blobs


def _offsets_of(lengths: np.ndarray) -> bytes:
    """Where each item starts, and the end: int64, one more than the items."""
    return np.concatenate(([0], np.cumsum(lengths))).astype("<i8").tobytes()


def _check_tuples(features: Features, what: str, values: list[Any], width: int | None) -> None:
    if set(map(type, values)) - {tuple}:
        bad = next(value for value in values if type(value) is not tuple)
        raise FeatureError(f"{features.owner}: expected {what} {features.names}, got {_shown(bad)}")
    if width is not None and set(map(len, values)) - {width}:
        bad = next(value for value in values if len(value) != width)
        raise FeatureError(f"{features.owner}: expected {what} {features.names}, got {_shown(bad)}")


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:80]}{'...' if len(text) > 80 else ''}"


_PYTHON_TYPES = {"int64": {int}, "uint64": {int}, "uint32": {int}, "float64": {float}, "bool": {bool}, "str": {str}}


def _encode_values(values: list[Any], kind: FeatureType, where: str) -> tuple[dict, list[bytes]]:
    """One declared column's values as typed buffers."""
    if kind.name == "category":
        return _encode_category(values, where)
    types = set(map(type, values))
    blobs: list[bytes] = []
    if kind.optional:
        mask = bytes(map(is_not, values, repeat(None)))
        blobs.append(mask)
        if type(None) in types:
            types.discard(type(None))
            values = list(compress(values, mask))
    if kind.name == "array":
        wanted = np.dtype(kind.dtype)
        bad = next((value for value in values if type(value) is not np.ndarray or value.dtype != wanted), None)
        if bad is not None or any(value.ndim != 1 for value in values):
            raise FeatureError(f"{where}: expected a 1-D array of {kind.dtype}, got {_shown(bad)}")
        lengths = np.fromiter(map(len, values), np.int64, len(values))
        data = np.concatenate(values) if values else np.zeros(0, wanted)
        return {"t": kind.name}, [*blobs, _offsets_of(lengths), data.tobytes()]
    if types - _PYTHON_TYPES[kind.name]:
        bad = next(value for value in values if type(value) not in _PYTHON_TYPES[kind.name])
        raise FeatureError(f"{where}: expected {kind.label}, got {_shown(bad)}")
    if kind.name == "str":
        encoded = [value.encode("utf-8", "surrogatepass") for value in values]
        lengths = np.fromiter(map(len, encoded), np.int64, len(encoded))
        return {"t": "str"}, [*blobs, _offsets_of(lengths), b"".join(encoded)]
    try:
        numbers = np.array(values, dtype=kind.dtype)
    except OverflowError as error:
        raise FeatureError(f"{where}: a value does not fit {kind.label}") from error
    return {"t": kind.name}, [*blobs, numbers.tobytes()]


_CATEGORY_SCALARS = (str, int, float, bool, type(None))


def _encode_category(values: list[Any], where: str) -> tuple[dict, list[bytes]]:
    types = set(map(type, values))
    # True == 1 in a dict: a column that mixes booleans and numbers is coded by (type, value).
    keys = list(zip(map(type, values), values, strict=True)) if bool in types and types & {int, float} else values
    try:
        code_of = dict.fromkeys(keys)
    except TypeError as error:
        raise FeatureError(f"{where}: a category value is not hashable") from error
    distinct = [key[1] for key in code_of] if keys is not values else list(code_of)
    for value in distinct:
        if not _category_value(value):
            raise FeatureError(f"{where}: expected a category (text, number, bool, None, tuples), got {_shown(value)}")
    for code, key in enumerate(code_of):
        code_of[key] = code
    width = "<u1" if len(distinct) <= 0x100 else "<u2" if len(distinct) <= 0x10000 else "<u4"
    codes = np.fromiter(map(code_of.__getitem__, keys), width, len(keys))
    dictionary = json.dumps(distinct, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return {"t": "category", "width": width}, [dictionary, codes.tobytes()]


def _category_value(value: Any) -> bool:
    if type(value) is tuple:
        return all(map(_category_value, value))
    return type(value) in _CATEGORY_SCALARS


# --- decoding --------------------------------------------------------------------------------


def declaration(meta: dict) -> Features:
    try:
        return Features.from_spec(meta["features"])
    except (FeatureError, KeyError, TypeError) as error:
        raise CodecError(f"unreadable column: {error}") from error


def decode_entries_column(meta: dict, blobs: Blobs, count: int) -> list[Any]:
    """The column `encode_entries_column` wrote, one value per entry (None: none there)."""
    features = declaration(meta)
    blobs = iter(blobs)
    present = None if meta["whole"] is True else np.frombuffer(next(blobs), np.bool_)
    if present is not None and len(present) != count:
        raise CodecError("feature column does not match its entries")
    single_rows = meta.get("single_rows") is True
    offsets = _offsets(next(blobs)) if features.layout == "rows" and not single_rows else None
    single_rows = single_rows or (offsets is not None and offsets == list(range(len(offsets))))
    column_blobs = [
        [next(blobs) for _ in range(column_meta["blobs"])] for column_meta in meta["columns"][: len(features.columns)]
    ]
    coded = None
    if features.layout != "scalar":
        coded = _coded_rows(features, meta["columns"], column_blobs)
    if coded is not None:
        distinct_rows, row_codes = coded
        if single_rows:  # one row per entry: coded once too
            singles = [(row,) for row in distinct_rows]
            values = list(map(singles.__getitem__, row_codes))
        else:
            values = list(map(distinct_rows.__getitem__, row_codes))
            if offsets is not None:
                values = [tuple(values[start:end]) for start, end in pairwise(offsets)]
    else:
        parts = [
            _decode_values(column_meta, kind, part)
            for (_, kind), column_meta, part in zip(features.columns, meta["columns"], column_blobs, strict=True)
        ]
        values = parts[0] if features.layout == "scalar" else list(zip(*parts, strict=True))
        if single_rows:
            values = [(value,) for value in values]
        elif offsets is not None:
            values = [tuple(values[start:end]) for start, end in pairwise(offsets)]
    if len(values) != (count if present is None else int(present.sum())):
        raise CodecError("feature column does not match its entries")
    if present is None:
        return values
    column: list[Any] = [None] * count
    for entry, value in zip(np.flatnonzero(present).tolist(), values, strict=True):
        column[entry] = value
    return column


def _coded_rows(features: Features, metas: list[dict], column_blobs: list[Blobs]) -> tuple[list, list[int]] | None:
    """(the distinct rows, the row code of each row) when every column is a category or a boolean:
    each distinct row is made once and shared, as a column of few distinct values is read (far
    fewer objects than a tuple per row), or None for the other columns."""
    combined = None
    dictionaries = []
    size = 1
    for (_, kind), meta, blobs in zip(features.columns, metas, column_blobs, strict=True):
        if kind.optional or kind.name not in ("category", "bool"):
            return None
        if kind.name == "category":
            if meta.get("t") != "category":
                raise CodecError("column does not match its declaration")
            distinct = _tuples(json.loads(bytes(blobs[0])))
            codes = np.frombuffer(blobs[1], _code_width(meta)).astype(np.int64)
        else:
            distinct, codes = (False, True), np.frombuffer(blobs[0], np.bool_).astype(np.int64)
        size *= max(len(distinct), 1)
        if size >= 1 << 62:
            return None
        combined = codes if combined is None else combined * len(distinct) + codes
        dictionaries.append((distinct, codes))
    if combined is None or len({len(codes) for _, codes in dictionaries}) != 1:
        return None
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    at = first.tolist()
    distinct_rows = [tuple(distinct[codes[row]] for distinct, codes in dictionaries) for row in at]
    return distinct_rows, inverse.reshape(-1).tolist()


def value_at(meta: dict, blobs: Blobs, index: int) -> Any:
    """One entry's value, decoding only what it needs."""
    features = declaration(meta)
    blobs = iter(blobs)
    if meta["whole"] is not True:
        present = np.frombuffer(next(blobs), np.bool_)
        if not present[index]:
            return None
        index = int(np.count_nonzero(present[:index]))
    if features.layout == "rows" and meta.get("single_rows") is not True:
        offsets = np.frombuffer(next(blobs), "<i8")
        rows = range(int(offsets[index]), int(offsets[index + 1]))
    else:
        rows = range(index, index + 1)
    parts = []
    for (_, kind), column_meta in zip(features.columns, meta["columns"], strict=True):
        column_blobs = [next(blobs) for _ in range(column_meta["blobs"])]
        parts.append([_value_at(column_meta, kind, column_blobs, row) for row in rows])
    if features.layout == "scalar":
        return parts[0][0]
    found = list(zip(*parts, strict=True))
    return tuple(found) if features.layout == "rows" else found[0]


def _offsets(blob: memoryview | bytes) -> list[int]:
    return np.frombuffer(blob, "<i8").tolist()


def _decode_values(meta: dict, kind: FeatureType, blobs: Blobs) -> list[Any]:
    blobs = iter(blobs)
    if meta.get("t") != kind.name:
        raise CodecError("column does not match its declaration")
    mask = np.frombuffer(next(blobs), np.bool_) if kind.optional else None
    if kind.name == "category":
        distinct = _tuples(json.loads(bytes(next(blobs))))
        codes = np.frombuffer(next(blobs), _code_width(meta)).tolist()
        values = list(map(distinct.__getitem__, codes))  # a code out of range raises IndexError: damage
    elif kind.name == "str":
        offsets, data = _offsets(next(blobs)), bytes(next(blobs))
        values = [data[start:end].decode("utf-8", "surrogatepass") for start, end in pairwise(offsets)]
    elif kind.name == "array":
        offsets = _offsets(next(blobs))
        flat = np.frombuffer(next(blobs), kind.dtype).copy()  # copied: writable, owned
        if len(flat) != offsets[-1]:
            raise CodecError("array column has the wrong size")
        values = [flat[start:end] for start, end in pairwise(offsets)]
    else:
        values = np.frombuffer(next(blobs), kind.dtype).tolist()
    if mask is None or len(values) == len(mask):
        return values
    column: list[Any] = [None] * len(mask)
    for row, value in zip(np.flatnonzero(mask).tolist(), values, strict=True):
        column[row] = value
    return column


def _value_at(meta: dict, kind: FeatureType, blobs: Blobs, row: int) -> Any:
    blobs = iter(blobs)
    if kind.optional:
        mask = np.frombuffer(next(blobs), np.bool_)
        if not mask[row]:
            return None
        row = int(np.count_nonzero(mask[:row]))
    if kind.name == "category":
        dictionary = next(blobs)
        code = int(np.frombuffer(next(blobs), _code_width(meta))[row])
        return _tuples(json.loads(bytes(dictionary)))[code]
    if kind.name in ("str", "array"):
        offsets = np.frombuffer(next(blobs), "<i8")
        start, end = int(offsets[row]), int(offsets[row + 1])
        if kind.name == "str":
            return bytes(next(blobs)[start:end]).decode("utf-8", "surrogatepass")
        return np.frombuffer(next(blobs), kind.dtype)[start:end].copy()
    return np.frombuffer(next(blobs), kind.dtype)[row].item()


def _code_width(meta: dict) -> str:
    width = meta.get("width")
    if width not in ("<u1", "<u2", "<u4"):
        raise CodecError("unknown code width")
    return width


def _tuples(value: Any) -> Any:
    """JSON lists back to the tuples they were (a category holds no lists)."""
    if type(value) is list:
        return tuple(map(_tuples, value))
    return value


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
    has no offsets either. Numbers, booleans and categories have typed access; `str` and `array` columns are read
    as Python values (`FeatureTable.values`)."""

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


_TYPED = ("int64", "uint64", "uint32", "float64", "bool", "category")


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


def entries_present(meta: dict, blobs: Blobs, count: int) -> np.ndarray:
    """Which of the column's `count` entries have a feature value, without decoding the values."""
    if meta["whole"] is True:
        return np.ones(count, np.bool_)
    present = np.frombuffer(blobs[0], np.bool_)
    if len(present) != count:
        raise CodecError("feature column does not match its entries")
    return present


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
    dictionary: tuple = ()
    if kind.name == "category":
        dictionary = _tuples(json.loads(bytes(next(part))))
        values = np.frombuffer(next(part), _code_width(column_meta))  # uint8/16/32: read in place
    else:
        values = np.frombuffer(next(part), kind.dtype)
    if len(values) != np.count_nonzero(has):
        raise CodecError("feature column does not match its entries")
    if len(values) != len(has):
        full = np.zeros(len(has), values.dtype)
        full[has] = values
        values = full
    return TypedColumn(values, has, dictionary, kind.name == "category", offsets)


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
