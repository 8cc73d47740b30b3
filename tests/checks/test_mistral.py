"""The mistral kind (profile `mistral`): each rule on a fresh record it reports and one it does not,
and OpenAI's and LLaMA-Factory's tool-call files read as mistral-finetune reads them."""

from __future__ import annotations

import pytest

from tests.conftest import dataset, run_json, write_jsonl
from tests.trainer_records import GOOD_CHAT, chat, tool_conversation, trainer_findings

MISTRAL_CASES = [
    (
        "T001",
        tool_conversation("abcdefghij"),
        [
            "tool call id 'abcdefghij' is not 9 letters and digits, 10 characters",
            "tool_call_id 'abcdefghij' is not 9 letters and digits, 10 characters",
        ],
    ),
    (
        "T002",
        tool_conversation(name="add.numbers"),
        ["function name 'add.numbers' is not 1-64 letters, digits, _ or -"] * 2,
    ),
    (
        "T003",
        chat(("developer", "Be brief."), ("user", "Hi"), ("assistant", "Hello")),
        ["role 'developer' is not one of system, user, assistant, tool"],
    ),
    (
        "T004",
        chat(("system", "Be brief."), ("user", "Hi"), ("system", "Be kind."), ("assistant", "Hello")),
        ["record has two system messages: mistral-finetune allows one"],
    ),
    (
        "T005",
        {
            "messages": [
                {"role": "user", "content": "Add 2 and 2."},
                {"role": "tool", "tool_call_id": "abcdefghi", "content": "4"},
                {"role": "assistant", "content": "4"},
            ]
        },
        ["tool message after a user message"],
    ),
    (
        "T006",
        chat(("user", "Hi"), ("assistant", "Hello"), ("user", "Bye")),
        ["last message is the user's, not the assistant's"],
    ),
    (
        "T007",
        {
            "messages": [
                {"role": "user", "content": "Add 2 and 2."},
                {
                    "role": "assistant",
                    "content": "Let me add.",
                    "tool_calls": tool_conversation()["messages"][1]["tool_calls"],
                },
                {"role": "tool", "tool_call_id": "abcdefghi", "content": "4"},
                {"role": "assistant", "content": "It is 4."},
            ]
        },
        ["assistant message has both content and tool_calls"],
    ),
    (
        "T008",
        {
            **tool_conversation(),
            "tools": [{"type": "function", "function": {"name": "add", "parameters": {"type": "objekt"}}}],
        },
        ["tool function has no `description`"],
    ),
    (
        "T009",
        tool_conversation(arguments={"a": 2, "b": 2}),
        ["tool call `arguments` is a dict, not a string"],
    ),
    (
        "T010",
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0.5}]},
        ["assistant `weight` is 0.5, not 0 or 1"],
    ),
    (
        "T011",
        {
            **tool_conversation(),
            "messages": [
                *tool_conversation()["messages"][:3],
                {"role": "tool", "tool_call_id": "abcdefghi", "content": "4"},
                {"role": "assistant", "content": "It is 4."},
            ],
        },
        ["more tool results than tool calls before this assistant message"],
    ),
    (
        "T012",
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]},
        ["record has neither `messages` (instruct) nor `text` (pretrain); its keys: conversations"],
    ),
    (
        "T013",
        tool_conversation(),
        [
            "1 earlier assistant message(s) get no loss: it has tools, so mistral-finetune trains on the last "
            "assistant message only"
        ],
    ),
]


@pytest.mark.parametrize(("code", "bad", "messages"), MISTRAL_CASES, ids=[case[0] for case in MISTRAL_CASES])
def test_mistral_rule_reports_the_bad_record_only(tmp_path, code, bad, messages):
    good = GOOD_CHAT if code != "T001" else tool_conversation("abcdefghi", tools=False)
    path = write_jsonl(tmp_path / "train.jsonl", [bad, good])
    found = trainer_findings(path, "mistral")
    assert [(line, message) for line, found_code, _, message in found if found_code == code] == [
        (1, message) for message in messages
    ]
    assert [finding for finding in found if finding[0] == 2] == []


def test_mistral_profile_reports_a_ten_character_call_id_the_default_run_does_not(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [tool_conversation("abcdefghij", tools=False)])
    default = run_json(str(path), "--no-cache")["violations"]
    assert default == []
    profiled = run_json(str(path), "--no-cache", "--profile", "mistral")["violations"]
    assert [(v["code"], v["pointer"]) for v in profiled] == [
        ("T001", "/messages/1/tool_calls/0/id"),
        ("T001", "/messages/2/tool_call_id"),
    ]
    assert profiled[0]["severity"] == "error"


def test_mistral_accepts_the_null_id_of_the_last_message_and_pretrain_text(tmp_path):
    last_call = {
        "messages": [
            {"role": "user", "content": "Add 2 and 2."},
            {"role": "assistant", "tool_calls": [{"id": "null", "function": {"name": "add", "arguments": "{}"}}]},
        ]
    }
    path = write_jsonl(tmp_path / "train.jsonl", [last_call, {"text": "A pretraining document."}])
    assert trainer_findings(path, "mistral") == []


def test_mistral_on_openai_tool_calls(tmp_path):
    """OpenAI's drone example: every call id is 'call_id' (7 characters), and its 16 tools have no
    description, which mistral-finetune requires: both on each of the 103 records."""
    found = trainer_findings(dataset("openai-drone-tool-calls.jsonl"), "mistral")
    assert {(code, message) for _, code, _, message in found} == {
        ("T001", "tool call id 'call_id' is not 9 letters and digits, 7 characters"),
        ("T008", "tool function has no `description` (and 15 more tools)"),
    }
    assert sorted(line for line, code, _, _ in found if code == "T001") == list(range(1, 104))
    assert sorted(line for line, code, _, _ in found if code == "T008") == list(range(1, 104))
    # Reported once per file by default: a convention of the file.
    collapsed = run_json(
        str(dataset("openai-drone-tool-calls.jsonl")), "--profile", "mistral", "--select", "S001", "--no-cache"
    )
    assert [v["code"] for v in collapsed["violations"]] == ["T001", "T008"]


def test_mistral_on_sharegpt_tool_calls_and_a_conversation_without_user():
    glaive = trainer_findings(dataset("llamafactory-glaive-toolcall-en-demo.jsonl"), "mistral")
    assert {code for _, code, _, _ in glaive} == {"T012"}
    assert len(glaive) == 300  # ShareGPT `conversations`: mistral-finetune reads none of them
    # Record 4 of OpenAI's toy file is a system message and an assistant message.
    toy = trainer_findings(dataset("openai-toy-chat-fine-tuning.jsonl"), "mistral")
    assert toy == [
        (
            4,
            "T005",
            "/messages/1/role",
            "the only message besides the system prompt is the assistant's: mistral-common needs a conversation "
            "to start with a user message",
        )
    ]
