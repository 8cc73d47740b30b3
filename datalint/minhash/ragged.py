"""Many shingle arrays held as one: `Ragged` keeps them end to end in one uint64 array with where
each starts and ends, as a typed feature column arrives (typed_columns.TypedColumn), so a batch
of them is gathered with a few numpy calls rather than a Python step (and a view) per array.

`Trimmed` reads a `Ragged` with some values left out of some of its arrays, as it is read: D005
leaves its template shingles out of the records holding them without a second copy of the column.

`gather` and `sizes_of` take any sequence of arrays (a list in tests and small runs, a `Ragged`
or `Trimmed` in a dataset pass) and give the same result.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

_EMPTY = np.zeros(0, np.uint64)


class Ragged(Sequence[np.ndarray]):
    """Array i is `flat[starts[i]:ends[i]]` (starts and ends int64; `flat` may hold other values
    between them, such as D005's header keys)."""

    def __init__(self, flat: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        self.flat, self.starts, self.ends = flat, starts, ends

    @classmethod
    def of_sizes(cls, flat: np.ndarray, sizes: np.ndarray) -> Ragged:
        """Arrays of these sizes, one after the other in `flat`."""
        ends = np.cumsum(sizes, dtype=np.int64)
        return cls(flat, ends - sizes, ends)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: int) -> np.ndarray:  # type: ignore[override]
        return self.flat[self.starts[index] : self.ends[index]]

    def __iter__(self) -> Iterator[np.ndarray]:
        return map(self.__getitem__, range(len(self)))

    def sizes(self) -> np.ndarray:
        return self.ends - self.starts

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The arrays at `rows` end to end, and their sizes."""
        positions, sizes = self.positions(rows)
        return self.flat[positions], sizes

    def positions(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the items of the arrays at `rows` sit in `flat` (end to end), and the arrays' sizes."""
        starts = self.starts[rows]
        sizes = self.ends[rows] - starts
        # Item k is at the start of its array plus its place in that array.
        shift = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)
        return np.arange(len(shift), dtype=np.int64) + shift, sizes

    def without(self, positions: np.ndarray) -> Ragged:
        """These arrays with the items at `positions` (ascending) of `flat` left out."""
        return Ragged(
            np.delete(self.flat, positions),
            self.starts - np.searchsorted(positions, self.starts),
            self.ends - np.searchsorted(positions, self.ends),
        )


class Trimmed(Sequence[np.ndarray]):
    """The arrays of `base`, those of the `marked` rows without the values found in `left_out`
    (sorted, unique), read on demand: nothing is copied up front."""

    def __init__(self, base: Ragged, marked: np.ndarray, left_out: np.ndarray, sizes: np.ndarray) -> None:
        self.base, self.marked, self.left_out, self._sizes = base, marked, left_out, sizes

    @classmethod
    def of(cls, base: Ragged, marked: np.ndarray, left_out: np.ndarray, left_out_counts: np.ndarray) -> Trimmed:
        """`left_out_counts`: how many of `left_out` each row holds (those of the marked rows matter)."""
        return cls(base, marked, left_out, base.sizes() - np.where(marked, left_out_counts, 0))

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, index: int) -> np.ndarray:  # type: ignore[override]
        array = self.base[index]
        return array[~in_sorted(array, self.left_out)] if self.marked[index] else array

    def __iter__(self) -> Iterator[np.ndarray]:
        return map(self.__getitem__, range(len(self)))

    def sizes(self) -> np.ndarray:
        return self._sizes

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The arrays at `rows` end to end, and their sizes."""
        flat, sizes = self.base.gather(rows)
        marked = self.marked[rows]
        if marked.any():
            items = np.flatnonzero(np.repeat(marked, sizes))  # the marked rows' items
            drop = np.zeros(flat.size, bool)
            drop[items] = in_sorted(flat[items], self.left_out)
            flat = flat[~drop]
        return flat, self._sizes[rows]


def in_sorted(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """`np.isin(values, members)` for sorted unique `members`: one binary search per value, where
    isin sorts both together (several copies of `values`)."""
    if not members.size:
        return np.zeros(values.shape, bool)
    at = np.searchsorted(members, values)
    at[at == members.size] = 0
    return members[at] == values


def gather(arrays: Sequence[np.ndarray], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The arrays at `rows` end to end, and their sizes (int64)."""
    if isinstance(arrays, (Ragged, Trimmed)):
        return arrays.gather(np.asarray(rows, np.int64))
    picked = [arrays[index] for index in np.asarray(rows).tolist()]
    sizes = np.fromiter(map(len, picked), np.int64, len(picked))
    return (np.concatenate(picked) if picked else _EMPTY), sizes


def sizes_of(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Each array's size (int64)."""
    if isinstance(arrays, (Ragged, Trimmed)):
        return arrays.sizes()
    return np.fromiter(map(len, arrays), np.int64, len(arrays))
