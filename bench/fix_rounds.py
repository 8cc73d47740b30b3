"""What `--fix` in rounds costs: a round after the first re-checks only the records the last one
changed (the cache is keyed by record content) and runs the dataset pass again.

    python bench/fix_rounds.py [DATASET ...]   # default: the t0 sample and the belle eval set

Each dataset is copied into a temporary folder beside a config, so the cache lands there. Timed
(`jobs=1`): a cold lint that fills the cache, a warm lint of the unchanged file, and
`plan_fixes(unsafe=True, cache=True)` (every round, nothing written). The cost of a round is
(fix - warm) / rounds: what a round adds to the lint every `--fix` needs anyway.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import datalint

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
DEFAULT = ["t0-prompt-completion-sample.jsonl", "belle-eval-set-1k.jsonl"]


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def measure(source: Path) -> tuple[float, float, float, int, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / source.name
        shutil.copyfile(source, path)
        (Path(folder) / "datalint.toml").write_text("", encoding="utf-8")
        cold, _ = timed(lambda: datalint.lint_paths([path], cache=True))
        warm, _ = timed(lambda: datalint.lint_paths([path], cache=True))
        fixing, plan = timed(lambda: datalint.plan_fixes([path], unsafe=True, cache=True))
        return cold, warm, fixing, plan.rounds, plan.applied


def main(names: list[str]) -> None:
    print(f"{'dataset':<36} {'cold s':>7} {'warm s':>7} {'fix s':>7} {'rounds':>6} {'s/round':>8} {'fixes':>6}")
    for name in names or DEFAULT:
        path = Path(name) if Path(name).exists() else DATASETS / name
        cold, warm, fixing, rounds, applied = measure(path)
        per_round = (fixing - warm) / rounds if rounds else 0.0
        print(f"{path.name:<36} {cold:>7.2f} {warm:>7.2f} {fixing:>7.2f} {rounds:>6} {per_round:>8.2f} {applied:>6,}")


if __name__ == "__main__":
    main(sys.argv[1:])
