"""Columnar inputs against JSONL on alpaca-en-52k: reading cost, lint cost, peak memory of reading.

Writes the dataset as a Parquet file (row groups of 10,000 rows) and as a save_to_disk-style
folder (four Arrow IPC stream shards and a state.json), then, in this process one after the
other so the ratios hold on a busy machine: CPU seconds to turn every record into blocks of
lines (reader.read_blocks against columnar.read_blocks), and CPU seconds of a whole lint of each
(default rules, one process, no cache), checking that the findings are the same at the same
rows. Peak RSS of reading alone is measured in a child process per input.
Usage: python bench/columnar.py [dataset.jsonl]   (needs pyarrow: pip install -e '.[parquet]')
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq

import datalint
from datalint import columnar, reader
from datalint.sources import collect_sources

DEFAULT = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "alpaca-en-52k.jsonl"
SHARDS = 4


def write_inputs(source: Path, folder: Path) -> dict[str, Path]:
    table = pa.Table.from_pylist([json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()])
    pq.write_table(table, folder / "data.parquet", row_group_size=10_000)
    saved = folder / "saved"
    saved.mkdir()
    size = -(-table.num_rows // SHARDS)
    names = []
    for index in range(SHARDS):
        name = f"data-{index:05d}-of-{SHARDS:05d}.arrow"
        with pyarrow.ipc.new_stream(str(saved / name), table.schema) as writer:
            writer.write_table(table.slice(index * size, size), max_chunksize=1000)
        names.append({"filename": name})
    (saved / "state.json").write_text(json.dumps({"_data_files": names}))
    return {"jsonl": source, "parquet": folder / "data.parquet", "arrow": saved}


def read_all(kind: str, path: Path) -> int:
    """Every record of an input as blocks of lines, as the record pass reads them; the line count."""
    if kind == "jsonl":
        with path.open("rb") as stream:
            return sum(len(block.lines) for block in reader.read_blocks(stream))
    found = collect_sources([str(path)], datalint.settings_resolver(None, None, (), ()))
    return sum(len(block.lines) for block in columnar.read_blocks(found[0].columnar, found[0].name, None))


def cpu(function, *args):
    start = time.process_time()
    result = function(*args)
    return time.process_time() - start, result


def findings(path: Path) -> set[tuple]:
    report = datalint.lint_paths([path], conventions=False)
    return {
        (v.code, re.sub(r"\bline (\d+)", r"row \1", v.message), v.pointer, v.record_hash, v.line)
        for v in report.violations
    }


def peak_rss_reading(kind: str, path: Path) -> float:
    """MB of peak RSS of a child process that reads the input as blocks (nothing else). VmHWM, not
    getrusage: a forked child's ru_maxrss starts at its parent's."""
    code = (
        "import pathlib, sys; sys.path.insert(0, sys.argv[3]); import columnar as bench; "
        "bench.read_all(sys.argv[1], pathlib.Path(sys.argv[2])); "
        "print(next(line for line in open('/proc/self/status') if line.startswith('VmHWM')).split()[1])"
    )
    folder = str(Path(__file__).resolve().parent)
    out = subprocess.run(
        [sys.executable, "-c", code, kind, str(path), folder], capture_output=True, text=True, check=True
    )
    return int(out.stdout.split()[-1]) / 1024


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with tempfile.TemporaryDirectory() as temporary:
        inputs = write_inputs(source, Path(temporary))
        sizes = {
            kind: sum(f.stat().st_size for f in ([p] if p.is_file() else p.iterdir())) for kind, p in inputs.items()
        }
        print(f"{source.name}: " + ", ".join(f"{kind} {size / 1e6:.1f} MB on disk" for kind, size in sizes.items()))
        reading = {kind: cpu(read_all, kind, path) for kind, path in inputs.items()}
        base = reading["jsonl"][0]
        for kind, (seconds, lines) in reading.items():
            ratio = seconds / base
            print(
                f"  read as blocks of lines, {kind:>7}: {seconds:5.2f} s CPU ({ratio:.2f} x JSONL), {lines:,} records"
            )
        linted = {kind: cpu(findings, path) for kind, path in inputs.items()}
        base = linted["jsonl"][0]
        for kind, (seconds, found) in linted.items():
            same = "same findings at the same rows" if found == linted["jsonl"][1] else "DIFFERENT findings"
            print(
                f"  lint (default rules, -j 1), {kind:>7}: {seconds:5.2f} s CPU ({seconds / base:.2f} x JSONL), {same}"
            )
        for kind, path in inputs.items():
            print(f"  peak RSS of a process reading it, {kind:>7}: {peak_rss_reading(kind, path):.0f} MB")


if __name__ == "__main__":
    main()
