"""`--diff-base REV`: only records added or changed since a git revision, in a real git repository."""

import subprocess
from pathlib import Path

import pytest

from tests.cli_helpers import finding_lines, run, working_directory

pytestmark = pytest.mark.skipif(subprocess.run(["git", "--version"]).returncode != 0, reason="git is not installed")

GOOD = '{"instruction": "Say hi", "output": "Hi there"}'
OLD_BAD = '{"instruction": "Translate: chat", "output": "cat<|endoftext|>"}'
NEW_BAD = '{"instruction": "Translate: chien", "output": "dog<|endoftext|>"}'


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(f"{GOOD}\n{OLD_BAD}\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "data")
    return tmp_path


def lines_reported(*args: str) -> list[str]:
    result = run("check", *args, "--format", "concise")
    return [line.split(": ")[0] + " " + line.split()[1] for line in finding_lines(result.stdout)]


def test_only_new_and_changed_records_are_reported(repo):
    path = repo / "data" / "train.jsonl"
    changed_good = GOOD.replace("Hi there", "Hi there<|im_end|>")
    path.write_text(f"{NEW_BAD}\n{OLD_BAD}\n{changed_good}\n{OLD_BAD}\n")
    with working_directory(repo):
        assert lines_reported("data/train.jsonl") == [
            "data/train.jsonl:1:51 P007",
            "data/train.jsonl:2:50 P007",
            "data/train.jsonl:3:46 P007",
            "data/train.jsonl:4:1 D001",
            "data/train.jsonl:4:50 P007",
        ]
        # line 2 is the old record; line 4 is a second copy of it, so it is new, and the
        # dataset-wide duplicate rule, which saw the whole file, reports it on the new copy
        assert lines_reported("data/train.jsonl", "--diff-base", "HEAD") == [
            "data/train.jsonl:1:51 P007",
            "data/train.jsonl:3:46 P007",
            "data/train.jsonl:4:1 D001",
            "data/train.jsonl:4:50 P007",
        ]


def test_a_file_not_in_the_revision_is_all_new_and_works_from_another_folder(repo):
    (repo / "data" / "new.jsonl").write_text(f"{OLD_BAD}\n")
    with working_directory(repo / "data"):
        assert lines_reported("new.jsonl", "--diff-base", "HEAD") == ["new.jsonl:1:50 P007"]
        assert lines_reported("train.jsonl", "--diff-base", "HEAD") == []


def test_dataset_wide_rules_still_see_the_whole_file(repo):
    # With no dataset-wide kind on this branch, check that the whole file is linted: the file's format is
    # detected from an old record, so a new record of another format is reported as mixed (S102).
    path = repo / "data" / "train.jsonl"
    path.write_text(f"{GOOD}\n{OLD_BAD}\n" + '{"prompt": "p", "completion": "c"}\n')
    with working_directory(repo):
        result = run("check", "data/train.jsonl", "--diff-base", "HEAD", "--format", "json-lines", "--select", "S102")
    assert [line.count('"line": 3') for line in result.stdout.splitlines()] == [1]


def test_outside_a_repository_or_unknown_revision_is_a_usage_error(tmp_path_factory, repo):
    loose = tmp_path_factory.mktemp("loose")
    (loose / "a.jsonl").write_text(GOOD + "\n")
    result = run("check", loose / "a.jsonl", "--diff-base", "HEAD")
    assert result.exit_code == 2 and "is not inside a git repository" in result.stderr
    with working_directory(repo):
        result = run("check", "data/train.jsonl", "--diff-base", "no-such-rev")
        assert result.exit_code == 2 and "unknown git revision 'no-such-rev'" in result.stderr
