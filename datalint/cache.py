"""The incremental cache: per-record results of the record pass, reused when neither the record's
bytes, nor the rule settings, nor datalint itself changed.

One cache file per (dataset path, settings digest) under `.datalint_cache/` (beside the config file,
or in the working folder; `cache-dir` in config moves it). A file maps record keys (content hash of
the line, plus whether it is line 1) to what the record pass found there: whether the line is a
record and its format, the violations (columns already located) and the features of dataset-wide
rules, stored by column as `datalint.results.Results` holds them and decoded column by column
when a rule needs them. Dataset-wide rules run on these features, or reuse their last findings
when the features they read did not change (datalint/memo.py).

Safety: a cache file is a container file (container.py): written atomically, JSON and raw numeric
arrays only, checked whole before use; a truncated, garbled or foreign file is ignored (and then
overwritten), never trusted and never fatal.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from datalint import __version__, container
from datalint.codec import declaration, pack_results
from datalint.reader import HASH_DTYPE
from datalint.record_keys import RecordKeys
from datalint.results import Entries, Results

MAGIC = b"DATALINT-CACHE-7\n"  # 7: record keys as 8-byte hashes (6 held them as hex text)
FOLDER_NAME = ".datalint_cache"
KEEP_PER_PATH = 3  # settings variants kept per dataset (e.g. runs with and without --select)
DELTA_SUFFIX = ".delta-"  # results of later runs, beside the cache file, until the next full save
MAX_DELTAS = 8


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


def load(path: Path, digest: str, rules: int, kinds: int) -> Entries | None:
    """The cache file's entries (with their record keys and format) and its delta files' after
    them, or None when it is missing, foreign, stale or damaged. A damaged delta file is left out
    (and removed at the next full save).

    `rules` is the number of rules and `kinds` the largest kind byte: indices beyond them mean
    a file that was not written for these settings, however well its checksum matches."""
    base = _load_one(path, digest, rules, kinds)
    if base is None:
        return None
    for delta in sorted(path.parent.glob(path.name + DELTA_SUFFIX + "*"), key=_mtime):
        base.deltas.append(delta)
        found = _load_one(delta, digest, rules, kinds)
        if found is not None and found.file_format == base.file_format:
            base.extend(found)
    return base


def _load_one(path: Path, digest: str, rules: int, kinds: int) -> Entries | None:
    try:
        header, body = container.read(path, MAGIC)
        return _decode(header, body, digest, rules, kinds)
    except Exception:  # noqa: BLE001 - a missing or damaged file means "no cache", never a crash
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
    keys: RecordKeys,
    results: Results,
    merged: Iterable[Path] = (),
    segments: list[tuple] | None = None,
) -> None:
    """Write the whole cache file atomically, then remove the delta files it now holds. An
    unwritable cache folder only means no cache; a feature value that does not fit its rule's
    declaration is a FeatureError (a defect of the kind, never a silently missing cache). `segments`: the
    results as worker processes packed them (`pack_results`), written as they are."""
    if _write(path, digest, file_format, keys, results, segments=segments):
        for delta in merged:
            delta.unlink(missing_ok=True)
        _prune(path)


def save_delta(
    path: Path, digest: str, file_format: str, keys: RecordKeys, results: Results, segments: list[tuple] | None = None
) -> None:
    """Write only new results, beside the cache file: a few edits do not rewrite a large cache."""
    _write(path, digest, file_format, keys, results, delta=True, segments=segments)


def _write(
    path: Path,
    digest: str,
    file_format: str,
    keys: RecordKeys,
    results: Results,
    delta: bool = False,
    segments: list[tuple] | None = None,
) -> bool:
    try:
        header, sections = _encode(digest, file_format, keys, results, segments)
    except CacheError:
        return False
    target = path.with_name(path.name + DELTA_SUFFIX + os.urandom(6).hex()) if delta else path
    return write(target, MAGIC, header, sections)


def write(path: Path, magic: bytes, header: dict[str, Any], body: Iterable[bytes]) -> bool:
    """A container file in the cache folder (made and marked if need be); False when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _mark_folder(path.parent)
        container.write(path, magic, header, body)
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
# A container file (container.py): a JSON header with the settings digest and the lengths of the
# body's sections, then the sections: the record keys (each entry's line hash, 8 bytes big-endian;
# the header lists the entries whose key is line 1's), one kind byte per entry, the violations as
# JSON by entry, then the feature columns in segments of consecutive entries (the chunks workers
# packed, or one segment), each column as `codec.encode_entries_column` wrote it.


def _encode(
    digest: str, file_format: str, keys: RecordKeys, results: Results, segments: list[tuple] | None = None
) -> tuple[dict[str, Any], list[bytes]]:
    """The file's header and its body's sections, written one after the other."""
    if len(keys) != len(results):
        raise CacheError("unexpected record keys")
    violations = {str(entry): found for entry, found in results.violations.items()}
    sections = [
        keys.hashes.astype(">u8").tobytes(),
        bytes(results.kinds),
        json.dumps(violations, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
    ]
    # Feature columns in segments of consecutive entries: the chunks as worker processes packed
    # them (written as they are, not encoded again), or one segment of all the entries.
    if segments is None or sum(len(kinds) for kinds, _, _ in segments) != len(results):
        segments = [pack_results(results)]
    described = []
    for kinds, _, columns in segments:
        described.append({"entries": len(kinds), "columns": [{"rule": rule, **meta} for rule, meta, _ in columns]})
        for _, _, blobs in columns:
            sections.extend(blobs)
    header = {
        "digest": digest,
        "format": file_format,
        "entries": len(keys),
        "line_one": [int(entry) for entry in keys.line_one],
        "segments": described,
        "sections": [len(section) for section in sections],
    }
    return header, sections


def _decode(header: dict[str, Any], body: memoryview, digest: str, rule_count: int, max_kind: int) -> Entries:
    if header["digest"] != digest:
        raise CacheError("written for other settings")
    if sum(header["sections"]) != len(body):
        raise CacheError("sections do not fill the body")
    sections = []
    offset = 0
    for length in header["sections"]:
        sections.append(body[offset : offset + length])
        offset += length
    count = header["entries"]
    if type(count) is not int or len(sections[0]) != count * 8 or len(sections[1]) != count:
        raise CacheError("entry count mismatch")
    line_one = header["line_one"]
    if type(line_one) is not list or not all(type(entry) is int and 0 <= entry < count for entry in line_one):
        raise CacheError("malformed line 1 keys")
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
    chunks: list[tuple[int, dict]] = []  # (entries, rule index -> its encoded column) per segment
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
            declaration(column_meta)  # a column whose declaration does not read is damage
            encoded[rule_index] = (column_meta, sections[cursor : cursor + blobs])
            cursor += blobs
        chunks.append((entries, encoded))
        first += entries
    if first != count or cursor != len(sections):
        raise CacheError("segments do not cover the entries")
    # The body's checksum matched: the columns are as written, decoded when a rule needs them.
    keys = RecordKeys(np.frombuffer(sections[0], ">u8").astype(HASH_DTYPE), line_one)
    return Entries.of_columns(results, chunks, keys, header["format"])


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
