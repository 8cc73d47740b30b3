"""Record keys as arrays: what the record pass and the cache key a line's results on.

A record key is a line's content hash (`reader.record_digests`, a uint64) and whether it is line 1
(a byte order mark is allowed there only, so line 1's results are its own, apart from the same
content elsewhere). A large file has millions of keys: they are held in numpy arrays, not as a
Python object each (bench/README.md, "The driver's per-line memory").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from datalint.reader import HASH_DTYPE

ENTRY_DTYPE = np.int64  # an entry number (a distinct line content of a file, or of its cache)


def empty_hashes() -> np.ndarray:
    """No content hashes (a default for arrays of them)."""
    return np.empty(0, HASH_DTYPE)


@dataclass(slots=True)
class RecordKeys:
    """The record key of each entry, in entry order: its line's content hash, and which entries
    are line 1's."""

    hashes: np.ndarray = field(default_factory=empty_hashes)
    line_one: list[int] = field(default_factory=list)  # the entries whose key is line 1's

    def __len__(self) -> int:
        return len(self.hashes)

    def extend(self, other: RecordKeys) -> None:
        """Add `other`'s keys after these."""
        if not len(other):
            return
        offset = len(self.hashes)
        self.hashes = np.concatenate([self.hashes, other.hashes]) if offset else other.hashes
        self.line_one += [offset + entry for entry in other.line_one]

    def select(self, entries: np.ndarray) -> RecordKeys:
        """The keys of these entries (distinct), in this order."""
        entries = np.asarray(entries, ENTRY_DTYPE)
        line_one = np.flatnonzero(np.isin(entries, self.line_one)).tolist() if self.line_one else []
        return RecordKeys(self.hashes[entries], line_one)

    def index(self) -> KeyIndex:
        """Record key -> entry; a key found again later (a newer delta file's) maps to its newer entry."""
        entries = np.arange(len(self.hashes), dtype=ENTRY_DTYPE)
        if self.line_one:
            entries = np.delete(entries, self.line_one)
        index = KeyIndex({int(self.hashes[entry]): entry for entry in self.line_one})
        if len(entries):
            hashes = self.hashes[entries]
            order = np.argsort(hashes, kind="stable")  # equal keys stay in entry order: the newest last
            hashes, entries = hashes[order], entries[order]
            newest = np.append(hashes[1:] != hashes[:-1], True)
            index.runs.append((hashes[newest], entries[newest]))
        return index


@dataclass(slots=True)
class KeyIndex:
    """Record key -> entry without a Python object per key: line 1's keys in a dict (a file has one
    line 1), the others in sorted runs of (hashes, entries), searched with numpy. Keys are added
    a block of lines at a time, as a new run; a run is merged into the one before it while that one
    is not more than twice its size, so there are few runs (about log2 of the blocks) and adding a
    block costs about its size, not the index's."""

    line_one: dict[int, int] = field(default_factory=dict)
    runs: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.line_one) + sum(len(hashes) for hashes, _ in self.runs)

    def find(self, hashes: np.ndarray) -> np.ndarray:
        """The entry of each of these keys (not line 1's), -1 where there is none."""
        found = np.full(len(hashes), -1, ENTRY_DTYPE)
        for keys, entries in self.runs:
            at = np.minimum(np.searchsorted(keys, hashes), len(keys) - 1)
            hit = keys[at] == hashes
            found[hit] = entries[at[hit]]
        return found

    def get(self, hash_: int, line_one: bool) -> int | None:
        """The entry of one key, or None."""
        if line_one:
            return self.line_one.get(hash_)
        found = self.find(np.array([hash_], HASH_DTYPE))[0]
        return int(found) if found >= 0 else None

    def add(self, hashes: np.ndarray, entries: np.ndarray) -> None:
        """Add keys (not line 1's, none already in the index) and their entries."""
        if not len(hashes):
            return
        order = np.argsort(hashes)
        self.runs.append((hashes[order], np.asarray(entries, ENTRY_DTYPE)[order]))
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (keys, entries_), (more_keys, more_entries) = self.runs.pop(), self.runs.pop()
            keys = np.concatenate([more_keys, keys])
            order = np.argsort(keys, kind="stable")
            self.runs.append((keys[order], np.concatenate([more_entries, entries_])[order]))
