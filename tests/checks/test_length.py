"""Length rules L001-L006: bounds, outliers, too short for the task, truncation, ratio."""

from __future__ import annotations

import pytest

from datalint.checks.length import _LONG_FORM, _may_ask_long_form, approximate_tokens, measure, truncation


def test_token_and_word_counts():
    assert approximate_tokens("abcdefgh") == 2
    assert approximate_tokens("你好世界") == 4
    assert measure("Hello, big world", "words") == 3
    assert measure("你好 world", "words") == 3


def test_bounds(lint):
    records = [
        {"instruction": "Q", "input": "", "output": "x" * 80_000},
        {"instruction": "Q", "input": "", "output": "ok"},
    ]
    found = lint(records, "L001")
    assert [(c, line) for c, line, _, _ in found] == [("L001", 1)]
    assert "20,000 approximate tokens" in found[0][3]
    found = lint(records, "L002", "[rules.L002]\nmin = 3\n")
    assert [(c, line) for c, line, _, _ in found] == [("L002", 2)]


def test_outlier(lint):
    records = [{"instruction": "Q", "input": "", "output": "word " * (20 + i % 7)} for i in range(60)]
    records[7]["output"] = "word " * 5000
    found = lint(records, "L003")
    assert [(c, line) for c, line, _, _ in found] == [("L003", 8)]
    records[7]["output"] = "word " * 30
    assert lint(records, "L003") == []


def test_outlier_is_judged_per_type(lint):
    records = [{"instruction": "Q", "input": "", "output": "w " * 10, "type": "short"} for _ in range(60)]
    records += [{"instruction": "Q", "input": "", "output": "w " * 900, "type": "long"} for _ in range(60)]
    assert lint(records, "L003") == []


def test_too_short_for_task(lint):
    records = [
        {"instruction": "Write an essay about rivers.", "input": "", "output": "Rivers are wet."},
        {"instruction": "Write a title for an article about rivers.", "input": "", "output": "Rivers"},
        {"instruction": "Name a river.", "input": "", "output": "Nile"},
    ]
    found = lint(records, "L004")
    assert [(c, line) for c, line, _, _ in found] == [("L004", 1)]


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("First, preheat the oven to 180C and", True),
        ("The three colours are red, green,", True),
        ("The steps are:\n1. Mix the flour\n2.", True),
        ("Call the function like this: print(", True),
        ("The answer is 42", False),
        ("Red, green and blue are the primary colours", False),
        ("- apples\n- pears\n- plums", False),
        ("for (int i = 0; i < n; i++) {\n  sum += i;", False),
        ("Short, and", False),
        ("Here are the steps:\n1. Mix\n-", True),
        ("Here is a long list of words:\n10. a", False),
        ("A first line that is long\nand then a second line ending with the", True),
        ("- one item that is long\n- another item and", True),
    ],
)
def test_truncation(text, cut):
    assert (truncation(text) is not None) is cut


def test_truncated_reported_at_last_character(lint):
    found = lint([{"instruction": "Q", "input": "", "output": "First, preheat the oven to 180C and"}], "L005")
    prefix = '{"instruction": "Q", "input": "", "output": "'
    assert [(c, line, col) for c, line, col, _ in found] == [("L005", 1, len(prefix) + 35)]


def test_ratio(lint):
    records = [{"instruction": "Q " * 20, "input": "", "output": "A " * (20 + i % 5)} for i in range(60)]
    records[3]["instruction"] = "Q " * 3000
    found = lint(records, "L006")
    assert [(c, line) for c, line, _, _ in found] == [("L006", 4)]


@pytest.mark.parametrize(
    "instruction",
    [
        "Write an essay about rivers.",
        "Compose a cover letter for a nurse.",
        "Generate a short story about a cat.",
        "Give a detailed explanation of rivers.",
        "Describe rivers in at least 300 words.",
        "Draft a 1000-word report.",
        "WRITE A BLOG POST ABOUT TEA.",
        "Write a review",
        "Find a word that rhymes with cat.",
        "Create a list of 300 names.",
        "Name a river.",
    ],
)
def test_long_form_gate_never_hides_a_match(instruction):
    """L004 runs its regex only when the instruction has the words it needs."""
    if _LONG_FORM.search(instruction):
        assert _may_ask_long_form(instruction)


def test_the_median_is_numpys_to_the_last_bit() -> None:
    """The outlier rules take medians from a partition (numpy.median's first call imports
    numpy.ma): the value must be numpy.median's, for odd and even sizes, on lengths and on noise."""
    import numpy

    from datalint.checks.length import _median

    generator = numpy.random.default_rng(7)
    for size in [*range(1, 40), 1000, 1001, 52002]:
        lengths = numpy.log(generator.integers(0, 5000, size).astype(float) + 1)
        noise = generator.standard_normal(size) * 1e3
        for values in (lengths, noise, numpy.abs(lengths - _median(lengths))):
            assert _median(values) == float(numpy.median(values))
