"""Cost of the format (F) and length (L) rules on alpaca-en-52k, relative to the core rules.

Both runs happen in this process, one after the other, so the ratio is meaningful on a busy
machine even when the seconds are not. Usage: python bench/content_fl.py [dataset.jsonl]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import datalint

DEFAULT = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "alpaca-en-52k.jsonl"


def seconds(path: Path, **selection) -> float:
    start = time.process_time()
    datalint.lint_paths([path], **selection)
    return time.process_time() - start


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    core = seconds(path, ignore=["F", "L"])
    both = seconds(path, extend_select=["F", "L"])
    print(f"{path.name}: core rules {core:.2f} s CPU; core + F + L {both:.2f} s CPU")
    print(f"F + L cost {both - core:.2f} s, ratio to core {(both - core) / core:.2f}")
    for family in ("F0", "F1", "F2", "L"):
        alone = seconds(path, select=[family]) - seconds(path, select=["S001"])
        print(f"  {family}: {alone:.2f} s ({alone / core:.2f} x core)")


if __name__ == "__main__":
    main()
