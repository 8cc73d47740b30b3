"""Safety rules P101-P108 (PII, secrets) and P110 (toxicity): positives, allow-listed negatives, masking."""

from __future__ import annotations

from pathlib import Path

import pytest

import datalint
from datalint.checks.pii import DETECTORS, luhn_valid, passed_gates
from datalint.records import Text

DATASETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"


def found(output, code):
    record = {"instruction": "Reply.", "input": "", "output": output}
    return [(v.code, v.column, v.end_column, v.message) for v in datalint.lint_records([record], select=[code])]


AWS_SECRET = "k9Xq2LmP7rT4vW8yB3nD6fH1jK5sZ0cV2gN8uE4a"
COLUMN = len('{"instruction": "Reply.", "input": "", "output": "') + 1


@pytest.mark.parametrize(
    ("code", "text", "secret"),
    [
        ("P101", "Write to maria.keller@gmail.com today", "maria.keller@gmail.com"),
        ("P102", "Call (212) 748-3920 now", "(212) 748-3920"),
        ("P103", "Card 4556 7375 8689 9855 ok", "4556 7375 8689 9855"),
        ("P104", "SSN 536-22-8714 ok", "536-22-8714"),
        ("P105", "Login from 81.2.69.160 today", "81.2.69.160"),
        ("P106", "key AKIA2E0A8F3B244C9986 ok", "AKIA2E0A8F3B244C9986"),
        ("P106", "token ghp_8f3Kd92LmQp0sXvB7nR4tYw1zC6hJ5aE2uGi ok", "ghp_8f3Kd92LmQp0sXvB7nR4tYw1zC6hJ5aE2uGi"),
        # the AWS secret pattern ignores case; its gate must too (it once looked for "secret" only)
        ("P106", f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}", AWS_SECRET),
        ("P108", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.4pcPyMD09olPSyXnrXCjTwXyr4BsezdI1AVTmud2fU4", None),
    ],
)
def test_finds_and_masks(code, text, secret):
    violations = found(text, code)
    assert len(violations) == 1
    _, column, end_column, message = violations[0]
    if secret is not None:
        start = COLUMN + text.index(secret)
        assert (column, end_column) == (start, start + len(secret))
        assert secret not in message


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("P101", "Write to john.doe@example.com or info@acme.com"),
        ("P102", "Call (212) 555-0123 or 123-456-7890"),
        ("P103", "Test card 4242 4242 4242 4242, and 1234 5678 9012 3456"),
        ("P104", "SSN 123-45-6789 or 000-12-3456"),
        ("P105", "Hosts 192.168.1.1, 10.0.0.2, 203.0.113.7, 8.8.8.8 and version 1.2.3.4"),
        ("P106", "key AKIAIOSFODNN7EXAMPLE and ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("P107", "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----"),
        (
            "P108",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        ),
    ],
)
def test_examples_and_placeholders_are_quiet(code, text):
    assert found(text, code) == []


def test_private_key_block():
    body = "MIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi3KJ7nX4d1p3b7vQk2uJ8sYv0aQ8w7ZkP2LmN4xR5tE1cB6yH0jF9gD3sA"
    violations = found(f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----", "P107")
    assert [v[0] for v in violations] == ["P107"] and body not in violations[0][3]


def test_gates_let_each_kind_through_and_stop_plain_text():
    texts = {
        "email": "maria.keller@gmail.com",
        "phone": "(212) 748-3920",
        "credit-card": "4556 7375 8689 9855",
        "ssn": "536-22-8714",
        "ip-address": "81.2.69.160",
        "api-key": "AKIA2E0A8F3B244C9986",
        "private-key": "-----BEGIN RSA PRIVATE KEY-----",
        "jwt": "eyJhbGciOiJIUzI1NiJ9",
    }
    assert set(texts) == set(DETECTORS)
    for detect, text in texts.items():
        assert detect in passed_gates(Text("response", text, "/output")), detect
    assert passed_gates(Text("response", "Give three tips for staying healthy, e.g. sleep 8 hours.", "/output")) == []


def test_each_rule_sees_only_its_fields_once_gates_are_shared(tmp_path):
    """Two pii rules with different fields on the same record: the gates' verdicts are kept per fields."""
    config = tmp_path / "datalint.toml"
    config.write_text('[rules.P101]\nfields = ["instruction"]\n')
    record = {"instruction": "Mail maria.keller@gmail.com", "input": "", "output": "Call (212) 748-3920 now"}
    violations = datalint.lint_records([record], select=["P101", "P102"], config=config)
    assert [(v.code, v.pointer) for v in violations] == [("P101", "/instruction"), ("P102", "/output")]


def test_luhn():
    assert luhn_valid("4556737586899855") and not luhn_valid("4556737586899856")


def test_real_data_card_number_line():
    violations = datalint.lint_file(DATASETS / "code-alpaca-2k.jsonl", select=["P103"])
    assert [(v.code, v.line) for v in violations] == [("P103", 967)]
    assert "**** 3640" in violations[0].message


def test_allow_option(tmp_path):
    config = tmp_path / "datalint.toml"
    config.write_text('[rules.P101]\nallow = ["gmail.com"]\n')
    record = {"instruction": "Reply.", "input": "", "output": "Write to maria.keller@gmail.com"}
    assert datalint.lint_records([record], select=["P101"], config=config) == []


def test_toxicity_is_off_by_default_and_batched():
    record = {"instruction": "Review my essay.", "input": "", "output": "This is crap, you stupid idiot."}
    assert [v.code for v in datalint.lint_records([record]) if v.code == "P110"] == []
    pytest.importorskip("profanity_check")
    clean = {"instruction": "Review my essay.", "input": "", "output": "Clear argument, good structure."}
    violations = datalint.lint_records([clean] * 1500 + [record], select=["P110"])
    assert [(v.code, v.line) for v in violations] == [("P110", 1501)]


def test_a_jwt_header_nested_thousands_deep_is_not_a_token_and_not_a_traceback():
    import base64

    header = base64.urlsafe_b64encode(('{"alg":' + "[" * 5000 + "]" * 5000 + "}").encode()).decode().rstrip("=")
    assert found(f"Bearer {header}.eyJzdWIiOiJhbm4ifQ.4pcPyMD09olPSyXnrXCjTwXyr4BsezdI1AVTmud2fU4", "P108") == []
