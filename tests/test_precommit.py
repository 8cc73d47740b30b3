"""The real pre-commit, trying this repository's hook on a temporary dataset repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

GOOD = '{"instruction": "Say hi", "input": "", "output": "Hi"}\n'


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_hook_fails_on_the_bad_file_and_reports_its_line(tmp_path):
    repo = tmp_path / "datasets"
    repo.mkdir()
    (repo / "good.jsonl").write_text(GOOD + GOOD.replace("Say hi", "Greet me").replace('"Hi"', '"Hello!"'))
    wave = '{"instruction": "Wave", "input": "", "output": "*waves*"}\n'
    (repo / "bad.jsonl").write_text(wave + '{"instruction": "Say bye", "output": "Bye"\n')
    (repo / "notes.txt").write_text("{not json, and not a dataset\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_CONFIG_NOSYSTEM": "1"}
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        subprocess.run(command, cwd=repo, check=True, env=env)
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "datalint", "--all-files", "--verbose"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "bad.jsonl:2:43: S001 [invalid-json] invalid JSON: Expecting ',' delimiter" in output
    assert "good.jsonl:" not in output
    assert "notes.txt" not in output
