"""What a progress library would add to every run: the import cost of rich and tqdm beside
datalint's own progress module, against the warm-run budget (about 1 s: bench/README.md).

    python bench/progress_libraries.py [--runs 9]

Each import is timed in a fresh interpreter with `-X importtime` (the cumulative microseconds of
the top-level module: its own imports included, the interpreter's start excluded), the median of
the runs printed. The machine may be shared: read the minimum too.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

MODULES = {
    "datalint.progress (ours)": "datalint.progress",
    "rich.progress": "rich.progress",
    "tqdm": "tqdm",
    "tqdm.auto": "tqdm.auto",
}
BUDGET_SECONDS = 1.0  # a warm run after a few edits
# What every `datalint check` imports before it could draw progress: the command and the engine.
ALREADY_IMPORTED = "sys, datalint.cli, datalint.engine, datalint.sources"
MARK = "--- already imported above ---"


def import_seconds(module: str, baseline: str) -> float:
    """Seconds to import `module` in a fresh interpreter that has imported `baseline` already."""
    code = f"import {baseline}; print('{MARK}', file=sys.stderr); import {module}"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    )
    top_level = []  # (name, cumulative microseconds) of the modules the second statement imported
    for line in result.stderr.split(MARK, 1)[1].splitlines():
        parts = line.split("|")
        if (
            len(parts) == 3
            and parts[1].strip().isdigit()
            and parts[2].startswith(" ")
            and not parts[2].startswith("  ")
        ):
            top_level.append((parts[2].strip(), int(parts[1])))
    return sum(micros for _, micros in top_level) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    print(f"{'module':<26} {'median ms':>10} {'min ms':>8} {'of a 1 s warm run':>18}")
    for label, module in MODULES.items():
        # Only what the library adds to a run counts.
        times = [import_seconds(module, ALREADY_IMPORTED) for _ in range(runs)]
        median, low = statistics.median(times), min(times)
        print(f"{label:<26} {median * 1e3:>10.1f} {low * 1e3:>8.1f} {median / BUDGET_SECONDS:>17.1%}")


if __name__ == "__main__":
    main()
