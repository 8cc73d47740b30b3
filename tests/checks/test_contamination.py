"""Evaluation-set contamination (D006): --against, eval-sets in config, real MT-Bench questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from datalint import lint_paths
from datalint.cli import main
from datalint.config import ConfigError

DATASETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
MT_BENCH = DATASETS / "mt-bench-questions-80.jsonl"


def _mt_bench() -> list[dict]:
    return [json.loads(line) for line in MT_BENCH.read_text().splitlines()]


def _training_file(tmp_path: Path) -> Path:
    """20 real alpaca records with four MT-Bench texts slipped in (lines 4, 9, 15 and 17)."""
    records = [json.loads(line) for line in (DATASETS / "llamafactory-alpaca-en-demo-1k.jsonl").open()][:20]
    questions = _mt_bench()
    records.insert(3, {"instruction": questions[2]["turns"][0], "input": "", "output": "A copied question."})
    # An edited copy of a 26-word question: 11 of its 14 13-grams contain the changed word.
    edited = questions[10]["turns"][0].replace("Speak", "Talk")
    records.insert(8, {"instruction": edited, "input": "", "output": "An edited question."})
    records.insert(14, {"instruction": "Answer this.", "input": "", "output": questions[47]["reference"][0]})
    # A 12-word reference answer with its last word changed: no 13-gram at all, 3-gram Jaccard 9/11.
    answer = questions[27]["reference"][0].replace("a car.", "a truck.")
    records.insert(16, {"instruction": "Which word does not belong?", "input": "", "output": answer})
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def test_copied_questions_and_answers_are_reported_with_the_eval_record(tmp_path):
    found = lint_paths([_training_file(tmp_path)], select=["D006"], against=[MT_BENCH]).violations
    assert [(v.line, v.pointer, v.related[0].line, v.related[0].pointer) for v in found] == [
        (4, "/instruction", 3, "/turns/0"),
        (9, "/instruction", 11, "/turns/0"),
        (15, "/output", 48, "/reference/0"),
        (17, "/output", 28, "/reference/0"),
    ]
    assert found[0].message.startswith("instruction overlaps evaluation set mt-bench-questions-80.jsonl:3 (/turns/0): ")
    assert found[0].message.endswith("and similarity 1.00")
    assert found[1].message.endswith(": shares 3 word 13-grams")
    assert found[3].message.endswith(": similarity 0.82")
    assert found[0].severity == "error"


def test_the_cli_option_and_its_exit_code(tmp_path):
    train = _training_file(tmp_path)
    result = CliRunner().invoke(main, ["check", str(train), "--select", "D006", "--against", str(MT_BENCH)])
    assert result.exit_code == 1
    assert f"{train}:4:17: D006 [eval-contamination] instruction overlaps" in result.output
    assert f"    related: {MT_BENCH}:3:1" in result.output
    clean = CliRunner().invoke(main, ["check", str(train), "--select", "D006"])
    assert clean.exit_code == 0  # no evaluation set given: nothing to compare with
    missing = CliRunner().invoke(main, ["check", str(train), "--against", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2


def test_eval_sets_in_config_are_relative_to_the_config(tmp_path):
    train = _training_file(tmp_path)
    (tmp_path / "evals").mkdir()
    (tmp_path / "evals" / "mt.jsonl").write_bytes(MT_BENCH.read_bytes())
    config = tmp_path / "datalint.toml"
    config.write_text('eval-sets = ["evals/mt.jsonl"]\n')
    found = lint_paths([train], select=["D006"], config=config).violations
    assert [v.line for v in found] == [4, 9, 15, 17]
    config.write_text('eval-sets = ["evals/missing.jsonl"]\n')
    with pytest.raises(ConfigError, match="datalint.toml: `eval-sets`: no such file .*missing.jsonl"):
        lint_paths([train], select=["D006"], config=config)


def test_real_alpaca_52k_does_not_overlap_mt_bench():
    found = lint_paths([DATASETS / "alpaca-en-52k.jsonl"], select=["D006"], against=[MT_BENCH]).violations
    assert found == []


def test_eval_sets_must_be_a_list_of_paths(tmp_path):
    config = tmp_path / "datalint.toml"
    config.write_text('eval-sets = "mt.jsonl"\n')
    with pytest.raises(ConfigError, match="`eval-sets` must be a list"):
        lint_paths([_training_file(tmp_path)], select=["D006"], config=config)
