"""Parquet files, Hub-style Parquet shard folders and save_to_disk folders, made from slices of real
datasets: the same findings at the same rows as the JSONL gives at the same lines, located by row
group and shard, in every output format."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq
import pytest
from jsonschema import Draft202012Validator

import datalint
from datalint.formatters import FORMATTERS, render
from datalint.rules import SCHEMAS_DIR
from tests.conftest import REPO, dataset, run

# (dataset, rows of its slice): an Alpaca file, OpenAI-style chat messages, ShareGPT conversations
# with tools. Every row of these slices is written back by pyarrow as the same JSON text.
SLICES = {
    "alpaca": ("llamafactory-alpaca-en-demo-1k.jsonl", 400),
    "chat": ("llamafactory-kto-en-demo.jsonl", 300),
    "sharegpt": ("llamafactory-glaive-toolcall-en-demo.jsonl", 300),
}
ROW_GROUP = 64  # rows per row group of the single Parquet files: several groups per file
SHARD_ROWS = 120  # rows per shard of the Hub-style folders
SHARD_ROW_GROUP = 50  # rows per row group inside those shards


def _rows(name: str, count: int) -> tuple[list[str], list[dict]]:
    lines = dataset(name).read_text(encoding="utf-8").split("\n")[:count]
    return lines, [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Per slice: the JSONL, a Parquet file, a Hub-style shard folder (train split, and a small
    test split), a save_to_disk Dataset in three shards and a save_to_disk DatasetDict."""
    root = tmp_path_factory.mktemp("columnar")
    made: dict[str, dict[str, Path]] = {}
    for key, (name, count) in SLICES.items():
        lines, rows = _rows(name, count)
        folder = root / key
        folder.mkdir()
        jsonl = folder / "slice.jsonl"
        jsonl.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        table = pa.Table.from_pylist(rows)
        parquet = folder / "slice.parquet"
        pq.write_table(table, parquet, row_group_size=ROW_GROUP)
        hub = folder / "hub"
        hub.mkdir()
        shards = -(-count // SHARD_ROWS)
        for index in range(shards):
            part = table.slice(index * SHARD_ROWS, SHARD_ROWS)
            pq.write_table(part, hub / f"train-{index:05d}-of-{shards:05d}.parquet", row_group_size=SHARD_ROW_GROUP)
        pq.write_table(table.slice(0, 10), hub / "test-00000-of-00001.parquet")
        saved = folder / "saved"
        datasets.Dataset(table).save_to_disk(str(saved), num_shards=3)
        split = folder / "split"
        both = datasets.DatasetDict({"train": datasets.Dataset(table), "test": datasets.Dataset(table.slice(0, 40))})
        both.save_to_disk(str(split))
        made[key] = {"jsonl": jsonl, "parquet": parquet, "hub": hub, "saved": saved, "split": split}
    return made


def _findings(report, path: str) -> set[tuple]:
    """(code, message, pointer, record hash, line or row) of one source's violations; a message's
    "line N" (another record of the same JSONL file) is a "row N" in a columnar input."""
    found = set()
    for violation in report.violations:
        if violation.path == path:
            message = re.sub(r"\bline (\d+)", r"row \1", violation.message)
            found.add((violation.code, message, violation.pointer, violation.record_hash, violation.line))
    return found


def _lint(path: Path | str):
    return datalint.lint_paths([path], conventions=False)


@pytest.mark.parametrize("key", SLICES)
def test_a_parquet_file_has_the_jsonl_findings_at_the_same_rows(inputs, key):
    made = inputs[key]
    expected = _findings(_lint(made["jsonl"]), str(made["jsonl"]))
    report = _lint(made["parquet"])
    assert expected, "the slice has findings to compare"
    assert _findings(report, str(made["parquet"])) == expected
    for violation in report.violations:
        assert violation.row.row == violation.line
        assert violation.row.row_group == (violation.line - 1) // ROW_GROUP
        assert violation.row.shard is None


@pytest.mark.parametrize("key", SLICES)
def test_a_hub_style_folder_is_one_source_per_split_with_global_rows(inputs, key):
    made = inputs[key]
    expected = _findings(_lint(made["jsonl"]), str(made["jsonl"]))
    report = _lint(made["hub"])
    train = str(made["hub"] / "train")
    assert [summary.path for summary in report.files] == [train, str(made["hub"] / "test-00000-of-00001.parquet")]
    # the test split repeats train's first rows: duplicates across the splits, the rest as the JSONL
    own = {finding for finding in _findings(report, train) if finding[0] != "D001"}
    assert own == {finding for finding in expected if finding[0] != "D001"}
    for violation in report.violations:
        if violation.path == train:
            shard, within = divmod(violation.line - 1, SHARD_ROWS)
            assert (violation.row.shard, violation.row.row_group) == (shard, within // SHARD_ROW_GROUP)
            assert Path(violation.row.file).name.startswith(f"train-{shard:05d}-of-")
    copies = [violation for violation in report.violations if violation.code == "D001" and violation.row.shard is None]
    assert copies and all(violation.related[0].path == train for violation in copies)
    assert all(f"{train}:row {violation.related[0].row.row}" in violation.message for violation in copies)


def _arrow_shard_of_rows(folder: Path) -> list[int]:
    """The shard of each row of a save_to_disk folder, counted from its files with pyarrow."""
    state = json.loads((folder / "state.json").read_text())
    shards = []
    for index, entry in enumerate(state["_data_files"]):
        with pyarrow.ipc.open_stream(pa.memory_map(str(folder / entry["filename"]))) as reader:
            shards += [index] * reader.read_all().num_rows
    return shards


@pytest.mark.parametrize("key", SLICES)
def test_a_save_to_disk_dataset_has_the_jsonl_findings_located_by_shard(inputs, key):
    made = inputs[key]
    expected = _findings(_lint(made["jsonl"]), str(made["jsonl"]))
    report = _lint(made["saved"])
    assert _findings(report, str(made["saved"])) == expected
    shard_of = _arrow_shard_of_rows(made["saved"])
    assert len(set(shard_of)) == 3
    for violation in report.violations:
        assert (violation.row.shard, violation.row.row_group) == (shard_of[violation.line - 1], None)


def test_the_readers_row_index_places_every_row_as_pyarrow_numbers_them(inputs):
    """The index the reader builds while reading (no second read of the files' metadata) gives
    every row, not only rows with findings, the row group and shard pyarrow counts for it."""
    from datalint.config import SettingsResolver
    from datalint.source_reader import SourceReader
    from datalint.sources import collect_sources

    made = inputs["chat"]
    (hub_train, _), (saved,) = (collect_sources([str(made[key])], SettingsResolver()) for key in ("hub", "saved"))
    for source in (hub_train, saved):
        reader = SourceReader(source)
        count = sum(len(block.lines) for block in reader.blocks())
        expected = []
        for shard, path in enumerate(source.columnar.files):
            if source.columnar.format == "parquet":
                metadata = pq.ParquetFile(path).metadata
                for group in range(metadata.num_row_groups):
                    expected += [(group, shard, str(path))] * metadata.row_group(group).num_rows
            else:
                expected += [(None, shard, str(path))] * _arrow_rows(path)
        assert count == len(expected) == SLICES["chat"][1]
        located = [reader.rows.locate(row) for row in range(1, count + 1)]
        assert [(row.row_group, row.shard, row.file) for row in located] == expected, source.name


def _arrow_rows(path: Path) -> int:
    with pyarrow.ipc.open_stream(pa.memory_map(str(path))) as reader:
        return reader.read_all().num_rows


def test_a_dataset_dict_is_one_source_per_split(inputs):
    made = inputs["alpaca"]
    expected = _findings(_lint(made["jsonl"]), str(made["jsonl"]))
    report = _lint(made["split"])
    train, test = str(made["split"] / "train"), str(made["split"] / "test")
    assert [(summary.path, summary.records) for summary in report.files] == [(train, 400), (test, 40)]
    assert {finding for finding in _findings(report, train) if finding[0] != "D001"} == {
        finding for finding in expected if finding[0] != "D001"
    }
    duplicates = [violation for violation in report.violations if violation.path == test and violation.code == "D001"]
    assert len(duplicates) == 40 and duplicates[0].message.startswith(f"exact duplicate of {train}:row 1")


def test_walking_a_folder_finds_every_kind_of_dataset_once(inputs):
    folder = inputs["chat"]["jsonl"].parent
    names = [summary.path for summary in _lint(folder).files]
    assert sorted(names) == sorted(
        str(folder / name)
        for name in (
            "slice.jsonl",
            "slice.parquet",
            "hub/train",
            "hub/test-00000-of-00001.parquet",
            "saved",
            "split/train",
            "split/test",
        )
    )


def test_every_output_format_renders_rows(inputs, tmp_path):
    made = inputs["alpaca"]
    hub, parquet = made["hub"], made["parquet"]
    report = datalint.lint_paths([hub, parquet])
    assert report.violations
    for output_format in FORMATTERS:  # the CLI's renderers, on one report
        assert render(output_format, report).strip(), output_format
    text = run("check", str(parquet), "--no-cache").output
    assert re.search(rf"^{re.escape(str(parquet))}:row \d+: P001 \[ai-disclaimer\]", text, re.MULTILINE)
    assert ":row " in run("check", str(hub), "--no-cache", "--output-format", "concise").output
    full = run("check", str(parquet), "--no-cache", "--output-format", "full").output
    assert "    at /output" in full and " | " not in full  # no line of a binary file is quoted


def test_json_output_has_rows_and_validates_against_the_v2_schema(inputs):
    made = inputs["sharegpt"]
    document = json.loads(run("check", str(made["hub"]), "--no-cache", "--output-format", "json").output)
    schema = json.loads((SCHEMAS_DIR / "output-v2.json").read_text())
    Draft202012Validator(schema).validate(document)
    assert document["version"] == 2
    violation = document["violations"][0]
    assert violation["line"] is None and violation["column"] is None and violation["row"] >= 1
    assert {"row_group", "shard"} <= set(violation)
    jsonl = json.loads(run("check", str(made["jsonl"]), "--no-cache", "--output-format", "json").output)
    Draft202012Validator(schema).validate(jsonl)
    assert "row" not in jsonl["violations"][0] and jsonl["violations"][0]["line"] >= 1


def test_sarif_github_gitlab_and_junit_point_at_the_file_holding_the_row(inputs, tmp_path):
    hub = tmp_path / "hub"  # the train split's shards only
    hub.mkdir()
    for shard in inputs["alpaca"]["hub"].glob("train-*.parquet"):
        (hub / shard.name).write_bytes(shard.read_bytes())
    sarif = json.loads(run("check", str(hub), "--no-cache", "--output-format", "sarif").output)
    result = sarif["runs"][0]["results"][0]
    location = result["locations"][0]["physicalLocation"]
    assert location["region"] == {"startLine": 1}
    assert re.search(r"train-\d{5}-of-\d{5}\.parquet$", location["artifactLocation"]["uri"])
    assert result["message"]["text"].startswith(f"row {result['properties']['row']} (shard ")
    assert {"row", "rowGroup", "shard"} <= set(result["properties"])
    github = run("check", str(hub), "--no-cache", "--output-format", "github").output.splitlines()[0]
    assert "line=" not in github and re.search(r"file=.*train-\d{5}-of-\d{5}\.parquet,title=", github)
    assert re.search(r"::row \d+ \(shard \d, row group \d\): ", github)
    gitlab = json.loads(run("check", str(hub), "--no-cache", "--output-format", "gitlab").output)
    assert gitlab[0]["location"]["lines"] == {"begin": 1} and " row " in gitlab[0]["description"]
    junit = ElementTree.fromstring(run("check", str(hub), "--no-cache", "--output-format", "junit").output)
    case = junit.find("testsuite/testcase")
    assert re.match(r"[A-Z]+\d{3} row \d+$", case.get("name")) and case.get("line") is None


def test_without_pyarrow_a_columnar_input_is_one_sentence_and_exit_2(inputs):
    for target in (inputs["chat"]["parquet"], inputs["chat"]["saved"]):
        blocked = (
            "import sys; sys.modules['pyarrow'] = None; "
            f"sys.argv = ['datalint', 'check', {str(target)!r}, '--no-cache']; "
            "from datalint.cli import run; run()"
        )
        result = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, cwd=REPO)
        assert result.returncode == 2, result.stderr
        assert result.stderr == (
            "datalint: error: reading Parquet and Arrow datasets needs pyarrow: pip install 'datalint[parquet]'\n"
        )


def test_a_row_group_over_the_limit_is_s015_at_its_first_row(inputs, tmp_path):
    (tmp_path / "datalint.toml").write_text("[rules.S015]\nmax-bytes = 20_000\n")
    _, rows = _rows(SLICES["alpaca"][0], 200)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "big.parquet", row_group_size=100)
    sizes = [pq.ParquetFile(tmp_path / "big.parquet").metadata.row_group(i).total_byte_size for i in range(2)]
    assert all(size > 20_000 for size in sizes)
    report = datalint.lint_paths([tmp_path / "big.parquet"])
    found = [(v.line, v.row.row_group, v.message) for v in report.violations if v.code == "S015"]
    assert found == [
        (
            1 + 100 * group,
            group,
            f"row group {group} of big.parquet holds {sizes[group]:,} bytes uncompressed (100 rows), over 20,000: "
            "readers hold a whole row group in memory, and the Hugging Face Hub rewrites such files",
        )
        for group in (0, 1)
    ]
    default = datalint.lint_paths([tmp_path / "big.parquet"], config=REPO / "pyproject.toml")
    assert not [v for v in default.violations if v.code == "S015"]  # under the Hub's 300 MB


def test_values_json_cannot_hold(tmp_path):
    import datetime
    import decimal

    table = pa.table(
        {
            "instruction": ["Describe the image", "When was it?", "Rate it"],
            "output": ["A cat sits on a mat.", "It was at noon.", "It is fine."],
            "image": [{"bytes": b"\x89PNG\r\n", "path": "cat.png"}, None, None],
            "when": pa.array([datetime.datetime(2024, 1, 2, 3, 4, 5), None, None], pa.timestamp("us")),
            "price": pa.array([decimal.Decimal("1.50"), None, None], pa.decimal128(5, 2)),
            "waited": pa.array([datetime.timedelta(seconds=90), None, None], pa.duration("s")),
            "score": [0.5, float("nan"), float("inf")],
        }
    )
    path = tmp_path / "values.parquet"
    pq.write_table(table, path)
    report = datalint.lint_paths([path])
    found = {(v.code, v.line, v.pointer, v.message) for v in report.violations if v.code.startswith("S0")}
    assert found == {
        ("S016", 1, "/image/bytes", "binary value (6 bytes) at /image/bytes: not text, read as null"),
        ("S012", 2, "/score", "NaN is not a JSON number (RFC 8259): strict parsers reject the record"),
        ("S012", 3, "/score", "Infinity is not a JSON number (RFC 8259): strict parsers reject the record"),
    }
    from datalint.columnar import ColumnarInput, read_blocks

    (block,) = read_blocks(ColumnarInput("parquet", (path,)), str(path), None)
    first = json.loads(block.lines[0])
    assert (first["when"], first["price"], first["waited"], first["image"]) == (
        "2024-01-02T03:04:05",
        1.5,
        90.0,
        {"bytes": None, "path": "cat.png"},
    )


def test_unreadable_columnar_inputs_are_exit_2_without_a_traceback(inputs, tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all\n")
    result = run("check", str(tmp_path / "bad.parquet"), "--no-cache")
    assert result.exit_code == 2
    assert result.output.startswith(f"datalint: error: {tmp_path / 'bad.parquet'} is not a readable Parquet file")
    cut = tmp_path / "cut"
    cut.mkdir()
    (cut / "state.json").write_text('{"_data_files": [{"filename": "data-00000-of-00001.arrow"}]}')
    result = run("check", str(cut), "--no-cache")
    assert result.exit_code == 2
    assert (
        result.output
        == f"datalint: error: {cut}: state.json lists data-00000-of-00001.arrow, which is not in the folder\n"
    )


def test_fix_leaves_a_columnar_input_alone_and_diff_base_refuses_it(inputs, tmp_path):
    parquet = inputs["alpaca"]["parquet"]
    before = parquet.read_bytes()
    result = run("check", str(parquet), "--no-cache", "--fix", "--unsafe-fixes")
    assert result.exit_code in (0, 1)
    assert f"datalint: note: not fixed: {parquet} (--fix and --diff rewrite JSONL files" in result.output
    assert parquet.read_bytes() == before
    result = run("check", str(parquet), "--no-cache", "--diff-base", "HEAD")
    assert result.exit_code == 2 and "--diff-base compares the lines of JSONL files" in result.output
    result = run("stats", str(parquet))
    assert result.exit_code == 2 and "datalint stats reads JSONL files" in result.output


def test_suppression_and_baseline_follow_the_record_hash(inputs, tmp_path):
    parquet = inputs["alpaca"]["parquet"]
    report = datalint.lint_paths([parquet])
    first = report.violations[0]
    config = tmp_path / "datalint.toml"
    config.write_text(f'[[suppress]]\nhash = "{first.record_hash}"\nrules = ["{first.code}"]\nreason = "test"\n')
    suppressed = datalint.lint_paths([parquet], config=config)
    assert len(suppressed.violations) == len(report.violations) - 1
    baseline = tmp_path / "baseline.json"
    assert run("baseline", str(parquet), "-o", str(baseline)).exit_code == 0
    assert datalint.lint_paths([parquet], baseline=baseline).violations == []


def test_the_hubs_converted_layout_is_one_split_per_folder(inputs, tmp_path):
    train = tmp_path / "default" / "train"
    train.mkdir(parents=True)
    shards = sorted(inputs["alpaca"]["hub"].glob("train-*.parquet"))
    for index, shard in enumerate(shards):
        (train / f"{index:04d}.parquet").write_bytes(shard.read_bytes())
    report = _lint(tmp_path)
    assert [(summary.path, summary.records) for summary in report.files] == [(str(train), 400)]
    expected = _findings(_lint(inputs["alpaca"]["jsonl"]), str(inputs["alpaca"]["jsonl"]))
    assert _findings(report, str(train)) == expected
    assert {violation.row.shard for violation in report.violations} == set(range(len(shards)))


def test_worker_processes_and_the_cache_give_the_same_findings(tmp_path):
    (tmp_path / "datalint.toml").write_text("")  # the cache folder lives beside it
    lines, rows = _rows("alpaca-en-52k.jsonl", 5200)  # over the executor's pool threshold (5,000)
    jsonl = tmp_path / "part.jsonl"
    jsonl.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    parquet = tmp_path / "part.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet, row_group_size=2500)
    expected = _findings(datalint.lint_paths([jsonl], jobs=2, conventions=False), str(jsonl))
    pooled = datalint.lint_paths([parquet], jobs=2, cache=True, conventions=False)
    assert pooled.stats["worker tasks"] > 0
    assert _findings(pooled, str(parquet)) == expected
    again = datalint.lint_paths([parquet], jobs=2, cache=True, conventions=False)
    assert (again.stats["cached"], again.stats["checked"]) == (5200, 0)
    assert [v.to_dict() for v in again.violations] == [v.to_dict() for v in pooled.violations]


def test_incomplete_or_excluded_shards_are_not_a_split(inputs, tmp_path):
    shards = sorted(inputs["chat"]["hub"].glob("train-*.parquet"))
    for shard in shards[1:]:  # shard 0 missing: each file present is linted alone
        (tmp_path / shard.name).write_bytes(shard.read_bytes())
    (tmp_path / "notes.parquet").write_bytes(shards[0].read_bytes())
    (tmp_path / "datalint.toml").write_text('exclude = ["notes.parquet"]\n')
    names = [summary.path for summary in _lint(tmp_path).files]
    assert names == [str(tmp_path / shard.name) for shard in shards[1:]]
