"""Training and evaluating a quality model on rated examples.

**Training uses scikit-learn**: ``LogisticRegression(solver="liblinear", dual=True)`` (L2,
``class_weight="balanced"``) on a ``scipy.sparse`` CSR matrix of the features of
``datalint/review/features.py``.  liblinear's dual coordinate descent is a well-tested, fast
solver for exactly this shape (hundreds to thousands of rows, 2**18 sparse columns) and
deterministic for a given ``random_state``; a hand-written numpy optimiser would need its own
convergence and regularisation testing for no gain.  scikit-learn + scipy are too heavy for a
linter's core (bench/README.md), so they are the optional extra ``datalint[quality]``; without
them :func:`train` / :func:`cross_validate` raise an ``ImportError`` saying so, while
:func:`evaluate` and scoring keep working.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

from datalint.review.features import DENSE_FEATURES, Example, FeatureSettings, as_pair, featurize
from datalint.review.quality_model import RATING_MAX, RATING_MIN, Model, Rating, rating_to_label, round_weight

__all__ = ["DEFAULT_MIN_WEIGHT", "MIN_EXAMPLES", "cross_validate", "evaluate", "train"]

MIN_EXAMPLES = 10
DEFAULT_MIN_WEIGHT = 1e-3
_MAX_ITER = 5000
INSTALL_HINT = (
    "training a quality model needs scikit-learn and scipy; install them with: pip install 'datalint[quality]'"
)


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
    pairs = [as_pair(ex) for ex in examples]
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
    far outnumber rows, faster here than the primal Newton solver and as
    accurate (bench/README.md).  It visits rows in a random order drawn from ``seed``,
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
        w = round_weight(raw)
        if w != 0.0 and abs(w) >= min_weight:
            weights[bucket] = w
    dense_weights = {name: round_weight(float(coef[n_b + k])) for k, name in enumerate(DENSE_FEATURES)}
    return Model(
        settings=settings,
        intercept=round_weight(intercept),
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
    min_weight`` are dropped (smaller files, same CV figures on real data:
    bench/README.md); a dropped weight can
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
