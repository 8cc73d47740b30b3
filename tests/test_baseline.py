"""`datalint baseline` and `datalint check --baseline`: entries keyed by record hash, not line."""

import json
from pathlib import Path

import pytest

from datalint.baseline import load
from tests.cli_helpers import finding_lines, run, working_directory

GOOD = '{"instruction": "Say hi", "output": "Hi there"}'
AI = '{"instruction": "Who are you?", "output": "As an AI language model, I have no name."}'
TOKEN = '{"instruction": "Translate: chat", "output": "cat<|endoftext|>"}'
OTHER_AI = '{"instruction": "Name?", "output": "As an AI language model, I cannot say."}'


def write_lines(path: Path, *lines: str) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_lines(tmp_path / "train.jsonl", GOOD, AI, TOKEN, AI)
    # The patterns only: the two AI records are also exact duplicates, which is not the point here.
    (tmp_path / "datalint.toml").write_text('select = ["P0", "DL"]\n', encoding="utf-8")
    with working_directory(tmp_path):
        result = run("baseline", "train.jsonl", "--output", "datalint-baseline.json")
        assert result.exit_code == 0, result.output
        yield tmp_path


def check(*extra: str):
    return run("check", "train.jsonl", "--baseline", "datalint-baseline.json", "--format", "concise", *extra)


def test_baseline_file_is_keyed_by_hash_and_code_with_counts(project):
    document = json.loads((project / "datalint-baseline.json").read_text())
    assert document["version"] == 1
    assert sorted((e["path"], e["code"], e["count"]) for e in document["entries"]) == [
        ("train.jsonl", "P001", 2),
        ("train.jsonl", "P007", 1),
    ]
    assert all(len(e["hash"]) == 16 for e in document["entries"])
    assert not [p for p in project.iterdir() if p.name.endswith(".tmp")]


def test_nothing_new_passes_and_moving_records_keeps_the_baseline_valid(project):
    assert check().exit_code == 0
    write_lines(project / "train.jsonl", GOOD, GOOD, TOKEN, AI, GOOD, AI)  # inserted and re-ordered lines
    result = check()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("All checks passed")


def test_a_new_bad_record_fails_and_an_extra_copy_of_an_old_one_counts_as_new(project):
    write_lines(project / "train.jsonl", OTHER_AI, GOOD, AI, TOKEN, AI, AI)
    result = check("--fail-on", "warning")
    assert result.exit_code == 1
    assert [line.split(": ")[0:2] for line in finding_lines(result.stdout)] == [
        ["train.jsonl:1:37", "P001 AI disclaimer"],
        ["train.jsonl:6:44", "P001 AI disclaimer"],
    ]


def test_unused_entries_are_reported_at_the_baseline_and_pruned(project):
    write_lines(project / "train.jsonl", GOOD, AI, GOOD)  # one AI copy and the token record are gone
    result = check()
    assert result.exit_code == 0  # DL001 is a warning; fail-on is error
    entries = {entry.code: entry for entry in load(project / "datalint-baseline.json").entries}
    assert sorted(finding_lines(result.stdout)) == [
        f"datalint-baseline.json:{entries[code].line}:1: DL001 unused baseline entry: {code} on record "
        f"{entries[code].hash} in train.jsonl no longer occurs; remove it with --prune"
        for code in sorted(entries, key=lambda code: entries[code].line)
    ]
    assert check("--fail-on", "warning").exit_code == 1
    assert check("--prune").exit_code == 0
    pruned = load(project / "datalint-baseline.json")
    assert [(e.code, e.count) for e in pruned.entries] == [("P001", 1)]
    assert check().stdout.startswith("All checks passed")


def test_entries_of_rules_not_selected_or_files_not_linted_are_not_unused(project):
    write_lines(project / "other.jsonl", GOOD)
    assert "DL001" not in check("--select", "P001").stdout
    result = run("check", "other.jsonl", "--baseline", "datalint-baseline.json", "--format", "concise")
    assert result.exit_code == 0 and "DL001" not in result.stdout


def test_file_level_violations_have_a_file_key(tmp_path):
    write_lines(tmp_path / "odd.jsonl", '{"a": 1}')
    with working_directory(tmp_path):
        run("baseline", "odd.jsonl", "-o", "b.json")
        entries = load(tmp_path / "b.json").entries
        assert [(e.hash, e.code) for e in entries] == [("file", "S103")]
        assert run("check", "odd.jsonl", "--baseline", "b.json").exit_code == 0


def test_a_broken_baseline_is_a_usage_error(project):
    (project / "datalint-baseline.json").write_text("[1, 2]")
    result = check()
    assert result.exit_code == 2
    assert "not a datalint baseline" in result.stderr
    assert run("check", "train.jsonl", "--prune").exit_code == 2


def test_a_baseline_nested_too_deeply_or_with_a_huge_number_is_a_clear_error(tmp_path: Path) -> None:
    from datalint.baseline import BaselineError

    for name, text in (("deep.json", "[" * 5000), ("long.json", '{"version": ' + "9" * 5000 + "}")):
        (tmp_path / name).write_text(text)
        with pytest.raises(BaselineError, match=f"{name}: baseline cannot be read"):
            load(tmp_path / name)
