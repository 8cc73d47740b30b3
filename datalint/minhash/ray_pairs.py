"""Near-duplicate pairs on a Ray cluster (extra `ray`): ``find_similar_pairs`` as a Ray Data pipeline.

The stages of datatrove's MinHash deduplication (signatures, buckets, clusters), with every
candidate verified, and the same pairs as ``pairs.find_similar_pairs(..., expand_duplicates=False)``
bit for bit:

1. Here: records with identical shingle sets are collapsed to their first (``exact_groups``,
   exact), and the distinct sets are put in Ray's object store in blocks (flat hashes, offsets).
2. ``map_batches`` over the blocks: each distinct set's MinHash signature and band keys, one row
   per (band, key, position). The signatures are dropped there: no node holds them all.
3. ``groupby("band").map_groups``: within one band, the positions whose keys agree, grouped as the
   local search groups them; one row per candidate pair and band.
4. ``map_batches`` over the candidates: a pair several bands propose is kept by the first only
   (its band keys are computed again from the signatures), then the signature prefilter, the size
   filter and the exact Jaccard, reading both shingle sets from the object store.
5. Here: the verified pairs, with each copy's (first, copy, 1.0) pair, sorted by (i, j).

The driver keeps the shingle arrays it already has and the pairs; signatures, band keys and
candidates live on the workers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import ray

from datalint.minhash.pairs import (
    band_keys,
    band_pairs,
    choose_bands,
    exact_groups,
    intersections,
    min_agreement,
    same_in_band,
)
from datalint.minhash.ragged import gather, sizes_of
from datalint.minhash.signatures import signatures

__all__ = ["find_similar_pairs_on_ray"]

BLOCK_SHINGLES = 1 << 21  # shingle hashes per block put in the object store (16 MB)
PAIRS_PER_BATCH = 1 << 16  # candidate pairs verified per task
_NO_PAIRS = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, float))


def find_similar_pairs_on_ray(
    shingles: Sequence[np.ndarray],
    *,
    threshold: float = 0.9,
    num_perm: int = 128,
    max_miss: float = 1e-3,
    prefilter_miss: float = 1e-4,
    batch_elems: int = 1 << 21,
    block_shingles: int = BLOCK_SHINGLES,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, jaccard) arrays: ``find_similar_pairs_arrays(LazySignatures(shingles), shingles,
    threshold=threshold, expand_duplicates=False)``, computed by a Ray Data pipeline on the
    cluster this process is connected to."""
    sizes = sizes_of(shingles)
    live = np.flatnonzero(sizes > 0)
    if not live.size:
        return _NO_PAIRS
    rep = exact_groups(shingles, live, sizes, batch_elems)
    reps = live[rep == live]
    lo, hi, similarity = _NO_PAIRS
    if reps.size > 1:  # else nothing to compare: copies only
        bands, rows = choose_bands(num_perm, threshold, max_miss=max_miss)
        need = min_agreement(num_perm, threshold, prefilter_miss)
        search = _Search(reps.size, num_perm, bands, rows, threshold, need)
        starts, refs = _put_blocks(shingles, reps, sizes[reps], block_shingles)
        lo, hi, similarity = _pipeline(search, starts, refs)
        del refs  # the blocks leave the object store
    copies = rep != live
    out_i = np.concatenate((reps[lo], rep[copies]))
    out_j = np.concatenate((reps[hi], live[copies]))
    out_v = np.concatenate((similarity, np.ones(int(copies.sum()))))
    order = np.lexsort((out_j, out_i))
    return out_i[order], out_j[order], out_v[order]


class _Search:
    """What every stage needs to know about the search: plain values, sent with each task."""

    def __init__(self, n: int, num_perm: int, bands: int, rows: int, threshold: float, need: int) -> None:
        self.n, self.num_perm, self.bands, self.rows = n, num_perm, bands, rows
        self.threshold, self.need = threshold, need


def _put_blocks(
    shingles: Sequence[np.ndarray], reps: np.ndarray, sizes: np.ndarray, block_shingles: int
) -> tuple[np.ndarray, list]:
    """The shingle sets of `reps` (of `sizes`) in blocks of about `block_shingles` hashes, each put
    in the object store as (flat hashes, offsets); the first position of each block."""
    cum = np.cumsum(sizes)
    starts, refs = [], []
    start = 0
    while start < reps.size:
        base = cum[start - 1] if start else 0
        stop = max(int(np.searchsorted(cum, base + block_shingles, side="right")), start + 1)
        offsets = np.concatenate(([0], np.cumsum(sizes[start:stop])))
        refs.append(ray.put((gather(shingles, reps[start:stop])[0], offsets)))
        starts.append(start)
        start = stop
    return np.array(starts, np.int64), refs


class _Blocks:
    """The shingle sets of positions, read from the blocks in the object store (zero-copy on a node)."""

    def __init__(self, starts: np.ndarray, refs: list) -> None:
        self.starts, self.refs = starts, refs
        self._held: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def block(self, number: int) -> tuple[np.ndarray, np.ndarray]:
        if number not in self._held:
            self._held[number] = ray.get(self.refs[number])
        return self._held[number]

    def arrays(self, positions: np.ndarray) -> list[np.ndarray]:
        numbers = np.searchsorted(self.starts, positions, side="right") - 1
        out = []
        for position, number in zip(positions.tolist(), numbers.tolist(), strict=True):
            flat, offsets = self.block(number)
            at = position - int(self.starts[number])
            out.append(flat[offsets[at] : offsets[at + 1]])
        return out


def _band_rows(batch: dict[str, np.ndarray], search: _Search, starts: np.ndarray, refs: list) -> dict[str, np.ndarray]:
    """Stage 2, for some blocks: one row per (band, key, position) of their shingle sets."""
    bands_out, keys_out, positions_out = [], [], []
    for number in batch["block"].tolist():
        flat, offsets = ray.get(refs[number])
        arrays = [flat[offsets[at] : offsets[at + 1]] for at in range(offsets.size - 1)]
        keys = band_keys(signatures(arrays, num_perm=search.num_perm), search.bands, search.rows)
        first = int(starts[number])
        positions = np.arange(first, first + len(arrays), dtype=np.int64)
        bands_out.append(np.repeat(np.arange(search.bands, dtype=np.int32), len(arrays)))
        keys_out.append(keys.ravel())
        positions_out.append(np.tile(positions, search.bands))
    return {"band": np.concatenate(bands_out), "key": np.concatenate(keys_out), "pos": np.concatenate(positions_out)}


def _band_candidates(group: dict[str, np.ndarray], search: _Search) -> dict[str, np.ndarray]:
    """Stage 3, one band: the pairs of positions whose keys agree (lo < hi)."""
    keys = np.zeros(search.n, np.uint64)
    keys[group["pos"]] = group["key"]  # every position has one row per band
    lo, hi = band_pairs(keys)
    return {"lo": lo, "hi": hi, "band": np.full(lo.size, group["band"][0], np.int32)}


def _verify(batch: dict[str, np.ndarray], search: _Search, starts: np.ndarray, refs: list) -> dict[str, np.ndarray]:
    """Stage 4: of these candidates, those first proposed by their band whose exact Jaccard is at
    or above the threshold (after the local search's prefilter and size filter)."""
    lo, hi, band = batch["lo"], batch["hi"], batch["band"]
    if not lo.size:
        return {"lo": lo[:0], "hi": hi[:0], "similarity": np.empty(0, float)}
    needed = np.unique(np.concatenate((lo, hi)))
    arrays = _Blocks(starts, refs).arrays(needed)
    sig = signatures(arrays, num_perm=search.num_perm)
    at_lo, at_hi = np.searchsorted(needed, lo), np.searchsorted(needed, hi)
    keys = band_keys(sig, search.bands, search.rows)  # (bands, needed)
    agree = same_in_band(keys[:, at_lo], keys[:, at_hi], search.n)  # (bands, pairs)
    keep = agree.argmax(axis=0) == band  # the first band that proposes the pair keeps it
    keep &= (sig[at_lo] == sig[at_hi]).sum(axis=1) >= search.need
    sizes = np.fromiter(map(len, arrays), np.int64, count=len(arrays))
    size_lo, size_hi = sizes[at_lo], sizes[at_hi]
    keep &= np.minimum(size_lo, size_hi) >= search.threshold * np.maximum(size_lo, size_hi)
    at_lo, at_hi = at_lo[keep], at_hi[keep]
    if not at_lo.size:
        return {"lo": lo[:0], "hi": hi[:0], "similarity": np.empty(0, float)}
    inter = intersections(arrays, at_lo, at_hi)
    similarity = inter / (sizes[at_lo] + sizes[at_hi] - inter)
    ok = similarity >= search.threshold
    return {"lo": lo[keep][ok], "hi": hi[keep][ok], "similarity": similarity[ok]}


# Ray Data settings of the pipeline: a sort-based group-by (tasks; the default hash shuffle starts
# aggregator actors, seconds per run), no progress bars on the user's terminal.
_DATA_SETTINGS = {
    "shuffle_strategy": "sort_shuffle_pull_based",
    "enable_progress_bars": False,
    "print_on_execution_start": False,
}


def _pipeline(search: _Search, starts: np.ndarray, refs: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import ray.data
    from ray.data.context import ShuffleStrategy

    context = ray.data.DataContext.get_current()
    settings = {**_DATA_SETTINGS, "shuffle_strategy": ShuffleStrategy(_DATA_SETTINGS["shuffle_strategy"])}
    saved = {name: getattr(context, name) for name in settings}
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    try:  # the program's own Ray Data settings are put back afterwards
        for name, value in settings.items():
            setattr(context, name, value)
        return _run_pipeline(search, starts, refs)
    finally:
        for name, value in saved.items():
            setattr(context, name, value)


def _run_pipeline(search: _Search, starts: np.ndarray, refs: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import ray.data

    shared = {"search": search, "starts": starts, "refs": refs}
    pairs = (
        ray.data.from_items([{"block": number} for number in range(len(refs))], override_num_blocks=len(refs))
        .map_batches(_band_rows, batch_size=1, batch_format="numpy", fn_kwargs=shared)
        .groupby("band", num_partitions=search.bands)
        .map_groups(_band_candidates, batch_format="numpy", fn_kwargs={"search": search})
        .map_batches(_verify, batch_size=PAIRS_PER_BATCH, batch_format="numpy", fn_kwargs=shared)
    )
    parts = list(pairs.iter_batches(batch_size=None, batch_format="numpy"))
    if not parts:
        return _NO_PAIRS
    return tuple(np.concatenate([part[name] for part in parts]) for name in ("lo", "hi", "similarity"))
