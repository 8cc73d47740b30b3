"""Near-duplicate pairs: LSH banding of MinHash signatures, then an exact Jaccard check.

``find_similar_pairs`` (or ``find_similar_pairs_arrays``, which returns numpy arrays instead of
tuples) bands the signatures for a *lower* similarity than the requested threshold (so pairs
with Jaccard 0.90-0.95 are not lost the way a 0.9-tuned LSH loses them), then checks every
surviving candidate with the exact Jaccard of the shingle-hash arrays. Only verified pairs are
returned. ``clusters`` groups them with union-find. LSH buckets come from sorted packed keys.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from datalint.minhash.ragged import gather
from datalint.minhash.shingles import LENGTH_SALT, fmix64
from datalint.minhash.signatures import LazySignatures

__all__ = [
    "band_keys",
    "band_pairs",
    "choose_bands",
    "clusters",
    "components",
    "exact_groups",
    "find_similar_pairs",
    "find_similar_pairs_arrays",
    "groups",
    "intersections",
    "min_agreement",
    "same_in_band",
]

_U64 = np.uint64
# An odd 64-bit multiplier that folds a band's rows into one key.
_GRAM_MUL = _U64(0xC2B2AE3D27D4EB4F)


def _p_candidate(j: float, bands: int, rows: int) -> float:
    return 1.0 - (1.0 - j**rows) ** bands


def choose_bands(num_perm: int, threshold: float, *, max_miss: float = 1e-3) -> tuple[int, int]:
    """(bands, rows) with bands*rows <= num_perm, missing a pair at ``threshold`` with
    probability <= ``max_miss``, and with as many rows as possible (fewer weak candidates).

    For 128 permutations and 0.9 this gives 16 x 8: the S-curve's midpoint is ~0.67, i.e.
    the banding is tuned for a much lower threshold than 0.9 and the exact check does the rest.
    """
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1.0 - _p_candidate(threshold, bands, rows) <= max_miss:
            best = (bands, rows)
    return best


def min_agreement(num_perm: int, threshold: float, max_miss: float) -> int:
    """Smallest count m such that a pair with Jaccard >= threshold has fewer than m equal
    signature positions with probability <= max_miss (binomial lower tail)."""
    tail = 0.0
    for m in range(num_perm + 1):
        tail += math.comb(num_perm, m) * threshold**m * (1 - threshold) ** (num_perm - m)
        if tail > max_miss:
            return m
    return num_perm


def _all_pairs_in_runs(order: np.ndarray, run_starts: np.ndarray, run_lens: np.ndarray):
    """Every (order[p], order[q]) with p < q inside the same run, vectorised."""
    big = run_lens >= 2
    run_starts, run_lens = run_starts[big], run_lens[big]
    if run_starts.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # Position p in a run starting at s with length L pairs with p+1 .. s+L-1.
    pos = np.repeat(run_starts, run_lens) + (
        np.arange(run_lens.sum()) - np.repeat(np.cumsum(run_lens) - run_lens, run_lens)
    )
    ends = np.repeat(run_starts + run_lens, run_lens)
    partners = ends - pos - 1
    left = np.repeat(pos, partners)
    offs = np.arange(partners.sum()) - np.repeat(np.cumsum(partners) - partners, partners)
    right = left + 1 + offs
    return order[left], order[right]


def _group_runs(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort positions by 64-bit ``key``; return (order, run starts, run lengths).

    The position is packed into the key's low bits and one plain sort is done (faster than
    argsort; bench/README.md). Keys are thereby compared on their top 64 - log2(n) bits;
    a collision merely adds a candidate that the exact check rejects. Within a run the
    positions ascend.
    """
    n = key.size
    if n == 0:
        empty = np.empty(0, np.int64)
        return empty, empty, empty
    bits = max(1, (n - 1).bit_length())
    packed = key >> _U64(bits)
    packed <<= _U64(bits)
    packed |= np.arange(n, dtype=_U64)
    packed.sort()
    order = (packed & _U64((1 << bits) - 1)).astype(np.int64)
    packed >>= _U64(bits)
    starts = np.flatnonzero(np.concatenate(([True], packed[1:] != packed[:-1])))
    return order, starts, np.diff(np.concatenate((starts, [n])))


def _dedupe_sorted(codes: np.ndarray) -> np.ndarray:
    codes.sort()
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))] if codes.size else codes


def _band_candidates(sig: np.ndarray | LazySignatures, reps: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Unique candidate pairs among ``sig[reps]`` that agree on all rows of some band, as
    codes lo*n+hi of positions in ``reps``."""
    n = reps.size
    # Band keys for all bands at once, over blocks of rows: contiguous row blocks keep the
    # gathers cache-friendly, where one column at a time would stride through all of sig.
    keys = np.zeros((bands, n), _U64)
    step = 1 << 14
    for s in range(0, n, step):
        keys[:, s : s + step] = band_keys(sig[reps[s : s + step]], bands, rows)
    codes = []
    for band in range(bands):
        lo, hi = band_pairs(keys[band])
        codes.append(lo * n + hi)
    return _dedupe_sorted(np.concatenate(codes)) if codes else np.empty(0, np.int64)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """The (bands, len(sig)) band keys of signature rows: band b's rows folded into one 64-bit key."""
    block = sig[:, : bands * rows].reshape(-1, bands, rows)
    keys = np.zeros(block.shape[:2], _U64)
    for col in range(rows):
        keys ^= block[:, :, col]
        keys *= _GRAM_MUL
    return fmix64(keys.T.copy())  # band-major, so each band's keys are contiguous


def band_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of positions (lo < hi) whose keys in one band agree, as `_group_runs` compares them
    (on their top 64 - log2(len(keys)) bits)."""
    order, starts, lens = _group_runs(keys)
    return _all_pairs_in_runs(order, starts, lens)  # lo < hi: positions ascend in runs


def same_in_band(one: np.ndarray, other: np.ndarray, n: int) -> np.ndarray:
    """Whether keys agree as `band_pairs` over `n` positions groups them (top 64 - log2(n) bits)."""
    bits = _U64(max(1, (n - 1).bit_length()))
    return (one >> bits) == (other >> bits)


def intersections(shingles: Sequence[np.ndarray], lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """|A_lo ∩ A_hi| for every pair, exactly, with one vectorised search per batch.

    Pair p's elements are keyed (p << 40) | (hash >> 24); keys are sorted because the arrays
    are. A key match is confirmed on the full 64-bit hash, so a match is never wrong; a miss
    is only possible where one array holds two hashes sharing their top 40 bits, and those
    pairs are recounted one by one.
    """
    n_pairs = lo.size
    if n_pairs > 1 << 23:  # the pair number must fit in the key's top 24 bits
        half = n_pairs // 2
        return np.concatenate(
            (intersections(shingles, lo[:half], hi[:half]), intersections(shingles, lo[half:], hi[half:]))
        )
    a_val, a_len = gather(shingles, lo)
    b_val, b_len = gather(shingles, hi)
    pid = np.arange(n_pairs, dtype=_U64) << _U64(40)
    a_key = np.repeat(pid, a_len) | (a_val >> _U64(24))
    b_key = np.repeat(pid, b_len) | (b_val >> _U64(24))
    idx = np.searchsorted(b_key, a_key)
    idx[idx == b_key.size] = 0
    hit = (b_key[idx] == a_key) & (b_val[idx] == a_val)
    a_pid = np.repeat(np.arange(n_pairs), a_len)
    inter = np.bincount(a_pid[hit], minlength=n_pairs)
    clash = np.flatnonzero(b_key[1:] == b_key[:-1])
    if clash.size:
        b_pid = np.repeat(np.arange(n_pairs), b_len)
        for p in np.unique(b_pid[clash]).tolist():
            inter[p] = np.intersect1d(shingles[int(lo[p])], shingles[int(hi[p])], assume_unique=True).size
    return inter


def _batches(weights: np.ndarray, budget: int):
    """Consecutive (start, stop) slices whose summed weight stays within ``budget`` (a slice
    holds at least one item), so temporaries are bounded whatever the record sizes."""
    cum = np.cumsum(weights)
    start = 0
    while start < weights.size:
        base = cum[start - 1] if start else 0
        stop = max(int(np.searchsorted(cum, base + budget, side="right")), start + 1)
        yield start, stop
        start = stop


def exact_groups(shingles: Sequence[np.ndarray], live: np.ndarray, sizes: np.ndarray, budget: int) -> np.ndarray:
    """For each live record, the lowest index of a record with an identical shingle set.

    Candidates come from a fingerprint (size and wrapped sum of the hashes); every grouping
    is then confirmed exactly (same size, full intersection), so a fingerprint collision
    costs a comparison, never a wrong group.
    """
    key = np.empty(live.size, _U64)
    step = 1 << 16
    for s in range(0, live.size, step):
        flat, _ = gather(shingles, live[s : s + step])
        sums = np.add.reduceat(flat, np.concatenate(([0], np.cumsum(sizes[live[s : s + step]])[:-1])))
        key[s : s + step] = fmix64(sums + sizes[live[s : s + step]].astype(_U64) * LENGTH_SALT)
    order, starts, lens = _group_runs(key)
    rep = live.copy()
    first = np.repeat(order[starts], lens)  # each position's run leader (lowest index)
    cand = np.flatnonzero(first != order)
    r, m = live[first[cand]], live[order[cand]]
    for s, e in _batches(2 * sizes[r], budget):
        br, bm = r[s:e], m[s:e]
        same = (sizes[br] == sizes[bm]) & (intersections(shingles, br, bm) == sizes[br])
        rep[order[cand[s:e]][same]] = br[same]
    return rep


def find_similar_pairs_arrays(
    signatures: Sequence[np.ndarray] | np.ndarray | LazySignatures,
    shingles: Sequence[np.ndarray],
    *,
    threshold: float = 0.9,
    bands: int | None = None,
    rows: int | None = None,
    max_miss: float = 1e-3,
    prefilter_miss: float | None = 1e-4,
    expand_duplicates: bool = True,
    batch_elems: int = 1 << 21,
    stats: dict[str, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``find_similar_pairs`` as three arrays (i, j, jaccard): no Python object per pair."""
    if isinstance(signatures, (np.ndarray, LazySignatures)):
        sig = signatures
    else:
        sig = np.vstack(signatures)
    n = len(shingles)
    if sig.shape[0] != n:
        raise ValueError("signatures and shingles differ in length")
    if stats is not None:
        stats.update(distinct_sets=0, candidates=0, verified=0, pairs=0)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, float)
    num_perm = sig.shape[1]
    if bands is None or rows is None:
        bands, rows = choose_bands(num_perm, threshold, max_miss=max_miss)
    if bands * rows > num_perm:
        raise ValueError("bands * rows exceeds the signature length")

    sizes = np.fromiter(map(len, shingles), np.int64, count=n)
    live = np.flatnonzero(sizes > 0)
    rep = exact_groups(shingles, live, sizes, batch_elems)
    reps = live[rep == live]  # sorted, as live is

    codes = _band_candidates(sig, reps, bands, rows)
    lo, hi = reps[codes // reps.size], reps[codes % reps.size]
    n_candidates = lo.size
    if prefilter_miss is not None and lo.size:
        need = min_agreement(num_perm, threshold, prefilter_miss)
        keep = np.empty(lo.size, bool)
        if isinstance(sig, LazySignatures):  # the candidates' rows, each computed once
            needed = np.unique(np.concatenate((lo, hi)))
            sig, lo_rows, hi_rows = sig[needed], np.searchsorted(needed, lo), np.searchsorted(needed, hi)
        else:
            lo_rows, hi_rows = lo, hi
        for s in range(0, lo.size, max(1, batch_elems // num_perm)):
            e = s + max(1, batch_elems // num_perm)
            keep[s:e] = (sig[lo_rows[s:e]] == sig[hi_rows[s:e]]).sum(axis=1) >= need
        lo, hi = lo[keep], hi[keep]
    # Size filter (free): Jaccard <= min(|A|, |B|) / max(|A|, |B|).
    keep = np.minimum(sizes[lo], sizes[hi]) >= threshold * np.maximum(sizes[lo], sizes[hi])
    lo, hi = lo[keep], hi[keep]
    n_verified = lo.size
    parts_i, parts_j, parts_v = [], [], []
    for s, e in _batches(sizes[lo] + sizes[hi], batch_elems):
        bl, bh = lo[s:e], hi[s:e]
        inter = intersections(shingles, bl, bh)
        jac = inter / (sizes[bl] + sizes[bh] - inter)
        ok = jac >= threshold
        parts_i.append(bl[ok])
        parts_j.append(bh[ok])
        parts_v.append(jac[ok])

    # Put the duplicate copies back: within a group every pair has Jaccard 1.0, and a
    # verified pair of groups holds for every member of one with every member of the other.
    dup = rep != live
    member_rep, member = rep[dup], live[dup]
    if member.size:
        group_of = _dedupe_sorted(member_rep.copy())
        is_group = np.zeros(n, bool)
        is_group[group_of] = True
        order = np.lexsort((member, member_rep))
        g_rep, g_mem = member_rep[order], member[order]
        if expand_duplicates:
            # Each group as one run [rep, members...] (sorted), then every pair in each run.
            run_vals = np.concatenate((group_of, g_mem))
            run_keys = np.concatenate((group_of, g_rep))
            o = np.lexsort((run_vals, run_keys))
            run_vals, run_keys = run_vals[o], run_keys[o]
            starts = np.flatnonzero(np.concatenate(([True], run_keys[1:] != run_keys[:-1])))
            gi, gj = _all_pairs_in_runs(run_vals, starts, np.diff(np.concatenate((starts, [run_vals.size]))))
        else:
            gi, gj = g_rep, g_mem
        parts_i.append(gi)
        parts_j.append(gj)
        parts_v.append(np.ones(gi.size))
        if expand_duplicates:
            p_i, p_j = np.concatenate(parts_i[:-1] or [gi[:0]]), np.concatenate(parts_j[:-1] or [gj[:0]])
            p_v = np.concatenate(parts_v[:-1] or [np.ones(0)])
            extra = is_group[p_i] | is_group[p_j]
            starts = np.searchsorted(g_rep, group_of)
            ends = np.searchsorted(g_rep, group_of, side="right")
            where = {r: (a, b) for r, a, b in zip(group_of.tolist(), starts.tolist(), ends.tolist(), strict=True)}
            add_i, add_j, add_v = [], [], []
            for x, y, v in zip(p_i[extra].tolist(), p_j[extra].tolist(), p_v[extra].tolist(), strict=True):
                xs = np.concatenate(([x], g_mem[slice(*where[x])])) if x in where else np.array([x])
                ys = np.concatenate(([y], g_mem[slice(*where[y])])) if y in where else np.array([y])
                u, w = np.repeat(xs, ys.size), np.tile(ys, xs.size)
                add_i.append(np.minimum(u, w))
                add_j.append(np.maximum(u, w))
                add_v.append(np.full(u.size, v))
            if add_i:
                # The (x, y) pair itself is among the expansion; drop the original to avoid twins.
                keep_pairs = ~extra
                parts_i = [p_i[keep_pairs], gi, *add_i]
                parts_j = [p_j[keep_pairs], gj, *add_j]
                parts_v = [p_v[keep_pairs], np.ones(gi.size), *add_v]
    out_i = np.concatenate(parts_i).astype(np.int64) if parts_i else np.empty(0, np.int64)
    out_j = np.concatenate(parts_j).astype(np.int64) if parts_j else np.empty(0, np.int64)
    out_v = np.concatenate(parts_v) if parts_v else np.empty(0, float)
    order = np.lexsort((out_j, out_i))
    out_i, out_j, out_v = out_i[order], out_j[order], out_v[order]
    if stats is not None:
        stats.update(
            distinct_sets=int(reps.size),
            candidates=int(n_candidates),
            verified=int(n_verified),
            pairs=int(out_i.size),
        )
    return out_i, out_j, out_v


def find_similar_pairs(
    signatures: Sequence[np.ndarray] | np.ndarray | LazySignatures,
    shingles: Sequence[np.ndarray],
    *,
    threshold: float = 0.9,
    bands: int | None = None,
    rows: int | None = None,
    max_miss: float = 1e-3,
    prefilter_miss: float | None = 1e-4,
    expand_duplicates: bool = True,
    batch_elems: int = 1 << 21,
    stats: dict[str, int] | None = None,
) -> list[tuple[int, int, float]]:
    """All pairs (i, j, jaccard) with i < j and exact Jaccard >= ``threshold``, sorted.

    Steps:
    1. Records with identical shingle sets are collapsed to their lowest index (checked
       exactly), so 10,000 copies of "What is up?" cost one LSH entry, not 50M candidates.
    2. LSH banding (``choose_bands``: a pair at ``threshold`` is missed with probability
       <= ``max_miss``) proposes candidate pairs among the distinct sets.
    3. Optional prefilter: drop candidates whose signatures agree on fewer positions than a
       pair at ``threshold`` would with probability 1 - ``prefilter_miss``. This is a second
       probabilistic filter (like banding itself); it never admits a pair.
    4. Every remaining candidate is checked with the exact Jaccard of the shingle arrays.

    With ``expand_duplicates`` (default) identical copies are expanded back into every pair
    (output size is then quadratic in the copy count, the verification work is not);
    without it a duplicate group is reported as (first, member, 1.0) pairs and near-duplicate
    pairs only between the groups' first members, which yields the same ``clusters``.
    ``batch_elems`` bounds the shingles (or signature entries) held in temporaries at once.
    Records with no shingles (empty text) are never paired. If ``stats`` is a dict, it is
    filled with the work done: distinct_sets, candidates, verified, pairs.
    """
    i, j, v = find_similar_pairs_arrays(
        signatures,
        shingles,
        threshold=threshold,
        bands=bands,
        rows=rows,
        max_miss=max_miss,
        prefilter_miss=prefilter_miss,
        expand_duplicates=expand_duplicates,
        batch_elems=batch_elems,
        stats=stats,
    )
    return list(zip(i.tolist(), j.tolist(), v.tolist(), strict=True))


def clusters(n: int, pairs: Iterable[tuple[int, int, float] | tuple[int, int]]) -> list[list[int]]:
    """Connected components of ``pairs`` over records 0..n-1 (``groups`` of ``components``).

    Only components with two or more records are returned; each is sorted (its first member
    is its lowest index) and the list is ordered by first member.
    """
    linked = np.array([pair[:2] for pair in pairs], np.int64).reshape(-1, 2)
    return [group.tolist() for group in groups(n, linked[:, 0], linked[:, 1])]


def groups(n: int, lo: np.ndarray, hi: np.ndarray) -> Iterator[np.ndarray]:
    """The components of the pairs (lo[k], hi[k]) of two or more records, each sorted, in the
    order of their first members."""
    label = components(n, lo, hi)
    linked = np.unique(np.concatenate((lo, hi)))  # a record in no pair is alone: no need to look at it
    linked = linked[np.lexsort((linked, label[linked]))]
    cuts = np.flatnonzero(np.diff(label[linked])) + 1
    yield from np.split(linked, cuts) if linked.size else ()


def components(n: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Each record's connected component under the pairs (lo[k], hi[k]), named by its lowest
    record. Union-find over arrays, no Python step per pair: each round hooks the larger root of
    every pair whose roots differ under the smaller one, then points every record straight at its
    root, until the records of every pair share one."""
    label = np.arange(n, dtype=np.int64)
    while True:
        one, other = label[lo], label[hi]
        apart = one != other
        if not apart.any():
            return label
        one, other = one[apart], other[apart]
        np.minimum.at(label, np.maximum(one, other), np.minimum(one, other))
        while True:  # a label only ever points lower, so this ends at the roots
            up = label[label]
            if np.array_equal(up, label):
                break
            label = up
