"""Driver memory of D005's dataset pass alone, searching here and on Ray: the peak RSS above what the
process held before (its feature table already built), found with Linux's resettable high-water mark.

    python bench/ray_minhash_dataset_pass.py FILE.jsonl

Builds D005's feature table of FILE (alpaca records, as bench/run.py generates) in this process
(the record pass's features: HEADER keys and the sorted shingle hashes of each record), then runs
`check_dataset` (the local search) and `check_dataset_on_ray` (Ray Data, on a local Ray instance
of 2 CPUs started before the measure) one after the other, and checks they give the same
findings. Needs `pip install -e '.[ray]'`.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import numpy as np  # noqa: E402

import datalint  # noqa: E402
from datalint.checks import near_duplicate  # noqa: E402
from datalint.engine.features import FeatureTable, PathColumn  # noqa: E402
from datalint.feature_types import features_of  # noqa: E402
from datalint.field_mapping import build_record  # noqa: E402
from datalint.reader import record_hash  # noqa: E402
from datalint.rules import prepared  # noqa: E402
from datalint.typed_columns import typed_of_values  # noqa: E402


def status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def peak_above_now(run) -> tuple[object, float, float, float]:
    """run()'s result, seconds, the RSS before it and its peak RSS above that (MB)."""
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    before = status("VmRSS")
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started, before, status("VmHWM") - before


def table_of(path: Path, rule) -> FeatureTable:
    paths: list[str] = []
    lines: list[int] = []
    values: list = []
    batch: list = []

    def flush() -> None:
        for record, value in zip(batch, near_duplicate.record_features_batch(rule, batch), strict=True):
            if value is not None:
                paths.append(str(path))
                lines.append(record.line)
                values.append(value)
        batch.clear()

    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            batch.append(build_record(number, record_hash(raw), json.loads(raw), "alpaca"))
            if len(batch) == 4096:
                flush()
    flush()
    # The table holds D005's column as the dataset pass gets it: one typed array column.
    column = typed_of_values(values, features_of(rule), "shingles")
    del values[:]
    table_paths = PathColumn([str(path)], [len(paths)])
    return FeatureTable(table_paths, np.array(lines), np.zeros(len(paths), np.uint64), read_column=lambda name: column)


def main() -> None:
    import ray

    path = Path(sys.argv[1])
    settings = datalint.settings_resolver(None, ("D005",), (), ()).settings_for(path)
    rule = prepared(next(rule for rule in settings.rules if rule.code == "D005"))
    started = time.perf_counter()
    table = table_of(path, rule)
    shingles = table.column("shingles").values.size - near_duplicate.HEADER * len(table)
    print(f"{path.name}: {len(table):,} rows, {shingles:,} shingle hashes ({shingles * 8 / 1e6:.0f} MB)", end="")
    print(f", table built in {time.perf_counter() - started:.0f} s; RSS {status('VmRSS'):.0f} MB")
    found = {}
    for name, check in (("local", near_duplicate.check_dataset), ("ray", near_duplicate.check_dataset_on_ray)):
        if name == "ray":
            ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
        found[name], seconds, before, peak = peak_above_now(lambda check=check: list(check(rule, table)))
        print(f"  {name}: {seconds:.1f} s, {len(found[name])} findings", end="")
        print(f", RSS before {before:.0f} MB, peak above it {peak:.0f} MB")
    print(f"  same findings: {found['local'] == found['ray']}")


if __name__ == "__main__":
    main()
