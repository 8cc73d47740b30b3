"""Format consistency F101-F112: the minority of a file against the file's own norm."""

from __future__ import annotations

import pytest

PROSE = "The answer is simple and short."


def dataset(odd: str | None, at: int = 10, total: int = 60, normal: str = PROSE) -> list[dict]:
    records = [{"instruction": f"Question {i}?", "input": "", "output": normal} for i in range(total)]
    if odd is not None:
        records[at - 1]["output"] = odd
    return records


@pytest.mark.parametrize(
    ("code", "odd"),
    [
        ("F101", "# Title\nThe answer."),
        ("F102", "Points:\n- one\n- two"),
        ("F103", "Steps:\n1. one\n2. two"),
        ("F104", "Here:\n```\nx = 1\n```"),
        ("F105", "| a | b |\n|---|---|\n| 1 | 2 |"),
        ("F106", "Sure! The answer is simple."),
        ("F107", "The answer is simple. Hope this helps!"),
        ("F108", "The answer is simple and short,"),
        ("F109", "the answer is simple and short."),
        ("F110", "The answer is 70 m<sup>2</sup>."),
        ("F111", "The answer is simple. "),
        ("F112", "The answer  is simple."),
    ],
)
def test_minority_is_reported_at_its_line(lint, code, odd):
    found = lint(dataset(odd), code)
    assert [(c, line) for c, line, _, _ in found] == [(code, 10)]


@pytest.mark.parametrize(
    ("code", "odd"), [("F101", "# Title\nThe answer."), ("F106", "Sure! The answer."), ("F110", "A <b>bold</b> one.")]
)
def test_feature_shared_by_many_is_the_norm(lint, code, odd):
    records = dataset(None)
    for record in records[:30]:
        record["output"] = odd
    assert lint(records, code) == []


def test_small_files_have_no_norm(lint):
    assert lint(dataset("# Title\nThe answer.", total=20), "F101") == []


def test_code_answers_are_not_prose(lint):
    code = "def f(x):\n    # double it\n    return x * 2"
    assert lint(dataset(code), "F101") == []
    assert lint(dataset(code), "F109") == []
    assert lint(dataset("<html><body>Hi</body></html>"), "F110") == []


def test_missing_option_reports_the_few_without(lint):
    records = dataset("Plain answer.", normal="Steps:\n1. one\n2. two")
    assert lint(records, "F103") == []
    found = lint(records, "F103", "[rules.F103]\nmissing = true\n")
    assert [(c, line) for c, line, _, _ in found] == [("F103", 10)]
    assert "has no numbered list" in found[0][3]


def test_edge_whitespace_convention_is_not_reported(lint):
    records = dataset(None)
    for record in records:
        record["instruction"] += "\n"
    records[4]["output"] = " " + PROSE
    assert [(c, line) for c, line, _, _ in lint(records, "F111")] == [("F111", 5)]


def test_ending_in_quotes_counts_as_its_inner_punctuation(lint):
    assert lint(dataset('He said "the answer is simple."'), "F108") == []
