"""MinHash signatures: each shingle array reduced to ``num_perm`` minima of random permutations.

Two arrays agree at a signature position with probability equal to their Jaccard similarity, so
the LSH stage (``pairs.py``) can propose candidate pairs from signatures alone. A signature
matrix is one (num_perm x shingles) uint32 product per chunk of records.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from datalint.minhash.ragged import Ragged, gather, sizes_of

__all__ = ["LazySignatures", "signature", "signatures"]

_MAX32 = np.uint32(0xFFFFFFFF)
_SIG_CHUNK_ELEMS = 1 << 20


def _perm_params(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    # Permutation k maps a shingle's top 32 hash bits x to (a_k*x + b_k) mod 2**32 with odd
    # a_k: a bijection on uint32, so the minimum picks a uniformly random element of a set of
    # well-mixed hashes, and it is one fused vector pass over uint32 (the textbook
    # (a*x + b) mod p needs 128-bit products and twice the memory traffic). Measured on
    # alpaca pairs, the estimate's error matches the binomial sd sqrt(J(1-J)/num_perm).
    rng = np.random.Generator(np.random.PCG64(seed))
    a = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint64).astype(np.uint32) | 1
    b = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint64).astype(np.uint32)
    return a[:, None], b[:, None]


def signatures(shingles: Sequence[np.ndarray], *, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """MinHash signatures of many shingle arrays: a (len(shingles), num_perm) uint32 matrix.

    Row i equals ``signature(shingles[i])``. Empty arrays get an all-0xFFFFFFFF row.
    """
    a, b = _perm_params(num_perm, seed)
    n = len(shingles)
    out = np.full((n, num_perm), _MAX32, np.uint32)
    sizes = sizes_of(shingles)
    # Chunk by total shingles so the (num_perm x shingles) work buffer stays cache-sized
    # (4 MB measured best; bench/README.md), and reuse it across chunks.
    per_chunk = max(1, _SIG_CHUNK_ELEMS // num_perm)
    cum = np.cumsum(sizes)
    buf = np.empty(num_perm * min(per_chunk, int(cum[-1]) if n else 0), np.uint32)
    start = 0
    while start < n:
        base = cum[start - 1] if start else 0
        stop = int(np.searchsorted(cum, base + per_chunk, side="right"))
        stop = min(max(stop, start + 1), n)
        rows = np.flatnonzero(sizes[start:stop]) + start
        if rows.size:
            flat = (gather(shingles, rows)[0] >> np.uint64(32)).astype(np.uint32)
            # Permutation-major layout: each row is one contiguous pass, and the segmented
            # min runs along contiguous memory (much faster than shingle-major; bench/README.md).
            if flat.size <= per_chunk:
                h = buf[: num_perm * flat.size].reshape(num_perm, flat.size)
                np.multiply(a, flat, out=h)
            else:  # one record larger than a chunk
                h = a * flat
            h += b
            seg = np.concatenate(([0], np.cumsum(sizes[rows])[:-1]))
            out[rows] = np.minimum.reduceat(h, seg, axis=1).T
        start = stop
    return out


class LazySignatures:
    """The signature matrix of many shingle arrays, computed for the rows asked for and not held:
    ``find_similar_pairs`` needs each record's rows once for banding and the candidates' rows once
    more, so a million records never hold a (1M x num_perm) matrix (512 MB at 128 permutations)."""

    def __init__(self, shingles: Sequence[np.ndarray], *, num_perm: int = 128, seed: int = 1) -> None:
        self.shingles, self.num_perm, self.seed = shingles, num_perm, seed
        self.shape = (len(shingles), num_perm)

    def __getitem__(self, key: np.ndarray | tuple) -> np.ndarray:
        rows, columns = key if isinstance(key, tuple) else (key, slice(None))
        picked = Ragged.of_sizes(*gather(self.shingles, np.asarray(rows)))
        return signatures(picked, num_perm=self.num_perm, seed=self.seed)[:, columns]


def signature(shingles: np.ndarray, *, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """MinHash signature (uint32, length ``num_perm``) of one shingle-hash array."""
    return signatures([shingles], num_perm=num_perm, seed=seed)[0]
