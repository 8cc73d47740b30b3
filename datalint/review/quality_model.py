"""The quality model: reviewer ratings as labels, a trained model's scores, and its file.

A model scores a ``(prompt, response)`` pair with the probability that it is *good*
(``datalint/review/training.py`` learns it from rated examples).

* **Scoring is pure Python (stdlib only).**  A saved model is a sparse weight table;
  :meth:`Model.score` is featurise + table lookups + sigmoid, dominated by char n-gram
  extraction (bench/README.md).  So the lint rule that *applies* a committed model works with
  datalint's core dependencies.
* **Model files are JSON** (never pickle): format name + version, feature settings, label
  mapping, training summary, intercept, named dense weights and the non-zero hashed weights
  rounded to 6 significant digits, one per line, sorted by bucket -- deterministic bytes,
  sensible ``git diff``.  Weights are rounded *before* the :class:`Model` is returned, so a
  freshly trained model and its reloaded file give bit-identical scores.  :func:`load`
  validates everything and raises ``ValueError`` for anything malformed.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import mul
from pathlib import Path
from typing import Any

from datalint.review.features import DENSE_FEATURES, Example, FeatureSettings, as_pair, feature_counts

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "RATING_MAX",
    "RATING_MIN",
    "Model",
    "dumps",
    "load",
    "loads",
    "rating_to_label",
    "round_weight",
    "save",
]

FORMAT_NAME = "datalint-quality-model"
FORMAT_VERSION = 1

Rating = str | int | float | bool

GOOD_WORDS = frozenset({"good"})
BAD_WORDS = frozenset({"bad"})
RATING_MIN, RATING_MAX = 1, 5

_SIG_DIGITS = 6


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


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def round_weight(x: float) -> float:
    """A weight as a model file stores it: 6 significant digits, never -0.0."""
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
        counts, inv_norm, dense = feature_counts(prompt, response, self.settings)
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
            p, r = as_pair(ex)
            out.append(self.score(p, r))
        return out


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
