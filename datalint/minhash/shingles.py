"""Shingles: a text, normalised, as a sorted array of unique 64-bit hashes of its n-grams.

Normalisation: NFKC, casefold, whitespace runs folded to one space. Word shingles are n-grams
of whitespace-separated tokens (punctuation stays attached); char shingles are n-grams of code
points of the normalised text, spaces included.

Short texts: a text with fewer units than ``ngram`` (but at least one) yields exactly one
shingle that hashes all its units, so "Thank you!" matches "thank  you!" while "yes" and
"yes please" share nothing. An empty or whitespace-only text yields no shingles; such records
are never paired (emptiness is a separate, cheaper check than similarity).

A shingle's hash is a polynomial hash (mod 2**64) of its normalised text, finished with
MurmurHash3's fmix64: fixed constants, no Python ``hash``, so features are the same in every
process and may be cached. "Exact" Jaccard here is exact on these 64-bit hashes; two different
shingles share a hash with probability ~2**-64, far below any other error in the pipeline.

Texts are shingled a chunk of records at a time: one code-point buffer per chunk, substring
hashes from prefix sums.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["LENGTH_SALT", "fmix64", "jaccard", "normalize", "shingle_hashes", "shingle_hashes_many"]

_U64 = np.uint64
# Odd 64-bit constants: the polynomial base over characters (and its inverse mod 2**64), and a
# salt that makes a shingle's length part of its hash (the LSH stage salts set sizes with it).
_CHAR_BASE = _U64(0x9E3779B97F4A7C15)
_CHAR_BASE_INV = _U64(pow(0x9E3779B97F4A7C15, -1, 1 << 64))
LENGTH_SALT = _U64(0x165667B19E3779F9)
# Records processed per vectorised chunk: bounds temporaries to a few tens of MB.
_CHUNK_RECORDS = 4096
# Code points for which str.isspace() is true (Unicode White_Space plus \x1c-\x1f).
_WHITESPACE = (
    *range(0x9, 0xE),
    *range(0x1C, 0x21),
    0x85,
    0xA0,
    0x1680,
    *range(0x2000, 0x200B),
    0x2028,
    0x2029,
    0x202F,
    0x205F,
    0x3000,
)
_WS_LIMIT = 0x3001  # every code point >= this maps to the (False) last table entry


def fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: turns a weak linear hash into well-mixed bits."""
    x = x ^ (x >> _U64(33))
    x *= _U64(0xFF51AFD7ED558CCD)
    x ^= x >> _U64(33)
    x *= _U64(0xC4CEB9FE1A85EC53)
    x ^= x >> _U64(33)
    return x


def _fold_case(text: str) -> str:
    if text.isascii():  # NFKC is the identity on ASCII and casefold is lower(): much faster
        return text.lower()
    return unicodedata.normalize("NFKC", text).casefold()


def normalize(text: str, lowered: str | None = None) -> str:
    """NFKC, casefold, and fold every whitespace run to one space (edges stripped): the text
    duplicates are compared on, and whose shingles are hashed (the batch code folds whitespace in
    numpy rather than calling this per record, with the same result).

    `lowered`: `text.lower()` when the caller has it already (a record's Text does); on ASCII text
    NFKC changes nothing and case folding is `lower()`, and a text with no whitespace but single
    inner spaces (most instructions) has no run to fold.
    """
    if not text.isascii():
        return " ".join(_fold_case(text).split())
    lowered = text.lower() if lowered is None else lowered
    if (
        not text.encode().translate(None, _NOT_FOLDED_WHITESPACE)
        and "  " not in text
        and not text.startswith(" ")
        and not text.endswith(" ")
    ):
        return lowered
    return " ".join(lowered.split())


# ASCII bytes other than whitespace, the plain space aside: a text that deletes to nothing has no
# whitespace but spaces.
_NOT_FOLDED_WHITESPACE = bytes(byte for byte in range(128) if not chr(byte).isspace() or byte == ord(" "))


def _fold_whitespace(texts: Sequence[str], unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Code points of the normalised texts, concatenated, and the records' offsets into them.

    Equivalent to ``normalize`` per text, but the whitespace folding is a few vector passes
    over the whole chunk instead of split/join per record.
    """
    folded = [_fold_case(t) for t in texts]
    offsets = np.zeros(len(folded) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, folded), np.int64, count=len(folded)), out=offsets[1:])
    cp = np.frombuffer("".join(folded).encode("utf-32-le"), dtype=np.uint32)
    if cp.size == 0:
        return cp, offsets
    # Whitespace test without a per-character table lookup: every whitespace code point is
    # <= 32 or >= 0x85, so only those (few, outside plain ASCII prose) go through the table.
    ws = cp <= 32
    odd = np.flatnonzero((cp < 32) | (cp >= 0x85))
    if odd.size:
        table = np.zeros(_WS_LIMIT + 1, bool)  # code points that str.isspace() accepts
        table[list(_WHITESPACE)] = True
        ws[odd] = table[np.minimum(cp[odd], _WS_LIMIT)]
    # Keep a whitespace character only after a non-space in the same record: this drops
    # leading whitespace and all but the first character of each run.
    after_word = np.empty(cp.size, bool)
    after_word[0] = False
    np.logical_not(ws[:-1], out=after_word[1:])
    after_word[offsets[:-1][offsets[:-1] < cp.size]] = False
    keep = ~ws | after_word
    if unit == "char":
        # Also drop a record's trailing whitespace: whitespace with no later non-space
        # character before the record ends. (Word shingles never include it anyway.)
        next_word = np.minimum.accumulate(np.where(ws, cp.size, np.arange(cp.size))[::-1])[::-1]
        keep &= ~(ws & (next_word >= np.repeat(offsets[1:], np.diff(offsets))))
    out = np.where(ws, np.uint32(32), cp)
    dropped = np.flatnonzero(~keep)  # usually few: doubled spaces, blank lines, edges
    if dropped.size:
        out = out[keep]
        offsets = offsets - np.searchsorted(dropped, offsets)
    return out, offsets


def _units(cp: np.ndarray, offsets: np.ndarray, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) offsets in ``cp`` of every word or character of the records."""
    if unit == "word":
        boundary = np.zeros(cp.size + 1, bool)
        boundary[offsets] = True  # a record boundary ends a word like a space does
        sep = cp == 32
        word = ~sep
        starts = np.flatnonzero(word & (np.concatenate(([True], sep[:-1])) | boundary[:-1]))
        ends = np.flatnonzero(word & (np.concatenate((sep[1:], [True])) | boundary[1:])) + 1
        return starts, ends
    if unit == "char":
        starts = np.arange(cp.size)
        return starts, starts + 1
    raise ValueError(f"unit must be 'word' or 'char', not {unit!r}")


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """B**j and B**-j mod 2**64 for j < n."""
    pw = np.ones(max(n, 1), _U64)
    ipw = np.ones(max(n, 1), _U64)
    pw[1:] = np.cumprod(np.full(pw.size - 1, _CHAR_BASE, _U64))
    ipw[1:] = np.cumprod(np.full(ipw.size - 1, _CHAR_BASE_INV, _U64))
    return pw, ipw


def _substring_hasher(cp: np.ndarray, pw: np.ndarray, ipw: np.ndarray):
    """Return h(s, e): hashes of cp[s:e] for arrays of offsets, in O(1) numpy ops each.

    A shingle is a substring of the normalised text (words keep their single separating
    spaces), so hashing substrings via prefix sums of a polynomial hash costs a few passes
    over the characters instead of hashing every word and then every n-gram of words.
    P[j] = sum_{k<j} c_k B^k (mod 2**64), so (P[e] - P[s]) * B**-s depends only on the
    content of cp[s:e]; the odd base B is invertible mod 2**64.
    """
    n = cp.size
    prefix = np.zeros(n + 1, _U64)
    # +1 so that no character contributes zero (a NUL would otherwise be invisible).
    weighted = cp.astype(_U64)
    weighted += _U64(1)
    weighted *= pw[:n]
    np.cumsum(weighted, out=prefix[1:])

    def hash_range(s: np.ndarray, e: np.ndarray) -> np.ndarray:
        h = prefix[e] - prefix[s]
        h *= ipw[s]
        h += (e - s).astype(_U64) * LENGTH_SALT
        return fmix64(h)

    return hash_range


def _chunk_shingles(texts: Sequence[str], ngram: int, unit: str, tables: list[np.ndarray]) -> list[np.ndarray]:
    """Shingle one chunk. ``tables`` holds the power tables of the caller, grown in place."""
    if unit not in ("word", "char"):
        raise ValueError(f"unit must be 'word' or 'char', not {unit!r}")
    n_rec = len(texts)
    # One buffer of code points for the whole chunk so that every step is one numpy call.
    cp, offsets = _fold_whitespace(texts, unit)
    u_start, u_end = _units(cp, offsets, unit)
    empty = np.empty(0, _U64)
    if u_start.size == 0:
        return [empty] * n_rec
    if tables[0].size < cp.size:
        tables[:] = _power_tables(max(cp.size, 2 * tables[0].size))
    hash_range = _substring_hasher(cp, tables[0], tables[1])
    # Units per record from the records' offsets (n_rec searches, not one per unit).
    counts = np.diff(np.searchsorted(u_start, offsets))
    rec = np.repeat(np.arange(n_rec), counts)

    # Full n-grams: windows of `ngram` consecutive units inside one record.
    n_win = u_start.size - ngram + 1
    if n_win > 0:
        win = np.flatnonzero(rec[:n_win] == rec[ngram - 1 :])
        grams = hash_range(u_start[win], u_end[win + ngram - 1])
        gram_rec = rec[win]
    else:
        grams, gram_rec = empty, np.empty(0, np.int64)

    # Records shorter than `ngram` units: one shingle spanning all their units.
    short = np.flatnonzero((counts > 0) & (counts < ngram))
    if short.size:
        first = np.concatenate(([0], np.cumsum(counts)[:-1]))
        s_hash = hash_range(u_start[first[short]], u_end[first[short] + counts[short] - 1])
        grams = np.concatenate((grams, s_hash))
        gram_rec = np.concatenate((gram_rec, short))
        order = np.argsort(gram_rec, kind="stable")
        grams, gram_rec = grams[order], gram_rec[order]

    g_counts = np.bincount(gram_rec, minlength=n_rec)
    bounds = np.concatenate(([0], np.cumsum(g_counts))).tolist()
    for s, e in zip(bounds[:-1], bounds[1:], strict=True):
        if e - s > 1:
            grams[s:e].sort()
    # Drop repeated shingles inside a record (sets, not multisets).
    keep = np.empty(grams.size, bool)
    keep[0] = True
    np.not_equal(grams[1:], grams[:-1], out=keep[1:])
    keep[np.asarray(bounds[:-1])[g_counts > 0]] = True
    grams = grams[keep]
    ends = np.cumsum(np.bincount(gram_rec[keep], minlength=n_rec)).tolist()
    return [grams[s:e] for s, e in zip([0, *ends[:-1]], ends, strict=True)]


def shingle_hashes_many(texts: Iterable[str], *, ngram: int = 3, unit: str = "word") -> list[np.ndarray]:
    """``shingle_hashes`` for many texts at once (same results, far less overhead per text)."""
    if ngram < 1:
        raise ValueError("ngram must be >= 1")
    out: list[np.ndarray] = []
    batch: list[str] = []
    tables = [np.ones(0, _U64), np.ones(0, _U64)]  # power tables, reused across chunks
    for text in texts:
        batch.append(text)
        if len(batch) == _CHUNK_RECORDS:
            out.extend(_chunk_shingles(batch, ngram, unit, tables))
            batch = []
    if batch:
        out.extend(_chunk_shingles(batch, ngram, unit, tables))
    return out


def shingle_hashes(text: str, *, ngram: int = 3, unit: str = "word") -> np.ndarray:
    """Sorted unique uint64 hashes of the normalised word or char n-grams of ``text``.

    This is the exact-Jaccard feature: ``jaccard(shingle_hashes(a), shingle_hashes(b))``.
    Hashes are deterministic across processes and platforms (no Python ``hash``), so they
    may be cached.
    """
    return shingle_hashes_many([text], ngram=ngram, unit=unit)[0]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays (0.0 if both are empty)."""
    if a.size == 0 and b.size == 0:
        return 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)
