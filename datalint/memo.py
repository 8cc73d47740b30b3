"""The dataset pass's findings of the last run, reused by every rule whose input did not change.

A dataset-wide rule decides on its feature table alone: the same values on the same lines of the
same files give the same findings. So after a run, the findings of each rule are kept beside the
cache with the content hash of every line; the next run over the same files with the same settings
looks only at the lines whose hash changed, and a rule whose feature value is the same there before
and after (the old value comes from the cache, under the line's old hash) reuses its findings
instead of decoding its column, building its table and running again. Editing a response's wording
reruns the length rules, not the near-duplicate search over instructions ("early cutoff", as
incremental build systems call it).

One file per set of linted files and settings, `memo-<key>.memo` in the cache folder, written
atomically, checked like a cache file (magic, key, checksum), never trusted when it does not match.
Layout: MAGIC, an 8-byte header length, a JSON header (key, files and their line counts), the
body (every line's hash, then the findings as JSON by rule code), the body's CRC-32 (4 bytes).
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datalint import cache
from datalint.violation import Location, Violation

MAGIC = b"DATALINT-MEMO-2\n"
KEEP = 8  # memo files kept per cache folder (one per set of files linted together)
_HEADER = struct.Struct("<Q")
_CRC = struct.Struct("<I")  # the body's CRC-32, after it
_SLICE = 10_000  # findings encoded at a time
_HASH_LENGTH = 16  # hex digits of a line's content hash


@dataclass(slots=True)
class Memo:
    files: list[tuple[str, list[str]]]  # (name, content hash of each line) per file, in run order
    findings: dict[str, list[list]]  # rule code -> its violations, as `encode_violation` wrote them


def run_key(files: list[tuple[str, str, str]]) -> str:
    """The key of a run: (display name, resolved path, settings digest) of each file, in order."""
    return hashlib.blake2b(json.dumps(files).encode("utf-8"), digest_size=12).hexdigest()


def memo_path(folder: Path, key: str) -> Path:
    return folder / f"memo-{key}.memo"


def load(path: Path, key: str) -> Memo | None:
    """The memo at `path` if it was written for `key` and is intact; else None."""
    try:
        data = path.read_bytes()
        if not data.startswith(MAGIC):
            return None
        start = len(MAGIC) + _HEADER.size
        (length,) = _HEADER.unpack_from(data, len(MAGIC))
        if len(data) < start + length + _CRC.size:
            return None
        header = json.loads(data[start : start + length])
        body = memoryview(data)[start + length : len(data) - _CRC.size]
        if header["key"] != key or zlib.crc32(body) != _CRC.unpack_from(data, len(data) - _CRC.size)[0]:
            return None
        hashes_size = sum(lines for _, lines in header["files"]) * _HASH_LENGTH
        text = bytes(body[:hashes_size]).decode("ascii")
        files, offset = [], 0
        for name, lines in header["files"]:
            files.append(
                (name, [text[i : i + _HASH_LENGTH] for i in range(offset, offset + lines * _HASH_LENGTH, _HASH_LENGTH)])
            )
            offset += lines * _HASH_LENGTH
        findings = json.loads(bytes(body[hashes_size:]))
        if not isinstance(findings, dict) or not all(map(_well_formed, findings.values())):
            return None
        return Memo(files, findings)
    except Exception:  # noqa: BLE001 - a missing or damaged memo only means the dataset pass runs
        return None


def _well_formed(items: Any) -> bool:
    return type(items) is list and all(
        type(item) is list
        and len(item) == 7
        and type(item[0]) is str
        and type(item[1]) is str
        and type(item[2]) is int
        and type(item[3]) is str
        and type(item[4]) is list
        and all(type(location) is list and len(location) == 6 for location in item[4])
        for item in items
    )


def save(path: Path, key: str, files: list[tuple[str, list[str]]], findings: dict[str, list[Violation]]) -> None:
    """Write the memo atomically, beside the cache; an unwritable folder only means no memo."""
    header = json.dumps({"key": key, "files": [[name, len(hashes)] for name, hashes in files]}).encode("utf-8")
    if cache.write_atomically(path, _parts(header, files, findings)):
        _prune(path)


def _parts(header: bytes, files: list[tuple[str, list[str]]], findings: dict[str, list[Violation]]) -> Iterator[bytes]:
    """The memo's bytes as they are written: the findings encoded a slice at a time (a large run
    has ~1M, which encoded at once took ~500 MB), the CRC-32 of the body last."""
    yield MAGIC + _HEADER.pack(len(header)) + header
    checksum = 0
    for part in _body(files, findings):
        checksum = zlib.crc32(part, checksum)
        yield part
    yield _CRC.pack(checksum)


def _body(files: list[tuple[str, list[str]]], findings: dict[str, list[Violation]]) -> Iterator[bytes]:
    for _, hashes in files:
        yield "".join(hashes).encode("ascii")
    yield b"{"
    for number, (code, violations) in enumerate(findings.items()):
        yield (b"," if number else b"") + json.dumps(code).encode("utf-8") + b":["
        for start in range(0, len(violations), _SLICE):
            items = [encode_violation(violation) for violation in violations[start : start + _SLICE]]
            text = json.dumps(items, ensure_ascii=False, separators=(",", ":"))[1:-1]
            yield (b"," if start else b"") + text.encode("utf-8")
        yield b"]"
    yield b"}"


def _prune(current: Path) -> None:
    """Keep the newest few memos: each set of files linted together (a pre-commit run's staged
    files, a whole-repo run) has its own."""
    others = [path for path in current.parent.glob("memo-*.memo") if path != current]
    others.sort(key=_mtime, reverse=True)
    for stale in others[KEEP - 1 :]:
        stale.unlink(missing_ok=True)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def encode_violation(violation: Violation) -> list:
    """A dataset-pass violation as JSON, with the column span it was given on its line."""
    related = [[r.path, r.line, r.column, r.end_column, r.pointer, r.message] for r in violation.related]
    return [
        violation.message,
        violation.path,
        violation.line,
        violation.pointer,
        related,
        violation.column,
        violation.end_column,
    ]


def decode_violation(item: Any, code: str, name: str, severity: str, record_hash: str | None) -> Violation:
    """The violation `encode_violation` wrote, not yet placed on its line (`spans` may place it)."""
    message, path, line, pointer, related = item[:5]
    return Violation(
        code,
        name,
        severity,
        message,
        path,
        line,
        pointer=pointer,
        related=[Location(*location) for location in related],
        record_hash=record_hash,
    )


def spans(previous: Memo, changed: set[tuple[str, int]]) -> dict[tuple[str, int, str], tuple[int, int | None]]:
    """(path, line, pointer) -> the column span a violation there was given last time, for the
    lines that did not change since: placing a violation again would read the same line."""
    found = {}
    for items in previous.findings.values():
        for item in items:
            _, path, line, pointer, _, column, end_column = item
            if pointer and end_column is not None and (path, line) not in changed:
                found[path, line, pointer] = (column, end_column)
    return found
