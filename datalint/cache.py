"""The incremental cache: per-record results of the record pass, reused when neither the record's
bytes, nor the rule settings, nor datalint itself changed.

One cache file per (dataset path, settings digest) under `.datalint_cache/` (beside the config file,
or in the working folder; `cache-dir` in config moves it). A file maps record keys (content hash of
the line, plus whether it is line 1) to what the record pass found there: whether the line is a
record and its format, the violations (columns already located) and the features of dataset-wide
rules. Dataset-wide rules always rerun, on these features.

Safety: the file is written to a temporary name and renamed into place, so concurrent writers leave
one complete file, never a mix. It holds JSON and raw numeric arrays only (nothing that runs code
when loaded, unlike pickle), and a checksum over its body: a truncated, garbled or foreign file is
ignored (and then overwritten), never trusted and never fatal.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datalint import __version__

MAGIC = b"DATALINT-CACHE-2\n"
FOLDER_NAME = ".datalint_cache"
KEEP_PER_PATH = 3  # settings variants kept per dataset (e.g. runs with and without --select)
DELTA_SUFFIX = ".delta-"  # results of later runs, beside the cache file, until the next full save
MAX_DELTAS = 8
_HEADER = struct.Struct("<Q")
_NUMERIC_KINDS = "biuf"  # numpy dtype kinds a cache file may hold: bool, int, uint, float

# (kind byte, violations, features): what the record pass found on one line. Violations are
# (rule index, message, column, end column, pointer); features are (rule index, value).
LineResult = tuple[int, tuple, tuple]
EMPTY_RESULT: LineResult = (0, (), ())


class CacheError(ValueError):
    """A cache file that cannot be trusted: it is ignored."""


def code_fingerprint() -> str:
    """datalint's version plus the size and mtime of its sources and rule files, so a cache never
    outlives a change to a check (an editable install keeps its version while the code moves)."""
    package = Path(__file__).resolve().parent
    from datalint.rules import RULES_DIR

    parts = [__version__]
    for folder in (package, RULES_DIR):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".toml", ".json") and "__pycache__" not in path.parts:
                stat = path.stat()
                parts.append(f"{path.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def settings_digest(rules: Sequence[Any], file_format: str, mapping: Any, fingerprint: str) -> str:
    """A stable digest of everything the record pass result depends on besides the record itself."""
    described = [
        fingerprint,
        file_format,
        repr(mapping),
        [
            [rule.code, rule.name, rule.kind, rule.severity, _stable(rule.options), _file_tokens(rule.options)]
            for rule in rules
        ],
    ]
    return hashlib.blake2b(json.dumps(described, sort_keys=True, default=repr).encode(), digest_size=16).hexdigest()


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _stable(item) for key, item in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_stable(item) for item in value]
    return value


def _file_tokens(options: dict[str, Any]) -> list[str]:
    """Options naming files (a user's JSON Schema, a word list): their size and mtime join the key."""
    tokens = []
    for key, value in sorted(options.items()):
        if isinstance(value, str) and value and len(value) < 1024 and ("/" in value or "." in value):
            try:
                stat = os.stat(value)
            except (OSError, ValueError):
                continue
            tokens.append(f"{key}:{stat.st_size}:{stat.st_mtime_ns}")
    return tokens


def cache_file(folder: Path, dataset: Path, digest: str) -> Path:
    path_key = hashlib.blake2b(str(dataset.resolve()).encode(), digest_size=8).hexdigest()
    return folder / f"{path_key}-{digest[:16]}.bin"


@dataclass(slots=True)
class CachedFile:
    """A loaded cache file: record key -> LineResult."""

    file_format: str
    results: dict[str, LineResult]
    deltas: list[Path] = field(default_factory=list)  # delta files merged into `results`

    def get(self, key: str) -> LineResult | None:
        return self.results.get(key)

    def __len__(self) -> int:
        return len(self.results)


def load(path: Path, digest: str, rules: int, kinds: int) -> CachedFile | None:
    """The cache file's content with its delta files merged, or None when it is missing, foreign,
    stale or damaged. A damaged delta file is left out (and removed at the next full save).

    `rules` is the number of rules and `kinds` the largest kind byte: indices beyond them mean
    a file that was not written for these settings, however well its checksum matches."""
    base = _load_one(path, digest, rules, kinds)
    if base is None:
        return None
    for delta in sorted(path.parent.glob(path.name + DELTA_SUFFIX + "*"), key=_mtime):
        base.deltas.append(delta)
        found = _load_one(delta, digest, rules, kinds)
        if found is not None and found.file_format == base.file_format:
            base.results.update(found.results)
    return base


def _load_one(path: Path, digest: str, rules: int, kinds: int) -> CachedFile | None:
    try:
        with path.open("rb") as handle:
            data = handle.read()
    except OSError:
        return None
    try:
        return _decode(data, digest, rules, kinds)
    except Exception:  # noqa: BLE001 - any damage means "no cache", never a crash
        return None


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def save(
    path: Path, digest: str, file_format: str, results: dict[str, LineResult], merged: Iterable[Path] = ()
) -> None:
    """Write the whole cache file atomically, then remove the delta files it now holds. An
    unwritable cache folder or an unencodable feature only means no cache."""
    if _write(path, digest, file_format, results):
        for delta in merged:
            delta.unlink(missing_ok=True)
        _prune(path)


def save_delta(path: Path, digest: str, file_format: str, results: dict[str, LineResult]) -> None:
    """Write only new results, beside the cache file: a few edits do not rewrite a large cache."""
    _write(path, digest, file_format, results, delta=True)


def _write(path: Path, digest: str, file_format: str, results: dict[str, LineResult], delta: bool = False) -> bool:
    try:
        data = _encode(digest, file_format, results)
    except CacheError:
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _mark_folder(path.parent)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".bin")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            target = path.with_name(path.name + DELTA_SUFFIX + Path(temporary).stem[5:]) if delta else path
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


def _mark_folder(folder: Path) -> None:
    """Like ruff's cache: a .gitignore so the cache is never committed, and a CACHEDIR.TAG for backup tools."""
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by datalint automatically.\n*\n", encoding="utf-8")
        (folder / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by datalint.\n",
            encoding="utf-8",
        )


def _prune(current: Path) -> None:
    """Keep the newest few settings variants of this dataset; older ones only take space."""
    prefix = current.name.split("-")[0] + "-"
    siblings = [path for path in current.parent.glob(prefix + "*.bin") if path != current]
    siblings.sort(key=lambda path: path.stat().st_mtime_ns, reverse=True)
    for stale in siblings[KEEP_PER_PATH - 1 :]:
        stale.unlink(missing_ok=True)
        for delta in stale.parent.glob(stale.name + DELTA_SUFFIX + "*"):
            delta.unlink(missing_ok=True)


def clean(folder: Path) -> int:
    """Delete a cache folder; returns the number of files removed."""
    if not folder.is_dir():
        return 0
    if not (folder / "CACHEDIR.TAG").exists() and folder.name != FOLDER_NAME:
        raise CacheError(f"{folder} does not look like a datalint cache (no CACHEDIR.TAG); not deleting it")
    removed = 0
    for path in sorted(folder.rglob("*"), key=lambda item: len(item.parts), reverse=True):
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()
            removed += 1
    folder.rmdir()
    return removed


# --- the file format -------------------------------------------------------------------------
#
# MAGIC, then an 8-byte little-endian header length, then a JSON header, then the body sections
# whose lengths the header lists. The header holds the settings digest and a blake2b checksum of
# the body, so nothing of a file is used before the whole of it is known to be what was written.

KEY_LENGTH = 17  # 16 hex digits of the content hash + "1" for line 1 (where a BOM is allowed) or "0"


def record_key(hash_: str, number: int) -> str:
    return hash_ + ("1" if number == 1 else "0")


def _encode(digest: str, file_format: str, results: dict[str, LineResult]) -> bytes:
    keys = list(results)
    if any(len(key) != KEY_LENGTH for key in keys):
        raise CacheError("unexpected record key")
    entries = list(results.values())
    violations = {str(index): result[1] for index, result in enumerate(entries) if result[1]}
    by_rule: dict[int, tuple[list[int], list[Any]]] = {}
    for index, result in enumerate(entries):
        for rule_index, value in result[2]:
            positions, values = by_rule.setdefault(rule_index, ([], []))
            positions.append(index)
            values.append(value)
    sections = [
        "".join(keys).encode("ascii"),
        bytes(result[0] for result in entries),
        json.dumps(violations, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
    ]
    columns = []
    for rule_index, (positions, values) in sorted(by_rule.items()):
        meta, blobs = encode_column(values)
        columns.append({"rule": rule_index, "meta": meta, "blobs": len(blobs)})
        sections.append(_pack_ints(positions))
        sections.extend(blobs)
    body = b"".join(sections)
    header = {
        "digest": digest,
        "format": file_format,
        "entries": len(entries),
        "columns": columns,
        "sections": [len(section) for section in sections],
        "checksum": hashlib.blake2b(body, digest_size=16).hexdigest(),
    }
    encoded_header = json.dumps(header, separators=(",", ":")).encode("utf-8")
    return MAGIC + _HEADER.pack(len(encoded_header)) + encoded_header + body


def _decode(data: bytes, digest: str, rule_count: int, max_kind: int) -> CachedFile:
    if not data.startswith(MAGIC):
        raise CacheError("not a datalint cache file")
    start = len(MAGIC) + _HEADER.size
    (header_length,) = _HEADER.unpack_from(data, len(MAGIC))
    header = json.loads(data[start : start + header_length])
    if header["digest"] != digest:
        raise CacheError("written for other settings")
    body = memoryview(data)[start + header_length :]
    if sum(header["sections"]) != len(body) or hashlib.blake2b(body, digest_size=16).hexdigest() != header["checksum"]:
        raise CacheError("checksum mismatch")
    sections = []
    offset = 0
    for length in header["sections"]:
        sections.append(body[offset : offset + length])
        offset += length
    count = header["entries"]
    keys_text = bytes(sections[0]).decode("ascii")
    if len(keys_text) != count * KEY_LENGTH or len(sections[1]) != count:
        raise CacheError("entry count mismatch")
    kinds = bytes(sections[1])
    if kinds and max(kinds) > max_kind:
        raise CacheError("unknown record kind")
    plain = {kind: ((kind, (), ()) if kind else EMPTY_RESULT) for kind in set(kinds)}
    results = [plain[kind] for kind in kinds]
    for entry, found in json.loads(bytes(sections[2])).items():
        entry = int(entry)
        results[entry] = (kinds[entry], tuple(_checked_violation(v, rule_count) for v in found), ())
    cursor = 3
    # Collected per entry in lists, then frozen once: rebuilding a growing tuple per column and
    # entry made loading quadratic in the number of dataset-wide rules.
    feature_lists: list[list] = [[] for _ in results]
    for column in header["columns"]:
        positions = _unpack_ints(sections[cursor])
        blobs = sections[cursor + 1 : cursor + 1 + column["blobs"]]
        cursor += 1 + column["blobs"]
        values = decode_column(column["meta"], iter(blobs))
        if len(values) != len(positions):
            raise CacheError("feature column does not match its entries")
        rule_index = column["rule"]
        if type(rule_index) is not int or not 0 <= rule_index < rule_count:
            raise CacheError("feature of an unknown rule")
        for entry, value in zip(positions, values, strict=True):
            feature_lists[entry].append((rule_index, value))
    for entry, features in enumerate(feature_lists):
        if features:
            kind, violations, _ = results[entry]
            results[entry] = (kind, violations, tuple(features))
    keys = [keys_text[i : i + KEY_LENGTH] for i in range(0, len(keys_text), KEY_LENGTH)]
    return CachedFile(header["format"], dict(zip(keys, results, strict=True)))


def _checked_violation(found: Any, rule_count: int) -> tuple:
    index, message, column, end_column, pointer = found
    if not (
        type(index) is int
        and 0 <= index < rule_count
        and type(message) is str
        and type(column) is int
        and (end_column is None or type(end_column) is int)
        and type(pointer) is str
    ):
        raise CacheError("malformed violation")
    return (index, message, column, end_column, pointer)


def _pack_ints(values: list[int]) -> bytes:
    return struct.pack(f"<{len(values)}I", *values)


def _unpack_ints(buffer: memoryview) -> list[int]:
    return list(struct.unpack(f"<{len(buffer) // 4}I", buffer))


# --- feature columns -------------------------------------------------------------------------
#
# Features are small values: numbers, strings, short tuples, numpy arrays (MinHash signatures).
# A column of them is stored by its shape: arrays of one dtype as one contiguous buffer, tuples as
# one column per position, plain JSON scalars as a JSON list, and anything else value by value as
# tagged JSON. Values come back with their Python types (tuples stay tuples, arrays stay arrays).


def encode_column(values: list[Any]) -> tuple[dict, list[bytes]]:
    if values and all(type(value).__name__ == "ndarray" for value in values):
        return _encode_arrays(values)
    if values and all(type(value) is tuple for value in values) and len({len(value) for value in values}) == 1:
        metas, blobs = [], []
        for column in zip(*values, strict=True):
            meta, column_blobs = encode_column(list(column))
            metas.append({"meta": meta, "blobs": len(column_blobs)})
            blobs.extend(column_blobs)
        return {"t": "tuple", "width": len(values[0]), "columns": metas}, blobs
    if all(value is None or type(value) in (int, float, str, bool) for value in values):
        return {"t": "json"}, [json.dumps(values, ensure_ascii=False).encode("utf-8")]
    return {"t": "tagged"}, [json.dumps([_tag(value) for value in values], ensure_ascii=False).encode("utf-8")]


def decode_column(meta: dict, blobs: Iterable[memoryview]) -> list[Any]:
    blobs = iter(blobs)
    kind = meta["t"]
    if kind == "arrays":
        return _decode_arrays(meta, next(blobs), next(blobs))
    if kind == "tuple":
        columns = [decode_column(column["meta"], blobs) for column in meta["columns"]]
        if len(columns) != meta["width"] or len({len(column) for column in columns}) > 1:
            raise CacheError("tuple column widths differ")
        return list(zip(*columns, strict=True))
    if kind == "json":
        values = json.loads(bytes(next(blobs)))
        if not isinstance(values, list):
            raise CacheError("json column is not a list")
        return values
    if kind == "tagged":
        return [_untag(value) for value in json.loads(bytes(next(blobs)))]
    raise CacheError(f"unknown column kind {kind!r}")


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
        raise CacheError("non-numeric array in cache")
    tail = tuple(int(size) for size in meta["tail"])
    lengths = _unpack_ints(lengths_blob)
    width = int(np.prod(tail)) if tail else 1
    flat = np.frombuffer(bytes(data_blob), dtype=dtype).copy()  # copied: writable, owned
    if len(flat) != sum(lengths) * width:
        raise CacheError("array column has the wrong size")
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
    raise CacheError(f"feature of type {type(value).__name__} cannot be cached")


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
            raise CacheError("non-numeric array in cache")
        return np.frombuffer(bytes.fromhex(data), dtype=dtype).reshape(shape).copy()
    raise CacheError("unknown tag")
