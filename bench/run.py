"""Speed benchmark of datalint against the targets of issue 7; every figure measured in this run.

    python bench/run.py            # everything (the hand-rolled pipeline on all 52k records: ~3-5 min)
    python bench/run.py --quick    # hand-rolled pipeline timed on 5,000 records and extrapolated
    python bench/run.py --only cold,warm,version,floor   # skip the 1M-record figure

Each command runs in its own process through a small wrapper that reports its wall time, CPU time
(user + sys of it and its worker processes) and peak RSS (resource.getrusage(RUSAGE_CHILDREN):
the largest single process); a sampler adds up the RSS of the whole process tree every 0.25 s.
Ratios compare runs of this same invocation, so a busy machine moves them less than the seconds.
The bench installs what the hand-rolled pipeline needs (orjson datasketch langdetect textstat
0.7.8) with pip when missing; none of it is a datalint dependency. Big files go to a temporary
folder (or --workdir), never into the repository.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
ALPACA = DATASETS / "alpaca-en-52k.jsonl"
BENCH_PACKAGES = {
    "orjson": "orjson",
    "datasketch": "datasketch",
    "langdetect": "langdetect",
    "textstat": "textstat==0.7.8",
}
FIGURES = ("cold", "warm", "million", "version", "floor")
# Measured as an installed tool runs: with bytecode caches (a wheel install compiles them; an
# editable install under PYTHONDONTWRITEBYTECODE=1 would recompile every module on every run).
MEASURED_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}

WRAPPER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
completed = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_mb": usage.ru_maxrss / 1024,
               "code": completed.returncode, "stderr": completed.stderr.decode(errors="replace")[-2000:]}, out)
"""


@dataclass
class Measure:
    wall: float
    cpu: float
    maxrss_mb: float
    tree_rss_mb: float
    tree_pss_mb: float
    code: int
    stderr: str


def measure(command: list[str], cwd: Path | None = None) -> Measure:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        report = handle.name
    process = subprocess.Popen([sys.executable, "-c", WRAPPER, report, *command], cwd=cwd, env=MEASURED_ENV)
    peak = [0.0, 0.0]  # RSS summed, PSS summed
    done = threading.Event()

    def sample() -> None:
        # RSS every 0.25 s; PSS every 2 s, as reading smaps_rollup walks the page tables (~30 ms
        # for a 1.4 GB process: every 0.25 s over three processes it took ~40% of a core).
        ticks = 0
        while not done.is_set():
            peak[0] = max(peak[0], _tree_memory_mb(process.pid, "VmRSS"))
            if ticks % 8 == 0:
                peak[1] = max(peak[1], _tree_memory_mb(process.pid, "Pss"))
            ticks += 1
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    process.wait()
    done.set()
    sampler.join()
    result = json.loads(Path(report).read_text())
    os.unlink(report)
    return Measure(result["wall"], result["cpu"], result["maxrss_mb"], *peak, result["code"], result["stderr"])


def _tree_memory_mb(pid: int, field: str) -> float:
    """Memory of a process and all its descendants, from /proc (Linux; 0 elsewhere): the sum of
    their `VmRSS` (status) or `Pss` (smaps_rollup: a page shared by forked processes counted once,
    split between them, where RSS counts it in each)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            name = "smaps_rollup" if field == "Pss" else "status"
            text = Path(f"/proc/{current}/{name}").read_text()
            total += int(next(line for line in text.splitlines() if line.startswith(field + ":")).split()[1])
            for task in os.listdir(f"/proc/{current}/task"):
                stack.extend(int(child) for child in Path(f"/proc/{current}/task/{task}/children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def ensure_bench_packages() -> None:
    missing = [spec for module, spec in BENCH_PACKAGES.items() if importlib.util.find_spec(module) is None]
    if missing:
        print(f"installing for the bench only: {' '.join(missing)}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def datalint_command(*arguments: str) -> list[str]:
    return [sys.executable, "-c", "from datalint.cli import run; run()", *arguments]  # the console script


def enabled_rules() -> list[str]:
    from datalint.config import SettingsResolver

    return [rule.code for rule in SettingsResolver().settings_for(None).rules]


def edit_records(path: Path, count: int, seed: int = 7) -> list[int]:
    """Change `count` records spread over the file (a word appended to the response)."""
    lines = path.read_bytes().split(b"\n")
    chosen = sorted(random.Random(seed).sample(range(len(lines) - 1), count))
    for index in chosen:
        record = json.loads(lines[index])
        key = "output" if "output" in record else next(iter(record))
        record[key] = f"{record[key]} (edited {index})" if isinstance(record[key], str) else "edited"
        lines[index] = json.dumps(record, ensure_ascii=False).encode()
    path.write_bytes(b"\n".join(lines))
    return [index + 1 for index in chosen]


def generate_million(target: Path, records: int, seed: int = 1) -> None:
    """Alpaca-format records from the real alpaca-format datasets, with ~5% of words dropped or
    replaced per copy and 1% given a known defect; seeded, so every run lints the same file."""
    sources = []
    for path in sorted(DATASETS.glob("*.jsonl")):
        for line in path.read_bytes().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            # Records of up to 2 KB: the mix then averages ~400 bytes a record, like alpaca-en-52k.
            if isinstance(record, dict) and "instruction" in record and "output" in record and len(line) <= 2048:
                sources.append(record)
    vocabulary = [word for record in sources[:5000] for word in str(record["output"]).split()[:20]]
    rng = random.Random(seed)
    defects = ["", "As an AI language model, I cannot do that.", "<nooutput>", "TODO: write the answer"]
    with target.open("w", encoding="utf-8") as out:
        for index in range(records):
            record = dict(rng.choice(sources))
            for key in ("instruction", "input", "output"):
                value = record.get(key)
                if isinstance(value, str) and value:
                    words = value.split(" ")
                    kept = [
                        rng.choice(vocabulary) if roll < 0.025 else word
                        for word in words
                        if (roll := rng.random()) >= 0.05 or roll < 0.025
                    ]
                    record[key] = " ".join(kept)
            if rng.random() < 0.01:
                record["output"] = rng.choice(defects)
            record["id"] = index
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def run_figures(args: argparse.Namespace, work: Path) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    data = work / "alpaca-en-52k.jsonl"
    shutil.copyfile(ALPACA, data)
    (work / "datalint.toml").write_text("", encoding="utf-8")  # the cache lands in work/.datalint_cache
    cold = None

    if {"cold", "warm", "floor"} & args.only:
        shutil.rmtree(work / ".datalint_cache", ignore_errors=True)
        cold = measure(datalint_command("check", str(data), "--exit-zero", "--statistics", *jobs), cwd=work)
        _check(cold, "cold run")
        serial = measure(datalint_command("check", str(data), "--exit-zero", "--no-cache", "--jobs", "1"), cwd=work)
        _check(serial, "serial run")
        print(f"cold: {cold.wall:.2f} s wall, {cold.cpu:.2f} s CPU; --jobs 1: {serial.wall:.2f} s", flush=True)

    if "cold" in args.only:
        limit = 5000 if args.quick else None
        hand = measure(
            [sys.executable, str(ROOT / "bench" / "handrolled.py"), str(data), *([str(limit)] if limit else [])]
        )
        _check(hand, "hand-rolled pipeline")
        scale = 52002 / limit if limit else 1.0
        hand_wall, hand_cpu = hand.wall * scale, hand.cpu * scale
        label = f"{hand_wall:.0f} s (timed on {limit:,} records x{scale:.1f})" if limit else f"{hand_wall:.1f} s"
        print(f"hand-rolled: {label}", flush=True)
        rows.append(
            (
                "1. cold, all default rules, alpaca-en-52k",
                f"{cold.wall:.2f} s wall ({cold.cpu:.2f} s CPU)",
                "< 10 s",
                _met(cold.wall < 10),
            )
        )
        rows.append(
            ("   --jobs 1, no cache (for reference)", f"{serial.wall:.2f} s wall ({serial.cpu:.2f} s CPU)", "", "")
        )
        rows.append(("   hand-rolled pipeline, same file", label, "", ""))
        rows.append(
            (
                "   speed-up over hand-rolled",
                f"{hand_wall / cold.wall:.1f}x wall, {hand_cpu / cold.cpu:.1f}x CPU",
                ">= 10x",
                _met(hand_wall / cold.wall >= 10),
            )
        )

    if "warm" in args.only:
        edited = edit_records(data, 10)
        warm = measure(
            datalint_command("check", str(data), "--exit-zero", "--statistics", "--timings", *jobs), cwd=work
        )
        _check(warm, "warm run")
        checked = next((line for line in warm.stderr.splitlines() if line.startswith("timings")), "")
        print(f"warm (edited lines {edited}): {warm.wall:.2f} s; {checked}", flush=True)
        rows.append(
            (
                "2. warm cache, 10 records edited",
                f"{warm.wall:.2f} s wall ({warm.cpu:.2f} s CPU)",
                "< 1 s",
                _met(warm.wall < 1),
            )
        )
        ratios = f"{warm.wall / cold.wall:.3f} wall, {warm.cpu / cold.cpu:.3f} CPU"
        rows.append(("   warm / cold", ratios, "< 0.1", _met(warm.wall / cold.wall < 0.1)))

    if "million" in args.only:
        big = work / "million.jsonl"
        if not big.exists():
            started = time.perf_counter()
            generate_million(big, args.million)
            seconds = time.perf_counter() - started
            megabytes = big.stat().st_size / 1e6
            print(f"generated {args.million:,} records, {megabytes:.0f} MB in {seconds:.0f} s", flush=True)
        shutil.rmtree(work / ".datalint_cache", ignore_errors=True)
        million = measure(
            datalint_command("check", str(big), "--exit-zero", "--statistics", "--timings", *jobs), cwd=work
        )
        _check(million, "1M run")
        print(
            f"1M: {million.wall:.1f} s, max RSS {million.maxrss_mb:.0f} MB, "
            f"tree RSS {million.tree_rss_mb:.0f} MB, tree PSS {million.tree_pss_mb:.0f} MB",
            flush=True,
        )
        size = f"{args.million:,} records, {big.stat().st_size / 1e6:.0f} MB"
        rows.append(
            (
                f"3. {size}, cold",
                f"{million.wall:.1f} s wall ({million.cpu:.1f} s CPU)",
                "< 240 s",
                _met(million.wall < 240),
            )
        )
        rows.append(
            (
                "   peak RSS, largest process (RUSAGE_CHILDREN)",
                f"{million.maxrss_mb:.0f} MB",
                "< 2 GB",
                _met(million.maxrss_mb < 2048),
            )
        )
        rows.append(("   peak RSS, all processes summed (sampled)", f"{million.tree_rss_mb:.0f} MB", "", ""))
        rows.append(("   peak PSS, all processes summed (sampled)", f"{million.tree_pss_mb:.0f} MB", "", ""))

    if "version" in args.only:
        versions = sorted((run.wall, run.cpu) for run in (measure(datalint_command("--version")) for _ in range(5)))
        imports = sorted(measure([sys.executable, "-c", "import datalint"]).wall for _ in range(5))
        bare = sorted(measure([sys.executable, "-c", "pass"]).wall for _ in range(5))
        wall, cpu = versions[2]
        rows.append(
            ("4. datalint --version (median of 5)", f"{wall:.3f} s wall ({cpu:.3f} s CPU)", "< 0.3 s", _met(wall < 0.3))
        )
        rows.append(("   import datalint / bare python (median of 5)", f"{imports[2]:.3f} s / {bare[2]:.3f} s", "", ""))

    if "floor" in args.only:
        floor = measure([sys.executable, str(ROOT / "bench" / "floor.py"), str(ALPACA)])
        _check(floor, "orjson floor")
        rows.append(("5. raw floor: orjson parse of the same file", f"{floor.wall:.2f} s", "", ""))
        rows.append(("   cold run / floor", f"{cold.wall / floor.wall:.1f}x", "report", ""))
    return rows


REFERENCE_LOOP = """import time
started = time.perf_counter()
total = 0
for number in range(10_000_000):
    total += number * number
print(time.perf_counter() - started)
"""


def machine_speed() -> tuple[float, float]:
    """Seconds a fixed pure-Python loop takes alone and with a second copy running at once. The
    machines here are shared: the same run took 1.5x longer in the afternoon than in the morning,
    and two processes sometimes get 1.5x one core's work, not 2x. Figures compare through this."""

    def run(copies: int) -> float:
        processes = [
            subprocess.Popen([sys.executable, "-c", REFERENCE_LOOP], stdout=subprocess.PIPE, text=True)
            for _ in range(copies)
        ]
        return max(float(process.communicate()[0]) for process in processes)

    return run(1), run(2)


def _check(result: Measure, what: str) -> None:
    if result.code != 0:
        raise SystemExit(f"{what} failed (exit {result.code}):\n{result.stderr}")


def _met(condition: bool) -> str:
    return "met" if condition else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="hand-rolled pipeline on 5,000 records, extrapolated")
    parser.add_argument("--only", default=",".join(FIGURES), help=f"comma-separated figures: {', '.join(FIGURES)}")
    parser.add_argument("--million", type=int, default=1_000_000, help="records in the generated large file")
    parser.add_argument("--jobs", type=int, default=0, help="--jobs passed to datalint (default: its own, all cores)")
    parser.add_argument("--workdir", type=Path, help="keep the generated files here (default: a temporary folder)")
    args = parser.parse_args()
    args.only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = args.only - set(FIGURES)
    if unknown:
        parser.error(f"unknown figure {sorted(unknown)[0]!r}")
    if not ALPACA.exists():
        raise SystemExit(f"{ALPACA} not found: the bench needs the shared datasets beside the checkout")
    ensure_bench_packages()
    import datalint

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(datalint.__file__).parent)], check=True)
    rules = enabled_rules()
    load = os.getloadavg()
    print(f"datalint rules on (defaults): {len(rules)}: {' '.join(rules)}")
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} at start", flush=True)
    alone, paired = machine_speed()
    print(f"machine speed: a reference Python loop takes {alone:.2f} s alone, {paired:.2f} s with a copy beside it")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="datalint-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = run_figures(args, work)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end\n")
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    header = ("figure", "measured", "target", "")
    print("  ".join(title.ljust(width) for title, width in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
