"""Schema rules: bundled preset schemas, a user schema, mixed formats."""

from __future__ import annotations

import json

import datalint
from tests.conftest import write_jsonl


def test_preset_schema_reports_type_errors_with_pointer():
    violations = datalint.lint_records([{"instruction": "x", "output": 42}], select=["S101"])
    assert [(v.code, v.pointer, v.message) for v in violations] == [
        ("S101", "/output", "schema: 42 is not of type 'string'")
    ]


def test_openai_tool_call_shape():
    record = {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [{"id": 1}]}]}
    messages = sorted(v.message for v in datalint.lint_records([record], select=["S101"]))
    assert messages == [
        "schema: 'function' is a required property",
        "schema: 'type' is a required property",
        "schema: 1 is not of type 'string'",
    ]


def test_mixed_formats_in_one_file():
    records = [
        {"instruction": "a", "output": "b"},
        {"messages": [{"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]},
    ]
    violations = datalint.lint_records(records, select=["S102"])
    assert [(v.line, v.message) for v in violations] == [(2, "record is in openai format but the file is alpaca")]


def test_user_schema_replaces_presets(tmp_path):
    schema = {"type": "object", "required": ["instruction", "output", "source"]}
    (tmp_path / "record.schema.json").write_text(json.dumps(schema))
    (tmp_path / "datalint.toml").write_text('[rules.S101]\nschema = "record.schema.json"\n')
    path = write_jsonl(
        tmp_path / "d.jsonl", [{"instruction": "a", "output": "b"}, {"instruction": "a", "output": "b", "source": "x"}]
    )
    violations = datalint.lint_file(path, select=["S101"])
    assert [(v.line, v.message) for v in violations] == [(1, "schema: 'source' is a required property")]
