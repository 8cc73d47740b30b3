"""Safety rule P110 (toxicity); the PII and secrets rules P101-P108 are tested in test_pii.py."""

from __future__ import annotations

import pytest

import datalint


def test_toxicity_is_off_by_default_and_batched():
    record = {"instruction": "Review my essay.", "input": "", "output": "This is crap, you stupid idiot."}
    assert [v.code for v in datalint.lint_records([record]) if v.code == "P110"] == []
    pytest.importorskip("profanity_check")
    clean = {"instruction": "Review my essay.", "input": "", "output": "Clear argument, good structure."}
    violations = datalint.lint_records([clean] * 1500 + [record], select=["P110"])
    assert [(v.code, v.line) for v in violations] == [("P110", 1501)]
