"""What a run reuses from the last one: per-record results by content (cache.py) and dataset-wide
findings whose feature values did not change (memo.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from datalint import cache, memo
from datalint.checks import load_kind
from datalint.config import SettingsResolver
from datalint.reader import hash_text
from datalint.record_keys import ENTRY_DTYPE, RecordKeys
from datalint.results import Entries
from datalint.rules import Rule
from datalint.sources import Source
from datalint.violation import Violation

if TYPE_CHECKING:
    from datalint.engine.features import FileResults


def cache_folder_of(root: Path, table: dict) -> Path:
    """`cache-dir` from the config (relative to the config's folder), else .datalint_cache there."""
    configured = table.get("cache-dir")
    return (root / configured) if configured else root / cache.FOLDER_NAME


def cache_folder_for(resolver: SettingsResolver, source: Source) -> Path | None:
    if source.path is None:
        return None
    config = resolver.config_for(source.path)
    return cache_folder_of(config.root, config.table)


@dataclass(slots=True)
class LastFindings:
    """The dataset pass's findings of the last run over the same files (memo.py), and which rules
    can reuse theirs: those whose feature value is the same, before and after, on every changed line."""

    where: tuple[Path, str] | None = None  # (memo file, run key): None when the run is not cached
    previous: memo.Memo | None = None
    changes: list[tuple[FileResults, int, int]] | None = None  # None: the files' lines all moved
    reused: dict[str, list] = field(default_factory=dict)  # rule code -> its last findings, encoded

    @classmethod
    def load(cls, files: list[FileResults], rules: dict[str, Rule]) -> LastFindings:
        where = memo_where(files)
        previous = memo.load(*where) if where is not None else None
        changes = changed_lines(previous, files) if previous is not None else None
        reused = reusable(previous, changes, rules) if changes is not None else {}
        return cls(where, previous, changes, reused)

    def reused_violations(self, files: list[FileResults], rules: dict[str, Rule]) -> list[Violation]:
        hash_at = {features.name: features.hashes for features in files}
        found = []
        for code, items in self.reused.items():
            rule = rules[code]
            for item in items:
                hashes, line = hash_at.get(item[1], ()), item[2]
                record_hash = hash_text(hashes[line - 1]) if 0 < line <= len(hashes) else None
                found.append(memo.decode_violation(item, rule.code, rule.name, rule.severity, record_hash))
        return found

    def keep_spans(self, found: list[Violation]) -> None:
        """Findings on lines that did not change keep the column spans found last time (no re-read)."""
        if self.changes is None:
            return
        changed = {(features.name, position + 1) for features, position, _ in self.changes}
        spans = memo.spans(self.previous, changed)
        for violation in found:
            if violation.pointer and violation.end_column is None:
                span = spans.get((violation.path, violation.line, violation.pointer))
                if span is not None:
                    violation.column, violation.end_column = span

    def save(self, files: list[FileResults], rules: dict[str, Rule], found: list[Violation]) -> None:
        if self.where is None:
            return
        by_code: dict[str, list[Violation]] = {code: [] for code in rules}
        for violation in found:
            by_code[violation.code].append(violation)
        memo.save(*self.where, [(features.name, features.hashes) for features in files], by_code)


def memo_where(files: list[FileResults]) -> tuple[Path, str] | None:
    """(memo file, run key) when every file of the run is cached in one folder; else None."""
    keys = [features.run_key for features in files]
    if not keys or None in keys or len({folder for _, _, folder in keys}) != 1:
        return None
    key = memo.run_key([(features.name, path, digest) for features, (path, digest, _) in zip(files, keys, strict=True)])
    return memo.memo_path(keys[0][2], key), key


def changed_lines(previous: memo.Memo, files: list[FileResults]) -> list[tuple[FileResults, int, int]] | None:
    """(file, line index, the line's old content hash) of every line whose content changed since
    the memo was written; None when the files or their numbers of lines differ (every row moves)."""
    if [name for name, _ in previous.files] != [features.name for features in files]:
        return None
    changes = []
    for features, (_, old_hashes) in zip(files, previous.files, strict=True):
        if len(old_hashes) != len(features.hashes):
            return None
        changed = np.flatnonzero(old_hashes != features.hashes)
        changes.extend(
            (features, position, old)
            for position, old in zip(changed.tolist(), old_hashes[changed].tolist(), strict=True)
        )
    return changes


def reusable(
    previous: memo.Memo, changes: list[tuple[FileResults, int, int]], rules: dict[str, Rule]
) -> dict[str, list]:
    """The last findings of each rule whose feature value is the same, before and after, on every
    changed line."""
    reused = {}
    for code, rule in rules.items():
        if code not in previous.findings:
            continue
        if changes and getattr(load_kind(rule.kind), "READS_RECORD_HASHES", False):
            continue
        if all(_unchanged_value(features, code, position, key) for features, position, key in changes):
            reused[code] = previous.findings[code]
    return reused


def _unchanged_value(features: FileResults, code: str, position: int, old_hash: int) -> bool:
    if code not in features.rules:
        return True  # the rule is not on for this file: it has no rows here
    index = features.rules[code][0]
    known, before = features.cached_value(index, old_hash, line_one=position == 0)
    return known and _same(before, features.value(index, position))


def _same(before: Any, after: Any) -> bool:
    if before is after:
        return True
    if type(before) is not type(after):
        return False
    try:
        if type(before).__name__ == "ndarray":
            return before.shape == after.shape and before.dtype == after.dtype and bool((before == after).all())
        return bool(before == after)
    except Exception:  # noqa: BLE001 - values that cannot be compared count as changed
        return False


def save_cache(
    path: Path,
    digest: str,
    file_format: str,
    cached: Entries | None,
    new: Entries,
    order: np.ndarray | range,
    packs: list[tuple] | None,
) -> None:
    # The workers' packed chunks are written as they are: no column is decoded for them.
    new_results = new.results if packs is not None else new.decode()
    if cached is not None and len(cached.deltas) < cache.MAX_DELTAS and len(new) <= max(1000, len(order) // 10):
        cache.save_delta(path, digest, file_format, new.keys, new_results, packs)
        return
    # First run, or time to fold the deltas in (and drop the results of deleted lines).
    if cached is None:
        results, keys = new_results, new.keys
    else:
        results, keys = cached.decode(), RecordKeys()
        keys.extend(cached.keys)
        keys.extend(new.keys)
        results.extend(new.decode())
    used = _entries_used(order)
    if len(used) != len(results) or (used != np.arange(len(used))).any():
        if results is new_results:
            results = new.decode()
        results, keys, packs = results.select(used.tolist()), keys.select(used), None
    segments = packs if cached is None else None  # a first run's entries are the workers' chunks
    cache.save(path, digest, file_format, keys, results, cached.deltas if cached is not None else (), segments)


def _entries_used(order: np.ndarray | range) -> np.ndarray:
    """The entries some line still has, in the order of their first line."""
    if isinstance(order, range):
        return np.arange(len(order), dtype=ENTRY_DTYPE)
    entries, first = np.unique(order, return_index=True)
    return entries[np.argsort(first)]
