"""Label drift F201-F203: case/space variants, unusual spaces in labels, JSON type drift."""

from __future__ import annotations


def rows(labels: list) -> list[dict]:
    return [{"instruction": f"Q{i}", "input": "", "output": "A.", "category": label} for i, label in enumerate(labels)]


def test_case_variant_reported_with_the_common_spelling(lint):
    found = lint(rows(["open qa", "open qa", "Open QA", "math"]), "F201")
    assert found == [("F201", 3, 64, "type label 'Open QA' is spelled 'open qa' in 2 other records")]


def test_distinct_labels_pass(lint):
    assert lint(rows(["open qa", "closed qa", "math"]), "F201") == []


def test_nbsp_label(lint):
    found = lint(rows(["open qa", "closed\u00a0qa"]), "F202")
    assert [(c, line) for c, line, _, _ in found] == [("F202", 2)]
    assert "NBSP" in found[0][3]
    assert lint(rows(["open qa", "closed qa"]), "F202") == []


def test_configured_field_pointer(lint):
    records = [{"instruction": "Q", "input": "", "output": "A.", "meta": {"src": s}} for s in ("web", "Web", "web")]
    found = lint(records, "F201", '[rules.F201]\nfields = ["meta.src"]\n')
    assert [(c, line) for c, line, _, _ in found] == [("F201", 2)]


def test_type_drift(lint):
    records = [{"id": i, "instruction": "Q", "input": "", "output": "A."} for i in range(12)]
    records[5]["id"] = "5"
    found = lint(records, "F203")
    assert found == [("F203", 6, 8, "'id' is a string here but an integer in 11 of 12 records")]


def test_nulls_are_not_a_type(lint):
    records = [{"id": i, "instruction": "Q", "input": "", "output": "A.", "rank": None} for i in range(12)]
    records[0]["rank"] = 3
    assert lint(records, "F203") == []


def test_label_like_keys_are_labels(lint):
    """belle-eval-set-1k files its task type under `class`: `closed\u00a0qa` beside `open qa` is reported."""
    records = [{"question": "Q?", "std_answer": "A.", "class": label} for label in ("open qa", "closed\u00a0qa")]
    assert [(c, line) for c, line, _, _ in lint(records, "F202")] == [("F202", 2)]


def test_texts_and_booleans_under_label_keys_are_not_labels(lint):
    records = [
        {"instruction": "Q?", "output": "A.", "label": "This is a whole sentence  with a doubled space in it."},
        {"instruction": "Q?", "output": "A.", "label": True},
    ]
    assert lint(records, "F202") == []


def test_on_a_tie_the_plainly_spaced_spelling_is_the_norm(lint):
    records = [
        {"instruction": "Q?", "output": "A.", "category": label} for label in ("art\u00a0history", "art history")
    ]
    found = lint(records, "F201")
    assert [(c, line) for c, line, _, _ in found] == [("F201", 1)]
    assert "'art history'" in found[0][3].split("spelled")[1]
