"""A finding most records of a file share is reported once, with its count and examples."""

from __future__ import annotations

import json
from pathlib import Path

import datalint
from tests.cli_helpers import run


def write(path: Path, tagged: int, plain: int) -> Path:
    rows = [
        {"instruction": f"Name a prime above {n}", "input": "", "output": f"{n * 2 + 1} is odd.<|endoftext|>"}
        for n in range(tagged)
    ]
    rows += [
        {"instruction": f"Spell the number {n}", "input": "", "output": f"It is written {n}."} for n in range(plain)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def p007(violations) -> list:
    return [v for v in violations if v.code == "P007"]


def test_a_finding_on_most_records_is_one_finding_with_count_and_examples(tmp_path):
    path = write(tmp_path / "tagged.jsonl", tagged=30, plain=10)
    [finding] = p007(datalint.lint_file(path, select=["P007"]))
    assert finding.line == 1
    assert "on 30 of 40 records (75%): a convention of this file" in finding.message
    assert [r.line for r in finding.related] == [2, 3, 4]
    assert len(p007(datalint.lint_file(path, select=["P007"], conventions=False))) == 30


def test_a_finding_on_a_few_records_stays_per_record(tmp_path):
    path = write(tmp_path / "few.jsonl", tagged=9, plain=40)
    assert [v.line for v in p007(datalint.lint_file(path, select=["P007"]))] == list(range(1, 10))
    # 40% of a small file: planted defects, not a habit, so each is listed
    path = write(tmp_path / "planted.jsonl", tagged=40, plain=60)
    assert len(p007(datalint.lint_file(path, select=["P007"]))) == 40


def test_a_quarter_of_a_large_file_is_a_convention(tmp_path):
    path = write(tmp_path / "large.jsonl", tagged=120, plain=300)
    [finding] = p007(datalint.lint_file(path, select=["P007"]))
    assert "on 120 of 420 records (29%)" in finding.message


def test_cli_every_record_and_fix_still_reach_each_record(tmp_path):
    path = write(tmp_path / "tagged.jsonl", tagged=20, plain=5)
    once = json.loads(run("check", path, "--select", "P007", "--no-cache", "--format", "json").stdout)
    assert len(once["violations"]) == 1
    each = json.loads(run("check", path, "--select", "P007", "--no-cache", "--every-record", "--format", "json").stdout)
    assert len(each["violations"]) == 20
    result = run("check", path, "--select", "P007", "--no-cache", "--fix", "--unsafe-fixes")
    assert result.exit_code == 0, result.stdout
    assert "<|endoftext|>" not in path.read_text()


def test_a_baseline_of_a_convention_accepts_it(tmp_path):
    path = write(tmp_path / "tagged.jsonl", tagged=20, plain=5)
    baseline = tmp_path / "baseline.json"
    assert run("baseline", path, "--select", "P007", "-o", baseline).exit_code == 0
    result = run("check", path, "--select", "P007", "--no-cache", "--baseline", baseline)
    assert result.exit_code == 0, result.stdout


def test_a_chat_with_the_finding_in_several_turns_counts_once(tmp_path):
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"Q{n}"},
                {"role": "assistant", "content": f"A{n}<|im_end|>"},
                {"role": "user", "content": "more"},
                {"role": "assistant", "content": "B<|im_end|>"},
            ]
        }
        for n in range(12)
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    [finding] = p007(datalint.lint_file(path, select=["P007"]))
    assert "on 12 of 12 records (100%)" in finding.message
    assert [r.line for r in finding.related] == [2, 3, 4]
