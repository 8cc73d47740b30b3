"""The human review loop end to end, in a real git repository with real records.

sample -> rate -> commit -> train-quality -> check reports coverage (Q901), records rated bad
(Q902) and records the model scores low (Q903).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import dataset, run

pytest.importorskip("sklearn")

CLEAN, EMPTY, NO_OUTPUT, END_OF_TEXT = 285, 40, 25, 50


def is_defective(record: dict) -> bool:
    output = record["output"].strip().lower()
    return output in ("", "<|endoftext|>") or "<nooutput>" in output or "<no output>" in output


def real_records() -> list[dict]:
    """400 Alpaca-format records: clean ones, and real defective ones from alpaca and T0."""
    clean, empty, no_output = [], [], []
    with dataset("alpaca-en-52k.jsonl").open(encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            output = record["output"].strip().lower()
            if not output:
                empty.append(record)
            elif "<nooutput>" in output or "<no output>" in output:
                no_output.append(record)
            elif len(clean) < CLEAN:
                clean.append(record)
            if len(empty) >= EMPTY and len(no_output) >= NO_OUTPUT and len(clean) >= CLEAN:
                break
    end_of_text = []
    with dataset("t0-prompt-completion-sample.jsonl").open(encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            if record["completion"].strip() == "<|endoftext|>" and len(end_of_text) < END_OF_TEXT:
                end_of_text.append({"instruction": record["prompt"].strip(), "input": "", "output": "<|endoftext|>"})
    records = clean + empty[:EMPTY] + no_output[:NO_OUTPUT] + end_of_text
    # interleave deterministically so defects are spread over the file
    return [record for _, record in sorted(enumerate(records), key=lambda pair: (pair[0] * 7919) % len(records))]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Reviewer", "-c", "user.email=r@example.org", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def check_json(*args: str) -> list[dict]:
    result = run("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)["violations"]


def lines_of(violations: list[dict], code: str) -> set[int]:
    return {violation["line"] for violation in violations if violation["code"] == code}


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_sample_rate_commit_train_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    monkeypatch.chdir(repo)
    records = real_records()
    assert len(records) == 400
    (repo / "data").mkdir()
    (repo / "data" / "train.jsonl").write_text(
        "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8"
    )
    defective = {number for number, record in enumerate(records, start=1) if is_defective(record)}
    assert len(defective) == EMPTY + NO_OUTPUT + END_OF_TEXT
    (repo / "datalint.toml").write_text('[review]\nledger = "reviews/*.jsonl"\n', encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "dataset")

    # Before any review: the file has no review at all.
    before = check_json("--select", "Q9", ".")
    assert [(v["code"], v["path"], v["line"]) for v in before] == [("Q901", "data/train.jsonl", 1)]
    assert "0 of 400 records (0.0%)" in before[0]["message"]

    # Sample 30% (enough to train on), rate it, commit it.
    result = run("sample", "data/train.jsonl", "--fraction", "0.3", "--seed", "7", "--output", "reviews/first.jsonl")
    assert result.exit_code == 0, result.output
    assert "sampled 120 of 400 records" in result.output
    review_file = repo / "reviews" / "first.jsonl"
    entries = [json.loads(line) for line in review_file.read_text(encoding="utf-8").splitlines()]
    assert len(entries) == 120 and all(entry["rating"] == "" for entry in entries)
    for entry in entries:
        entry["rating"] = "bad" if is_defective(entry["record"]) else "good"
        entry["note"] = "no answer" if entry["rating"] == "bad" else ""
    review_file.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")
    rated_bad = {entry["line"] for entry in entries if entry["rating"] == "bad"}
    reviewed = {entry["line"] for entry in entries}
    assert 10 <= len(rated_bad) < 60
    git(repo, "add", "reviews")
    git(repo, "commit", "-qm", "first review")

    # Train on the committed ratings.
    result = run("train-quality", "--ratings", "reviews/*.jsonl", "--output", "quality-model.json", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "cross-validated (5 folds, seed 1)" in result.output
    assert "majority-class baseline" in result.output
    model = json.loads((repo / "quality-model.json").read_text(encoding="utf-8"))
    assert model["format"] == "datalint-quality-model"
    (repo / "datalint.toml").write_text(
        '[review]\nledger = "reviews/*.jsonl"\nmodel = "quality-model.json"\nmin-share = 0.5\n', encoding="utf-8"
    )
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "quality model")

    violations = check_json("--select", "Q9", ".")
    # the review files themselves are not linted as datasets
    assert {v["path"] for v in violations} == {"data/train.jsonl"}
    coverage = [v for v in violations if v["code"] == "Q901"]
    assert len(coverage) == 1 and "120 of 400 records (30.0%)" in coverage[0]["message"]
    assert lines_of(violations, "Q902") == rated_bad
    assert any(v["message"].startswith("rated bad by human review (reviews/first.jsonl:") for v in violations)
    low = lines_of(violations, "Q903")
    assert low and not low & reviewed  # a human rating outranks the model
    unreviewed_defects = defective - rated_bad
    # the model finds most defects nobody has read yet, and flags few clean records
    assert len(low & unreviewed_defects) >= 0.8 * len(unreviewed_defects)
    assert len(low - defective) <= 0.05 * (400 - len(defective))
    assert all("quality score 0." in v["message"] for v in violations if v["code"] == "Q903")

    # Fixing a record rated bad changes its hash: its Q902 is gone and its review is stale.
    fixed_line = min(rated_bad)
    text = (repo / "data" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(text[fixed_line - 1])
    record["output"] = "A real answer, written by a person."
    text[fixed_line - 1] = json.dumps(record)
    (repo / "data" / "train.jsonl").write_text("\n".join(text) + "\n", encoding="utf-8")
    after = check_json("--select", "Q901,Q902", ".")
    assert lines_of(after, "Q902") == rated_bad - {fixed_line}
    assert "119 of 400 records" in [v for v in after if v["code"] == "Q901"][0]["message"]
