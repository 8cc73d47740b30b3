"""Cost of the quality (Q) and safety (P1xx) families on alpaca-en-52k, as ratios to the core rules.

Run: `python bench/content_qp.py [dataset]`. Times are CPU seconds of one process, measured in
this run; compare ratios, not seconds (the machine is shared and noisy).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import datalint

DATASET = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "alpaca-en-52k.jsonl"
CORE = ["S", "P0"]
FAMILIES = {
    "language (Q001, Q002)": ["Q001", "Q002"],
    "repetition (Q004-Q006)": ["Q004", "Q005", "Q006"],
    "pii and secrets (P101-P108)": ["P101", "P102", "P103", "P104", "P105", "P106", "P107", "P108"],
    "readability (Q003, extra)": ["Q003"],
    "toxicity (P110, extra)": ["P110"],
}


def cpu_seconds(path: Path, select: list[str]) -> float:
    start = time.process_time()
    datalint.lint_paths([path], select=select)
    return time.process_time() - start


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DATASET
    core = cpu_seconds(path, CORE)
    print(f"{path.name}: core rules (S, P0xx) {core:.2f} s CPU = 1.00")
    for family, codes in FAMILIES.items():
        try:
            total = cpu_seconds(path, CORE + codes)
        except Exception as error:  # an optional extra that is not installed
            print(f"  + {family}: skipped ({error})")
            continue
        print(f"  + {family}: {total:.2f} s, family alone {(total - core) / core:+.2f} x core")
    start = time.process_time()
    datalint.lint_paths([path])  # the default rule set, as `datalint check` runs it
    default = time.process_time() - start
    print(f"all default rules: {default:.2f} s = {default / core:.2f} x core")


if __name__ == "__main__":
    main()
