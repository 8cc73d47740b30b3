"""The record pass in worker processes gives exactly the serial output, in the same order."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import datalint
from datalint import forking, reader
from datalint.cli import main
from datalint.engine import dataset_pass, executor, placing, record_pass
from datalint.engine.features import FileResults

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
GSM8K = DATASETS / "gsm8k-alpaca-train.jsonl"
SHAREGPT = DATASETS / "sharegpt-v3-cleaned-first2k.jsonl"


def test_jobs_2_equals_jobs_1_on_a_real_dataset() -> None:
    runner = CliRunner()
    serial = runner.invoke(main, ["check", str(GSM8K), "--format", "json", "--no-cache", "--jobs", "1"])
    parallel = runner.invoke(main, ["check", str(GSM8K), "--format", "json", "--no-cache", "--jobs", "2"])
    assert serial.exit_code == parallel.exit_code
    assert serial.output == parallel.output
    assert json.loads(serial.output)["summary"]["records"] == 7473


# The opt-in structure rules, with a loose norm for numbered lists: many dataset-pass findings with
# column spans on ShareGPT (the default consistency rules find almost none there).
STRUCTURE = ["F101", "F103"]


@pytest.fixture
def structure_config(tmp_path: Path) -> Path:
    config = tmp_path / "datalint.toml"
    config.write_text("[rules.F103]\nmax-share = 0.6\n", encoding="utf-8")
    return config


def test_dataset_pass_in_forked_processes_equals_the_serial_one(monkeypatch, structure_config) -> None:
    """Every dataset-wide rule of a real dataset with many findings (sharegpt: duplicates,
    consistency, language) gives the same violations when the rules are spread over processes."""
    serial = datalint.lint_paths([SHAREGPT], jobs=1, extend_select=STRUCTURE, config=structure_config)
    monkeypatch.setattr(dataset_pass, "FORK_MIN_ROWS", 10)
    parallel = datalint.lint_paths([SHAREGPT], jobs=2, extend_select=STRUCTURE, config=structure_config)
    assert serial.stats["dataset processes"] == 0 and parallel.stats["dataset processes"] == 2
    dataset_codes = {v.code for v in serial.violations if v.code[0] in "DF" and v.code[1] != "0"}
    assert {"F101", "F103"} <= dataset_codes
    assert [v.to_dict() for v in parallel.violations] == [v.to_dict() for v in serial.violations]


def test_dataset_findings_placed_in_forked_processes_get_the_serial_columns(monkeypatch, structure_config) -> None:
    """A large run's findings are placed on their lines by two processes, each reading its part
    of the file: every column span is the one a single process finds."""
    serial = datalint.lint_paths([SHAREGPT], jobs=1, extend_select=STRUCTURE, config=structure_config)
    placed = [v for v in serial.violations if v.code[0] in "DFQL" and v.code[1] != "0" and v.end_column is not None]
    assert len({v.line for v in placed}) > 20
    monkeypatch.setattr(placing, "FORKED_PLACING_MIN_LINES", 2)
    forked_at = []
    real_share = forking.share

    def share(tasks, work, children, meanwhile):
        forked_at.append((len(tasks), children))
        return real_share(tasks, work, children, meanwhile)

    monkeypatch.setattr(forking, "share", share)
    parallel = datalint.lint_paths([SHAREGPT], jobs=2, extend_select=STRUCTURE, config=structure_config)
    assert forked_at[-1] == (2, 1)  # the placing, in two parts: here and in one child
    assert [v.to_dict() for v in parallel.violations] == [v.to_dict() for v in serial.violations]


def test_many_small_worker_tasks_keep_line_order(monkeypatch) -> None:
    # Small tasks and blocks so 2,000 records make dozens of tasks over several blocks.
    monkeypatch.setattr(executor, "POOL_MIN_LINES", 10)
    monkeypatch.setattr(executor, "CHUNK_BYTES", 50_000)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 1_000_000)
    parallel = datalint.lint_paths([SHAREGPT], jobs=2)
    assert parallel.stats["worker tasks"] > 50
    monkeypatch.setattr(executor, "POOL_MIN_LINES", 10**9)
    serial = datalint.lint_paths([SHAREGPT], jobs=1)
    assert serial.stats["worker tasks"] == 0
    assert len(serial.violations) > 100
    assert [v.to_dict() for v in parallel.violations] == [v.to_dict() for v in serial.violations]


def test_small_inputs_skip_the_pool(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text('{"instruction": "Say hi", "output": ""}\n' * 50, encoding="utf-8")
    report = datalint.lint_paths([data], jobs=2, select=["S"], conventions=False)  # the copies are D001 too
    assert report.stats == {
        "checked": 50,
        "cached": 0,
        "worker tasks": 0,
        "dataset processes": 0,
        "dataset rules reused": 0,
    }
    assert {(v.code, v.line) for v in report.violations} == {("S205", line) for line in range(1, 51)}


def test_position_problems_stay_on_their_lines_across_blocks(tmp_path: Path, monkeypatch) -> None:
    """CRLF is reported on its first line only, the missing final newline on the last line, in any block."""
    monkeypatch.setattr(reader, "BLOCK_BYTES", 64)
    data = tmp_path / "data.jsonl"
    record = b'{"instruction": "Say hi", "output": "Hello"}'
    data.write_bytes(record + b"\n" + record + b"\r\n" + record + b"\r\n" + b"\xef\xbb\xbf" + record + b"\n" + record)
    report = datalint.lint_paths([data], cache=True, select=["S"])
    assert [(v.code, v.line) for v in report.violations] == [("S010", 2), ("S001", 4), ("S007", 5)]
    warm = datalint.lint_paths([data], cache=True, select=["S"])
    assert warm.stats["cached"] == 5
    assert [v.to_dict() for v in warm.violations] == [v.to_dict() for v in report.violations]


def test_timings_name_each_rule_family(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text('{"instruction": "Say hi", "output": "As an AI language model, hi"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(data), "--timings", "--no-cache"])
    assert result.exit_code == 0
    assert result.stderr.startswith("timings (record pass: seconds in this process): 1 lines checked")
    families = [line.split()[0] for line in result.stderr.splitlines()[1:]]
    assert {"P", "S", "record", "read"} <= set(families)


def test_file_format_found_late_applies_to_every_record_from_a_file_or_stdin(tmp_path: Path) -> None:
    """The file's format is its first record in a known format, wherever it is: records before it
    are checked against that format as the ones after it are (a second pass when it lies beyond
    the lines probed first; stdin is buffered for it)."""
    data = tmp_path / "data.jsonl"
    content = '{"a": 1}\n' * (record_pass.FORMAT_PROBE_LINES + 6) + '{"instruction": "hi", "output": ""}\n'
    data.write_text(content, encoding="utf-8")
    runner = CliRunner()
    every = ["--every-record", "--format", "json", "--select", "S"]
    from_file = runner.invoke(main, ["check", str(data), "--no-cache", *every])
    from_stdin = runner.invoke(main, ["check", "-", *every], input=content)
    found = [(v["code"], v["line"]) for v in json.loads(from_file.output)["violations"]]
    assert sorted(set(found)) == sorted({("S101", line) for line in range(1, 71)} | {("S205", 71)})
    assert [(v["code"], v["line"]) for v in json.loads(from_stdin.output)["violations"]] == found
    assert json.loads(from_file.output)["files"][0]["format"] == "alpaca"


def _pid_and_square(number: int) -> tuple[list[int], int]:
    time.sleep(0.002)  # long enough that every process gets tasks before the queue runs dry
    return [number * number], os.getpid()


def _fails_on_seven(number: int) -> tuple[list[int], None]:
    if number == 7:
        raise ValueError("seven is not allowed")
    return [number], None


def _dies_on_three(number: int) -> tuple[list[int], None]:
    if number == 3 and os.getpid() != PARENT:
        os._exit(9)  # a child killed mid-task (out of memory, say)
    return [number], None


def _many_items(size: int) -> tuple[list, dict]:
    shared = ("a message", size)  # one object behind many items, as a duplicate group's message
    return [(number, shared) for number in range(size)], {"size": size, "pid": os.getpid()}


PARENT = os.getpid()


def test_shared_tasks_run_here_and_in_forked_children_in_task_order() -> None:
    from datalint import forking

    ran_meanwhile = []
    results = forking.share(list(range(200)), _pid_and_square, 2, lambda: ran_meanwhile.append(os.getpid()))
    assert [squares for squares, _ in results] == [[number * number] for number in range(200)]
    assert ran_meanwhile == [os.getpid()]
    assert len({pid for _, pid in results}) == 3  # this process and both children took tasks


def test_shared_tasks_can_all_run_in_children_leaving_this_process_free() -> None:
    from datalint import forking

    results = forking.share(list(range(200)), _pid_and_square, 2, lambda: None, work_here=False)
    assert [squares for squares, _ in results] == [[number * number] for number in range(200)]
    pids = {pid for _, pid in results}
    assert os.getpid() not in pids and len(pids) == 2


def test_a_childs_long_result_comes_back_whole_and_in_order_from_its_parts() -> None:
    """Results longer than a part travel as several pickles: every item, in order, its extra too."""
    from datalint import forking

    sizes = [0, 1, forking.PART_ITEMS, forking.PART_ITEMS + 1, 3 * forking.PART_ITEMS + 17]
    results = forking.share(sizes, _many_items, 2, lambda: None, work_here=False)
    for size, (items, extra) in zip(sizes, results, strict=True):
        assert extra["size"] == size and extra["pid"] != os.getpid()
        assert items == [(number, ("a message", size)) for number in range(size)]


def test_the_dataset_pass_runs_no_rule_in_the_process_holding_the_features(monkeypatch, structure_config) -> None:
    """Forked, every dataset-wide rule runs in a child: the run's process keeps only its features."""
    serial = datalint.lint_paths([SHAREGPT], jobs=1, extend_select=STRUCTURE, config=structure_config)
    run_here = os.getpid()
    real_pass = dataset_pass.serial_dataset_pass

    def in_a_child_only(files, rules, *args, **kwargs):
        if rules and os.getpid() == run_here:
            raise AssertionError(f"{sorted(rules)} ran in the process holding the features")
        return real_pass(files, rules, *args, **kwargs)

    monkeypatch.setattr(dataset_pass, "serial_dataset_pass", in_a_child_only)
    monkeypatch.setattr(dataset_pass, "FORK_MIN_ROWS", 10)
    parallel = datalint.lint_paths([SHAREGPT], jobs=2, extend_select=STRUCTURE, config=structure_config)
    assert parallel.stats["dataset processes"] == 2
    assert [v.to_dict() for v in parallel.violations] == [v.to_dict() for v in serial.violations]


def test_the_process_holding_the_features_lets_go_of_them_once_children_hold_them(
    monkeypatch, tmp_path, structure_config
) -> None:
    """After the cache is written and the children are forked, the run's process drops every
    file's features before it receives the findings; a warm run from that cache reports the same."""
    data = tmp_path / "sharegpt.jsonl"
    data.write_bytes(SHAREGPT.read_bytes())
    let_go: list[tuple[str, int]] = []
    real_let_go = FileResults.let_go_of_features

    def recorded(features: FileResults) -> None:
        let_go.append((Path(features.name).name, os.getpid()))
        real_let_go(features)

    monkeypatch.setattr(FileResults, "let_go_of_features", recorded)
    monkeypatch.setattr(dataset_pass, "FORK_MIN_ROWS", 10)
    cold = datalint.lint_paths([data], jobs=2, cache=True, extend_select=STRUCTURE, config=structure_config)
    assert cold.stats["dataset processes"] == 2 and let_go == [("sharegpt.jsonl", os.getpid())]
    warm = datalint.lint_paths([data], jobs=2, cache=True, extend_select=STRUCTURE, config=structure_config)
    assert warm.stats["checked"] == 0 and warm.stats["cached"] == cold.stats["checked"] > 1000
    assert [v.to_dict() for v in warm.violations] == [v.to_dict() for v in cold.violations]


def test_a_failing_task_in_a_child_raises_with_its_traceback() -> None:
    from datalint import forking

    # Every process takes tasks from the same queue: whichever took 7 raises.
    with pytest.raises((forking.ChildFailed, ValueError), match="seven is not allowed"):
        forking.share(list(range(50)), _fails_on_seven, 1, lambda: time.sleep(0.2))


def test_a_child_that_dies_is_reported() -> None:
    from datalint import forking

    with pytest.raises(forking.ChildFailed, match="ended without its results"):
        forking.share(list(range(50)), _dies_on_three, 1, lambda: time.sleep(0.5))
