"""The incremental cache: per-record results of the record pass, reused when neither the record's
bytes, nor the rule settings, nor datalint itself changed.

One cache file per (dataset path, settings digest) under `.datalint_cache/` (beside the config file,
or in the working folder; `cache-dir` in config moves it). A file maps record keys (content hash of
the line, plus whether it is line 1) to what the record pass found there: whether the line is a
record and its format, the violations (columns already located) and the features of dataset-wide
rules, stored by column as `datalint.results.Results` holds them and decoded column by column
when a rule needs them. Dataset-wide rules run on these features, or reuse their last findings
when the features they read did not change (datalint/memo.py).

Safety: the file is written to a temporary name and renamed into place, so concurrent writers leave
one complete file, never a mix. It holds JSON and raw numeric arrays only (nothing that runs code
when loaded, unlike pickle), and a checksum over its body: a truncated, garbled or foreign file is
ignored (and then overwritten), never trusted and never fatal.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import struct
import sys
import tempfile
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, islice, repeat
from operator import attrgetter, is_, is_not, itemgetter
from pathlib import Path
from typing import Any

from datalint import __version__
from datalint.results import Results

MAGIC = b"DATALINT-CACHE-4\n"
FOLDER_NAME = ".datalint_cache"
KEEP_PER_PATH = 3  # settings variants kept per dataset (e.g. runs with and without --select)
DELTA_SUFFIX = ".delta-"  # results of later runs, beside the cache file, until the next full save
MAX_DELTAS = 8
_HEADER = struct.Struct("<Q")
_NUMERIC_KINDS = "biuf"  # numpy dtype kinds a cache file may hold: bool, int, uint, float


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
    """Options naming files (a user's JSON Schema, evaluation sets, a glob of review files): the
    size and mtime of each file join the key, so editing one invalidates what was found with it."""
    tokens = []
    for key, value in sorted(options.items()):
        for name in value if isinstance(value, (list, tuple)) else [value]:
            if not isinstance(name, str) or not name or len(name) >= 1024 or ("/" not in name and "." not in name):
                continue
            paths = sorted(glob.glob(name, recursive=True)) if any(char in name for char in "*?[") else [name]
            for path in paths:
                try:
                    stat = os.stat(path)
                except (OSError, ValueError):
                    continue
                tokens.append(f"{key}:{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return tokens


def cache_file(folder: Path, dataset: Path, digest: str) -> Path:
    path_key = hashlib.blake2b(str(dataset.resolve()).encode(), digest_size=8).hexdigest()
    return folder / f"{path_key}-{digest[:16]}.bin"


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
        if meta.get("whole") is True:
            found, value = _entry_of(meta["meta"], iter(blobs), offset)
            if found:
                return value
        return self.column(rule_index)[offset]


@dataclass(slots=True)
class Entries:
    """The results of a run of entries: `results` holds their kinds and violations, and a feature
    column joins it only when `decode` asks; until then columns stay as the cache file or the
    worker processes encoded them, a few bytes per value instead of Python objects."""

    results: Results = field(default_factory=Results)
    segments: list[_Segment] = field(default_factory=list)

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

    def decode(self, rule_indices: Iterable[int] | None = None) -> Results:
        """`results` with the feature columns of these rules (of every rule: None) decoded."""
        if rule_indices is None:
            rule_indices = {index for segment in self.segments for index in (*segment.encoded, *segment.decoded)}
        for rule_index in rule_indices:
            column = self.column(rule_index)
            if column is not None:
                self.results.features[rule_index] = column
        return self.results

    def extend(self, other: Entries) -> None:
        """Add `other`'s entries after these."""
        offset = len(self.results)
        self.results.kinds += other.results.kinds
        for entry, found in other.results.violations.items():
            self.results.violations[offset + entry] = found
        for segment in other.segments:
            self.segments.append(_Segment(segment.first + offset, segment.entries, segment.encoded, segment.decoded))
        if other.results.features:
            self.segments.append(_Segment(offset, len(other.results), {}, dict(other.results.features)))

    def add_packed(self, packed: tuple) -> None:
        """Add the entries a worker process packed (`pack_results`), their columns still encoded."""
        kinds, violations, columns = packed
        encoded = {rule_index: (meta, blobs) for rule_index, meta, blobs in columns if meta is not None}
        as_sent = {rule_index: blobs for rule_index, meta, blobs in columns if meta is None}  # not storable: sent as is
        self.extend(Entries(Results(bytearray(kinds), violations), [_Segment(0, len(kinds), encoded, as_sent)]))

    def add_results(self, results: Results) -> None:
        """Add entries checked in this process (their columns decoded already)."""
        self.extend(Entries(results))


@dataclass(slots=True)
class CachedFile:
    """A loaded cache file: the record key of each entry and the entries' results."""

    file_format: str
    keys: list[str]
    entries: Entries
    deltas: list[Path] = field(default_factory=list)  # delta files merged into `entries`

    def index(self) -> dict[str, int]:
        """Record key -> entry; a key found again in a later delta file maps to its newer entry."""
        return dict(zip(self.keys, range(len(self.keys)), strict=True))

    def __len__(self) -> int:
        return len(self.keys)

    def append(self, other: CachedFile) -> None:
        """Add a delta file's entries after these."""
        self.keys.extend(other.keys)
        self.entries.extend(other.entries)


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
            base.append(found)
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
    path: Path,
    digest: str,
    file_format: str,
    keys: list[str],
    results: Results,
    merged: Iterable[Path] = (),
    segments: list[tuple] | None = None,
) -> None:
    """Write the whole cache file atomically, then remove the delta files it now holds. An
    unwritable cache folder or an unencodable feature only means no cache. `segments`: the
    results as worker processes packed them (`pack_results`), written as they are."""
    if _write(path, digest, file_format, keys, results, segments=segments):
        for delta in merged:
            delta.unlink(missing_ok=True)
        _prune(path)


def save_delta(
    path: Path, digest: str, file_format: str, keys: list[str], results: Results, segments: list[tuple] | None = None
) -> None:
    """Write only new results, beside the cache file: a few edits do not rewrite a large cache."""
    _write(path, digest, file_format, keys, results, delta=True, segments=segments)


def _write(
    path: Path,
    digest: str,
    file_format: str,
    keys: list[str],
    results: Results,
    delta: bool = False,
    segments: list[tuple] | None = None,
) -> bool:
    try:
        parts = _encode(digest, file_format, keys, results, segments)
    except CacheError:
        return False
    target = path.with_name(path.name + DELTA_SUFFIX + os.urandom(6).hex()) if delta else path
    return write_atomically(target, parts)


def write_atomically(path: Path, parts: Iterable[bytes]) -> bool:
    """Write `parts` to a temporary file in the cache folder (made and marked if need be), then
    rename it to `path`: concurrent writers leave one complete file. False when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _mark_folder(path.parent)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.writelines(parts)
            os.replace(temporary, path)
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
# whose lengths the header lists. The header holds the settings digest and a CRC-32 checksum of
# the body, so nothing of a file is used before the whole of it is known to be what was written.
# Sections: the record keys, one kind byte per entry, the violations as JSON by entry, then the
# feature columns in segments of consecutive entries (the chunks workers packed, or one segment),
# each column as `encode_entries_column` wrote it.

KEY_LENGTH = 17  # 16 hex digits of the content hash + "1" for line 1 (where a BOM is allowed) or "0"


def record_key(hash_: str, number: int) -> str:
    return hash_ + ("1" if number == 1 else "0")


def _encode(
    digest: str, file_format: str, keys: list[str], results: Results, segments: list[tuple] | None = None
) -> list[bytes]:
    """The file's bytes, in parts to write one after the other."""
    if len(keys) != len(results) or not set(map(len, keys)) <= {KEY_LENGTH}:
        raise CacheError("unexpected record keys")
    violations = {str(entry): found for entry, found in results.violations.items()}
    sections = [
        "".join(keys).encode("ascii"),
        bytes(results.kinds),
        json.dumps(violations, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
    ]
    # Feature columns in segments of consecutive entries: the chunks as worker processes packed
    # them (written as they are, not encoded again), or one segment of all the entries.
    if segments is None or sum(len(kinds) for kinds, _, _ in segments) != len(results):
        segments = [pack_results(results)]
    described = []
    for kinds, _, columns in segments:
        if any(meta is None for _, meta, _ in columns):
            raise CacheError("a feature the cache cannot store")
        described.append({"entries": len(kinds), "columns": [{"rule": rule, **meta} for rule, meta, _ in columns]})
        for _, _, blobs in columns:
            sections.extend(blobs)
    checksum = 0
    for section in sections:  # the body is written section by section, never joined into one copy
        checksum = zlib.crc32(section, checksum)
    header = {
        "digest": digest,
        "format": file_format,
        "entries": len(keys),
        "segments": described,
        "sections": [len(section) for section in sections],
        "crc32": checksum,
    }
    encoded_header = json.dumps(header, separators=(",", ":")).encode("utf-8")
    return [MAGIC + _HEADER.pack(len(encoded_header)) + encoded_header, *sections]


def _decode(data: bytes, digest: str, rule_count: int, max_kind: int) -> CachedFile:
    if not data.startswith(MAGIC):
        raise CacheError("not a datalint cache file")
    start = len(MAGIC) + _HEADER.size
    (header_length,) = _HEADER.unpack_from(data, len(MAGIC))
    header = json.loads(data[start : start + header_length])
    if header["digest"] != digest:
        raise CacheError("written for other settings")
    body = memoryview(data)[start + header_length :]
    if sum(header["sections"]) != len(body) or zlib.crc32(body) != header["crc32"]:
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
    kinds = bytearray(sections[1])
    if kinds and max(kinds) > max_kind:
        raise CacheError("unknown record kind")
    results = Results(kinds)
    for entry, found in json.loads(bytes(sections[2])).items():
        entry = int(entry)
        if not 0 <= entry < count:
            raise CacheError("violations of an unknown entry")
        results.violations[entry] = tuple(_checked_violation(v, rule_count) for v in found)
    cursor = 3
    first = 0
    segments = []
    for segment in header["segments"]:
        entries = segment["entries"]
        if type(entries) is not int or entries < 0:
            raise CacheError("malformed segment")
        encoded: dict[int, tuple[dict, Sequence[memoryview]]] = {}
        for column_meta in segment["columns"]:
            rule_index = column_meta["rule"]
            if type(rule_index) is not int or not 0 <= rule_index < rule_count or rule_index in encoded:
                raise CacheError("feature of an unknown rule")
            blobs = column_meta["blobs"]
            if type(blobs) is not int or not 0 < blobs <= len(sections) - cursor:
                raise CacheError("malformed column")
            encoded[rule_index] = (column_meta, sections[cursor : cursor + blobs])
            cursor += blobs
        segments.append(_Segment(first, entries, encoded))
        first += entries
    if first != count or cursor != len(sections):
        raise CacheError("segments do not cover the entries")
    # The body's checksum matched: the columns are as written, decoded when a rule needs them.
    keys = [keys_text[i : i + KEY_LENGTH] for i in range(0, len(keys_text), KEY_LENGTH)]
    return CachedFile(header["format"], keys, Entries(results, segments))


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
        raise CacheError("feature column does not match its entries")
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
        except CacheError:  # a value the cache cannot store travels as it is
            columns.append((rule_index, None, column))
            continue
        if encoded is not None:
            columns.append((rule_index, *encoded))
    return bytes(results.kinds), results.violations, columns


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
    packed = array("I", values)
    if packed.itemsize != 4:  # pragma: no cover - every platform datalint runs on has 4-byte unsigned ints
        raise CacheError("unsupported platform")
    return packed.tobytes() if _LITTLE_ENDIAN else _swapped(packed).tobytes()


def _unpack_ints(buffer: memoryview) -> list[int]:
    if len(buffer) % 4:
        raise CacheError("truncated integer section")
    unpacked = array("I")
    unpacked.frombytes(bytes(buffer))
    return (unpacked if _LITTLE_ENDIAN else _swapped(unpacked)).tolist()


def _swapped(values: array) -> array:
    values = array(values.typecode, values)
    values.byteswap()
    return values


_LITTLE_ENDIAN = sys.byteorder == "little"


# --- feature columns -------------------------------------------------------------------------
#
# Features are small values: numbers, strings, short tuples, numpy arrays (MinHash signatures).
# A column of them is stored by its shape, so that loading it is a few C-level calls, not one
# Python step per value:
# - arrays of one dtype: one contiguous buffer;
# - few distinct values (booleans, labels, (field, value, pointer) tuples): the distinct values
#   once, plus one small integer code per value (values equal under `==` are stored once);
# - all ints, or all floats: one numpy buffer;
# - tuples of one width: one column per position; of several widths: their widths, then their
#   items as one column;
# - plain JSON scalars: a JSON list; anything else value by value as tagged JSON.
# Values come back with their Python types (tuples stay tuples, arrays stay arrays).

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
            raise CacheError("unknown code width")
        codes = array(meta["width"])
        codes.frombytes(bytes(next(blobs)))
        if not _LITTLE_ENDIAN:
            codes.byteswap()
        return list(map(distinct.__getitem__, codes))  # a code out of range raises IndexError: damage
    if kind == "numbers":
        import numpy as np

        dtype = np.dtype(meta["dtype"])
        if dtype.kind not in "iuf":
            raise CacheError("non-numeric column")
        return np.frombuffer(bytes(next(blobs)), dtype=dtype).tolist()
    if kind == "tuple":
        columns = [
            decode_column(column["meta"], [next(blobs) for _ in range(column["blobs"])]) for column in meta["columns"]
        ]
        if len(columns) != meta["width"] or len({len(column) for column in columns}) > 1:
            raise CacheError("tuple column widths differ")
        return list(zip(*columns, strict=True))
    if kind == "ragged":
        widths = _unpack_ints(next(blobs))
        items = decode_column(meta["items"], [next(blobs) for _ in range(meta["blobs"])])
        if sum(widths) != len(items):
            raise CacheError("ragged column widths do not match its items")
        flat = iter(items)
        return [tuple(islice(flat, width)) for width in widths]
    if kind == "json":
        values = json.loads(bytes(next(blobs)))
        if not isinstance(values, list):
            raise CacheError("json column is not a list")
        return values
    if kind == "tagged":
        return [_untag(value) for value in json.loads(bytes(next(blobs)))]
    raise CacheError(f"unknown column kind {kind!r}")


def _entry_of(meta: dict, blobs: Iterator[Any], index: int) -> tuple[bool, Any]:
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
            raise CacheError("non-numeric column")
        return True, np.frombuffer(next(blobs), dtype=dtype, count=1, offset=index * dtype.itemsize).item()
    if kind == "tuple":
        parts = []
        for column in meta["columns"]:
            found, part = _entry_of(column["meta"], iter([next(blobs) for _ in range(column["blobs"])]), index)
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
