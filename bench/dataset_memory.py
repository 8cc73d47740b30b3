"""Memory and time of each dataset-wide rule's pass: its table built and the rule run, alone.

    python bench/dataset_memory.py FILE [--jobs 2] [--rules D001,F106 [--select-only]] [--traced]

The record pass of FILE runs once in this process (no cache, default rules, `--jobs` workers);
then each dataset-wide rule runs in a child forked from it, as the dataset pass shares rules with
forked processes: building the rule's table from the files' encoded feature columns and checking
it. Per rule it prints the CPU seconds of that step and how much the child's peak RSS grew over
what it inherited (VmHWM after less VmRSS at the fork): what the rule adds to the process that
runs it. The run's largest process is the one that starts from the record pass's heap and runs
the costliest rules; the figures name them.
"""

from __future__ import annotations

import argparse
import os
import pickle
import time
import tracemalloc
from pathlib import Path

from proc_status import status_kb  # bench/, this script's folder

from datalint import settings_resolver
from datalint.checks import load_kind
from datalint.engine.executor import RunOptions, make_executor
from datalint.engine.features import table_of
from datalint.engine.record_pass import file_record_pass
from datalint.sources import collect_sources


def _measure(files, rule, traced: bool = False) -> tuple[float, int, int]:
    """(CPU seconds, peak RSS growth in KB, findings) of one rule's pass, in a forked child; with
    `traced`, the growth is tracemalloc's peak instead (Python objects and numpy arrays allocated,
    reused free heap included, which RSS growth does not see)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # the peak starts from here
        start_rss = status_kb("VmRSS")
        if traced:
            tracemalloc.start()
        started = time.process_time()
        table = table_of(files, rule.code)
        found = len(list(load_kind(rule.kind).check_dataset(rule, table))) if len(table) else 0
        seconds = time.process_time() - started
        grown = tracemalloc.get_traced_memory()[1] // 1024 if traced else status_kb("VmHWM") - start_rss
        with os.fdopen(write_end, "wb") as out:
            pickle.dump((seconds, grown, found), out)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as source:
        measured = pickle.load(source)
    os.waitpid(pid, 0)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rules", default="", help="comma-separated codes (default: every dataset-wide rule)")
    parser.add_argument(
        "--select-only", action="store_true", help="run only --rules in the record pass too (a cheaper record pass)"
    )
    parser.add_argument("--traced", action="store_true", help="peak growth from tracemalloc, not RSS (CPU then slower)")
    args = parser.parse_args()
    select = args.rules.split(",") if args.select_only and args.rules else None
    resolver = settings_resolver(None, select, (), (), None, (), None)
    run = make_executor(RunOptions(jobs=args.jobs))
    files = []
    started = time.perf_counter()
    for source in collect_sources([str(args.file)], resolver):
        settings = resolver.settings_for(source.path)
        files.append(file_record_pass(source, settings, run, None))
    run.close()
    print(f"record pass: {time.perf_counter() - started:.1f} s, this process {status_kb('VmRSS') / 1024:.0f} MB")
    wanted = set(filter(None, args.rules.split(",")))
    rules = {}
    for features in files:
        for code, (_, rule) in features.rules.items():
            if not wanted or code in wanted:
                rules.setdefault(code, rule)
    print(f"{'rule':6} {'kind':16} {'CPU s':>7} {'peak +MB':>9} {'findings':>9}")
    for code, rule in sorted(rules.items()):
        seconds, grown, found = _measure(files, rule, args.traced)
        print(f"{code:6} {rule.kind:16} {seconds:7.2f} {grown / 1024:9.1f} {found:9,}")


if __name__ == "__main__":
    main()
