"""Tests for the quality model (`datalint/review/`) on a rating set built from real datasets.

"bad" records are real defective rows of /work/shared/datasets:
  * alpaca-en-52k: empty output, ``<nooutput>``, model refusals ("As an AI
    language model" -- none in this file, so also the Alpaca-style "a GPT
    model cannot ..." refusals), plus *constructed* truncations (a clean row's
    output cut to its first 3 words; labelled ``truncated(constructed)``);
  * t0-prompt-completion-sample: completions that are only ``<|endoftext|>``.
"good" records are a seeded random sample of clean rows of both files (t0
goods keep their trailing ``<|endoftext|>``, so the token alone is no signal).
"""

from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path

import pytest

from datalint.review import features, training
from datalint.review import quality_model as qm

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
ALPACA = DATASETS / "alpaca-en-52k.jsonl"
T0 = DATASETS / "t0-prompt-completion-sample.jsonl"

pytestmark = pytest.mark.skipif(
    not (ALPACA.is_file() and T0.is_file()), reason=f"real datasets not found under {DATASETS}"
)

SEED = 20240601
EOT = "<|endoftext|>"
_AI_REFUSAL = re.compile(r"as an ai language model", re.I)
_MODEL = re.compile(r"\b(GPT|AI|language)[- ]models?\b|\bas an AI\b", re.I)
_CANNOT = re.compile(r"\b(cannot|can't|can not|not able|unable|not possible|impossible|not capable)\b", re.I)


def _alpaca_prompt(row: dict) -> str:
    return row["instruction"] + ("\n" + row["input"] if row["input"].strip() else "")


def _alpaca_rows(rng: random.Random, n_sample: int) -> list[dict]:
    """Every alpaca row that may be defective plus a seeded sample of the rest.

    A cheap raw-text prefilter on the output part avoids parsing all 52k rows;
    it is a superset of the defect tests in :func:`build_rating_set`.
    """
    lines = ALPACA.read_text(encoding="utf-8").splitlines()
    keep = set(rng.sample(range(len(lines)), n_sample))
    for i, line in enumerate(lines):
        out = line[line.rfind('"output": "') + 11 :].lower()
        if (
            "output>" in out
            or "as an ai" in out
            or (len(out) < 800 and "model" in out)
            or not out[:-2].replace("\\n", "").replace("\\t", "").replace("\\r", "").strip()
        ):
            keep.add(i)
    return [json.loads(lines[i]) for i in sorted(keep)]


def build_rating_set(seed: int = SEED) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Return (examples, labels 'good'/'bad', kinds) from the real datasets."""
    rng = random.Random(seed)
    bad: list[tuple[tuple[str, str], str]] = []
    clean_alpaca: list[tuple[str, str]] = []
    for row in _alpaca_rows(rng, 1500):
        prompt, out = _alpaca_prompt(row), row["output"]
        if not out.strip():
            bad.append(((prompt, out), "empty"))
        elif "<nooutput>" in out.lower() or "<no output>" in out.lower():
            bad.append(((prompt, out), "nooutput"))
        elif _AI_REFUSAL.search(out) or (
            _MODEL.search(out)
            and _CANNOT.search(out)
            and len(out) < 600
            and not _MODEL.search(prompt)  # a question *about* GPT models is fine
        ):
            bad.append(((prompt, out), "refusal"))
        elif len(out.split()) >= 12 and not _MODEL.search(out):
            clean_alpaca.append((prompt, out))
    clean_t0: list[tuple[str, str]] = []
    with T0.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            prompt, comp = row["prompt"], row["completion"]
            if comp.strip() == EOT:
                bad.append(((prompt, comp), "t0-endoftext-only"))
            else:
                clean_t0.append((prompt, comp))

    rng.shuffle(clean_alpaca)
    rng.shuffle(clean_t0)
    # Constructed truncations come from rows not used as "good" examples.
    truncated = [(p, " ".join(o.split()[:3])) for p, o in clean_alpaca[:120]]
    bad.extend((ex, "truncated(constructed)") for ex in truncated)
    good = [(ex, "alpaca-clean") for ex in clean_alpaca[120:520]] + [(ex, "t0-clean") for ex in clean_t0[:200]]
    rows = [(ex, "bad", kind) for ex, kind in bad] + [(ex, "good", kind) for ex, kind in good]
    rng.shuffle(rows)
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


@pytest.fixture(scope="module")
def rating_set():
    return build_rating_set()


@pytest.fixture(scope="module")
def split(rating_set):
    """Fixed-seed stratified 75/25 split."""
    examples, labels, kinds = rating_set
    rng = random.Random(SEED + 1)
    train_idx, test_idx = [], []
    for cls in ("good", "bad"):
        idx = [i for i, lab in enumerate(labels) if lab == cls]
        rng.shuffle(idx)
        cut = len(idx) * 3 // 4
        train_idx += idx[:cut]
        test_idx += idx[cut:]
    pick = lambda idx, seq: [seq[i] for i in sorted(idx)]  # noqa: E731
    return (
        (pick(train_idx, examples), pick(train_idx, labels)),
        (pick(test_idx, examples), pick(test_idx, labels), pick(test_idx, kinds)),
    )


@pytest.fixture(scope="module")
def model(split):
    (x_train, y_train), _ = split
    return training.train(x_train, y_train, seed=0)


@pytest.fixture(scope="module")
def model_doc(model):
    return json.loads(qm.dumps(model))


def test_rating_set_is_real_and_mixed(rating_set):
    _, labels, kinds = rating_set
    assert labels.count("bad") > 200 and labels.count("good") == 600
    for kind in ("empty", "nooutput", "refusal", "t0-endoftext-only", "truncated(constructed)"):
        assert kinds.count(kind) >= 10, kind


def test_beats_majority_baseline_on_held_out(model, split):
    _, (x_test, y_test, _) = split
    m = training.evaluate(model, x_test, y_test)
    assert m["n"] == len(y_test)
    assert m["accuracy"] > m["baseline_accuracy"] + 0.15, m
    assert m["bad"]["f1"] > 0.8, m
    assert m["good"]["f1"] > 0.8, m


def test_scores_are_probabilities_and_rank_defects_low(model):
    good = model.score("Name three primary colors.", "The three primary colors are red, blue and yellow.")
    assert 0.0 <= good <= 1.0
    assert model.score("Name three primary colors.", "") < good
    assert model.score("Name three primary colors.", "<nooutput>") < good
    assert model.score_many([("Name three primary colors.", ""), "a bare response string."]) == [
        model.score("Name three primary colors.", ""),
        model.score("", "a bare response string."),
    ]


def test_deterministic_file_bytes(split, model, tmp_path):
    (x_train, y_train), _ = split
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    qm.save(model, a)
    qm.save(training.train(x_train, y_train, seed=0), b)  # trained a second time
    assert a.read_bytes() == b.read_bytes()


def test_save_load_round_trip(model, split, tmp_path):
    _, (x_test, _, _) = split
    path = tmp_path / "quality.json"
    qm.save(model, path)
    assert [p.name for p in tmp_path.iterdir()] == ["quality.json"]  # temp file replaced
    loaded = qm.load(path)
    assert loaded.score_many(x_test) == model.score_many(x_test)
    assert qm.dumps(loaded) == path.read_text(encoding="utf-8")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == qm.FORMAT_NAME and doc["version"] == qm.FORMAT_VERSION
    keys = [int(k) for k in doc["weights"]]
    assert keys == sorted(keys) and all(v != 0 for v in doc["weights"].values())
    assert all(len(repr(v).lstrip("-").replace(".", "").split("e")[0].strip("0")) <= 6 for v in doc["weights"].values())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(format="something-else"),
        lambda d: d.update(version=99),
        lambda d: d.pop("weights"),
        lambda d: d.update(weights={"not-a-bucket": 1.0}),
        lambda d: d.update(weights={str(2**30): 1.0}),
        lambda d: d.update(weights={"7": "1.0"}),
        lambda d: d.update(intercept=True),
        lambda d: d["features"].update(n_buckets=-1),
        lambda d: d["features"].update(char_ngrams=[5, 3]),
        lambda d: d["dense_weights"].pop("resp_empty"),
        lambda d: d.update(__class__="os.system"),
    ],
)
def test_tampered_model_file_raises(model_doc, tmp_path, mutate):
    doc = copy.deepcopy({**model_doc, "weights": dict(list(model_doc["weights"].items())[:50])})
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    qm.load(path)  # the untampered (trimmed) document is valid
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match="not a valid datalint quality model"):
        qm.load(path)


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\x80\x04\x95pickle-bytes",  # a pickle header is just garbage to us
        b"cos\nsystem\n(S'echo pwned'\ntR.",
        b"[1, 2, 3]",
        b'{"format": "datalint-quality-model", "version": 1, "intercept": NaN}',
        b"{" * 100_000,
    ],
)
def test_garbage_model_file_raises(tmp_path, payload):
    path = tmp_path / "garbage.json"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match="not a valid datalint quality model"):
        qm.load(path)


def test_nan_weight_rejected(model):
    text = qm.dumps(model).replace('"intercept": ', '"intercept": NaN, "x": ', 1)
    with pytest.raises(ValueError):
        qm.loads(text)


def test_single_class_and_too_few_raise(rating_set):
    examples, labels, _ = rating_set
    goods = [ex for ex, lab in zip(examples, labels, strict=True) if lab == "good"][:50]
    with pytest.raises(ValueError, match="both good and bad"):
        training.train(goods, ["good"] * len(goods))
    with pytest.raises(ValueError, match="at least 10"):
        training.train(examples[:9], labels[:9])
    with pytest.raises(ValueError, match="examples but"):
        training.train(examples[:20], labels[:19])


def test_rating_mapping():
    assert [qm.rating_to_label(r) for r in ("good", "BAD", True, False, 5, 4, 3, 1, "4", 3.5)] == [
        1,
        0,
        1,
        0,
        1,
        1,
        0,
        0,
        1,
        0,
    ]
    assert qm.rating_to_label(3, good_cut=3) == 1
    for bad in ("meh", 0, 6, float("nan"), None, [1]):
        with pytest.raises(ValueError):
            qm.rating_to_label(bad)


def test_numeric_ratings_train(split, model):
    (x_train, y_train), _ = split
    ratings = [5 if lab == "good" else 2 for lab in y_train]
    assert qm.dumps(training.train(x_train[:60], ratings[:60], seed=0)) == qm.dumps(
        training.train(x_train[:60], y_train[:60], seed=0)
    )
    assert model.training["converged"] is True


def test_cross_validate_beats_baseline(rating_set):
    examples, labels, _ = rating_set
    cv = training.cross_validate(examples, labels, folds=3, seed=0)  # 3 folds: test time budget
    assert cv["folds"] == 3 and cv["n"] == len(labels)
    assert set(cv) >= {"accuracy", "baseline_accuracy", "bad", "good"}
    for cls in ("bad", "good"):
        assert set(cv[cls]) == {"precision", "recall", "f1", "support"}
    assert cv["accuracy"] > cv["baseline_accuracy"] + 0.15, cv
    assert cv["bad"]["f1"] > 0.8, cv
    with pytest.raises(ValueError, match="folds"):
        training.cross_validate(examples, labels, folds=1)


def test_hashing_is_stable_and_unsalted():
    # crc32 values are fixed forever; guards against switching to hash().
    hashed, dense = features.featurize("Say hi.", "Hi!", features.FeatureSettings(n_buckets=2**18))
    assert len(dense) == len(features.DENSE_FEATURES)
    assert all(0 <= b < 2**18 for b in hashed)
    assert features._hash("r\x1fhi") == 0x6E426B15


def test_lone_surrogates_do_not_crash(model):
    assert 0.0 <= model.score("\ud800 prompt", "resp \udfff") <= 1.0


def test_missing_sklearn_gives_install_hint(monkeypatch, split):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("sklearn") or name.startswith("scipy"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    (x_train, y_train), _ = split
    with pytest.raises(ImportError, match=r"datalint\[quality\]"):
        training.train(x_train, y_train)


def test_scores_do_not_depend_on_pythonhashseed(model, split, tmp_path):
    """Set/dict order of str keys is salted per process; scores must not be."""
    import subprocess
    import sys

    _, (x_test, _, _) = split
    path = tmp_path / "m.json"
    qm.save(model, path)
    (tmp_path / "ex.json").write_text(json.dumps(x_test[:50]), encoding="utf-8")
    code = (
        # numpy/scipy/sklearn made unimportable: loading and scoring are stdlib-only
        "import sys; sys.modules.update(numpy=None, scipy=None, sklearn=None); "
        "import json; from datalint.review import quality_model as qm; "
        "m = qm.load(sys.argv[1]); ex = json.load(open(sys.argv[2], encoding='utf-8')); "
        "print(json.dumps([m.score(p, r) for p, r in ex]))"
    )
    root = Path(__file__).resolve().parents[1]
    outs = []
    for hashseed in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-c", code, str(path), str(tmp_path / "ex.json")],
            capture_output=True,
            text=True,
            cwd=root,
            check=True,
            env={**__import__("os").environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(root)},
        )
        outs.append(json.loads(proc.stdout))
    assert outs[0] == outs[1] == model.score_many(x_test[:50])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"C": 0},
        {"C": float("inf")},
        {"seed": -1},
        {"seed": "0"},
        {"good_cut": 9},
        {"class_weight": "weird"},
        {"min_weight": -1.0},
    ],
)
def test_bad_training_parameters_raise(rating_set, kwargs):
    examples, labels, _ = rating_set
    with pytest.raises(ValueError):
        training.train(examples[:40], labels[:40], **kwargs)


def test_save_is_atomic_on_failure(model, tmp_path, monkeypatch):
    path = tmp_path / "quality.json"
    path.write_text("previous content", encoding="utf-8")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(qm.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        qm.save(model, path)
    assert path.read_text(encoding="utf-8") == "previous content"
    assert [p.name for p in tmp_path.iterdir()] == ["quality.json"]  # temp file removed
