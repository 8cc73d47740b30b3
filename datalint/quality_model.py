"""Quality classifier: learn "good"/"bad" from a human-rated sample, score the rest.

Reviewers rate some records (``good``/``bad``, ``True``/``False`` or 1-5).  This
module trains a small logistic-regression model on those ratings and scores any
``(prompt, response)`` pair with the probability that it is *good*.

Design
------
* **Features are our own.**  Hashed word unigrams+bigrams of the prompt and of
  the response (separate namespaces, so "the" in a prompt and "the" in a
  response are different features), hashed char 3-5-grams of the response
  (with begin/end sentinels, so "ends mid-sentence" is visible), and a few
  named dense features (log lengths, length ratio, non-alphanumeric fraction,
  empty response, terminal punctuation, prompt overlap).  Each distinct
  n-gram counts once (presence); the hashed vector is L2-normalised.  Hashing
  uses ``zlib.crc32`` of the UTF-8 bytes -- stable across runs, platforms and
  Python versions (unlike the salted built-in ``hash()``) and independent of
  any library version, so a model file saved today scores identically with a
  later scikit-learn or none at all.  All sums are order-independent (exact
  integer sums, ``math.fsum``), so results do not vary with ``PYTHONHASHSEED``.
* **Scoring is pure Python (stdlib only).**  A saved model is a sparse weight
  table; :meth:`Model.score` is featurise + table lookups + sigmoid (roughly
  0.5 ms for a typical Alpaca record, dominated by char n-gram extraction).
  So the lint rule that *applies* a committed model works with datalint's
  core dependencies.
* **Training uses scikit-learn**: ``LogisticRegression(solver="liblinear",
  dual=True)`` (L2, ``class_weight="balanced"``) on a ``scipy.sparse`` CSR
  matrix built from the features above.  liblinear's dual coordinate descent is
  a well-tested, fast solver for exactly this shape (hundreds to thousands of
  rows, 2**18 sparse columns) and deterministic for a given ``random_state``;
  a hand-written numpy optimiser would need its own convergence and
  regularisation testing for no gain.  scikit-learn + scipy take ~165 MB
  installed (sklearn 1.9 wheel 9 MB, scipy 35 MB) -- too heavy for a linter's
  core, so they are the optional extra ``datalint[quality]``; without them
  :func:`train` / :func:`cross_validate` raise an ``ImportError`` saying so,
  while :func:`load`, :func:`evaluate` and scoring keep working.
* **Model files are JSON** (never pickle): format name + version, feature
  settings, label mapping, training summary, intercept, named dense weights and
  the non-zero hashed weights rounded to 6 significant digits, one per line,
  sorted by bucket -- deterministic bytes, sensible ``git diff``.  Weights are
  rounded *before* the :class:`Model` is returned, so a freshly trained model and
  its reloaded file give bit-identical scores.  :func:`load` validates
  everything and raises ``ValueError`` for anything malformed.
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import repeat
from operator import and_, mul
from pathlib import Path
from typing import Any

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "DENSE_FEATURES",
    "FeatureSettings",
    "Model",
    "rating_to_label",
    "featurize",
    "train",
    "cross_validate",
    "evaluate",
    "save",
    "load",
    "dumps",
    "loads",
]

FORMAT_NAME = "datalint-quality-model"
FORMAT_VERSION = 1

MIN_EXAMPLES = 10
DEFAULT_MIN_WEIGHT = 1e-3
_MAX_ITER = 5000
INSTALL_HINT = (
    "training a quality model needs scikit-learn and scipy; install them with: pip install 'datalint[quality]'"
)

#: An example is a ``(prompt, response)`` pair; a bare string is taken as a
#: response with an empty prompt.
Example = tuple[str, str] | Sequence[str] | str
Rating = str | int | float | bool

GOOD_WORDS = frozenset({"good"})
BAD_WORDS = frozenset({"bad"})
RATING_MIN, RATING_MAX = 1, 5

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
_SIG_DIGITS = 6


# --------------------------------------------------------------------------
# Ratings
# --------------------------------------------------------------------------


def rating_to_label(rating: Rating, good_cut: float = 4) -> int:
    """Map one reviewer rating to 1 (good) or 0 (bad).

    Accepts ``"good"``/``"bad"`` (any case), ``True``/``False``, or a numeric
    rating on the 1-5 scale (int, float, or a numeric string) which is good when
    ``>= good_cut``.  Anything else raises ``ValueError``.
    """
    if isinstance(rating, bool):
        return int(rating)
    if isinstance(rating, str):
        word = rating.strip().lower()
        if word in GOOD_WORDS:
            return 1
        if word in BAD_WORDS:
            return 0
        try:
            value = float(word)
        except ValueError:
            raise ValueError(
                f"unknown rating {rating!r}: expected 'good', 'bad' or a number from {RATING_MIN} to {RATING_MAX}"
            ) from None
    elif isinstance(rating, (int, float)):
        value = float(rating)
    else:
        raise ValueError(f"unknown rating {rating!r} of type {type(rating).__name__}")
    if not (RATING_MIN <= value <= RATING_MAX):  # also rejects NaN
        raise ValueError(
            f"rating {rating!r} is outside the {RATING_MIN}-{RATING_MAX} scale (use 'good'/'bad' for binary ratings)"
        )
    return int(value >= good_cut)


# --------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------


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


def _coerce_example(ex: Example) -> tuple[str, str]:
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


def _features(prompt: str, response: str, s: FeatureSettings) -> tuple[dict[int, int], float, list[float]]:
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
    counts, inv_norm, dense = _features(prompt, response, settings)
    return {b: counts[b] * inv_norm for b in sorted(counts)}, dense


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _round(x: float) -> float:
    r = float(f"{x:.{_SIG_DIGITS}g}")
    return 0.0 if r == 0 else r  # no "-0.0" in files


@dataclass(frozen=True)
class Model:
    """A trained quality model.  Scoring needs only the standard library."""

    settings: FeatureSettings
    intercept: float
    weights: Mapping[int, float]
    dense_weights: Mapping[str, float]
    good_cut: float = 4
    training: Mapping[str, Any] = field(default_factory=dict)
    # bucket -> weight lookup used by scoring: a flat list (faster than dict
    # lookups) for up to 2**20 buckets, else the weights mapping itself.
    _lookup: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = self.settings.n_buckets
        bad = [b for b in self.weights if not (isinstance(b, int) and 0 <= b < n)]
        if bad:
            raise ValueError(f"weight buckets out of range [0, {n}): {bad[:5]}")
        if n <= 2**20:
            table = [0.0] * self.settings.n_buckets
            for bucket, w in self.weights.items():
                table[bucket] = w
            lookup = table.__getitem__
        else:
            get = self.weights.get
            lookup = lambda b: get(b, 0.0)  # noqa: E731
        object.__setattr__(self, "_lookup", lookup)

    def decision(self, prompt: str, response: str) -> float:
        """The raw logit (log-odds of good)."""
        counts, inv_norm, dense = _features(prompt, response, self.settings)
        # sum over buckets of weight * count, looping in C; fsum is exactly
        # rounded, so the result does not depend on iteration order
        dot = math.fsum(map(mul, map(self._lookup, counts.keys()), counts.values()))
        z = self.intercept + dot * inv_norm
        dw = self.dense_weights
        for name, value in zip(DENSE_FEATURES, dense, strict=True):
            z += dw.get(name, 0.0) * value
        return z

    def score(self, prompt: str, response: str) -> float:
        """Probability (0..1) that the example is good."""
        return _sigmoid(self.decision(prompt, response))

    def score_many(self, examples: Iterable[Example]) -> list[float]:
        """Scores of many examples (pairs or bare response strings), in order."""
        out = []
        for ex in examples:
            p, r = _coerce_example(ex)
            out.append(self.score(p, r))
        return out


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------


def _require_sklearn() -> tuple[Any, Any, Any]:
    try:
        import numpy as np
        import scipy.sparse as sp
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - exercised via monkeypatch
        raise ImportError(INSTALL_HINT) from exc
    return np, sp, LogisticRegression


def _check_params(seed: Any, good_cut: Any, C: Any, class_weight: Any, min_weight: Any) -> None:
    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

    if not isinstance(seed, int) or isinstance(seed, bool) or not (0 <= seed < 2**32):
        raise ValueError(f"seed must be an int in [0, 2**32), got {seed!r}")
    if not number(good_cut) or not (RATING_MIN < good_cut <= RATING_MAX):
        raise ValueError(f"good_cut must be a number in ({RATING_MIN}, {RATING_MAX}], got {good_cut!r}")
    if not number(C) or C <= 0:
        raise ValueError(f"C must be a positive number, got {C!r}")
    if class_weight not in (None, "balanced"):
        raise ValueError(f"class_weight must be None or 'balanced', got {class_weight!r}")
    if not number(min_weight) or min_weight < 0:
        raise ValueError(f"min_weight must be a number >= 0, got {min_weight!r}")


def _prepare(
    examples: Sequence[Example], labels: Sequence[Rating], good_cut: float
) -> tuple[list[tuple[str, str]], list[int]]:
    examples = list(examples)
    labels = list(labels)
    if len(examples) != len(labels):
        raise ValueError(f"{len(examples)} examples but {len(labels)} labels")
    pairs = [_coerce_example(ex) for ex in examples]
    y = [rating_to_label(r, good_cut) for r in labels]
    if len(y) < MIN_EXAMPLES:
        raise ValueError(f"need at least {MIN_EXAMPLES} rated examples to train a quality model, got {len(y)}")
    n_good = sum(y)
    if n_good == 0 or n_good == len(y):
        only = "good" if n_good else "bad"
        raise ValueError(f"all {len(y)} rated examples are {only}: a quality model needs both good and bad examples")
    return pairs, y


def _matrix(pairs: Sequence[tuple[str, str]], settings: FeatureSettings) -> Any:
    np, sp, _ = _require_sklearn()
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    n_b = settings.n_buckets
    for p, r in pairs:
        hashed, dense = featurize(p, r, settings)  # sorted by bucket
        indices.extend(hashed.keys())
        data.extend(hashed.values())
        for k, value in enumerate(dense):
            if value != 0.0:
                indices.append(n_b + k)
                data.append(value)
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(len(pairs), n_b + len(DENSE_FEATURES)),
    )


def _fit(X: Any, y: Sequence[int], *, seed: int, C: float, class_weight: str | None) -> tuple[float, Any, bool]:
    """Fit L2 logistic regression; returns (intercept, coef, converged).

    liblinear's dual coordinate descent: the right solver when columns (2**18)
    far outnumber rows, ~5x faster here than the primal Newton solver and
    within 1e-4 of it.  It visits rows in a random order drawn from ``seed``,
    so the result is deterministic for a given seed.
    """
    np, _, LogisticRegression = _require_sklearn()
    from sklearn.exceptions import ConvergenceWarning

    clf = LogisticRegression(
        solver="liblinear",
        dual=True,
        C=C,
        class_weight=class_weight,
        random_state=seed,
        max_iter=_MAX_ITER,
        tol=1e-4,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(X, np.asarray(y))
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return float(clf.intercept_[0]), clf.coef_[0], converged


def _build_model(
    intercept: float,
    coef: Any,
    settings: FeatureSettings,
    good_cut: float,
    training: dict[str, Any],
    min_weight: float = 0.0,
) -> Model:
    n_b = settings.n_buckets
    hashed = coef[:n_b]
    # Cheap vectorised pre-filter (slightly loose so rounding decides the edge).
    candidates = (abs(hashed) >= min_weight * (1 - 1e-5)).nonzero()[0].tolist()
    weights: dict[int, float] = {}
    for bucket, raw in zip(candidates, hashed[candidates].tolist(), strict=True):
        w = _round(raw)
        if w != 0.0 and abs(w) >= min_weight:
            weights[bucket] = w
    dense_weights = {name: _round(float(coef[n_b + k])) for k, name in enumerate(DENSE_FEATURES)}
    return Model(
        settings=settings,
        intercept=_round(intercept),
        weights=weights,
        dense_weights=dense_weights,
        good_cut=good_cut,
        training=training,
    )


def train(
    examples: Sequence[Example],
    labels: Sequence[Rating],
    *,
    seed: int = 0,
    good_cut: float = 4,
    C: float = 4.0,
    class_weight: str | None = "balanced",
    min_weight: float = DEFAULT_MIN_WEIGHT,
    settings: FeatureSettings | None = None,
) -> Model:
    """Train a quality model on rated examples.

    ``examples`` are ``(prompt, response)`` pairs (or bare response strings);
    ``labels`` are ratings accepted by :func:`rating_to_label`.  ``C`` is the
    inverse L2 regularisation strength; ``class_weight="balanced"`` compensates
    for the usual rarity of bad records.  Hashed weights with ``|w| <
    min_weight`` are dropped (on the real-data test set ``1e-3`` halves the file
    and ``1e-2`` shrinks it 5x with identical CV figures); a dropped weight can
    move a logit by at most ``min_weight`` times the L1 norm of the example's
    normalised features.  Same inputs + seed -> same model, same file bytes.

    Raises ``ValueError`` for fewer than 10 examples, a single class, or bad
    ratings; ``ImportError`` (with an install hint) without scikit-learn.
    """
    _require_sklearn()
    _check_params(seed, good_cut, C, class_weight, min_weight)
    C, good_cut, min_weight = float(C), float(good_cut), float(min_weight)
    settings = settings or FeatureSettings()
    settings.validate()
    pairs, y = _prepare(examples, labels, good_cut)
    X = _matrix(pairs, settings)
    intercept, coef, converged = _fit(X, y, seed=seed, C=C, class_weight=class_weight)
    training = {
        "n_examples": len(y),
        "n_good": sum(y),
        "n_bad": len(y) - sum(y),
        "seed": seed,
        "C": C,
        "class_weight": class_weight,
        "min_weight": min_weight,
        "solver": "liblinear-dual",
        "converged": converged,
    }
    return _build_model(intercept, coef, settings, float(good_cut), training, min_weight)


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


def _metrics(y_true: Sequence[int], y_pred: Sequence[int]) -> dict[str, Any]:
    def prf(cls: int) -> dict[str, float | int]:
        tp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == cls and p == cls)
        fp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t != cls and p == cls)
        fn = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == cls and p != cls)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}

    n = len(y_true)
    n_good = sum(y_true)
    return {
        "n": n,
        "accuracy": sum(1 for t, p in zip(y_true, y_pred, strict=True) if t == p) / n if n else 0.0,
        "baseline_accuracy": max(n_good, n - n_good) / n if n else 0.0,
        "bad": prf(0),
        "good": prf(1),
    }


def evaluate(
    model: Model,
    examples: Sequence[Example],
    labels: Sequence[Rating],
    threshold: float = 0.5,
) -> dict[str, Any]:
    """Metrics of ``model`` on rated examples (good when score >= threshold).

    Returns ``{"n", "accuracy", "baseline_accuracy", "bad": {precision, recall,
    f1, support}, "good": {...}}``; the baseline is majority-class accuracy.
    """
    y = [rating_to_label(r, model.good_cut) for r in labels]
    scores = model.score_many(examples)
    if len(scores) != len(y):
        raise ValueError(f"{len(scores)} examples but {len(y)} labels")
    return _metrics(y, [int(s >= threshold) for s in scores])


def cross_validate(
    examples: Sequence[Example],
    labels: Sequence[Rating],
    folds: int = 5,
    seed: int = 0,
    *,
    good_cut: float = 4,
    C: float = 4.0,
    class_weight: str | None = "balanced",
    min_weight: float = DEFAULT_MIN_WEIGHT,
    settings: FeatureSettings | None = None,
) -> dict[str, Any]:
    """Stratified k-fold cross-validation (shuffled with ``seed``).

    Metrics are computed on the pooled out-of-fold predictions (threshold 0.5):
    ``{"folds", "n", "accuracy", "baseline_accuracy", "bad": {...}, "good":
    {...}}`` where each class has precision/recall/f1/support.
    """
    np, _, _ = _require_sklearn()
    from sklearn.model_selection import StratifiedKFold

    _check_params(seed, good_cut, C, class_weight, min_weight)
    C, good_cut, min_weight = float(C), float(good_cut), float(min_weight)
    settings = settings or FeatureSettings()
    settings.validate()
    pairs, y = _prepare(examples, labels, good_cut)
    minority = min(sum(y), len(y) - sum(y))
    if not isinstance(folds, int) or folds < 2 or folds > minority:
        raise ValueError(f"folds must be an int from 2 to the size of the smaller class ({minority}), got {folds!r}")
    X = _matrix(pairs, settings)
    y_arr = np.asarray(y)
    pred = [0] * len(y)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in skf.split(np.zeros(len(y)), y_arr):
        intercept, coef, _ = _fit(X[train_idx], y_arr[train_idx], seed=seed, C=C, class_weight=class_weight)
        model = _build_model(intercept, coef, settings, float(good_cut), {}, min_weight)
        # The fold model's (rounded, pruned) weights applied to the already-built
        # feature rows: same decision as model.score(), without re-featurizing.
        w = np.zeros(X.shape[1])
        w[list(model.weights)] = list(model.weights.values())
        w[settings.n_buckets :] = [model.dense_weights[name] for name in DENSE_FEATURES]
        logits = X[test_idx] @ w + model.intercept
        for i, z in zip(test_idx.tolist(), logits.tolist(), strict=True):
            pred[i] = int(z >= 0.0)  # score >= 0.5
    result = _metrics(y, pred)
    result["folds"] = folds
    return result


# --------------------------------------------------------------------------
# Serialisation (JSON only)
# --------------------------------------------------------------------------


def dumps(model: Model) -> str:
    """The model as deterministic, diff-friendly JSON text."""

    def sorted_obj(d: Mapping[str, Any]) -> dict[str, Any]:
        # sort nested keys too, so the text does not depend on insertion order
        return json.loads(json.dumps(d, sort_keys=True, allow_nan=False))

    header = {  # fixed top-level order: identification first, big table last
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "features": sorted_obj(model.settings.to_json()),
        "labels": sorted_obj({"good": 1, "bad": 0, "scale": [RATING_MIN, RATING_MAX], "good_cut": model.good_cut}),
        "training": sorted_obj(model.training),
        "intercept": model.intercept,
        "dense_weights": {name: model.dense_weights.get(name, 0.0) for name in sorted(DENSE_FEATURES)},
    }
    text = json.dumps(header, indent=1, ensure_ascii=True, allow_nan=False)
    assert text.endswith("}")
    lines = [text[:-1].rstrip() + ',\n "weights": {']
    items = sorted(model.weights.items())
    for k, (bucket, w) in enumerate(items):
        w = _finite(w, f"weight of bucket {bucket}")
        comma = "," if k < len(items) - 1 else ""
        lines.append(f'  "{bucket}": {w!r}{comma}')  # finite float repr is valid JSON
    lines.append(" }\n}\n")
    return "\n".join(lines)


def save(model: Model, path: str | os.PathLike[str]) -> None:
    """Write the model to ``path`` atomically (temp file in the same folder + os.replace)."""
    from datalint.atomic import write_atomic

    write_atomic(Path(path), dumps(model).encode("utf-8"))


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-finite number {name} is not allowed")


def _finite(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{where} must be a finite number, got {v!r}")
    return float(v)


def _from_obj(obj: Any) -> Model:
    if not isinstance(obj, dict):
        raise ValueError("top level must be a JSON object")
    if obj.get("format") != FORMAT_NAME:
        raise ValueError(f"'format' must be {FORMAT_NAME!r}, got {obj.get('format')!r}")
    version = obj.get("version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise ValueError(f"unsupported version {version!r} (this datalint reads version {FORMAT_VERSION})")
    expected = {"format", "version", "features", "labels", "training", "intercept", "dense_weights", "weights"}
    if set(obj) != expected:
        raise ValueError(f"unexpected keys {sorted(set(obj) - expected)} / missing keys {sorted(expected - set(obj))}")
    settings = FeatureSettings.from_json(obj["features"])

    labels = obj["labels"]
    if (
        not isinstance(labels, dict)
        or labels.get("good") != 1
        or labels.get("bad") != 0
        or labels.get("scale") != [RATING_MIN, RATING_MAX]
        or set(labels) != {"good", "bad", "scale", "good_cut"}
    ):
        raise ValueError("'labels' must be {good: 1, bad: 0, scale: [1, 5], good_cut: number}")
    good_cut = _finite(labels["good_cut"], "labels.good_cut")

    training = obj["training"]
    if not isinstance(training, dict):
        raise ValueError("'training' must be an object")

    intercept = _finite(obj["intercept"], "intercept")

    dense = obj["dense_weights"]
    if not isinstance(dense, dict) or set(dense) != set(DENSE_FEATURES):
        raise ValueError(f"'dense_weights' must have exactly the keys {list(DENSE_FEATURES)}")
    dense_weights = {name: _finite(dense[name], f"dense_weights.{name}") for name in DENSE_FEATURES}

    raw = obj["weights"]
    if not isinstance(raw, dict):
        raise ValueError("'weights' must be an object of bucket -> weight")
    weights: dict[int, float] = {}
    for key, w in raw.items():
        if not (isinstance(key, str) and key.isdigit() and key.isascii() and (key == "0" or key[0] != "0")):
            raise ValueError(f"weights key {key!r} is not a bucket number")
        bucket = int(key)
        if bucket >= settings.n_buckets:
            raise ValueError(f"weights bucket {bucket} is out of range (n_buckets={settings.n_buckets})")
        weights[bucket] = _finite(w, f"weights[{key}]")
    return Model(
        settings=settings,
        intercept=intercept,
        weights=weights,
        dense_weights=dense_weights,
        good_cut=good_cut,
        training=training,
    )


def loads(text: str, source: str = "<string>") -> Model:
    """Parse and validate model JSON; ``ValueError`` naming ``source`` if invalid."""
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
        return _from_obj(obj)
    except (ValueError, TypeError, RecursionError) as exc:
        raise ValueError(f"{source}: not a valid datalint quality model: {exc}") from None


def load(path: str | os.PathLike[str]) -> Model:
    """Load a model saved by :func:`save`.  Never executes code (plain JSON).

    Raises ``ValueError`` for an unreadable, non-UTF-8, non-JSON or invalid file
    (``OSError`` such as ``FileNotFoundError`` propagates unchanged).
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a valid datalint quality model: not UTF-8 ({exc})") from None
    return loads(text, str(path))
