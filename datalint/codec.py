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

`decode_entries_column` reads a column back as a Python value per entry, as the kind returned it
(tuples): what `str` and `array` columns need, and the costliest in memory on a large run. Typed
access, a column as numpy arrays with no Python value per record, is typed_columns.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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
            distinct = as_tuples(json.loads(bytes(blobs[0])))
            codes = np.frombuffer(blobs[1], code_width(meta)).astype(np.int64)
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
        distinct = as_tuples(json.loads(bytes(next(blobs))))
        codes = np.frombuffer(next(blobs), code_width(meta)).tolist()
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
        code = int(np.frombuffer(next(blobs), code_width(meta))[row])
        return as_tuples(json.loads(bytes(dictionary)))[code]
    if kind.name in ("str", "array"):
        offsets = np.frombuffer(next(blobs), "<i8")
        start, end = int(offsets[row]), int(offsets[row + 1])
        if kind.name == "str":
            return bytes(next(blobs)[start:end]).decode("utf-8", "surrogatepass")
        return np.frombuffer(next(blobs), kind.dtype)[start:end].copy()
    return np.frombuffer(next(blobs), kind.dtype)[row].item()


def code_width(meta: dict) -> str:
    width = meta.get("width")
    if width not in ("<u1", "<u2", "<u4"):
        raise CodecError("unknown code width")
    return width


def as_tuples(value: Any) -> Any:
    """JSON lists back to the tuples they were (a category holds no lists)."""
    if type(value) is list:
        return tuple(map(as_tuples, value))
    return value


def entries_present(meta: dict, blobs: Blobs, count: int) -> np.ndarray:
    """Which of the column's `count` entries have a feature value, without decoding the values."""
    if meta["whole"] is True:
        return np.ones(count, np.bool_)
    present = np.frombuffer(blobs[0], np.bool_)
    if len(present) != count:
        raise CodecError("feature column does not match its entries")
    return present
