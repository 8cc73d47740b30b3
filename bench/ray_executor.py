"""The Ray executor against the local one on generated records: wall and CPU time, peak memory of
the driver and of a worker, whether the outputs are byte-identical, and the measured cost of one
chunk, from which bench/README.md projects the time on N machines.

    python bench/ray_executor.py                      # 1M records (~560 MB, in a temp folder)
    python bench/ray_executor.py --records 200000     # a smaller run
    python bench/ray_executor.py --workdir /tmp/dl-ray --keep   # keep the generated file
    python bench/ray_executor.py --records 10000000 --select D001,D005 --executors ray \
        --timeline ray.log                            # some rules, one executor, RSS every 30 s

Needs `pip install -e '.[ray]'`. Each run is `datalint check FILE --no-cache --format json -o OUT`
in its own process (`--executor local` with `--jobs` worker processes, then `--executor ray` on a
local cluster of `--jobs` CPUs); a sampler reads the RSS of the driver and of every process below
it from /proc every 0.25 s: the driver, Ray's `ray::` worker processes, the forked processes (the
local record pass's pool and both runs' dataset-pass children: same command line as the driver)
the process spawned beside the driver to drive D005's search on Ray (its RSS, and its anonymous
part: without the pages of the table file and of the object store it maps), and Ray's own
services (GCS, raylet ...), apart.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from proc_status import status_kb  # noqa: E402
from run import generate_million  # noqa: E402  (bench/run.py: the same generated records)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry))
    return tree


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Sampler(threading.Thread):
    """Peak RSS of a process, of its largest worker and of the rest of its process tree."""

    def __init__(self, pid: int, timeline: Path | None = None, every: float = 30.0) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        kinds = ("driver", "Ray worker", "forked", "spawned", "spawned, anonymous", "ray services (sum)")
        self.peaks = dict.fromkeys(kinds, 0.0)
        self.now = dict(self.peaks)
        self.stopped = threading.Event()
        self.timeline, self.every = timeline, every

    def run(self) -> None:
        started = last_logged = time.perf_counter()
        while not self.stopped.wait(0.25):
            self.sample()
            if self.timeline is not None and time.perf_counter() - last_logged >= self.every:
                last_logged = time.perf_counter()
                now = ", ".join(f"{name} {value:,.0f}" for name, value in self.now.items())
                with self.timeline.open("a") as log:
                    print(f"{last_logged - started:6.0f} s  RSS MB now: {now}", file=log)

    def sample(self) -> None:
        tree = _children()
        below, pending = [], list(tree.get(self.pid, []))
        while pending:
            pid = pending.pop()
            below.append(pid)
            pending += tree.get(pid, [])
        now = dict.fromkeys(self.peaks, 0.0)
        now["driver"] = status_kb("VmRSS", self.pid) / 1024
        for pid in below:
            command = _cmdline(pid)
            rss = status_kb("VmRSS", pid) / 1024
            if command.startswith("ray::"):
                now["Ray worker"] = max(now["Ray worker"], rss)
            elif command == _cmdline(self.pid):
                now["forked"] = max(now["forked"], rss)
            elif "multiprocessing" in command:  # D005's side on Ray (engine/ray_dataset_rule.py)
                now["spawned"] = max(now["spawned"], rss)
                # Its own memory, without the pages of files it maps (the table, the object store).
                now["spawned, anonymous"] = max(now["spawned, anonymous"], status_kb("RssAnon", pid) / 1024)
            else:
                now["ray services (sum)"] += rss
        self.now = now
        for name, value in now.items():
            self.peaks[name] = max(self.peaks[name], value)


def sampled_run(
    command: list[str], sampler_type: type[Sampler] = Sampler, timeline: Path | None = None
) -> tuple[subprocess.CompletedProcess, float, float, dict[str, float]]:
    """Run a command with its process tree's RSS sampled (by `sampler_type`, a Sampler): (the
    finished process with its stderr, wall seconds, CPU seconds of its children, peak RSS in MB of
    each kind of process). `timeline`: a file to which the RSS now is added every 30 s."""
    started = time.perf_counter()
    before = os.times()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    sampler = sampler_type(process.pid, timeline)
    sampler.start()
    _, stderr = process.communicate()
    sampler.stopped.set()
    sampler.join()
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    finished = subprocess.CompletedProcess(command, process.returncode, None, stderr)
    return finished, time.perf_counter() - started, cpu, sampler.peaks


def measure(
    data: Path, out: Path, executor: str, jobs: int, select: str | None = None, timeline: Path | None = None
) -> dict:
    command = [sys.executable, "-m", "datalint.cli", "check", str(data), "--no-cache", "--format", "json"]
    command += ["-o", str(out), "--executor", executor, "--jobs", str(jobs), "--timings"]
    command += ["--select", select] if select else []
    if timeline is not None:
        with timeline.open("a") as log:
            print(f"--- {executor}: {' '.join(command[1:])}", file=log)
    finished, wall, cpu, peaks = sampled_run(command, timeline=timeline)
    tasks = re.search(r"([\d,]+) worker tasks", finished.stderr)
    return {
        "executor": executor,
        "exit": finished.returncode,
        "wall": wall,
        "cpu (driver + pool, not Ray's workers)": cpu,
        "tasks": tasks.group(1) if tasks else finished.stderr[-500:],
        **{f"peak RSS MB, {name}": round(value) for name, value in peaks.items()},
    }


def chunk_cost(data: Path, chunks: int = 12) -> dict:
    """Seconds one core spends on a 1 MB chunk (executor._work: parse, check, pack), after the
    first one, which also prepares every rule (what each new worker pays once)."""
    from datalint import settings_resolver
    from datalint.engine import executor
    from datalint.reader import read_blocks, record_hashes

    settings = settings_resolver(None, None, (), ()).settings_for(data)
    with data.open("rb") as stream:
        lines = next(read_blocks(stream)).lines
    misses = list(zip(range(1, len(lines) + 1), lines, record_hashes(lines), strict=True))
    pieces = list(executor._chunks(misses, executor.CHUNK_BYTES))[: chunks + 1]
    payload = (tuple(settings.rules), settings.format, settings.mapping)
    seconds = []
    for piece in pieces:
        started = time.process_time()
        executor._work(("bench", payload, "alpaca", piece, False))
        seconds.append(time.process_time() - started)
    return {
        "first chunk s (prepares the rules)": round(seconds[0], 2),
        "chunk s (median)": round(statistics.median(seconds[1:]), 3),
        "records per chunk": round(statistics.mean(len(piece) for piece in pieces)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the generated file in --workdir")
    parser.add_argument("--select", help="rule codes to run (default: the default rules)")
    parser.add_argument("--executors", default="local,ray", help="which runs, in order (default: local,ray)")
    parser.add_argument("--timeline", type=Path, help="a file to log every process kind's RSS to, every 30 s")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="datalint-ray-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"generated-{args.records}.jsonl"
    if not data.exists():
        started = time.perf_counter()
        generate_million(data, args.records)
        size = data.stat().st_size / 1e6
        print(f"generated {args.records:,} records ({size:.0f} MB) in {time.perf_counter() - started:.0f} s")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    print(json.dumps(chunk_cost(data)))
    outputs = {}
    for executor in args.executors.split(","):
        outputs[executor] = work / f"report-{executor}.json"
        result = measure(data, outputs[executor], executor, args.jobs, args.select, args.timeline)
        print(json.dumps(result), flush=True)
    if len(outputs) == 2:
        same = outputs["local"].read_bytes() == outputs["ray"].read_bytes()
        print(f"outputs byte-identical: {same} ({outputs['local'].stat().st_size / 1e6:.0f} MB of JSON)")
    if not args.keep:
        for path in (data, *outputs.values()):
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
