"""The incremental cache: reused per record, invalidated by edits and rule settings, never trusted blindly."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import datalint
import datalint.checks
import datalint.rules
from datalint import cache, codec, container
from datalint.cli import main
from datalint.reader import record_hash
from datalint.record_keys import RecordKeys
from datalint.report import Report
from datalint.results import Entries

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
CODE_ALPACA = DATASETS / "code-alpaca-2k.jsonl"
SHAREGPT = DATASETS / "sharegpt-v3-cleaned-first2k.jsonl"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A real dataset copied beside a config file, so the cache lands in tmp_path/.datalint_cache."""
    target = tmp_path / "data.jsonl"
    shutil.copyfile(SHAREGPT, target)
    # Per-record rules of each family and dataset-wide rules whose features are numpy arrays (D005),
    # not every rule: the cache's behaviour is the same, the tests ten times faster.
    (tmp_path / "datalint.toml").write_text('select = ["S", "P0", "F0", "Q004", "D001", "D005"]\n', encoding="utf-8")
    return target


def run(path: Path, *, use_cache: bool = True) -> Report:
    return datalint.lint_paths([path], cache=use_cache)


def shapes(report) -> list[dict]:
    return [violation.to_dict() for violation in report.violations]


def cache_files(folder: Path) -> list[Path]:
    return sorted((folder / ".datalint_cache").glob("*.bin"))


def test_warm_run_reuses_every_record_and_reports_the_same(dataset: Path) -> None:
    cold = run(dataset)
    assert cold.stats["checked"] == 2000 and cold.stats["cached"] == 0
    assert len(cache_files(dataset.parent)) == 1
    warm = run(dataset)
    # Nothing changed: the dataset-wide rules (D001, D005, S104) reuse their last findings.
    assert warm.stats == {
        "checked": 0,
        "cached": 2000,
        "worker tasks": 0,
        "dataset processes": 0,
        "dataset rules reused": 3,
    }
    assert shapes(warm) == shapes(cold) == shapes(run(dataset, use_cache=False))
    assert [(s.records, s.format) for s in warm.files] == [(2000, "sharegpt")]
    assert len(cold.violations) > 100  # a dataset with findings, so the comparison means something


def test_editing_one_record_rechecks_only_that_record(dataset: Path) -> None:
    before = run(dataset)
    lines = dataset.read_bytes().split(b"\n")
    record = json.loads(lines[99])
    record["conversations"].append({"from": "human", "value": "As an AI language model, TODO"})
    lines[99] = json.dumps(record).encode()
    dataset.write_bytes(b"\n".join(lines))
    after = run(dataset)
    assert after.stats["checked"] == 1 and after.stats["cached"] == 1999
    assert shapes(after) == shapes(run(dataset, use_cache=False))
    # Per-record results of the other records are unchanged (dataset-wide rules, recomputed from
    # cached features, may shift: one edited record moves a median).
    per_record = {rule.code for rule in datalint.rules.builtin_rules() if not _dataset_wide(rule)}
    unchanged = [v for v in shapes(before) if v["line"] != 100 and v["code"] in per_record]
    assert [v for v in shapes(after) if v["line"] != 100 and v["code"] in per_record] == unchanged
    assert len(unchanged) > 100
    assert "S204" in {v["code"] for v in shapes(after) if v["line"] == 100}  # ends with a user turn now


def _dataset_wide(rule) -> bool:
    kind = datalint.checks.load_kind(rule.kind)
    return hasattr(kind, "check_dataset")


def test_a_changed_rule_option_invalidates(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(
        '{"instruction": "Say hi", "input": "", "output": "Hello there"}\n'
        '{"instruction": "Say bye", "input": "", "output": "Goodbye now"}\n',
        encoding="utf-8",
    )
    config = tmp_path / "datalint.toml"
    config.write_text('[rules.P001]\nphrases = ["hello"]\n', encoding="utf-8")
    first = run(data)
    assert [(v.code, v.line) for v in first.violations] == [("P001", 1)]
    config.write_text('[rules.P001]\nphrases = ["goodbye"]\n', encoding="utf-8")
    second = run(data)
    assert second.stats["checked"] == 2
    assert [(v.code, v.line, v.column) for v in second.violations] == [("P001", 2, 52)]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated (a writer killed mid-way)
        lambda data: data[:-40] + bytes(40),  # garbled tail
        lambda data: data[:100] + bytes([data[100] ^ 0xFF]) + data[101:],  # one byte flipped in the header
        lambda data: data[:-1] + bytes([data[-1] ^ 0x01]),  # one byte flipped in the body: checksum
        lambda data: b"",
        lambda data: b"\x80\x04not a cache at all",
    ],
)
def test_a_damaged_cache_is_ignored_then_repaired(dataset: Path, damage) -> None:
    expected = shapes(run(dataset))
    (path,) = cache_files(dataset.parent)
    path.write_bytes(damage(path.read_bytes()))
    result = CliRunner().invoke(main, ["check", str(dataset), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert json.loads(result.output)["violations"] == expected
    repaired = run(dataset)
    assert repaired.stats["cached"] == 2000 and shapes(repaired) == expected


def test_concurrent_writers_leave_a_valid_cache(dataset: Path) -> None:
    command = [sys.executable, "-c", "from datalint.cli import main; main()", "check", str(dataset), "--format", "json"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [1, 1, 1]
    assert all(not stderr for _, stderr in outputs)
    documents = [json.loads(stdout)["violations"] for stdout, _ in outputs]
    assert documents[0] == documents[1] == documents[2]
    assert not list((dataset.parent / ".datalint_cache").glob(".tmp-*"))
    warm = run(dataset)
    assert warm.stats["cached"] == 2000 and shapes(warm) == documents[0]


def test_no_cache_neither_reads_nor_writes(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    shutil.copyfile(CODE_ALPACA, data)
    (tmp_path / "datalint.toml").write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(data), "--no-cache", "--exit-zero"])
    assert result.exit_code == 0
    assert not (tmp_path / ".datalint_cache").exists()


def test_cache_dir_from_config_and_clean(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    shutil.copyfile(CODE_ALPACA, data)
    (tmp_path / "datalint.toml").write_text('cache-dir = "build/lint-cache"\n', encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["check", str(data), "--exit-zero"]).exit_code == 0
    folder = tmp_path / "build" / "lint-cache"
    assert len(list(folder.glob("*.bin"))) == 1
    assert (folder / "CACHEDIR.TAG").exists() and (folder / ".gitignore").read_text().strip().endswith("*")
    result = runner.invoke(main, ["clean", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Removed {folder} (")
    assert not folder.exists()
    assert runner.invoke(main, ["clean", str(tmp_path)]).output == f"No cache at {folder}\n"


def test_clean_refuses_a_folder_that_is_not_a_cache(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me", encoding="utf-8")
    (tmp_path / "datalint.toml").write_text('cache-dir = "precious"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", str(tmp_path)])
    assert result.exit_code == 2
    assert "does not look like a datalint cache" in result.output
    assert (precious / "notes.txt").exists()


def test_cache_dir_must_be_a_string(tmp_path: Path) -> None:
    (tmp_path / "datalint.toml").write_text("cache-dir = 3\n", encoding="utf-8")
    data = tmp_path / "data.jsonl"
    data.write_text('{"instruction": "a", "output": "b"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(data)])
    assert result.exit_code == 2 and "`cache-dir` must be a string" in result.output


def test_results_round_trip_through_a_cache_file(tmp_path: Path) -> None:
    """Columns stored by their declarations, with missing values; violations; kinds."""
    from datalint.feature_types import BOOL, CATEGORY, FLOAT64, INT64, STR, row, scalar
    from datalint.results import Results

    results = Results()
    results.declared = {
        0: row(field=CATEGORY, flag=BOOL, pointer=CATEGORY),
        1: row(number=INT64, text=STR),
        2: scalar("half", FLOAT64),
    }
    for entry in range(300):
        features = [(0, ("response", entry % 7 == 0, "/output")), (2, entry * 0.5)]
        if entry % 5:
            features.append((1, (entry, f"text {entry}")))  # many distinct values, some missing
        violations = [(3, f"message {entry}", 2, None, "/output")] if entry % 100 == 1 else []
        results.append(2 if entry % 11 else 0, violations, features)
    results.append(1)  # an entry with no features at all: None in every column
    keys = RecordKeys(np.arange(len(results), dtype=np.uint64) * 0x9E3779B97F4A7C15, [0])  # large hashes too
    path = tmp_path / "file.bin"
    cache.save(path, "d" * 32, "alpaca", keys, results)
    loaded = cache.load(path, "d" * 32, rules=4, kinds=5)
    assert loaded is not None and loaded.file_format == "alpaca"
    assert loaded.keys.hashes.tolist() == keys.hashes.tolist() and loaded.keys.line_one == [0]
    # One value at a time, before any column is decoded (what a warm run's memo check reads).
    for entry in range(len(results)):
        for rule_index in range(3):
            assert loaded.value(rule_index, entry) == results.column(rule_index)[entry]
    assert not any(segment.decoded for segment in loaded.segments)  # read in place
    decoded = loaded.decode()
    assert decoded.declared == results.declared
    for entry in range(len(results)):
        assert decoded.entry(entry) == results.entry(entry)
    assert cache.load(path, "d" * 32, rules=3, kinds=5) is None  # a violation of rule 3 is unknown here


def test_small_edits_write_delta_files_folded_in_later(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    shutil.copyfile(CODE_ALPACA, data)
    (tmp_path / "datalint.toml").write_text("", encoding="utf-8")
    run(data)
    (base,) = cache_files(tmp_path)
    lines = data.read_bytes().split(b"\n")
    deltas_seen = []
    for edit in range(cache.MAX_DELTAS + 1):
        record = json.loads(lines[edit])
        record["output"] = f"As an AI language model, edit {edit}"
        lines[edit] = json.dumps(record).encode()
        data.write_bytes(b"\n".join(lines))
        report = run(data)
        assert report.stats["checked"] == 1
        assert shapes(report) == shapes(run(data, use_cache=False))
        deltas_seen.append(len(list(base.parent.glob(base.name + cache.DELTA_SUFFIX + "*"))))
    assert deltas_seen == [*range(1, cache.MAX_DELTAS + 1), 0]  # the ninth edit folded them into the file
    assert run(data).stats["checked"] == 0


def test_a_damaged_delta_file_is_ignored(dataset: Path) -> None:
    run(dataset)
    lines = dataset.read_bytes().split(b"\n")
    lines[5] = lines[5].replace(b'"human"', b'"gpt"', 1)
    dataset.write_bytes(b"\n".join(lines))
    expected = shapes(run(dataset))
    (delta,) = (dataset.parent / ".datalint_cache").glob("*" + cache.DELTA_SUFFIX + "*")
    delta.write_bytes(delta.read_bytes()[:50])
    report = run(dataset)
    assert report.stats["checked"] == 1 and shapes(report) == expected


def test_results_travel_between_processes_in_the_cache_encoding() -> None:
    """What a worker sends back: columns encoded by their declarations, decoded only when asked."""
    from datalint.feature_types import CATEGORY, INT64, row, scalar
    from datalint.results import Results

    results = Results()
    results.declared = {0: row(field=CATEGORY, flag=CATEGORY, pointer=CATEGORY), 2: scalar("n", INT64)}
    for entry in range(50):
        results.append(2, [], [(0, ("response", entry % 2 == 0, "/output")), (2, entry)])
    results.append(0, [(4, "not JSON", 1, 2, "")])
    packed = codec.pack_results(results)
    assert [rule_index for rule_index, _, _ in packed[2]] == [0, 2]
    received = Entries()
    received.add_packed(packed)  # as the main process keeps a worker's chunk: columns still encoded
    unpacked = received.decode()
    assert [unpacked.entry(index) for index in range(51)] == [results.entry(index) for index in range(51)]


def test_a_cache_written_from_worker_chunks_serves_the_next_run(tmp_path: Path, monkeypatch) -> None:
    """A cold run with workers writes their packed chunks as the cache's segments; the warm run
    reads them back and reports exactly what the cold run did."""
    from datalint.engine import executor

    data = tmp_path / "data.jsonl"
    shutil.copyfile(SHAREGPT, data)
    (tmp_path / "datalint.toml").write_text("", encoding="utf-8")  # the cache goes beside it
    monkeypatch.setattr(executor, "POOL_MIN_LINES", 10)
    monkeypatch.setattr(executor, "CHUNK_BYTES", 200_000)
    cold = datalint.lint_paths([data], jobs=2, cache=True)
    assert cold.stats["worker tasks"] > 3
    (cache_file,) = (tmp_path / ".datalint_cache").glob("*.bin")
    header, _ = container.read(cache_file, cache.MAGIC)
    assert len(header["segments"]) == cold.stats["worker tasks"]
    warm = datalint.lint_paths([data], jobs=1, cache=True)
    assert warm.stats["cached"] == 2000 and warm.stats["checked"] == 0
    assert [v.to_dict() for v in warm.violations] == [v.to_dict() for v in cold.violations]


def test_a_new_review_file_invalidates_the_cached_results(tmp_path: Path) -> None:
    """The review ledger is a glob: a review file added or changed after a run (a record rated bad)
    must show in the next run, though neither the dataset nor the config changed."""
    data = tmp_path / "data.jsonl"
    shutil.copyfile(CODE_ALPACA, data)
    (tmp_path / "reviews").mkdir()
    (tmp_path / "datalint.toml").write_text('select = ["Q9"]\n[review]\nledger = "reviews/*.jsonl"\n')
    first = run(data)
    assert not [v for v in first.violations if v.code == "Q902"]
    coverage = next(v for v in first.violations if v.code == "Q901")
    line = data.read_bytes().split(b"\n")[41]
    review = {"record_hash": record_hash(line), "rating": "bad", "note": "wrong answer"}  # as `datalint sample` writes
    (tmp_path / "reviews" / "r1.jsonl").write_text(json.dumps(review) + "\n", encoding="utf-8")
    second = run(data)
    assert [(v.code, v.line) for v in second.violations if v.code == "Q902"] == [("Q902", 42)]
    assert coverage.message != next(v for v in second.violations if v.code == "Q901").message
    assert shapes(second) == shapes(run(data, use_cache=False))
