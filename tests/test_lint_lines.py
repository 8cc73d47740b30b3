"""`datalint.lint_lines`: a buffer held as lines gives what `lint_file` gives for the same bytes,
and a call that re-checks only the edited lines gives what a fresh call gives."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import datalint
from datalint.engine import buffer
from datalint.rules import prepared
from tests.conftest import dataset


@pytest.fixture(scope="module")
def settings():
    resolved = datalint.settings_resolver(None, None, (), ()).settings_for(None)
    return replace(resolved, rules=tuple(prepared(rule) for rule in resolved.rules))


def as_dicts(violations) -> list[dict]:
    """The violations as the JSON output has them, without `fix`: lint_file attaches each finding's
    fix, while the editor plans fixes when a code action asks (lint_lines attaches none)."""
    return [{key: value for key, value in violation.to_dict().items() if key != "fix"} for violation in violations]


@pytest.mark.parametrize(
    ("name", "count", "dataset_codes"),
    [("t0-prompt-completion-sample.jsonl", 600, {"D005"}), ("alpaca-en-52k.jsonl", 800, set())],
)
def test_the_lines_of_a_file_give_the_file_s_violations(tmp_path, settings, name, count, dataset_codes):
    raw = dataset(name).read_bytes().split(b"\n")[:count]
    path = tmp_path / name
    path.write_bytes(b"\n".join(raw) + b"\n")
    expected = as_dicts(datalint.lint_file(path, conventions=False))
    linted = datalint.lint_lines(
        path.read_text(encoding="utf-8").split("\n")[:-1], settings, name=str(path), dataset=True
    )
    got = sorted(as_dicts(linted.violations + linted.dataset), key=lambda v: (v["line"], v["column"], v["code"]))
    assert got == sorted(expected, key=lambda v: (v["line"], v["column"], v["code"]))
    assert {v.code for v in linted.dataset} == dataset_codes


def test_edits_re_checked_line_by_line_match_a_fresh_run(settings):
    lines = dataset("code-alpaca-2k.jsonl").read_text(encoding="utf-8").split("\n")[:300]
    disclaimer = json.dumps({"instruction": "Hi?", "output": "As an AI language model, I cannot."})
    linted = datalint.lint_lines(lines, settings, name="buffer.jsonl")
    # (what to do to the lines, the unchanged first and last lines an editor's changes leave)
    steps = [
        (lambda ls: ls.__setitem__(4, disclaimer), (4, 295)),
        (lambda ls: ls.__setitem__(slice(10, 10), [disclaimer, "{not json"]), (10, 290)),
        (lambda ls: ls.__delitem__(0), (0, 301)),
        (lambda ls: ls.__setitem__(50, ls[50] + "\r"), (50, 250)),
        (lambda ls: ls.__setitem__(slice(100, 103), []), (100, 198)),
        (lambda ls: ls.append(""), (298, 0)),
        (lambda ls: ls.clear(), (0, 0)),
        (lambda ls: ls.extend([disclaimer, "", disclaimer + "\r"]), (0, 0)),
    ]
    seen = set()
    for number, (change, unchanged) in enumerate(steps):
        change(lines)
        linted = datalint.lint_lines(lines, settings, name="buffer.jsonl", previous=linted, unchanged=unchanged)
        fresh = datalint.lint_lines(lines, settings, name="buffer.jsonl")
        assert as_dicts(linted.violations) == as_dicts(fresh.violations), f"step {number}"
        assert (linted.records, linted.first_crlf) == (fresh.records, fresh.first_crlf)
        seen |= {violation.code for violation in linted.violations}
    assert {"P001", "S001", "S010", "S005"} <= seen  # the disclaimer, the bad JSON, the CRLF, the blank line


def test_an_edit_checks_only_its_line(settings, monkeypatch):
    lines = dataset("code-alpaca-2k.jsonl").read_text(encoding="utf-8").split("\n")[:200]
    linted = datalint.lint_lines(lines, settings, name="buffer.jsonl")
    checked = []
    original = buffer.check_lines
    monkeypatch.setattr(
        buffer,
        "check_lines",
        lambda plan, fmt, parsed: checked.append(len(parsed)) or original(plan, fmt, parsed),
    )
    lines[7] = lines[7].replace('"output": "', '"output": "As an AI language model, I say: ', 1)
    again = datalint.lint_lines(lines, settings, name="buffer.jsonl", previous=linted, unchanged=(7, 192))
    assert checked == [1]
    assert [v.line for v in again.violations if v.code == "P001"] == [8]


def test_copies_in_a_buffer_are_found_as_in_its_file(tmp_path, settings):
    """The duplicate rules read their hash columns from the buffer's own results (declared as a
    file's are): the same findings as lint_file on the same bytes."""
    lines = dataset("code-alpaca-2k.jsonl").read_text(encoding="utf-8").split("\n")[:200]
    lines += [lines[3], lines[7].replace('"output": "', '"output": "  '), lines[3]]
    path = tmp_path / "copies.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = [v for v in as_dicts(datalint.lint_file(path, conventions=False)) if v["code"].startswith("D")]
    linted = datalint.lint_lines(lines, settings, name=str(path), dataset=True)
    got = [v for v in as_dicts(linted.dataset) if v["code"].startswith("D")]
    assert got == expected
    assert {v["code"] for v in got} >= {"D001"}
