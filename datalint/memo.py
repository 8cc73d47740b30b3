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
atomically as a container file (container.py), never trusted when it does not match: a header (key,
files and their line counts), then the body: every line's hash (8 bytes, big-endian), then the findings
as JSON by rule code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from datalint import cache, container
from datalint.reader import HASH_DTYPE
from datalint.violation import Location, Violation

MAGIC = b"DATALINT-MEMO-4\n"  # 4: line hashes as 8 bytes (3 held them as hex text)
KEEP = 8  # memo files kept per cache folder (one per set of files linted together)
_SLICE = 10_000  # findings encoded at a time
_HASH_SIZE = 8  # bytes of a line's content hash


@dataclass(slots=True)
class Memo:
    files: list[tuple[str, np.ndarray]]  # (name, content hash of each line: HASH_DTYPE) per file, in run order
    findings: dict[str, list[list]]  # rule code -> its violations, as `encode_violation` wrote them


def run_key(files: list[tuple[str, str, str]]) -> str:
    """The key of a run: (display name, resolved path, settings digest) of each file, in order."""
    return hashlib.blake2b(json.dumps(files).encode("utf-8"), digest_size=12).hexdigest()


def memo_path(folder: Path, key: str) -> Path:
    return folder / f"memo-{key}.memo"


def load(path: Path, key: str) -> Memo | None:
    """The memo at `path` if it was written for `key` and is intact; else None."""
    try:
        header, body = container.read(path, MAGIC)
        if header["key"] != key:
            return None
        hashes_size = sum(lines for _, lines in header["files"]) * _HASH_SIZE
        hashes = np.frombuffer(body[:hashes_size], ">u8").astype(HASH_DTYPE)
        files, offset = [], 0
        for name, lines in header["files"]:
            files.append((name, hashes[offset : offset + lines]))
            offset += lines
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


def save(path: Path, key: str, files: list[tuple[str, np.ndarray]], findings: dict[str, list[Violation]]) -> None:
    """Write the memo atomically, beside the cache; an unwritable folder only means no memo."""
    header = {"key": key, "files": [[name, len(hashes)] for name, hashes in files]}
    if cache.write(path, MAGIC, header, _body(files, findings)):
        _prune(path)


def _body(files: list[tuple[str, np.ndarray]], findings: dict[str, list[Violation]]) -> Iterator[bytes]:
    """The line hashes, then the findings encoded a slice at a time: a large run has about a
    million, too many to hold encoded at once."""
    for _, hashes in files:
        yield np.asarray(hashes, HASH_DTYPE).astype(">u8").tobytes()
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
