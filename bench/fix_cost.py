"""What attaching fixes at lint time costs: the run without and with `attach_fixes`, per dataset.

    python bench/fix_cost.py [DATASET ...]     # default: alpaca-en-52k, t0 sample, belle eval set

Each dataset is linted once (`jobs=1`, no cache, one finding per record) with the fixes stripped
off, then `datalint.fix.attach_fixes` is timed on that report (median of 5), which is exactly
the work the default run gained. Prints seconds and the share of the lint time.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import datalint
from datalint.fix import attach_fixes

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
DEFAULT = ["alpaca-en-52k.jsonl", "t0-prompt-completion-sample.jsonl", "belle-eval-set-1k.jsonl"]


def measure(path: Path) -> tuple[float, float, int]:
    started = time.perf_counter()
    report = datalint.lint_paths([path], conventions=False)
    lint = time.perf_counter() - started
    resolver = datalint.settings_resolver(None, None, (), ())
    times = []
    for _ in range(5):
        for violation in report.violations:
            violation.fix = None
        started = time.perf_counter()
        attach_fixes(report, resolver)
        times.append(time.perf_counter() - started)
    fixed = sum(violation.fix is not None for violation in report.violations)
    return lint, statistics.median(times), fixed


def main(names: list[str]) -> None:
    print(f"{'dataset':<40} {'lint s':>8} {'attach s':>9} {'share':>6} {'fixes':>6}")
    for name in names or DEFAULT:
        path = Path(name) if Path(name).exists() else DATASETS / name
        lint, attach, fixed = measure(path)
        print(f"{path.name:<40} {lint:>8.2f} {attach:>9.3f} {attach / lint:>6.1%} {fixed:>6,}")


if __name__ == "__main__":
    main(sys.argv[1:])
