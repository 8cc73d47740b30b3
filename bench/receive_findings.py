"""What receiving a forked child's findings costs the receiving process: its peak RSS growth per
violation, when they travel as one pickle and in parts of `forking.PART_ITEMS` (as they do now).

    python bench/receive_findings.py                 # 1M duplicate-like violations
    python bench/receive_findings.py --count 300000

Each variant runs in a fresh process (the peak only grows): a forked child makes `--count`
violations shaped as D002's (one message and related location per group of three, a line and
a hash of their own) and sends them with `forking.share`; the parent reports VmHWM before and after.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from proc_status import status_kb  # noqa: E402


def _violations(count: int) -> tuple[list, None]:
    from datalint.violation import Location, Violation

    found = []
    for number in range(count):
        if number % 3 == 0:  # a group: its first record, then three copies reported
            message, first = f"duplicate of line {number + 1} (3 copies)", Location("data.jsonl", number + 1)
        violation = Violation("D002", "duplicate-content", "warning", message, "data.jsonl", number + 2)
        violation.related, violation.record_hash = [first], f"{number:016x}"
        found.append(violation)
    return found, None


def receive(count: int, part_items: int) -> dict:
    from datalint import forking

    forking.PART_ITEMS = part_items
    before = status_kb("VmHWM") / 1024
    [(found, _)] = forking.share([count], _violations, 1, lambda: None, work_here=False)
    after = status_kb("VmHWM") / 1024
    growth = after - before
    return {"violations": len(found), "peak growth MB": round(growth), "bytes each": round(growth * 2**20 / len(found))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--part-items", type=int, help=argparse.SUPPRESS)  # one variant, in this process
    args = parser.parse_args()
    if args.part_items:
        print(json.dumps(receive(args.count, args.part_items)))
        return
    from datalint import forking

    for label, part_items in (("one pickle", 1 << 40), (f"parts of {forking.PART_ITEMS:,}", forking.PART_ITEMS)):
        command = [sys.executable, __file__, "--count", str(args.count), "--part-items", str(part_items)]
        result = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        print(f"{label}: {result}")


if __name__ == "__main__":
    main()
