"""Config discovery, selection, per-rule options, per-path overrides and validation."""

from __future__ import annotations

import pytest

from tests.conftest import run, run_json, write_jsonl

RECORDS = [
    {"instruction": "Say hi", "input": "", "output": "As an AI language model, hi."},
    {"instruction": "Say bye", "input": "", "output": ""},
]


@pytest.fixture
def data(tmp_path):
    return write_jsonl(tmp_path / "data" / "train.jsonl", RECORDS) if (tmp_path / "data").mkdir() is None else None


def codes(*args):
    return [v["code"] for v in run_json(*args)["violations"]]


def test_defaults_without_config(data):
    assert codes(str(data)) == ["P001", "S205"]


@pytest.mark.parametrize("name", ["datalint.toml", ".datalint.toml"])
def test_config_found_upward_from_the_file(data, name):
    (data.parent.parent / name).write_text('ignore = ["P001"]\n')
    assert codes(str(data)) == ["S205"]


def test_pyproject_tool_table(data):
    (data.parent / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.datalint]\nignore = ["S"]\n')
    assert codes(str(data)) == ["P001"]


def test_pyproject_without_tool_table_is_skipped(data):
    (data.parent / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (data.parent.parent / "datalint.toml").write_text('select = ["S205"]\n')
    assert codes(str(data)) == ["S205"]


def test_nearest_config_wins(data):
    (data.parent.parent / "datalint.toml").write_text('select = ["S"]\n')
    (data.parent / "datalint.toml").write_text('select = ["P"]\n')
    assert codes(str(data)) == ["P001"]


def test_config_option_overrides_discovery(data, tmp_path):
    (data.parent / "datalint.toml").write_text('select = ["P"]\n')
    other = tmp_path / "other.toml"
    other.write_text('select = ["S205"]\n')
    assert codes(str(data), "--config", str(other)) == ["S205"]


@pytest.mark.parametrize("selector", ["P001", "ai-disclaimer", "P", "P0"])
def test_select_by_code_name_or_family(data, selector):
    assert codes(str(data), "--select", selector) == ["P001"]


def test_extend_select_and_cli_ignore(data):
    (data.parent / "datalint.toml").write_text('select = ["S205"]\nextend-select = ["ai-disclaimer"]\n')
    assert codes(str(data)) == ["P001", "S205"]
    assert codes(str(data), "--ignore", "S205") == ["P001"]


def test_per_rule_severity_and_options(data):
    (data.parent / "datalint.toml").write_text(
        '[rules.P001]\nseverity = "error"\n\n[rules.empty-turn]\nseverity = "info"\n'
    )
    document = run_json(str(data))
    assert [(v["code"], v["severity"]) for v in document["violations"]] == [("P001", "error"), ("S205", "info")]


def test_per_file_ignores_and_overrides(tmp_path):
    write_jsonl(tmp_path / "train.jsonl", RECORDS)
    (tmp_path / "eval").mkdir()
    write_jsonl(tmp_path / "eval" / "test.jsonl", RECORDS)
    (tmp_path / "datalint.toml").write_text(
        '[per-file-ignores]\n"eval/*.jsonl" = ["P"]\n\n[[overrides]]\nfiles = ["train.jsonl"]\nignore = ["S205"]\n'
    )
    document = run_json(str(tmp_path), "--select", "S,P")  # the two files are copies: leave D out
    found = sorted((v["path"].rsplit("/", 1)[-1], v["code"]) for v in document["violations"])
    assert found == [("test.jsonl", "S205"), ("train.jsonl", "P001")]


def test_fail_on(data):
    (data.parent / "datalint.toml").write_text('select = ["P001"]\n')
    assert run("check", str(data)).exit_code == 0  # P001 is a warning; failing starts at error
    assert run("check", str(data), "--fail-on", "warning").exit_code == 1
    (data.parent / "datalint.toml").write_text('select = ["P001"]\nfail-on = "warning"\n')
    assert run("check", str(data)).exit_code == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('selekt = ["S"]\n', "unknown key `selekt`"),
        ('select = "S"\n', "`select` must be a list"),
        ('fail-on = "fatal"\n', "`fail-on` must be one of"),
        ('[rules.P001]\nseverity = "loud"\n', "`severity` must be one of"),
        ('[rules.P001]\nfields = "response"\n', "option `fields` must be a list"),
        ('[rules.P001]\nfeilds = ["response"]\n', "unknown option `feilds`"),
        ('[rules.P999]\nseverity = "error"\n', "`rules.P999` names no rule"),
        ('select = ["Z9"]\n', "`Z9` matches no rule"),
        ('format = "csv"\n', "`format` must be auto or one of"),
        ('[mapping]\nanswer = "x"\n', "unknown key `mapping.answer`"),
        ('[[overrides]]\nfiles = ["*.jsonl"]\ncolour = 1\n', "unknown key `overrides[0].colour`"),
        ("select = [\n", "invalid TOML"),
        ('[[rule]]\ncode = "X001"\nname = "x"\nkind = "pattern"\nsummary = "s"\n', "needs `phrases` or `regex`"),
        ('[[rule]]\ncode = "X1"\nname = "x"\nkind = "pattern"\nsummary = "s"\n', "`code` must be"),
        ('[[rule]]\ncode = "P001"\nname = "x"\nkind = "pattern"\nsummary = "s"\nphrases=["a"]\n', "declared twice"),
    ],
)
def test_bad_config_is_exit_2_naming_key_and_file(data, content, expected):
    config = data.parent / "datalint.toml"
    config.write_text(content)
    result = run("check", str(data))
    assert result.exit_code == 2
    assert expected in result.output
    assert str(config) in result.output


def test_custom_mapping(tmp_path):
    path = write_jsonl(tmp_path / "qa.jsonl", [{"q": {"text": "2+2?"}, "a": ""}, {"q": {"text": "Hi"}, "a": "Hello"}])
    assert codes(str(path)) == ["S103"]
    (tmp_path / "datalint.toml").write_text('format = "custom"\n[mapping]\ninstruction = "q.text"\nresponse = "a"\n')
    document = run_json(str(path))
    assert [(v["code"], v["line"], v["pointer"]) for v in document["violations"]] == [("S205", 1, "/a")]
