"""Changed records only (`--diff-base REV`): keep the violations of records added or changed since a git revision.

The whole file is still linted, so dataset-wide rules (duplicates, quotas) see every record; only the
report is narrowed. A record counts as unchanged when its content hash occurs in the file at REV
(`git show REV:path`), counted with multiplicity: a second copy of an old record is new. Violations
that belong to no record (file-level) are kept only for files that did not exist at REV.
"""

from __future__ import annotations

import gzip
import io
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from datalint.reader import is_array_path, open_binary, read_json_array, record_hash
from datalint.report import Report


class DiffBaseError(ValueError):
    """git cannot answer (not a repository, unknown revision); the message says which."""


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, check=False)
    except FileNotFoundError as error:
        raise DiffBaseError("--diff-base needs git, which is not installed") from error


def check_revision(folder: Path, revision: str) -> None:
    if _git(folder, "rev-parse", "--show-toplevel").returncode != 0:
        raise DiffBaseError(f"--diff-base: {folder} is not inside a git repository")
    if _git(folder, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").returncode != 0:
        raise DiffBaseError(f"--diff-base: unknown git revision {revision!r}")


def content_at(path: Path, revision: str) -> bytes | None:
    """The file's bytes at `revision`, or None when it did not exist there."""
    folder = path.resolve().parent
    result = _git(folder, "show", f"{revision}:./{path.name}")
    return result.stdout if result.returncode == 0 else None


def _jsonl_hashes(stream: Iterable[bytes]) -> list[str]:
    """Record hashes line by line, computed exactly as the reader does (line ending and one \\r dropped)."""
    hashes = []
    for raw in stream:
        body = raw[:-1] if raw.endswith(b"\n") else raw
        hashes.append(record_hash(body[:-1] if body.endswith(b"\r") else body))
    return hashes


def line_hashes(path: Path, content: bytes | None = None) -> dict[int, str]:
    """Line number -> record hash, of the file on disk or of `content` (its bytes at some revision)."""
    if is_array_path(path):
        stream = io.BytesIO(content) if content is not None else open_binary(path)
        with stream:
            return {line.number: line.hash for line in read_json_array(stream) if line.hash}
    if content is not None:
        stream = gzip.open(io.BytesIO(content)) if path.name.lower().endswith(".gz") else io.BytesIO(content)
    else:
        stream = open_binary(path)
    with stream:
        return dict(enumerate(_jsonl_hashes(stream), start=1))


def changed_lines(path: Path, revision: str, content: bytes | None = None) -> set[int] | None:
    """Lines holding records added or changed since `revision` (in the file on disk, or `content`:
    its bytes now); None when the file is new."""
    old = content_at(path, revision)
    if old is None:
        return None
    remaining = Counter(line_hashes(path, old).values())
    changed = set()
    for number, hash_ in sorted(line_hashes(path, content).items()):
        if remaining[hash_] > 0:
            remaining[hash_] -= 1
        else:
            changed.add(number)
    return changed


def only_changed(report: Report, revision: str, contents: Mapping[str, bytes] | None = None) -> Report:
    """The violations of records added or changed since `revision`; `contents`: the bytes linted
    instead of a file's (`--fix` lints its fixed files in memory between rounds)."""
    contents = contents or {}
    changed: dict[str, set[int] | None] = {}
    for summary in report.files:
        if summary.path.startswith("<"):  # stdin: nothing to compare with
            changed[summary.path] = None
            continue
        if summary.columnar:
            raise DiffBaseError(
                f"--diff-base compares the lines of JSONL files with git; {summary.path} is a Parquet or Arrow "
                "input, whose rows it cannot compare (lint it without --diff-base, or with a baseline)"
            )
        path = Path(summary.path)
        check_revision(path.resolve().parent, revision)
        changed[summary.path] = changed_lines(path, revision, contents.get(summary.path))
    kept = []
    for violation in report.violations:
        lines = changed.get(violation.path)
        if lines is None:  # new file (or a path outside the run, e.g. a baseline file)
            kept.append(violation)
        elif violation.record_hash is not None and violation.line in lines:
            kept.append(violation)
    return report.with_violations(kept)
