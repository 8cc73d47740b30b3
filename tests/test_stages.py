"""One test per stage of the flow, each stage driven on its own through its module's functions:

    sources -> reader -> plan -> record pass (executor) -> feature columns -> dataset pass -> placing -> report

The end-to-end behaviour is tested elsewhere (CLI, real datasets, the corpus snapshot); these
pin down what each stage hands the next, so a change inside one stage shows where it broke.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import datalint
from datalint.config import CommandLine, SettingsResolver
from datalint.engine import RunOptions
from datalint.engine.dataset_pass import serial_dataset_pass
from datalint.engine.executor import Executor
from datalint.engine.features import table_of
from datalint.engine.placing import place_dataset_violations
from datalint.engine.plan import RulePlan
from datalint.engine.record_pass import check_lines, memory_record_pass, parse_lines
from datalint.reader import LineParser, read_blocks, read_jsonl, record_hash
from datalint.report import FileSummary, Report, count_failing
from datalint.sources import Source, collect_sources
from datalint.violation import Location, Row, Violation

GOOD = {"instruction": "Name a primary colour.", "output": "Red is a primary colour."}
EMPTY = {"instruction": "Name a fruit.", "output": ""}
DISCLAIMER = {"instruction": "Say hi.", "output": "As an AI language model, I say hi."}


def resolver(*select: str) -> SettingsResolver:
    return SettingsResolver(CommandLine(select=select or None))


def lines_of(*records: dict) -> list[bytes]:
    return [json.dumps(record).encode() for record in records]


def test_sources_walk_a_folder_for_datasets_and_skip_caches_and_exclusions(tmp_path: Path) -> None:
    (tmp_path / "datalint.toml").write_text('exclude = ["drafts/*"]\n', encoding="utf-8")
    for name in ("train.jsonl", "notes.txt", "drafts/old.jsonl", ".datalint_cache/x.jsonl", "b/valid.jsonl.gz"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    found = collect_sources([str(tmp_path), "-"], SettingsResolver())
    assert [Path(source.name).relative_to(tmp_path).as_posix() for source in found[:-1]] == [
        "train.jsonl",
        "b/valid.jsonl.gz",
    ]
    assert (found[-1].name, found[-1].path) == ("<stdin>", None)


def test_reader_splits_on_newline_bytes_only_and_marks_the_unterminated_last_line() -> None:
    data = '{"a": "x\u2028y"}\r\n{"b": 1}\n{"c": 2}'.encode()
    blocks = list(read_blocks(io.BytesIO(data)))
    assert [line for block in blocks for line in block.lines] == [data.split(b"\n")[0], b'{"b": 1}', b'{"c": 2}']
    assert [block.missing_newline for block in blocks] == [False, True]
    lines = list(read_jsonl(io.BytesIO(data), max_line_bytes=1000))
    assert [(line.number, line.value) for line in lines] == [(1, {"a": "x\u2028y"}), (2, {"b": 1}), (3, {"c": 2})]
    assert [[problem.kind for problem in line.problems] for line in lines] == [["crlf"], [], ["missing-final-newline"]]


def test_reader_gives_a_columnar_source_as_blocks_of_json_lines_and_indexes_where_rows_sit(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from datalint.columnar import ColumnarInput
    from datalint.source_reader import SourceReader

    records = [GOOD, EMPTY, DISCLAIMER, GOOD, EMPTY]
    shards = [tmp_path / "train-00000-of-00002.parquet", tmp_path / "train-00001-of-00002.parquet"]
    pq.write_table(pa.Table.from_pylist(records[:3]), shards[0], row_group_size=2)  # row groups of rows 1-2, 3
    pq.write_table(pa.Table.from_pylist(records[3:]), shards[1], row_group_size=2)  # rows 4-5
    source = Source(str(tmp_path / "train"), tmp_path / "train", columnar=ColumnarInput("parquet", tuple(shards)))
    reader = SourceReader(source)
    lines = [line for block in reader.blocks() for line in block.lines]
    assert lines == [json.dumps(record, ensure_ascii=False).encode() for record in records]  # as a JSONL export
    assert reader.byte_file is None  # no file holds these lines: chunks travel as bytes
    where = [reader.rows.locate(row) for row in range(1, 6)]  # indexed while reading, not from metadata after
    assert [(row.row, row.row_group, row.shard) for row in where] == [
        (1, 0, 0),
        (2, 0, 0),
        (3, 1, 0),
        (4, 0, 1),
        (5, 0, 1),
    ]
    assert [row.file for row in where] == [str(shards[0])] * 3 + [str(shards[1])] * 2
    assert [line.value for line in reader.lines(max_line_bytes=1000)] == records


def test_plan_sorts_rules_by_what_they_need_from_the_record_pass() -> None:
    plan = RulePlan(resolver("S001", "S205", "D001", "P001").settings_for(None))
    plan.prepare()
    assert {rule.code for _, rule, _ in plan.per_record} == {"S205"}
    assert [[plan.rules[index].code for index in indices] for indices, _, _ in plan.rule_sets] == [["P001"]]
    assert {rule.code for _, rule in plan.featured_rules} == {"D001"}
    assert set(plan.reading) == {"invalid-json"}  # S001 is read from the reader's problems, not checked


def test_record_pass_is_a_pure_function_of_the_lines_content() -> None:
    plan = RulePlan(resolver("S205", "P001", "D001").settings_for(None))
    raw = lines_of(GOOD, EMPTY, DISCLAIMER)
    parsed = parse_lines(LineParser(1000), [(n, body, record_hash(body)) for n, body in enumerate(raw, start=1)])
    results = check_lines(plan, "alpaca", parsed)
    assert len(results) == 3 and all(kind > 1 for kind in results.kinds)  # three records of a known format
    codes = {entry: [plan.rules[found[0]].code for found in items] for entry, items in results.violations.items()}
    assert codes == {1: ["S205"], 2: ["P001"]}
    # the same lines at other line numbers (not line 1) give the same results: what the cache relies on
    renumbered = parse_lines(LineParser(1000), [(n + 10, body, record_hash(body)) for n, body in enumerate(raw)])
    assert check_lines(plan, "alpaca", renumbered).violations == results.violations
    d001 = next(index for index, rule in plan.featured_rules if rule.code == "D001")
    assert len(results.column(d001)) == 3  # one feature value per line for the dataset-wide rule


def test_executor_gives_the_same_results_in_worker_processes_as_here(monkeypatch) -> None:
    from datalint.engine import executor as executor_module

    settings = resolver("S205", "P001").settings_for(None)
    raw = lines_of(*([GOOD, EMPTY, DISCLAIMER] * 20))
    misses = [(n, body, record_hash(body)) for n, body in enumerate(raw, start=1)]
    here = Executor(RunOptions(jobs=1))
    local, _ = here.submit(here.plan(settings), settings, "alpaca", misses)()
    monkeypatch.setattr(executor_module, "POOL_MIN_LINES", 1)
    monkeypatch.setattr(executor_module, "CHUNK_BYTES", 500)
    pooled = Executor(RunOptions(jobs=2))
    try:
        _, packs = pooled.submit(pooled.plan(settings), settings, "alpaca", misses)()
    finally:
        pooled.close()
    assert len(packs) > 1  # several chunks went to the workers
    from datalint.results import Entries

    received = Entries()
    for packed in packs:
        received.add_packed(packed)
    assert received.decode().violations == local.violations
    assert bytes(received.results.kinds) == bytes(local.kinds)


def test_feature_columns_span_every_file_of_the_run() -> None:
    settings = resolver("D001").settings_for(None)
    first = memory_record_pass(
        "a.jsonl", read_jsonl(io.BytesIO(b"\n".join(lines_of(GOOD, EMPTY))), max_line_bytes=1000), settings
    )
    second = memory_record_pass(
        "b.jsonl", read_jsonl(io.BytesIO(b"\n".join(lines_of(GOOD))), max_line_bytes=1000), settings
    )
    table = table_of([first, second], "D001")
    assert (list(table.paths), table.lines.tolist()) == (["a.jsonl", "a.jsonl", "b.jsonl"], [1, 2, 1])
    assert table.paths.count("a.jsonl") == 2 and table.paths[-1] == "b.jsonl"
    good, empty = lines_of(GOOD, EMPTY)
    assert [table.hash_text(row) for row in range(3)] == [record_hash(good), record_hash(empty), record_hash(good)]
    assert table.values[0] == table.values[2] != table.values[1]  # the same record, in two files
    assert table.where(2, 0) == "b.jsonl:1"


def test_dataset_pass_decides_on_features_alone() -> None:
    settings = resolver("D001").settings_for(None)
    first = memory_record_pass(
        "a.jsonl", read_jsonl(io.BytesIO(b"\n".join(lines_of(GOOD, EMPTY))), max_line_bytes=1000), settings
    )
    second = memory_record_pass(
        "b.jsonl", read_jsonl(io.BytesIO(b"\n".join(lines_of(GOOD))), max_line_bytes=1000), settings
    )
    rules = {code: rule for code, (_, rule) in first.rules.items()}
    (found,) = serial_dataset_pass([first, second], rules)
    assert (found.code, found.path, found.line) == ("D001", "b.jsonl", 1)
    assert [(related.path, related.line) for related in found.related] == [("a.jsonl", 1)]
    assert found.end_column is None  # not yet placed: the dataset pass never reads the text


def test_placing_reads_the_lines_of_dataset_findings_for_their_spans(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_bytes(b"\n".join(lines_of(GOOD, EMPTY, GOOD)) + b"\n")
    violation = Violation("D001", "duplicate-record", "warning", "copy", str(data), 3, pointer="/output")
    place_dataset_violations([violation], [Source(str(data), data)])
    line = data.read_text(encoding="utf-8").splitlines()[2]
    assert line[violation.column - 1 : violation.end_column - 1] == '"Red is a primary colour."'


def test_placing_gives_rows_of_columnar_inputs_their_row_group_and_shard(tmp_path: Path) -> None:
    """Where a dataset-wide finding in a columnar input sits comes from the index its reader built;
    its related locations too, in other files. A JSONL line keeps its line."""
    from datalint.reader import RowPart
    from datalint.source_reader import RowIndex

    rows = RowIndex()
    rows.add(1, RowPart(0, None, "data.parquet"))
    rows.add(65, RowPart(1, None, "data.parquet"))
    data = tmp_path / "data.jsonl"
    data.write_bytes(b"\n".join(lines_of(GOOD)) + b"\n")
    in_rows = Violation("D001", "duplicate-record", "warning", "copy", "data.parquet", 70)
    in_rows.related = [Location(str(data), 1), Location("data.parquet", 3)]
    in_lines = Violation(
        "D001", "duplicate-record", "warning", "copy", str(data), 1, related=[Location("data.parquet", 64)]
    )
    place_dataset_violations([in_rows, in_lines], [Source(str(data), data)], rows={"data.parquet": rows})
    assert in_rows.row == Row(70, 1, None, "data.parquet")
    assert [related.row for related in in_rows.related] == [None, Row(3, 0, None, "data.parquet")]
    assert in_lines.row is None and in_lines.related[0].row == Row(64, 0, None, "data.parquet")


def test_incremental_runs_report_what_a_cold_run_reports(tmp_path: Path) -> None:
    """The contract of engine/incremental.py: whatever the cache and the memo reuse, a warm run's
    findings are the cold run's on the same bytes, and only changed lines are checked again."""
    data = tmp_path / "data.jsonl"
    (tmp_path / "datalint.toml").write_text("", encoding="utf-8")
    records = [dict(GOOD, instruction=f"Name colour {i}.") for i in range(30)] + [EMPTY, DISCLAIMER, GOOD, GOOD]
    data.write_bytes(b"\n".join(lines_of(*records)) + b"\n")
    cold = datalint.lint_paths([data], cache=True)
    warm = datalint.lint_paths([data], cache=True)
    assert warm.stats["checked"] == 0 and warm.stats["dataset rules reused"] > 0
    assert [v.to_dict() for v in warm.violations] == [v.to_dict() for v in cold.violations]
    records[3] = dict(DISCLAIMER, instruction="Say hello.")  # one edit, a new disclaimer
    data.write_bytes(b"\n".join(lines_of(*records)) + b"\n")
    edited = datalint.lint_paths([data], cache=True)
    fresh = datalint.lint_paths([data], cache=False)
    assert edited.stats["checked"] == 1
    assert [v.to_dict() for v in edited.violations] == [v.to_dict() for v in fresh.violations]


def test_report_counts_failing_findings_per_file_severity() -> None:
    found = [
        Violation("P001", "ai-disclaimer", "error", "m", "a.jsonl", 2),
        Violation("F201", "x", "warning", "m", "a.jsonl", 1),
        Violation("F201", "x", "warning", "m", "b.jsonl", 1),
    ]
    fail_on = {"a.jsonl": "error", "b.jsonl": "warning"}
    assert count_failing(found, fail_on) == 2  # a's error, b's warning
    report = Report([], [FileSummary("a.jsonl", 2, "alpaca")], 0, fail_on).with_violations(found)
    assert [(v.path, v.line) for v in report.violations] == [("a.jsonl", 1), ("a.jsonl", 2), ("b.jsonl", 1)]
    assert (report.failing, report.exit_code) == (2, 1)
