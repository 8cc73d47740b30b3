"""The openai-ft kind and the minimum of 10 examples (profile `openai`)."""

from __future__ import annotations

import pytest

from tests.conftest import dataset, write_jsonl
from tests.trainer_records import GOOD_CHAT, chat, trainer_findings

OPENAI_CASES = [
    (
        "T060",
        {"prompt": "Hi", "completion": "Hello"},
        GOOD_CHAT,
        [
            (
                "",
                "record has neither a `messages` list (chat) nor `input`/`preferred_output`/"
                "`non_preferred_output` (DPO)",
            )
        ],
    ),
    (
        "T061",
        {"messages": [{"role": "user", "content": "Hi", "weight": 1}, {"role": "assistant", "content": "Hello"}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0}]},
        [("/messages/0/weight", "`weight` on a user message: only assistant messages take one")],
    ),
    (
        "T062",
        chat(("system", "Be brief."), ("user", "Hi")),
        GOOD_CHAT,
        [("/messages", "no assistant message: the example has nothing to train on")],
    ),
    (
        "T063",
        {
            "input": {"messages": [{"role": "user", "content": "Hi"}]},
            "preferred_output": [{"role": "assistant", "content": "Hello"}],
            "non_preferred_output": [{"role": "assistant", "content": "Hello"}],
        },
        {
            "input": {"messages": [{"role": "user", "content": "Hi"}]},
            "preferred_output": [{"role": "assistant", "content": "Hello"}],
            "non_preferred_output": [{"role": "assistant", "content": "Go away"}],
        },
        [
            (
                "/non_preferred_output",
                "`preferred_output` and `non_preferred_output` are the same: no preference to learn",
            )
        ],
    ),
]


@pytest.mark.parametrize(("code", "bad", "good", "expected"), OPENAI_CASES, ids=[c[0] for c in OPENAI_CASES])
def test_openai_rule_reports_the_bad_record_only(tmp_path, code, bad, good, expected):
    path = write_jsonl(tmp_path / "train.jsonl", [bad] + [good] * 10)
    found = trainer_findings(path, "openai")
    assert [(pointer, message) for line, found_code, pointer, message in found if found_code == code] == expected
    assert [finding for finding in found if finding[0] != 1] == []


def test_openai_needs_ten_examples():
    found = trainer_findings(dataset("openai-toy-chat-fine-tuning.jsonl"), "openai")
    assert found == [(1, "T064", "", "5 examples: OpenAI fine-tuning needs at least 10")]
    assert trainer_findings(dataset("openai-drone-tool-calls.jsonl"), "openai") == []
