"""D005 (near-duplicates) with `--executor local` against `--executor ray`: wall time, the peak RSS
of the driver, of a Ray worker and of Ray's services, and whether the reports are byte-identical.

    python bench/ray_minhash.py FILE.jsonl [FILE.jsonl ...]     # e.g. head -200000 of bench/run.py's 1M

Needs `pip install -e '.[ray]'`. Each run is `datalint check FILE --select D005 --no-cache
--format json -o OUT --timings` in its own process; with Ray, the record pass runs as Ray tasks and
D005's MinHash search as a Ray Data pipeline (docs/ray.md), on a local Ray instance of `--jobs`
CPUs started by the run. The sampler is bench/ray_executor.py's (RSS from /proc every 0.25 s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from ray_executor import sampled_run  # noqa: E402


def measure(data: Path, out: Path, executor: str, jobs: int) -> dict:
    command = [sys.executable, "-m", "datalint.cli", "check", str(data), "--select", "D005", "--no-cache"]
    command += ["--format", "json", "-o", str(out), "--executor", executor, "--jobs", str(jobs), "--timings"]
    finished, wall, _, peaks = sampled_run(command)
    d005 = re.search(r"near-duplicate\s+([\d.]+)", finished.stderr)
    d005_seconds = float(d005.group(1)) if d005 else finished.stderr[-300:]
    return {
        "file": data.name,
        "executor": executor,
        "exit": finished.returncode,
        "wall s": round(wall, 1),
        "D005 s (record pass summed over workers + dataset pass)": d005_seconds,
        **{f"peak RSS MB, {name}": round(value) for name, value in peaks.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--workdir", type=Path, default=Path("."))
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    for data in args.files:
        outputs = {}
        for executor in ("local", "ray"):
            outputs[executor] = args.workdir / f"{data.stem}-D005-{executor}.json"
            print(json.dumps(measure(data, outputs[executor], executor, args.jobs)), flush=True)
        same = outputs["local"].read_bytes() == outputs["ray"].read_bytes()
        findings = json.loads(outputs["local"].read_text())["violations"]
        print(f"{data.name}: outputs byte-identical: {same} ({len(findings)} D005 findings)", flush=True)


if __name__ == "__main__":
    main()
