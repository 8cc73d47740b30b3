"""The column codec of the record pass's results: how feature columns travel from worker
processes and sit in the cache, a few bytes per value, decoded with a few C-level calls.

Features are small values: numbers, strings, short tuples, numpy arrays (MinHash signatures).
A column of them is stored by its shape, so that loading it is a few C-level calls, not one
Python step per value:
- arrays of one dtype: one contiguous buffer;
- few distinct values (booleans, labels, (field, value, pointer) tuples): the distinct values
  once, plus one small integer code per value (values equal under `==` are stored once);
- all ints, or all floats: one numpy buffer;
- tuples of one width: one column per position; of several widths: their widths, then their
  items as one column;
- plain JSON scalars: a JSON list; anything else value by value as tagged JSON.
Values come back with their Python types (tuples stay tuples, arrays stay arrays).
"""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, compress, islice, repeat
from operator import is_, is_not, itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datalint.results import Results


class CodecError(ValueError):
    """A feature value the codec cannot store."""


def _encoded_columns(results: Results) -> Iterator[tuple[int, dict, list[bytes]]]:
    for rule_index in sorted(results.features):
        encoded = encode_entries_column(results.column(rule_index))
        if encoded is not None:
            yield rule_index, *encoded


def encode_entries_column(column: list[Any]) -> tuple[dict, list[bytes]] | None:
    """A rule's feature column over entries (None: that record has no feature), or None when empty."""
    missing = sum(map(is_, column, repeat(None)))  # not count(): == on arrays is elementwise
    if missing == len(column):
        return None
    coded = _dictionary_coded(column)
    if not missing or coded is not None:
        # Whole: a column with few distinct values codes None like any other value.
        meta, blobs = encode_column(column, coded)
        return {"meta": meta, "blobs": len(blobs), "whole": True}, blobs
    present = list(map(is_not, column, repeat(None)))
    positions = list(compress(range(len(column)), present))
    # The values without the None have no fewer distinct values: no dictionary for them either.
    meta, blobs = encode_column(list(compress(column, present)), None)
    return {"meta": meta, "blobs": len(blobs) + 1}, [_pack_ints(positions), *blobs]


def decode_entries_column(meta: dict, blobs: Sequence[memoryview | bytes], count: int) -> list[Any]:
    whole = meta.get("whole") is True
    positions = None if whole else _unpack_ints(memoryview(blobs[0]))
    values = decode_column(meta["meta"], iter(blobs if whole else blobs[1:]))
    if len(values) != (count if positions is None else len(positions)):
        raise CodecError("feature column does not match its entries")
    if positions is None:
        return values
    column = [None] * count
    for entry, value in zip(positions, values, strict=True):
        column[entry] = value  # an entry beyond `count` raises IndexError: a damaged file
    return column


def pack_results(results: Results) -> tuple:
    """Results in the cache's column encoding, to send between processes (`Entries.add_packed`
    keeps them so): unpickling a column of 52k small tuples costs the receiving process far more
    than decoding it, and only the columns of rules that run are ever decoded."""
    columns = []
    for rule_index in sorted(results.features):
        column = results.column(rule_index)
        try:
            encoded = encode_entries_column(column)
        except CodecError:  # a value the cache cannot store travels as it is
            columns.append((rule_index, None, column))
            continue
        if encoded is not None:
            columns.append((rule_index, *encoded))
    return bytes(results.kinds), results.violations, columns


def _pack_ints(values: list[int]) -> bytes:
    packed = array("I", values)
    if packed.itemsize != 4:  # pragma: no cover - every platform datalint runs on has 4-byte unsigned ints
        raise CodecError("unsupported platform")
    return packed.tobytes() if _LITTLE_ENDIAN else _swapped(packed).tobytes()


def _unpack_ints(buffer: memoryview) -> list[int]:
    if len(buffer) % 4:
        raise CodecError("truncated integer section")
    unpacked = array("I")
    unpacked.frombytes(bytes(buffer))
    return (unpacked if _LITTLE_ENDIAN else _swapped(unpacked)).tolist()


def _swapped(values: array) -> array:
    values = array(values.typecode, values)
    values.byteswap()
    return values


_LITTLE_ENDIAN = sys.byteorder == "little"


DICTIONARY_SHARE = 4  # a column is dictionary-coded when it has at most 1/4 as many distinct values


DICTIONARY_SAMPLE = 512  # values looked at first: more distinct than 1/4 of them rules a column out


def encode_column(values: list[Any], coded: tuple[list, array] | None | bool = True) -> tuple[dict, list[bytes]]:
    """`coded`: the column's dictionary coding when the caller already looked for one."""
    if values and all(type(value).__name__ == "ndarray" for value in values):
        return _encode_arrays(values)
    types = set(map(type, values))
    if coded is True:
        coded = _dictionary_coded(values, types)
    if coded:
        distinct, codes = coded
        meta, blobs = encode_column(distinct, None)
        return {"t": "dictionary", "values": meta, "blobs": len(blobs), "width": codes.typecode}, [
            *blobs,
            _bytes_of(codes),
        ]
    if types == {int} or types == {float}:
        numbers = _number_array(values, float if types == {float} else int)
        if numbers is not None:
            return {"t": "numbers", "dtype": numbers.dtype.str}, [numbers.tobytes()]
    if values and types == {tuple} and len({len(value) for value in values}) == 1 and values[0]:
        metas, blobs = [], []
        for position in range(len(values[0])):
            column = list(map(itemgetter(position), values))  # not zip(*values): one argument per value
            meta, column_blobs = encode_column(column)
            metas.append({"meta": meta, "blobs": len(column_blobs)})
            blobs.extend(column_blobs)
        return {"t": "tuple", "width": len(values[0]), "columns": metas}, blobs
    if values and types == {tuple}:  # tuples of several widths (a feature per text of a record)
        meta, blobs = encode_column(list(chain.from_iterable(values)))
        return {"t": "ragged", "items": meta, "blobs": len(blobs)}, [_pack_ints(list(map(len, values))), *blobs]
    if types <= {type(None), int, float, str, bool}:
        return {"t": "json"}, [json.dumps(values, ensure_ascii=False).encode("utf-8")]
    return {"t": "tagged"}, [json.dumps([_tag(value) for value in values], ensure_ascii=False).encode("utf-8")]


def decode_column(meta: dict, blobs: Iterable[memoryview]) -> list[Any]:
    blobs = iter(blobs)
    kind = meta["t"]
    if kind == "arrays":
        return _decode_arrays(meta, next(blobs), next(blobs))
    if kind == "dictionary":
        distinct = decode_column(meta["values"], [next(blobs) for _ in range(meta["blobs"])])
        if meta["width"] not in ("B", "H", "I"):
            raise CodecError("unknown code width")
        codes = array(meta["width"])
        codes.frombytes(bytes(next(blobs)))
        if not _LITTLE_ENDIAN:
            codes.byteswap()
        return list(map(distinct.__getitem__, codes))  # a code out of range raises IndexError: damage
    if kind == "numbers":
        import numpy as np

        dtype = np.dtype(meta["dtype"])
        if dtype.kind not in "iuf":
            raise CodecError("non-numeric column")
        return np.frombuffer(bytes(next(blobs)), dtype=dtype).tolist()
    if kind == "tuple":
        columns = [
            decode_column(column["meta"], [next(blobs) for _ in range(column["blobs"])]) for column in meta["columns"]
        ]
        if len(columns) != meta["width"] or len({len(column) for column in columns}) > 1:
            raise CodecError("tuple column widths differ")
        return list(zip(*columns, strict=True))
    if kind == "ragged":
        widths = _unpack_ints(next(blobs))
        items = decode_column(meta["items"], [next(blobs) for _ in range(meta["blobs"])])
        if sum(widths) != len(items):
            raise CodecError("ragged column widths do not match its items")
        flat = iter(items)
        return [tuple(islice(flat, width)) for width in widths]
    if kind == "json":
        values = json.loads(bytes(next(blobs)))
        if not isinstance(values, list):
            raise CodecError("json column is not a list")
        return values
    if kind == "tagged":
        return [_untag(value) for value in json.loads(bytes(next(blobs)))]
    raise CodecError(f"unknown column kind {kind!r}")


def entry_of(meta: dict, blobs: Iterator[Any], index: int) -> tuple[bool, Any]:
    """(True, value at `index`) of an encoded column, decoding only what that value needs, or
    (False, None) for the shapes that must be decoded whole (JSON, arrays)."""
    kind = meta["t"]
    if kind == "dictionary":
        distinct = [next(blobs) for _ in range(meta["blobs"])]
        codes = array(meta["width"])
        codes.frombytes(bytes(next(blobs))[index * codes.itemsize : (index + 1) * codes.itemsize])
        if not _LITTLE_ENDIAN:
            codes.byteswap()
        return True, decode_column(meta["values"], distinct)[codes[0]]
    if kind == "numbers":
        import numpy as np

        dtype = np.dtype(meta["dtype"])
        if dtype.kind not in "iuf":
            raise CodecError("non-numeric column")
        return True, np.frombuffer(next(blobs), dtype=dtype, count=1, offset=index * dtype.itemsize).item()
    if kind == "tuple":
        parts = []
        for column in meta["columns"]:
            found, part = entry_of(column["meta"], iter([next(blobs) for _ in range(column["blobs"])]), index)
            if not found:
                return False, None
            parts.append(part)
        return True, tuple(parts)
    return False, None


def _dictionary_coded(values: list[Any], types: set[type] | None = None) -> tuple[list[Any], array] | None:
    """(distinct values, code of each value) when a column of one type (and None) has few
    enough distinct values to be stored that way; else None."""
    types = set(map(type, values)) if types is None else types
    if len(types - {type(None)}) != 1 or not values:
        return None
    sample = min(len(values), DICTIONARY_SAMPLE)
    try:
        # Few objects (a column decoded from the cache or sent by a worker shares them): code
        # the objects by identity, hashing each distinct object once rather than every value.
        if len(set(map(id, values[:sample]))) * DICTIONARY_SHARE <= sample:
            ids = list(map(id, values))
            by_id = dict(zip(ids, values, strict=True))
            if len(by_id) * DICTIONARY_SHARE <= len(values):
                code_of_value: dict[Any, int] = {}
                code_of_id = {key: code_of_value.setdefault(value, len(code_of_value)) for key, value in by_id.items()}
                distinct = list(code_of_value)
                return distinct, array(_code_width(distinct), map(code_of_id.__getitem__, ids))
        # Hashing a whole column of distinct values costs: a sample rules most such columns out.
        if len(set(values[:sample])) * DICTIONARY_SHARE > sample:
            return None
        code_of = dict.fromkeys(values)
    except TypeError:  # an unhashable value (a list, an array)
        return None
    if len(code_of) * DICTIONARY_SHARE > len(values):
        return None
    distinct = list(code_of)
    for code, value in enumerate(distinct):
        code_of[value] = code
    return distinct, array(_code_width(distinct), map(code_of.__getitem__, values))


def _code_width(distinct: list[Any]) -> str:
    return "B" if len(distinct) <= 0xFF else "H" if len(distinct) <= 0xFFFF else "I"


def _number_array(values: list[Any], number_type: type) -> Any:
    """Ints as int64 or uint64, floats as float64, when they fit; else None."""
    import numpy as np

    if number_type is float:
        return np.array(values, dtype="<f8")
    low, high = min(values), max(values)
    if -(1 << 63) <= low and high < (1 << 63):
        return np.array(values, dtype="<i8")
    if 0 <= low and high < (1 << 64):
        return np.array(values, dtype="<u8")
    return None


def _bytes_of(values: array) -> bytes:
    return (values if _LITTLE_ENDIAN else _swapped(values)).tobytes()


def _encode_arrays(values: list[Any]) -> tuple[dict, list[bytes]]:
    import numpy as np

    dtypes = {value.dtype.str for value in values}
    tails = {value.shape[1:] for value in values}
    if len(dtypes) != 1 or len(tails) != 1 or values[0].dtype.kind not in _NUMERIC_KINDS or values[0].ndim == 0:
        return {"t": "tagged"}, [json.dumps([_tag(value) for value in values]).encode("utf-8")]
    lengths = [len(value) for value in values]
    data = np.concatenate([np.ascontiguousarray(value) for value in values]) if values else b""
    meta = {"t": "arrays", "dtype": dtypes.pop(), "tail": list(tails.pop())}
    return meta, [_pack_ints(lengths), data.tobytes()]


def _decode_arrays(meta: dict, lengths_blob: memoryview, data_blob: memoryview) -> list[Any]:
    import numpy as np

    dtype = np.dtype(meta["dtype"])
    if dtype.kind not in _NUMERIC_KINDS:
        raise CodecError("non-numeric array in cache")
    tail = tuple(int(size) for size in meta["tail"])
    lengths = _unpack_ints(lengths_blob)
    width = int(np.prod(tail)) if tail else 1
    flat = np.frombuffer(bytes(data_blob), dtype=dtype).copy()  # copied: writable, owned
    if len(flat) != sum(lengths) * width:
        raise CodecError("array column has the wrong size")
    whole = flat.reshape((-1, *tail)) if tail else flat
    values = []
    offset = 0
    for length in lengths:
        values.append(whole[offset : offset + length])
        offset += length
    return values


def _tag(value: Any) -> Any:
    """A JSON form of a feature value that keeps its type."""
    if value is None or type(value) in (int, float, str, bool):
        return value
    if type(value) is list:
        return {"l": [_tag(item) for item in value]}
    if type(value) is tuple:
        return {"t": [_tag(item) for item in value]}
    if type(value) in (set, frozenset):
        return {"s": sorted((_tag(item) for item in value), key=repr), "f": type(value) is frozenset}
    if type(value) is dict and all(type(key) is str for key in value):
        return {"d": {key: _tag(item) for key, item in value.items()}}
    if type(value) is bytes:
        return {"b": value.hex()}
    if type(value).__name__ == "ndarray" and value.dtype.kind in _NUMERIC_KINDS:
        return {"a": [value.dtype.str, list(value.shape), value.tobytes().hex()]}
    if type(value).__module__ == "numpy" and hasattr(value, "item"):  # numpy scalar
        return _tag(value.item())
    raise CodecError(f"feature of type {type(value).__name__} cannot be cached")


def _untag(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "l" in value:
        return [_untag(item) for item in value["l"]]
    if "t" in value:
        return tuple(_untag(item) for item in value["t"])
    if "s" in value:
        items = (_untag(item) for item in value["s"])
        return frozenset(items) if value["f"] else set(items)
    if "d" in value:
        return {key: _untag(item) for key, item in value["d"].items()}
    if "b" in value:
        return bytes.fromhex(value["b"])
    if "a" in value:
        import numpy as np

        dtype_name, shape, data = value["a"]
        dtype = np.dtype(dtype_name)
        if dtype.kind not in _NUMERIC_KINDS:
            raise CodecError("non-numeric array in cache")
        return np.frombuffer(bytes.fromhex(data), dtype=dtype).reshape(shape).copy()
    raise CodecError("unknown tag")


_NUMERIC_KINDS = "biuf"  # numpy dtype kinds a cache file may hold: bool, int, uint, float
