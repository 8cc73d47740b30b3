"""The Python API: in-memory records and files give the same violations as the CLI's JSON output."""

import dataclasses
import json
from pathlib import Path

import datalint
from datalint.violation import Violation
from tests.cli_helpers import run

# Rows as `datasets.Dataset` iteration or `DataFrame.to_dict("records")` hands them over.
ROWS = [
    {"instruction": "Say hi", "input": "", "output": "Hi there"},
    {"instruction": "Who are you?", "input": "", "output": "As an AI language model, I have no name."},
    {"instruction": "Translate: chat", "input": "", "output": "cat<|endoftext|>"},
    {"instruction": "Empty", "input": "", "output": ""},
]


def cli_json(path: Path) -> list[dict]:
    return json.loads(run("check", path, "--format", "json").stdout)["violations"]


def test_lint_records_matches_the_cli_on_the_same_records(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in ROWS))
    in_memory = datalint.lint_records(ROWS, name=str(path))
    assert all(isinstance(v, Violation) for v in in_memory)
    assert [v.to_dict() for v in in_memory] == cli_json(path)
    assert [(v.code, v.line, v.pointer) for v in in_memory] == [
        ("P001", 2, "/output"),
        ("P007", 3, "/output"),
        ("S205", 4, "/output"),
    ]


def test_violation_fields_are_the_json_output_fields():
    # `row` is a columnar input's row: a record of a JSONL file has none, and its JSON has no row keys
    names = {field.name for field in dataclasses.fields(Violation)} - {"row"}
    violation = datalint.lint_records(ROWS[3:])[0]
    assert violation.row is None
    assert set(violation.to_dict()) == names
    assert violation.path == "<memory>"


def test_lint_file_and_lint_paths(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    assert [v.to_dict() for v in datalint.lint_file(path)] == cli_json(path)
    report = datalint.lint_paths([tmp_path], select=["P007"])
    assert [(v.code, v.line) for v in report.violations] == [("P007", 3)]
    assert report.exit_code == 1
    assert [(f.records, f.format) for f in report.files] == [(4, "alpaca")]
