"""The whole real corpus: no traceback, valid JSON output, and known defects at their lines."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

import datalint
from datalint.formatters import render
from datalint.rules import SCHEMAS_DIR
from tests.conftest import dataset


@pytest.fixture(scope="module")
def corpus_report(corpus) -> dict:
    assert corpus.exit_code == 1
    return json.loads(render("json", corpus))


def test_all_real_files_lint_and_output_validates_against_the_shipped_schema(corpus_report):
    schema = json.loads((SCHEMAS_DIR / "output-v2.json").read_text())
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema).validate(corpus_report)
    assert corpus_report["summary"]["files"] == 27


def lines_of(report: dict, file_name: str, code: str) -> list[int]:
    return [v["line"] for v in report["violations"] if v["path"].endswith("/" + file_name) and v["code"] == code]


def test_toy_chat_record_without_a_user_message(corpus_report):
    assert lines_of(corpus_report, "openai-toy-chat-fine-tuning.jsonl", "S206") == [4]


def test_sharegpt_empty_conversations_and_same_speaker_twice(corpus_report):
    empty = lines_of(corpus_report, "sharegpt-v3-cleaned-first2k.jsonl", "S208")
    assert len(empty) == 15  # README: "15 conversations are empty"
    twice = set(lines_of(corpus_report, "sharegpt-v3-cleaned-first2k.jsonl", "S203"))
    assert twice == {261, 801, 802, 1271, 1483}  # README: "5 conversations have the same speaker twice"
    for line in twice:
        record = json.loads(dataset("sharegpt-v3-cleaned-first2k.jsonl").read_text().split("\n")[line - 1])
        speakers = [turn["from"] for turn in record["conversations"]]
        assert any(a == b for a, b in zip(speakers, speakers[1:], strict=False))


def test_endoftext_in_every_t0_completion_is_one_finding(corpus_report):
    # README: every completion ends with the literal <|endoftext|>: one root cause, one finding.
    [first] = [v for v in corpus_report["violations"] if v["code"] == "P007" and "t0-" in v["path"]]
    assert first["line"] == 1 and first["pointer"] == "/completion"
    assert "on 5,448 of 5,588 records (97%): a convention of this file" in first["message"]
    assert [r["line"] for r in first["related"]] == [2, 3, 4]
    raw = dataset("t0-prompt-completion-sample.jsonl").read_text().split("\n")[0]
    assert raw[first["column"] - 1 : first["end_column"] - 1] == "<|endoftext|>"


def test_nooutput_in_alpaca(corpus_report):
    lines = lines_of(corpus_report, "alpaca-en-52k.jsonl", "P004")
    rows = dataset("alpaca-en-52k.jsonl").read_text().split("\n")
    expected = [n for n, row in enumerate(rows, 1) if "<nooutput>" in row.lower() or "<noinput>" in row.lower()]
    assert set(expected) <= set(lines)
    # The datasets README says 32; the file itself has 25 outputs holding <nooutput> in any case
    # (24 exactly lower-case). Every one of them is reported on its line.
    in_output = [n for n, row in enumerate(rows, 1) if row and "<nooutput>" in json.loads(row)["output"].lower()]
    assert len(in_output) == 25
    assert set(in_output) <= set(lines)


def test_missing_final_newline_of_belle(corpus_report):
    assert lines_of(corpus_report, "belle-eval-set-1k.jsonl", "S007") == [1000]


def test_tool_call_assistant_turns_without_content_are_valid(corpus_report):
    # OpenAI's own drone example: assistant turns have tool_calls and no content key.
    drone = [v for v in corpus_report["violations"] if "openai-drone" in v["path"] and v["code"].startswith("S")]
    assert drone == []


def test_every_real_dataset_is_read_in_a_known_format(corpus, corpus_report):
    assert not [v for v in corpus_report["violations"] if v["code"] == "S103"]
    assert all(summary.format != "unknown" for summary in corpus.files)


def test_belle_empty_answers_are_found_without_a_config(corpus_report):
    # README: "`std_answer` is empty in 369 rows": one habit of the file, so one finding with the count
    [empty] = [v for v in corpus_report["violations"] if v["code"] == "S205" and "belle-eval" in v["path"]]
    assert empty["pointer"] == "/std_answer" and "on 369 of 1,000 records" in empty["message"]
    each = datalint.lint_file(dataset("belle-eval-set-1k.jsonl"), select=["S205"], conventions=False)
    assert len(each) == 369 and {v.pointer for v in each} == {"/std_answer"}
