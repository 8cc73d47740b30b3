"""`--fix` runs in rounds until no fix applies, as ruff does: each round lints once (records the
last round did not change come from the cache), the report is the last round's lint, `--diff`
shows the edit of every round and writes nothing, and a second `--fix` changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import datalint
from datalint.cli import main

# Line 1's answer ends with a leaked end-of-text token (P007, unsafe fix: cut it); cut, the record
# is a copy of line 3, which a second round removes (D001, unsafe fix: remove the later copy).
LINES = [
    '{"instruction": "Name a primary color.", "output": "Red.<|endoftext|>"}',
    '{"instruction": "Add 2 and 3.", "output": "5"}',
    '{"instruction": "Name a primary color.", "output": "Red."}',
    '{"instruction": "Say hello in French.", "output": "Bonjour."}',
]
RAW = "".join(line + "\n" for line in LINES).encode()
FIXED = "".join(line + "\n" for line in (LINES[2], LINES[1], LINES[3])).encode()


def invoke(*args: str | Path, input: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args], input=input, catch_exceptions=False)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """The records beside a config, so the cache (on by default) lands in tmp_path."""
    (tmp_path / "datalint.toml").write_text('select = ["P007", "D001", "S"]\n', encoding="utf-8")
    path = tmp_path / "data.jsonl"
    path.write_bytes(RAW)
    return path


def test_one_round_leaves_a_fix_the_next_round_applies(data: Path):
    # what a single round of fixes gives: the token cut, and then line 1 is a copy of line 3
    violations = json.loads(invoke("check", "--format", "json", data).stdout)["violations"]
    assert [(v["code"], v["line"]) for v in violations if v["fix"]] == [("P007", 1)]
    once = datalint.plan_fixes([data], unsafe=True, max_rounds=1)
    assert once.rounds == 1 and not once.converged
    assert once.files[0].after == RAW.replace(b"<|endoftext|>", b"")
    assert [(v.code, v.line, v.fix is not None) for v in once.report.violations] == [("D001", 3, True)]


def test_fix_runs_rounds_until_nothing_is_left(data: Path):
    safe = invoke("check", "--fix", data)
    assert data.read_bytes() == RAW  # both fixes are unsafe
    assert safe.exit_code == 1 and "1 more fix available with --unsafe-fixes." in safe.stderr
    done = invoke("check", "--fix", "--unsafe-fixes", "--show-fixes", data)
    assert data.read_bytes() == FIXED
    assert done.exit_code == 0, done.output  # the report is what remains after the last round: nothing
    assert done.stdout.startswith("All checks passed: 3 records in 1 file.")
    assert "Fixed 2 violations in 1 file: removed 1 record, changed 1 line." in done.stderr
    assert "    1 × D001 (duplicate-record)\n    1 × P007 (leaked-special-token)\n" in done.stderr
    assert "warning" not in done.stderr


def test_each_round_relints_only_what_changed(data: Path):
    datalint.lint_paths([data], cache=True)  # the cache knows every record
    plan = datalint.plan_fixes([data], unsafe=True, cache=True)
    assert (plan.rounds, plan.converged) == (2, True)
    assert plan.files[0].before == RAW and plan.files[0].after == FIXED
    assert data.read_bytes() == RAW  # planned in memory
    # the last lint followed the removal of line 3: every record left was linted before
    assert (plan.report.stats["checked"], plan.report.stats["cached"]) == (0, 3)
    assert plan.report.violations == []


def test_diff_shows_every_round_and_writes_nothing(data: Path):
    mtime = data.stat().st_mtime_ns
    result = invoke("check", "--diff", "--unsafe-fixes", data)
    assert result.exit_code == 1
    assert data.read_bytes() == RAW and data.stat().st_mtime_ns == mtime
    changed = [line for line in result.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == [
        "-" + LINES[0],
        "+" + LINES[2],
        "-" + LINES[2],
    ]
    nothing = invoke("check", "--diff", data)  # safe fixes only: none
    assert (nothing.exit_code, nothing.stdout) == (0, "")


def test_fix_of_stdin_runs_the_rounds_too(data: Path):
    result = invoke("check", "--fix", "--unsafe-fixes", "--select", "P007,D001", "-", input=RAW)
    assert result.stdout_bytes == FIXED
    assert result.exit_code == 0
    assert "Fixed 2 violations in 1 file: removed 1 record, changed 1 line." in result.stderr
    again = invoke("check", "--fix", "--unsafe-fixes", "--select", "P007,D001", "-", input=FIXED)
    assert again.stdout_bytes == FIXED and "Fixed" not in again.stderr


def test_a_second_fix_changes_nothing(data: Path):
    invoke("check", "--fix", "--unsafe-fixes", data)
    fixed, mtime = data.read_bytes(), data.stat().st_mtime_ns
    again = invoke("check", "--fix", "--unsafe-fixes", data)
    assert again.exit_code == 0 and "Fixed" not in again.stderr
    assert data.read_bytes() == fixed and data.stat().st_mtime_ns == mtime


def test_a_fix_waiting_on_an_overlapping_one_is_applied_in_the_next_round(tmp_path: Path):
    # line 2's CRLF ending is rewritten in round 1; removing line 2 overlaps that edit and waits
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(f"{LINES[2]}\r\n{LINES[2]}\r\n".encode())
    result = invoke("check", "--no-cache", "--fix", "--unsafe-fixes", "--select", "S010,D001", path)
    assert path.read_bytes() == f"{LINES[2]}\n".encode()
    assert "Fixed 2 violations in 1 file: removed 1 record, changed 1 line." in result.stderr
    assert result.exit_code == 0


def test_plan_fixes_takes_the_options_of_lint_paths(data: Path):
    plan = datalint.plan_fixes([data], unsafe=True, select=["P007"], conventions=False)
    assert plan.files[0].after == RAW.replace(b"<|endoftext|>", b"")  # D001 is not selected
    with pytest.raises(TypeError):
        datalint.plan_fixes([data], selcet=["P007"])


def test_plan_fixes_and_lint_paths_share_one_lint_options(data: Path):
    options = datalint.LintOptions(select=["P007", "D001"], conventions=False)
    plan = datalint.plan_fixes([data], unsafe=True, options=options)
    assert plan.files[0].after == FIXED and plan.report.violations == []
    # keywords change the options given: without D001, only the token is cut, and the copy it
    # makes is what lint_paths with the same options finds in the fixed file
    only_token = datalint.plan_fixes([data], unsafe=True, options=options, select=["P007"])
    assert only_token.files[0].after == RAW.replace(b"<|endoftext|>", b"")
    data.write_bytes(only_token.files[0].after)
    assert [(v.code, v.line) for v in datalint.lint_paths([data], options=options).violations] == [("D001", 3)]
