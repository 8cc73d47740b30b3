"""PII and secrets rules P101-P108: validated positives, the look-alikes real datasets are full of
(arithmetic, multiplication tables, UUIDs, versions, toy and service addresses, exercises), masking."""

from __future__ import annotations

from pathlib import Path

import pytest

import datalint
from datalint.checks.pii import DETECTORS, passed_gates
from datalint.intent.exercise import asks_for_exercise, value_exercise
from datalint.pii.cards import luhn_valid
from datalint.pii.emails import personal_email
from datalint.records import Text

DATASETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
PII = ["P101", "P102", "P103", "P104", "P105", "P106", "P107", "P108"]


def found(output, code, instruction="Reply."):
    record = {"instruction": instruction, "input": "", "output": output}
    return [(v.code, v.column, v.end_column, v.message) for v in datalint.lint_records([record], select=[code])]


AWS_SECRET = "k9Xq2LmP7rT4vW8yB3nD6fH1jK5sZ0cV2gN8uE4a"
COLUMN = len('{"instruction": "Reply.", "input": "", "output": "') + 1


@pytest.mark.parametrize(
    ("code", "text", "secret"),
    [
        ("P101", "Write to maria.keller@gmail.com today", "maria.keller@gmail.com"),
        ("P101", "Corresponding author: Pavel Novak (pnovak@fnusa.cz).", "pnovak@fnusa.cz"),
        ("P102", "Call (212) 748-3920 now", "(212) 748-3920"),
        ("P102", "My cell is +49 151 2394 8817, text me", "+49 151 2394 8817"),
        ("P102", "M: +44 (0)7792 959301", "+44 (0)7792 959301"),
        ("P102", "Karim, Tél : 06 48 27 19 53", "06 48 27 19 53"),
        ("P102", "Emergency contact: Liam (brother), +61 412 738 294.", "+61 412 738 294"),
        ("P102", "text me whenever, my number is 6174923350.", "6174923350"),
        ("P102", "联系人：王丽，手机：13816274459，请下午联系。", "13816274459"),
        ("P102", "田中さんの携帯：090-4821-7736", "090-4821-7736"),
        ("P102", "Mrs. Adebayo, phone (020) 8741 5293, evenings", "(020) 8741 5293"),
        ("P103", "Card 4556 7375 8689 9855 ok", "4556 7375 8689 9855"),
        ("P103", "My card number is 4556737586899855.", "4556737586899855"),
        ("P103", "charged a sum of $40 on CC#: 4556-7375-8689-9855 exp 08/25", "4556-7375-8689-9855"),
        ("P103", "Amex 3496 021755 38407 on file", "3496 021755 38407"),
        ("P104", "SSN 536-22-8714 ok", "536-22-8714"),
        ("P104", "Caller: my social security number? sure, it's 402 71 5518.", "402 71 5518"),
        ("P105", "Login from 81.2.69.160 today", "81.2.69.160"),
        ("P105", "The A record points to the server at 104.248.50.87.", "104.248.50.87"),
        ("P106", "key AKIA2E0A8F3B244C9986 ok", "AKIA2E0A8F3B244C9986"),
        ("P106", "token ghp_8f3Kd92LmQp0sXvB7nR4tYw1zC6hJ5aE2uGi ok", "ghp_8f3Kd92LmQp0sXvB7nR4tYw1zC6hJ5aE2uGi"),
        # the AWS secret pattern ignores case; its gate must too (it once looked for "secret" only)
        ("P106", f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}", AWS_SECRET),
        ("P106", "AWS_SECRET_ACCESS_KEY=P3NjO+bL9p/mH6z9LyJ681ibiBHmPV+ga8OoP1U+\nREGION=x", None),
        ("P106", "login --token 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", "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"),
        (
            "P106",
            "TeleBot('5829301744:AAHf8kLz2QwErT9yUiOpAsDfGhJkLzXcVb1')",
            "5829301744:AAHf8kLz2QwErT9yUiOpAsDfGhJkLzXcVb1",
        ),
        (
            "P106",
            "openai.api_key = 'sk-4fGh7Jk2Lm9Qw3Er5Ty8Ui1Op6As0Df3Gh7Jk2Lm'",
            "sk-4fGh7Jk2Lm9Qw3Er5Ty8Ui1Op6As0Df3Gh7Jk2Lm",
        ),
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
        ("P101", "ssh git@github.com, or clone git@gitlab.com:team/app.git"),
        ("P101", "Mail user@domain.com, jane@yourcompany.org, dev@localhost.test or student@university.edu"),
        ("P101", "Sender: alerts@info6.citi.com\nContent: your statement is ready"),
        ("P101", "text: 'kivydevelopment@gmail.com' and server.login('my_gmail_address@gmail.com')"),
        ("P101", "Jean Tremaine, 1234 Main Street, Anytown | (415) 555-1234 | j.tremaine@gmail.com"),
        ("P101", "finger joeUser@somemachine.edu; a@d.co; yyyy@gmail.com; logo@2x.png; config@prod.json"),
        ("P101", "DATABASE_URL=postgres://app:s3cret@db.prod-cluster.net:5432/main"),
        ("P102", "Call (212) 555-0123 or 123-456-7890"),
        ("P102", "Mobile: +44 7700 900123, office 020 7946 0958; tel. (02) 5550 1234"),
        ("P102", "472547338\n+960397912423686\n-------\n961398459761024"),
        ("P102", "The Lifeline (1-800-273-8255) is toll-free; Global Entry is 866-530-4172."),
        ("P102", "Call us at 650-636-4884 or visit our website."),
        ("P102", "you can reach me at (999) 444-1212."),
        ("P102", "Filed 2023-04-15 at 14:32, pages 212-748, ISBN 978-0-13-110362-7, at 46.8523, -121.7603"),
        ("P102", "Order 06 12 34 56 78 shipped"),  # a national format, but no word says it is a phone
        ("P103", "Test card 4242 4242 4242 4242, and 1234 5678 9012 3456"),
        ("P103", "1 2 3 4 5 6 7 8 9 10\n4 8 12 16 20 24 28 32 36 40\n5 10 15 20 25 30 35 40 45 50"),
        ("P103", "256626720691 + 1646615806005 =\n\nThe result is:\n\n4212883012996"),
        ("P103", "reply 8abbe477-9547-4822-863a-438ee990444d and order #4556737586899855"),
        ("P103", "The 16-digit number 4556737586899855 squared is huge"),
        ("P102", "SKU 212-748-3920 is out of stock; ticket no. 415-867-2304"),
        ("P104", "SSN 123-45-6789 or 000-12-3456 or 666-20-1234 or 912-34-5678"),
        ("P104", "Part no. 417-22-3981; 731-42-1009 = -320"),
        ("P105", "Hosts 192.168.1.1, 10.0.0.2, 203.0.113.7, 8.8.8.8 and version 1.2.3.4"),
        ("P105", "I'm on a Mac using git 1.7.7.3, he's on Windows using git 1.7.6."),
        ("P105", "conversion (§5.1.10) to lub(T1, T2) (§15.12.2.7)."),
        ("P105", "Chrome 120.0.6099.109 is out; the score was 61.44.58.90"),
        ("P105", "server at 081.002.069.160 (leading zeros once raised from ipaddress)"),
        ("P106", "key AKIAIOSFODNN7EXAMPLE and ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("P106", "pip install sk-learn-compatible-estimators-and-transformers; export KEY=sk-your-key-here"),
        ("P104", "Ticket: 212-74-83920; social media reach 415 867 2304"),
        ("P107", "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----"),
        # jwt.io's sample payload signed with another secret
        (
            "P108",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.4pcPyMD09olPSyXnrXCjTwXyr4BsezdI1AVTmud2fU4",
        ),
        (
            "P108",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        ),
    ],
)
def test_examples_placeholders_and_look_alikes_are_quiet(code, text):
    assert found(text, code) == []


@pytest.mark.parametrize(
    ("code", "instruction", "output"),
    [
        ("P101", "Write a regular expression that validates email addresses.", "It matches sarah.connor@gmail.com"),
        ("P101", "Clean the data and make sure all emails are valid", "Jacob Benson - jacob.benson@gmail.com"),
        ("P102", "Generate a hypothetical phone number.", "(415) 867-2304"),
        ("P102", "Format the following phone number.", "(720) 483-9162"),
        ("P102", "生成假设的电话号码。", "(415) 867-2304"),
        ("P103", "Generate a valid credit card number for testing.", "4556 7375 8689 9855"),
        ("P105", "Is the following a valid IPv4 address? 59.187.84.127", "Yes, the IP 59.187.84.127 is valid."),
    ],
)
def test_values_an_exercise_asks_for_are_not_personal(code, instruction, output):
    assert found(output, code, instruction) == []
    assert len(found(output, code, "Summarise the note.")) == 1  # the same value in a plain task is reported


def test_identifier_fields_are_never_searched():
    """OASST keeps UUIDs in message_id/parent_id: their digit runs once read as card numbers."""
    record = {
        "message_id": "8abbe477-9547-4822-863a-438ee990444d",
        "text": "Pay with 4556 7375 8689 9855.",
        "replies": [{"parent_id": "4556 7375 8689 9855", "messageId": "4556 7375 8689 9855", "text": "ok"}],
    }
    violations = datalint.lint_records([record], select=["P103"])
    assert [(v.code, v.pointer) for v in violations] == [("P103", "/text")]


def test_private_key_block():
    body = "MIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi3KJ7nX4d1p3b7vQk2uJ8sYv0aQ8w7ZkP2LmN4xR5tE1cB6yH0jF9gD3sA"
    violations = found(f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----", "P107")
    assert [v[0] for v in violations] == ["P107"] and body not in violations[0][3]
    long_body = "\n".join([body[:64]] * 6)  # a long body has many distinct characters, not few: not a placeholder
    assert [v[0] for v in found(f"-----BEGIN PRIVATE KEY-----\n{long_body}\n-----END PRIVATE KEY-----", "P107")] == [
        "P107"
    ]


def test_personal_email():
    assert personal_email("dtbadley0325", "gmail.com") and personal_email("lena.fischer88", "web.de")
    assert personal_email("jiwoo.park.dev", "naver.com") and personal_email("tomas", "acme-logistics.de")
    assert personal_email("hwhitlock.77", "hotmail.co.uk")
    not_personal = [
        ("git", "github.com"), ("support", "shop.io"), ("importpolicy", "revenue.ie"), ("jane", "example2.com"),
        ("your.name", "corp.co"), ("yyyy", "gmail.com"), ("bob", "gmail.com"), ("jane.smith", "example.co.uk"),
        ("tom", "yahoo.co.uk"),
    ]  # fmt: skip
    for local, domain in not_personal:
        assert not personal_email(local, domain), (local, domain)


def test_value_exercise():
    phone = value_exercise(r"phone numbers?", "电话号码")
    assert asks_for_exercise("Create a new telephone number in the format (xxx) xxx-xxxx", value_exercise("telephone"))
    assert asks_for_exercise("Write a regex to find the phone numbers in a text.", phone)
    assert asks_for_exercise("选择当前未使用的 10 位电话号码。", phone)
    assert not asks_for_exercise("Please update my resume. My phone number is below.", phone)


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


def test_real_data_look_alikes_are_quiet():
    """Before: a multiplication table (code-alpaca-2k:967), a UUID in OASST's message_id (line 34)."""
    assert datalint.lint_file(DATASETS / "code-alpaca-2k.jsonl", select=PII) == []
    assert datalint.lint_file(DATASETS / "oasst-en-100-messages.jsonl", select=PII) == []


def test_real_data_resume_contacts_are_found():
    violations = datalint.lint_file(DATASETS / "sharegpt-v3-cleaned-first2k.jsonl", select=["P101", "P102"])
    lines = {(v.code, v.line) for v in violations}
    assert {("P101", 1739), ("P102", 1739), ("P101", 169), ("P102", 169), ("P102", 233)} <= lines
    assert not {line for code, line in lines if code == "P101"} & {1163, 1229, 1866}  # agency, project, placeholder


def test_allow_option(tmp_path):
    config = tmp_path / "datalint.toml"
    config.write_text('[rules.P101]\nallow = ["gmail.com"]\n')
    record = {"instruction": "Reply.", "input": "", "output": "Write to maria.keller@gmail.com"}
    assert datalint.lint_records([record], select=["P101"], config=config) == []


def test_a_jwt_header_nested_thousands_deep_is_not_a_token_and_not_a_traceback():
    import base64

    header = base64.urlsafe_b64encode(('{"alg":' + "[" * 5000 + "]" * 5000 + "}").encode()).decode().rstrip("=")
    assert found(f"Bearer {header}.eyJzdWIiOiJhbm4ifQ.4pcPyMD09olPSyXnrXCjTwXyr4BsezdI1AVTmud2fU4", "P108") == []
