"""How a (prompt, response) pair becomes the quality model's features.

Hashed word unigrams+bigrams of the prompt and of the response (separate namespaces, so "the"
in a prompt and "the" in a response are different features), hashed char 3-5-grams of the
response (with begin/end sentinels, so "ends mid-sentence" is visible), and a few named dense
features (log lengths, length ratio, non-alphanumeric fraction, empty response, terminal
punctuation, prompt overlap). Each distinct n-gram counts once (presence); the hashed vector is
L2-normalised. Hashing uses ``zlib.crc32`` of the UTF-8 bytes -- stable across runs, platforms
and Python versions (unlike the salted built-in ``hash()``) and independent of any library
version, so a model file saved today scores identically with a later scikit-learn or none at
all. All sums are order-independent (exact integer sums, ``math.fsum``), so results do not vary
with ``PYTHONHASHSEED``. Standard library only.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import repeat
from operator import and_, mul
from typing import Any

__all__ = ["DENSE_FEATURES", "Example", "FeatureSettings", "as_pair", "feature_counts", "featurize"]

#: An example is a ``(prompt, response)`` pair; a bare string is taken as a
#: response with an empty prompt.
Example = tuple[str, str] | Sequence[str] | str

# Names of the dense features, in the order they are computed.  Part of the
# file format (version 1): add new ones only with a format version bump.
DENSE_FEATURES: tuple[str, ...] = (
    "resp_log_chars",
    "resp_log_words",
    "log_len_ratio",
    "resp_nonalnum_frac",
    "resp_empty",
    "resp_ends_terminal",
    "resp_prompt_overlap",
)

_TOKEN_RE = re.compile(r"\w+|[^\w\s]")
_TERMINAL = frozenset(".!?)]}\"'`*>|;:\u3002\uff01\uff1f\u2026\u201d\u2019\uff09")
_BOS, _EOS = "\x02", "\x03"


@dataclass(frozen=True)
class FeatureSettings:
    """How examples become features.  Stored in the model file."""

    n_buckets: int = 2**18
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (3, 5)
    #: Char n-grams are taken from at most this many response chars: the first
    #: and last ``max_chars // 2`` when the response is longer.
    max_chars: int = 2000
    #: Word n-grams use at most this many tokens per field (head and tail halves).
    max_words: int = 1000
    lowercase: bool = True

    def validate(self) -> None:
        def int_ok(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        n = self.n_buckets
        if not int_ok(n) or not (16 <= n <= 2**24) or n & (n - 1):
            raise ValueError(f"n_buckets must be a power of two from 2**4 to 2**24, got {n!r}")
        for name in ("word_ngrams", "char_ngrams"):
            lo_hi = getattr(self, name)
            if (
                not isinstance(lo_hi, tuple)
                or len(lo_hi) != 2
                or not all(int_ok(v) for v in lo_hi)
                or not (1 <= lo_hi[0] <= lo_hi[1] <= 8)
            ):
                raise ValueError(f"{name} must be (lo, hi) with 1 <= lo <= hi <= 8, got {lo_hi!r}")
        for name in ("max_chars", "max_words"):
            v = getattr(self, name)
            if not int_ok(v) or v < 2:
                raise ValueError(f"{name} must be an int >= 2, got {v!r}")
        if not isinstance(self.lowercase, bool):
            raise ValueError(f"lowercase must be a bool, got {self.lowercase!r}")

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["word_ngrams"] = list(self.word_ngrams)
        d["char_ngrams"] = list(self.char_ngrams)
        return d

    @classmethod
    def from_json(cls, d: Any) -> FeatureSettings:
        if not isinstance(d, dict):
            raise ValueError("'features' must be an object")
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(d) - known
        missing = known - set(d)
        if unknown or missing:
            raise ValueError(f"'features' has unknown keys {sorted(unknown)} / missing keys {sorted(missing)}")
        kw = dict(d)
        for name in ("word_ngrams", "char_ngrams"):
            if not isinstance(kw[name], list):
                raise ValueError(f"features.{name} must be a list [lo, hi]")
            kw[name] = tuple(kw[name])
        settings = cls(**kw)
        settings.validate()
        return settings


def _hash(s: str, start: int = 0) -> int:
    # surrogatepass: JSON data may hold lone surrogates ("\ud800"); never crash.
    return zlib.crc32(s.encode("utf-8", "surrogatepass"), start)


# Namespaces: the hash of a gram is crc32(namespace + gram), computed as a crc32
# continued from the namespace's crc32 (same value, no string concatenation).
_NS_PROMPT_WORD = _hash("p\x1f")
_NS_RESP_WORD = _hash("r\x1f")
_NS_RESP_CHAR = _hash("c\x1f")


def _head_tail(seq: Any, limit: int) -> tuple[Any, Any]:
    """Split an over-long sequence into head and tail halves (tail empty if short)."""
    if len(seq) <= limit:
        return seq, seq[:0]
    half = limit // 2
    return seq[:half], seq[-half:]


def _word_grams(tokens: list[str], lo: int, hi: int, out: set[str]) -> None:
    for n in range(lo, hi + 1):
        if n == 1:
            out.update(tokens)
        else:
            out.update(map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False)))


def _char_grams(text: str, lo: int, hi: int, out: set[str]) -> None:
    L = len(text)
    for n in range(lo, hi + 1):
        out.update([text[i : i + n] for i in range(L - n + 1)])


def _hash_keys(grams: set[str], ns: int, keymask: int) -> Iterable[int]:
    """``crc32(namespace + gram) & keymask`` for each gram, looping in C."""
    encoded = map(str.encode, grams, repeat("utf-8"), repeat("surrogatepass"))
    return map(and_, map(zlib.crc32, encoded, repeat(ns)), repeat(keymask))


def as_pair(ex: Example) -> tuple[str, str]:
    """An example as a (prompt, response) pair; ``ValueError`` for anything else."""
    if isinstance(ex, str):
        return "", ex
    try:
        prompt, response = ex
    except (TypeError, ValueError):
        raise ValueError(f"an example must be a (prompt, response) pair or a string, got {type(ex).__name__}") from None
    if not isinstance(prompt, str) or not isinstance(response, str):
        raise ValueError("prompt and response must both be strings")
    return prompt, response


def _dense(prompt: str, response: str, p_tokens: list[str], r_tokens: list[str]) -> list[float]:
    r = response.strip()
    p = prompt.strip()
    n_r = len(r)
    nonalnum = sum(1 for ch in r if not ch.isalnum() and not ch.isspace())
    r_set = set(r_tokens)
    overlap = len(r_set & set(p_tokens)) / len(r_set) if r_set else 0.0
    return [
        math.log1p(n_r),
        math.log1p(len(r_tokens)),
        math.log1p(n_r) - math.log1p(len(p)),
        nonalnum / n_r if n_r else 0.0,
        1.0 if not r else 0.0,
        1.0 if r and r[-1] in _TERMINAL else 0.0,
        overlap,
    ]


def feature_counts(prompt: str, response: str, s: FeatureSettings) -> tuple[dict[int, int], float, list[float]]:
    """``(bucket -> number of distinct n-grams hashed there, 1 / L2 norm, dense)``."""
    p_text = prompt.lower() if s.lowercase else prompt
    r_text = response.lower() if s.lowercase else response
    p_tokens = _TOKEN_RE.findall(p_text)
    r_tokens = _TOKEN_RE.findall(r_text)

    p_words: set[str] = set()
    r_words: set[str] = set()
    r_chars: set[str] = set()
    for tokens, out in ((p_tokens, p_words), (r_tokens, r_words)):
        head, tail = _head_tail(tokens, s.max_words)
        _word_grams(head, *s.word_ngrams, out)
        if tail:
            _word_grams(tail, *s.word_ngrams, out)
    head, tail = _head_tail(r_text, s.max_chars)
    if tail:
        _char_grams(_BOS + head, *s.char_ngrams, r_chars)
        _char_grams(tail + _EOS, *s.char_ngrams, r_chars)
    else:
        _char_grams(_BOS + head + _EOS, *s.char_ngrams, r_chars)

    mask = s.n_buckets - 1
    counts: Counter = Counter()
    for grams, ns in ((p_words, _NS_PROMPT_WORD), (r_words, _NS_RESP_WORD), (r_chars, _NS_RESP_CHAR)):
        counts.update(_hash_keys(grams, ns, mask))
    # Order-independent arithmetic throughout (exact integer sum here, fsum
    # when scoring): set/dict order of str keys depends on PYTHONHASHSEED.
    norm = math.sqrt(sum(map(mul, counts.values(), counts.values())))
    return counts, (1.0 / norm if norm else 0.0), _dense(prompt, response, p_tokens, r_tokens)


def featurize(
    prompt: str, response: str, settings: FeatureSettings = FeatureSettings()
) -> tuple[dict[int, float], list[float]]:
    """Features of one example: ``({bucket: value}, dense_values)``.

    Hashed part: each *distinct* n-gram counts once (presence, not frequency);
    a bucket's value is the number of distinct n-grams hashed into it, and the
    vector is L2-normalised.  Dense part: the values named in
    :data:`DENSE_FEATURES`.
    """
    counts, inv_norm, dense = feature_counts(prompt, response, settings)
    return {b: counts[b] * inv_norm for b in sorted(counts)}, dense
