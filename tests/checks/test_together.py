"""The together kind and Together's one-format-per-file rule (profile `together`)."""

from __future__ import annotations

import pytest

from tests.conftest import dataset, write_jsonl
from tests.trainer_records import GOOD_CHAT, tool_conversation, trainer_findings

IMAGE = "data:image/png;base64," + "iVBORw0KGgo" * 4
TOGETHER_CASES = [
    (
        "T050",
        {"prompt": "Hi", "completion": "Hello", "id": 7},
        {"prompt": "Hi", "completion": "Hello"},
        [("/id", "extra column 'id' in a instruction line: Together rejects it")],
    ),
    (
        "T051",
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 2}]},
        GOOD_CHAT,
        [("/messages/1/weight", "`weight` is 2, not 0 or 1")],
    ),
    (
        "T052",
        {**tool_conversation(name="serch"), "tools": tool_conversation(name="search")["tools"]},
        tool_conversation(name="search"),
        [("/messages/1/tool_calls/0/function/name", "tool call names 'serch', which is not in `tools`")],
    ),
    (
        "T053",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                    ],
                },
                {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
            ]
        },
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": IMAGE}},
                    ],
                },
                {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
            ]
        },
        [("/messages/0/content/1", "image is not a base64 JPEG, PNG or WEBP data URL")],
    ),
    (
        "T054",
        {
            "input": {"messages": [{"role": "user", "content": "Hi"}]},
            "preferred_output": {"role": "assistant", "content": "Hello"},
            "non_preferred_output": [{"role": "assistant", "content": "Go"}],
        },
        {
            "input": {"messages": [{"role": "user", "content": "Hi"}]},
            "preferred_output": [{"role": "assistant", "content": "Hello"}],
            "non_preferred_output": [{"role": "assistant", "content": "Go"}],
        },
        [("/preferred_output", "`preferred_output` must be a list of exactly one message")],
    ),
]


@pytest.mark.parametrize(("code", "bad", "good", "expected"), TOGETHER_CASES, ids=[c[0] for c in TOGETHER_CASES])
def test_together_rule_reports_the_bad_line_only(tmp_path, code, bad, good, expected):
    path = write_jsonl(tmp_path / "train.jsonl", [good, bad, good])
    found = trainer_findings(path, "together")
    assert [(pointer, message) for line, found_code, pointer, message in found if found_code == code] == expected
    assert [finding for finding in found if finding[0] != 2] == []


def test_together_reports_a_file_that_mixes_formats(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [GOOD_CHAT, {"text": "A document."}, GOOD_CHAT])
    found = trainer_findings(path, "together")
    assert found == [
        (2, "T055", "", "general line in a file whose first line is conversation: Together needs one format")
    ]


def test_together_on_openai_tool_calls():
    """OpenAI's drone example carries `parallel_tool_calls`, a column Together's check rejects."""
    found = trainer_findings(dataset("openai-drone-tool-calls.jsonl"), "together")
    assert {(code, pointer, message) for _, code, pointer, message in found} == {
        (
            "T050",
            "/parallel_tool_calls",
            "extra column 'parallel_tool_calls' in a conversation line: Together rejects it",
        )
    }
    assert len(found) == 103
