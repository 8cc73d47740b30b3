"""Baseline: the violations a dataset already had when it adopted datalint, so only new ones fail.

JSONL has no comments to hold `noqa`, so accepted violations live in a baseline file, keyed by
(file, record content hash, rule code) with an occurrence count, never by line number: inserting,
deleting or re-ordering records keeps every entry valid. Violations that belong to no record (a
file-level finding) use the hash `file`. Entries that no longer match are reported as DL001 at
their line in the baseline file; `prune` drops them.

The file is JSON with one entry per line, sorted, so it diffs well in review:

    {
      "version": 1,
      "entries": [
        {"path": "data/train.jsonl", "hash": "0f3c9a1b2d4e5f60", "code": "P001", "count": 2},
        ...
      ]
    }
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

from datalint.atomic import write_atomic
from datalint.report import Report
from datalint.violation import Violation

VERSION = 1
FILE_LEVEL = "file"

Key = tuple[str, str, str]  # (path relative to the baseline's folder, record hash or "file", rule code)


class BaselineError(ValueError):
    """The baseline file cannot be read or is not a datalint baseline; the message says which."""


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    hash: str
    code: str
    count: int
    line: int = 1  # where the entry sits in the baseline file, for reporting it as unused

    @property
    def key(self) -> Key:
        return (self.path, self.hash, self.code)


@dataclass(frozen=True, slots=True)
class Baseline:
    path: Path
    entries: tuple[Entry, ...]

    @property
    def root(self) -> Path:
        return self.path.resolve().parent


@dataclass(frozen=True, slots=True)
class Matched:
    """What applying a baseline did: the report of new violations and the entries left unmatched."""

    report: Report
    unused: tuple[Entry, ...]  # with `count` = how many occurrences went unmatched
    used: tuple[Entry, ...]  # with `count` = how many occurrences matched


def relative_key_path(path: str, root: Path) -> str:
    if path.startswith("<"):  # <stdin>, <memory>
        return path
    return PurePath(os.path.relpath(Path(path).resolve(), root)).as_posix()


def violation_key(violation: Violation, root: Path) -> Key:
    return (relative_key_path(violation.path, root), violation.record_hash or FILE_LEVEL, violation.code)


def entries_for(violations: Iterable[Violation], root: Path) -> list[Entry]:
    counts = Counter(violation_key(violation, root) for violation in violations)
    return [Entry(path, hash_, code, count) for (path, hash_, code), count in sorted(counts.items())]


def render(entries: Iterable[Entry]) -> str:
    rows = [
        json.dumps({"path": e.path, "hash": e.hash, "code": e.code, "count": e.count}, ensure_ascii=False)
        for e in sorted(entries, key=lambda entry: entry.key)
    ]
    body = ",\n".join("    " + row for row in rows)
    return (
        f'{{\n  "version": {VERSION},\n  "entries": [\n{body}\n  ]\n}}\n'
        if rows
        else (f'{{\n  "version": {VERSION},\n  "entries": []\n}}\n')
    )


def write(path: Path, entries: Iterable[Entry]) -> None:
    write_atomic(path, render(entries).encode("utf-8"))


def load(path: Path) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise BaselineError(f"{path}: no such baseline file (write one with `datalint baseline`)") from error
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read baseline: {error}") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path}: baseline is not valid JSON: {error}") from error
    except (ValueError, RecursionError) as error:  # a number too long for Python, or nesting too deep
        raise BaselineError(f"{path}: baseline cannot be read: {error}") from error
    if (
        not isinstance(document, dict)
        or document.get("version") != VERSION
        or not isinstance(document.get("entries"), list)
    ):
        raise BaselineError(f"{path}: not a datalint baseline (version {VERSION} with an `entries` list)")
    lines = _entry_lines(text, len(document["entries"]))
    entries = []
    for index, item in enumerate(document["entries"]):
        if not (
            isinstance(item, dict)
            and all(isinstance(item.get(key), str) for key in ("path", "hash", "code"))
            and isinstance(item.get("count"), int)
            and item["count"] >= 1
        ):
            raise BaselineError(f"{path}:{lines[index]}: entry needs string path, hash, code and a count >= 1")
        entries.append(Entry(item["path"], item["hash"], item["code"], item["count"], lines[index]))
    return Baseline(path, tuple(entries))


def _entry_lines(text: str, count: int) -> list[int]:
    """Line of each entry, for files laid out as `render` writes them; line 1 for hand-formatted ones."""
    starts = [number for number, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith('{"path"')]
    return starts if len(starts) == count else [1] * count


def apply(report: Report, baseline: Baseline, in_scope: Callable[[str, str], bool]) -> Matched:
    """Drop violations the baseline accepts. `in_scope(path, code)` says whether an entry could have
    matched in this run (its file was linted and its rule enabled); only those can be unused."""
    root = baseline.root
    remaining = Counter({entry.key: entry.count for entry in baseline.entries})
    kept: list[Violation] = []
    matched: Counter[Key] = Counter()
    for violation in report.violations:
        key = violation_key(violation, root)
        if remaining[key] > 0:
            remaining[key] -= 1
            matched[key] += 1
        else:
            kept.append(violation)
    linted = {relative_key_path(summary.path, root): summary.path for summary in report.files}
    unused = tuple(
        Entry(entry.path, entry.hash, entry.code, remaining[entry.key], entry.line)
        for entry in baseline.entries
        if remaining[entry.key] > 0 and entry.path in linted and in_scope(linted[entry.path], entry.code)
    )
    used = tuple(
        Entry(entry.path, entry.hash, entry.code, matched[entry.key], entry.line)
        for entry in baseline.entries
        if matched[entry.key]
    )
    return Matched(report.with_violations(kept), unused, used)


def pruned(baseline: Baseline, matched: Matched) -> list[Entry]:
    """The baseline without its unused occurrences; entries this run could not judge are kept."""
    unused = {entry.key: entry.count for entry in matched.unused}
    result = []
    for entry in baseline.entries:
        count = entry.count - unused.get(entry.key, 0)
        if count > 0:
            result.append(Entry(entry.path, entry.hash, entry.code, count))
    return result


def unused_violation(entry: Entry, baseline_path: Path, code: str, name: str, severity: str) -> Violation:
    times = "" if entry.count == 1 else f" ({entry.count} occurrences)"
    what = "file-level violation" if entry.hash == FILE_LEVEL else f"record {entry.hash}"
    return Violation(
        code,
        name,
        severity,
        f"unused baseline entry: {entry.code} on {what} in {entry.path}{times} no longer occurs; "
        "remove it with --prune",
        str(baseline_path),
        entry.line,
    )
