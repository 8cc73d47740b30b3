"""Where D005's shingle column lives on Ray: the driver's peak memory with `--executor ray` (the
column left in the object store by the record pass's tasks) against `--executor local`, for D005
only and for the default rules, with the driver's bytes per record to project 10M.

    python bench/ray_shingles.py FILE.jsonl [FILE.jsonl ...] --workdir DIR   # e.g. 200k and 1M records

Needs `pip install -e '.[ray]'`. Each run is `datalint check FILE [--select D005] --no-cache
--format json -o OUT --timings` in its own process, on a local Ray instance of `--jobs` CPUs that the
run starts. Sampled every 0.25 s (bench/ray_executor.py's sampler): the RSS of the driver, of
its largest Ray worker and of Ray's services; besides, the driver's anonymous memory (RssAnon:
its own objects, not the object store's pages it maps) and the object store's use, read as the
growth of /dev/shm's used bytes over the run (Ray's store lives there; other programs on the
machine writing /dev/shm at the same time would add to it). Outputs are compared byte for byte.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from proc_status import status_kb  # noqa: E402
from ray_executor import Sampler, sampled_run  # noqa: E402


def _shm_used_mb() -> float:
    stat = os.statvfs("/dev/shm")
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize / 2**20


class ShingleSampler(Sampler):
    """bench/ray_executor.py's sampler, plus the driver's RssAnon and /dev/shm's growth."""

    def __init__(self, pid: int, timeline: Path | None = None) -> None:
        super().__init__(pid, timeline)
        self.shm_start = _shm_used_mb()
        self.peaks["driver anon"] = 0.0
        self.peaks["object store (/dev/shm growth)"] = 0.0

    def run(self) -> None:
        import threading

        inner = threading.Thread(target=super().run, daemon=True)
        inner.start()
        while not self.stopped.wait(0.25):
            self.peaks["driver anon"] = max(self.peaks["driver anon"], status_kb("RssAnon", self.pid) / 1024)
            growth = _shm_used_mb() - self.shm_start
            self.peaks["object store (/dev/shm growth)"] = max(self.peaks["object store (/dev/shm growth)"], growth)
        inner.join()


def measure(data: Path, out: Path, executor: str, select: str | None, jobs: int) -> dict:
    command = [sys.executable, "-m", "datalint.cli", "check", str(data), "--no-cache", "--format", "json"]
    command += ["-o", str(out), "--executor", executor, "--jobs", str(jobs), "--timings"]
    if select:
        command += ["--select", select]
    finished, wall, _, peaks = sampled_run(command, ShingleSampler)
    records = sum(1 for _ in data.open("rb"))
    return {
        "file": data.name,
        "rules": select or "default",
        "executor": executor,
        "exit": finished.returncode,
        "wall s": round(wall, 1),
        **{f"peak MB, {name}": round(value) for name, value in peaks.items()},
        "driver bytes/record (peak RSS)": round(peaks["driver"] * 2**20 / records),
        "stderr tail": finished.stderr[-200:] if finished.returncode not in (0, 1) else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--workdir", type=Path, default=Path("."))
    parser.add_argument("--rules", nargs="+", default=["D005", "default"])
    parser.add_argument("--executors", nargs="+", default=["local", "ray"])
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)", flush=True)
    for data in args.files:
        for rules in args.rules:
            select = None if rules == "default" else rules
            outputs = {}
            for executor in args.executors:
                outputs[executor] = args.workdir / f"{data.stem}-{rules}-{executor}.json"
                print(json.dumps(measure(data, outputs[executor], executor, select, args.jobs)), flush=True)
            if len(outputs) < 2:
                continue
            same = outputs["local"].read_bytes() == outputs["ray"].read_bytes()
            found = len(json.loads(outputs["local"].read_text())["violations"])
            print(f"{data.name} {rules}: outputs byte-identical: {same} ({found} findings)", flush=True)
            subprocess.run(["sync"], check=False)


if __name__ == "__main__":
    main()
