"""The Python API works on records held in memory, with the same fields as the JSON output."""

from __future__ import annotations

import json

import pytest

import datalint
from tests.conftest import dataset


def test_lint_records_in_memory_like_dataset_rows():
    rows = [
        {"instruction": "Say hi", "input": "", "output": "Hi"},
        {"instruction": "Say bye", "input": "", "output": "<nooutput>"},
    ]
    (violation,) = datalint.lint_records(rows)
    assert (violation.code, violation.line, violation.pointer, violation.path) == ("P004", 2, "/output", "<memory>")
    line = json.dumps(rows[1], ensure_ascii=False)
    assert line[violation.column - 1 : violation.end_column - 1] == "<nooutput>"
    assert set(violation.to_dict()) >= {
        "code",
        "name",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_column",
        "pointer",
        "related",
    }


def test_lint_file_and_paths_on_a_real_dataset():
    path = dataset("openai-toy-chat-fine-tuning.jsonl")
    assert [(v.code, v.line) for v in datalint.lint_file(path, select=["S"])] == [("S206", 4)]
    report = datalint.lint_paths([path], select=["S"])
    assert (report.exit_code, report.files[0].records, report.files[0].format) == (1, 5, "openai")


def test_lint_options_are_the_keywords_of_lint_paths():
    path = dataset("openai-toy-chat-fine-tuning.jsonl")
    by_keywords = datalint.lint_paths([path], select=["S"], conventions=False)
    options = datalint.LintOptions(select=["S"], conventions=False)
    assert datalint.lint_paths([path], options=options).violations == by_keywords.violations
    assert datalint.lint_file(path, options=options) == by_keywords.violations
    # keywords change the options given; an unknown one is a TypeError, as for any function
    assert datalint.lint_paths([path], options=options, select=["P"]).violations == []
    with pytest.raises(TypeError, match="selcet"):
        datalint.lint_paths([path], selcet=["S"])
