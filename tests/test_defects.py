"""A defect datalint finds in itself while it runs (a kind keeping a feature value its declaration
does not allow) is one sentence naming the rule and the feature, exit 2 on the command line and a
tool error in the MCP server, never a traceback.

No shipped kind has such a defect, so the tests register one: tests/misdeclared_kind.py declares
an int64 feature and keeps a float; the codec refuses the value when the cache stores the column."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from tests.conftest import REPO

RECORDS = b'{"instruction": "Name a colour.", "output": "Blue"}\n{"instruction": "Name a fruit.", "output": "Pear"}\n'
CONFIG = """
[[rule]]
code = "X901"
name = "half-length"
kind = "misdeclared"
summary = "Keeps half the answer's length: a float where its kind declares int64"
"""
SENTENCE = (
    "datalint: error: rule X901 (kind misdeclared): feature 'length': expected int64, got float 2.0; "
    "this is a defect in datalint (or in the check kind of a user rule), not in the data: "
    "please report it with this message"
)
REGISTER = "import datalint.checks as checks; checks.KIND_MODULES['misdeclared'] = 'tests.misdeclared_kind'"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "data.jsonl").write_bytes(RECORDS)
    (tmp_path / "datalint.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def test_the_console_script_exits_2_with_one_sentence(folder: Path):
    # The console script's entry point, with the kind registered first and this checkout on the path.
    script = f"{REGISTER}; from datalint.cli import run; run()"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, "-c", script, "check", "data.jsonl"],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr == SENTENCE + "\n"
    assert result.stdout == ""


def test_without_the_cache_the_value_is_never_encoded(folder: Path, monkeypatch):
    # The declaration is enforced where a column is encoded (cache, worker processes): a run that
    # does neither checks the records and reports nothing of this kind.
    from datalint import checks
    from tests.conftest import run

    monkeypatch.setitem(checks.KIND_MODULES, "misdeclared", "tests.misdeclared_kind")
    monkeypatch.chdir(folder)
    result = run("check", "data.jsonl", "--no-cache", "--select", "X901")
    assert result.exit_code == 0, result.output


def test_the_mcp_lint_tool_answers_with_a_tool_error(folder: Path, monkeypatch):
    pytest.importorskip("mcp")
    from mcp import Client

    from datalint import checks
    from datalint.mcp_server import create_server

    monkeypatch.setitem(checks.KIND_MODULES, "misdeclared", "tests.misdeclared_kind")

    async def session():
        async with Client(create_server(cache=True)) as client:
            failed = await client.call_tool("lint", {"paths": [str(folder / "data.jsonl")]})
            explained = await client.call_tool("explain_rule", {"rule": "P001"})  # the server still serves
            return failed, explained

    failed, explained = anyio.run(session)
    assert failed.is_error
    assert failed.content[0].text.endswith(": " + SENTENCE.removeprefix("datalint: error: "))  # the SDK names the tool
    assert not explained.is_error
