"""Conversation structure rules on literal records: each fires on its case and stays quiet otherwise."""

from __future__ import annotations

import pytest

import datalint


def found(record: dict, select: str = "S2") -> list[tuple[str, str]]:
    return [(v.code, v.pointer) for v in datalint.lint_records([record], select=[select])]


def chat(*turns, **extra) -> dict:
    return {"messages": [dict(zip(("role", "content"), turn, strict=False)) for turn in turns], **extra}


def test_a_good_conversation_is_quiet():
    assert found(chat(("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello"))) == []


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (chat(("usr", "Hi"), ("assistant", "Hello")), [("S201", "/messages/0"), ("S206", "/messages/1")]),
        (chat(("user", "Hi"), ("system", "Be brief"), ("assistant", "Hello")), [("S202", "/messages/1")]),
        (chat(("user", "Hi"), ("user", "Hi?"), ("assistant", "Hello")), [("S203", "/messages/1")]),
        (chat(("user", "Hi"), ("assistant", "Hello"), ("user", "Bye")), [("S204", "/messages/2")]),
        (chat(("user", "Hi"), ("assistant", " \n")), [("S205", "/messages/1/content")]),
        (chat(("system", "You are Marv."), ("assistant", "Hello.")), [("S206", "/messages/1")]),
        ({"conversations": []}, [("S208", "/conversations")]),
        ({"instruction": "Name a color.", "input": "", "output": ""}, [("S205", "/output")]),
    ],
)
def test_each_structural_problem(record, expected):
    assert found(record) == expected


def test_tool_calls_need_no_content_and_ids_must_match():
    call = {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{}"}}
    good = {
        "messages": [
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
            {"role": "assistant", "content": "Sunny."},
        ]
    }
    assert found(good) == []
    bad = {"messages": [*good["messages"][:2], {**good["messages"][2], "tool_call_id": "call_2"}, good["messages"][3]]}
    assert found(bad) == [("S207", "/messages/2/tool_call_id")]


def test_sharegpt_roles_and_preference_pairs():
    record = {
        "conversations": [{"from": "human", "value": "Pick one"}],
        "chosen": {"from": "gpt", "value": "A"},
        "rejected": {"from": "gpt", "value": "B"},
    }
    assert found(record) == []
    tools = {
        "conversations": [
            {"from": "human", "value": "Book it"},
            {"from": "function_call", "value": '{"name": "book"}'},
            {"from": "observation", "value": '{"ok": true}'},
            {"from": "gpt", "value": "Booked."},
        ]
    }
    assert found(tools) == []
