"""What the driver (the main process) holds per line after the record pass of a file.

    PYTHONPATH=$PWD python bench/driver_memory.py FILE [--jobs 2] [--work FOLDER]

Runs the record pass of FILE (default rules, `--jobs` worker processes) three times, each in a
fresh process: without the cache, with the cache on and empty (a cold run), and again with the
cache the cold run left (a warm run: every line found in the cache). For each it prints

- the driver's RSS growth over the record pass, per line (VmRSS after less VmRSS before; workers
  are other processes, so this is the driver alone: the per-line location data plus the packed
  feature columns the workers send back, which this bench does not separate);
- the bytes per line of the location data alone, measured on the objects the pass returns
  (`FileResults.hashes`, `.order`, `.known`, `.entries.keys`), whatever their type (Python lists,
  strs, ints and dicts on main; numpy arrays on the `lines` branch).

Run it with main's and a branch's PYTHONPATH to compare. Caches go to `--work` (default
/work/tmp/lines-bench), never into the repository.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from proc_status import status_kb  # bench/, this script's folder


def deep_size(value: Any, seen: set[int] | None = None) -> int:
    """Bytes of an object and what it holds (lists, tuples, dicts, numpy arrays, dataclasses with
    slots), each object counted once."""
    import numpy as np

    seen = set() if seen is None else seen
    if id(value) in seen or value is None or isinstance(value, (bool, range)):
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return value.nbytes + sys.getsizeof(np.empty(0))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        return size + sum(deep_size(key, seen) + deep_size(item, seen) for key, item in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return size + sum(deep_size(item, seen) for item in value)
    if hasattr(value, "__slots__"):
        return size + sum(deep_size(getattr(value, slot, None), seen) for slot in value.__slots__)
    return size


def one_pass(path: Path, jobs: int, cache_folder: Path | None) -> dict[str, Any]:
    """The record pass of `path` in this process: its lines, RSS growth and location bytes."""
    import gc

    from datalint import settings_resolver
    from datalint.engine.executor import RunOptions, make_executor
    from datalint.engine.record_pass import file_record_pass
    from datalint.sources import collect_sources

    resolver = settings_resolver(None, None, (), (), None, (), None)
    (source,) = collect_sources([str(path)], resolver)
    settings = resolver.settings_for(source.path)
    run = make_executor(RunOptions(jobs=jobs, cache=cache_folder is not None))
    gc.collect()
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # the peak (VmHWM) starts from here
    before = status_kb("VmRSS")
    state = file_record_pass(source, settings, run, cache_folder)
    run.close()
    gc.collect()
    after, peak = status_kb("VmRSS"), status_kb("VmHWM")
    if state.cache_write is not None:
        state.cache_write()
    lines = len(state.hashes)
    where = {
        "hashes": deep_size(state.hashes),
        "order": deep_size(state.order),
        "known": deep_size(state.known),
        "keys": deep_size(state.entries.keys),
    }
    return {
        "lines": lines,
        "rss_growth": (after - before) * 1024,
        "peak_growth": (peak - before) * 1024,
        "where": where,
        **run.stats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/work/tmp/lines-bench"))
    parser.add_argument("--one", choices=("off", "cold", "warm"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    cache_folder = args.work / "driver-memory-cache"
    if args.one is not None:
        found = one_pass(args.file, args.jobs, None if args.one == "off" else cache_folder)
        print(json.dumps(found))
        return
    shutil.rmtree(cache_folder, ignore_errors=True)
    import datalint

    print(f"datalint from {Path(datalint.__file__).parent}, {args.file}, jobs {args.jobs}")
    print(
        f"{'cache':6} {'lines':>9} {'RSS growth B/line':>18} {'peak growth B/line':>19} {'locations B/line':>17}"
        "  (hashes, order, known, keys)"
    )
    for mode in ("off", "cold", "warm"):
        command = [sys.executable, __file__, str(args.file), "--jobs", str(args.jobs), "--work", str(args.work)]
        output = subprocess.run([*command, "--one", mode], capture_output=True, text=True, check=True).stdout
        found = json.loads(output.strip().splitlines()[-1])
        lines = max(found["lines"], 1)
        where = found["where"]
        parts = ", ".join(f"{where[name] / lines:.0f}" for name in ("hashes", "order", "known", "keys"))
        print(
            f"{mode:6} {found['lines']:>9,} {found['rss_growth'] / lines:>18.0f} {found['peak_growth'] / lines:>19.0f} "
            f"{sum(where.values()) / lines:>17.0f}  ({parts}); checked {found.get('checked', 0):,}, "
            f"cached {found.get('cached', 0):,}"
        )
    shutil.rmtree(cache_folder, ignore_errors=True)


if __name__ == "__main__":
    main()
