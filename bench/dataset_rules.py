"""Cost of the dataset-wide rules (D duplicates, B balance) as a ratio to the core rules.

Run from the repository root:

    python bench/dataset_rules.py                  # alpaca-en-52k, best of 3
    python bench/dataset_rules.py --repeat 1 --file ../shared/datasets/t0-prompt-completion-sample.jsonl

Every row lints the same file in this process with the core rules (every default rule outside
the D and B families) plus the rules named in the row; the extra CPU time over the core-only
run is the cost of those rules. CPU time (process_time), best of --repeat, so other processes
on a shared machine disturb the ratios less than wall time would. The ratios are what to read.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from datalint import lint_paths
from datalint.rules import builtin_rules

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
ROWS = [
    ("D001 exact duplicates", ["D001"], {}),
    ("D002 normalised duplicates", ["D002"], {}),
    ("D003 same prompt and response", ["D003"], {}),
    ("D004 conflicting responses", ["D004"], {}),
    ("D005 near-duplicates (MinHash, verified)", ["D005"], {}),
    ("D006 contamination vs mt-bench (--against)", ["D006"], {"against": [DATASETS / "mt-bench-questions-80.jsonl"]}),
    ("B001 type balance (inferred types)", ["B001"], {}),
    ("B002 difficulty balance (inferred)", ["B002"], {"config": "infer"}),
    ("B003+B004 dataset size", ["B003", "B004"], {}),
    ("all default D and B rules", None, {}),
]


def core_codes() -> list[str]:
    return [rule.code for rule in builtin_rules() if rule.default and rule.family not in ("D", "B")]


def default_dataset_codes() -> list[str]:
    return [rule.code for rule in builtin_rules() if rule.default and rule.family in ("D", "B")]


def cpu_seconds(path: Path, select: list[str], repeat: int, **options) -> tuple[float, int]:
    best, found = float("inf"), 0
    for _ in range(repeat):
        start = time.process_time()
        found = len(lint_paths([path], select=select, **options).violations)
        best = min(best, time.process_time() - start)
    return best, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", type=Path, default=DATASETS / "alpaca-en-52k.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    infer_config = Path(__file__).resolve().parent / "out" / "infer-difficulty.toml"
    infer_config.parent.mkdir(exist_ok=True)
    infer_config.write_text("[rules.B002]\ninfer = true\ntarget = {easy = 0.3, medium = 0.4, hard = 0.3}\n")

    core = core_codes()
    core_time, core_found = cpu_seconds(args.file, core, args.repeat)
    print(f"{args.file.name}: core rules ({len(core)}: {', '.join(core)})")
    print(f"{'rules added to the core':45} {'CPU s':>7} {'extra s':>8} {'x core':>7} {'violations':>10}")
    print(f"{'(core only)':45} {core_time:7.2f} {0:8.2f} {0:7.2f} {core_found:10,}")
    for label, codes, options in ROWS:
        codes = codes or default_dataset_codes()
        if options.get("config") == "infer":
            options = {"config": infer_config}
        seconds, found = cpu_seconds(args.file, core + codes, args.repeat, **options)
        extra = max(0.0, seconds - core_time)
        print(f"{label:45} {seconds:7.2f} {extra:8.2f} {extra / core_time:7.2f} {found - core_found:10,}")


if __name__ == "__main__":
    main()
