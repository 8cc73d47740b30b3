"""The real pre-commit: this repository's hook tried on a temporary dataset repository, and the
README's snippets run exactly as written (their two placeholders replaced by this checkout)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

GOOD = '{"instruction": "Say hi", "input": "", "output": "Hi"}\n'
WAVE = '{"instruction": "Wave", "input": "", "output": "*waves*"}\n'
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def dataset_repository(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A git repository with a good dataset, a bad one and a file that is not a dataset."""
    repo = tmp_path / "datasets"
    repo.mkdir()
    (repo / "good.jsonl").write_text(GOOD + GOOD.replace("Say hi", "Greet me").replace('"Hi"', '"Hello!"'))
    (repo / "bad.jsonl").write_text(WAVE + '{"instruction": "Say bye", "output": "Bye"\n')
    (repo / "notes.txt").write_text("{not json, and not a dataset\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_CONFIG_NOSYSTEM": "1"}
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        subprocess.run(command, cwd=repo, check=True, env=env)
    return repo, env


def pre_commit(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pre_commit", *args]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env, timeout=900)


def assert_bad_file_reported(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "bad.jsonl:2:43: S001 [invalid-json] invalid JSON: Expecting ',' delimiter" in output
    assert "good.jsonl:" not in output
    assert "notes.txt" not in output


@needs_git
def test_hook_fails_on_the_bad_file_and_reports_its_line(tmp_path):
    repo, env = dataset_repository(tmp_path)
    assert_bad_file_reported(pre_commit(repo, env, "try-repo", str(REPO), "datalint", "--all-files", "--verbose"))


def readme_snippets() -> list[str]:
    """The YAML blocks of the README's pre-commit section."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## pre-commit\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, flags=re.S)


def test_the_readme_has_both_snippets_with_their_placeholders():
    snippets = readme_snippets()
    assert len(snippets) == 2
    assert "repo: https://github.com/YOUR-ORG/datalint" in snippets[0] and "rev: FULL-COMMIT-SHA" in snippets[0]
    assert "repo: local" in snippets[1] and "git+https://github.com/YOUR-ORG/datalint@FULL-COMMIT-SHA" in snippets[1]


@needs_git
@pytest.mark.parametrize("which", [0, 1], ids=["pinned-commit", "repo-local"])
def test_the_readme_snippet_works_as_written(tmp_path, which):
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
    snippet = readme_snippets()[which]
    config = (
        snippet.replace("git+https://github.com/YOUR-ORG/datalint", f"git+file://{REPO}")
        .replace("https://github.com/YOUR-ORG/datalint", str(REPO))
        .replace("FULL-COMMIT-SHA", head.stdout.strip())
    )
    repo, env = dataset_repository(tmp_path)
    (repo / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    subprocess.run(["git", "add", ".pre-commit-config.yaml"], cwd=repo, check=True, env=env)
    assert_bad_file_reported(pre_commit(repo, env, "run", "--all-files", "--verbose"))
