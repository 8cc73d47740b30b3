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
        # The unknown turn may be the question: S201 reports it, S206 does not add a second finding.
        (chat(("usr", "Hi"), ("assistant", "Hello")), [("S201", "/messages/0")]),
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


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        # OpenAI messages: the API's roles only, even where datalint understands an alias.
        (chat(("user", "Hi"), ("gpt", "Hello")), [("S201", "/messages/1")]),
        (chat(("human", "Hi"), ("assistant", "Hello")), [("S201", "/messages/0")]),
        (chat(("user", "Hi"), ("model", "Hello")), [("S201", "/messages/1")]),
        (chat(("developer", "Be brief."), ("user", "Hi"), ("assistant", "Hello")), []),
        (chat(("user", "Time?"), ("function", "09:00"), ("assistant", "Nine.")), []),
        # ShareGPT: its tags (and user/assistant, which axolotl maps), not other aliases.
        (
            {"conversations": [{"from": "human", "value": "Hi"}, {"from": "model", "value": "Hello"}]},
            [("S201", "/conversations/1")],
        ),
        (
            {"conversations": [{"from": "prompter", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]},
            [("S201", "/conversations/0")],
        ),
        ({"conversations": [{"from": "user", "value": "Hi"}, {"from": "assistant", "value": "Hello"}]}, []),
        # Alpaca has no roles to check.
        ({"instruction": "Hi", "input": "", "output": "Hello"}, []),
    ],
)
def test_roles_the_format_does_not_allow(record, expected):
    assert found(record, "S201") == expected


def test_role_message_names_the_format_and_its_roles():
    (violation,) = datalint.lint_records([chat(("user", "Hi"), ("bot", "Hello"))], select=["S201"])
    assert violation.message == (
        "role 'bot' is not an OpenAI chat role (system, developer, user, assistant, tool, function)"
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("\u200b", "assistant turn is empty (only invisible characters)"),
        ("\u200b\ufeff \n", "assistant turn is empty (only invisible characters)"),
        ("<|endoftext|>", "assistant turn is empty (only the token '<|endoftext|>')"),
        (" </s>", "assistant turn is empty (only the token '</s>')"),
        ("\u200b<|eot_id|>", "assistant turn is empty (only the token '<|eot_id|>')"),
    ],
)
def test_invisible_or_token_only_turns_are_empty(answer, message):
    (violation,) = datalint.lint_records([chat(("user", "Explain tides."), ("assistant", answer))], select=["S205"])
    assert (violation.code, violation.pointer, violation.message) == ("S205", "/messages/1/content", message)


def test_visible_content_beside_invisible_characters_or_tokens_is_not_empty():
    records = [
        chat(("user", "2+2?"), ("assistant", "4\u200b")),
        {"prompt": "Name a colour.\n", "completion": " Red<|endoftext|>"},
        chat(("user", "Reply with an emoji."), ("assistant", "🙂")),
    ]
    assert datalint.lint_records(records, select=["S205"]) == []


def _alpaca(instruction: str, output: str, extra: str = "") -> dict:
    return {"instruction": instruction, "input": extra, "output": output}


@pytest.mark.parametrize(
    ("record", "reported"),
    [
        (_alpaca("Write a poem about the sea.", "N/A"), True),
        (_alpaca("Design a logo for a bakery.", "No Output"), True),
        (_alpaca("Explain photosynthesis.", "None"), True),
        (_alpaca("Plan a trip to Rome.", "..."), True),
        (_alpaca("Describe a forest.", "-"), True),
        (_alpaca("用三句话介绍长城。", "无"), True),
        (chat(("user", "Draft an email to my landlord."), ("assistant", "no response")), True),
        # A right answer in context.
        (_alpaca("How many legs does a snake have?", "None."), False),
        (_alpaca("Classify the message as spam, ham or N/A.", "N/A", "Hello"), False),
        (_alpaca("Convert SOS into Morse code.", "... --- ..."), False),
        (_alpaca("What does this function return?\n\ndef f():\n    pass", "None"), False),
        (_alpaca("Replace 'not anything' with one word.", "Nothing."), False),
        (_alpaca("Is the sky green?", "No."), False),
        (_alpaca("Draw a cat.", "<nooutput>"), False),  # P004's marker
        (_alpaca("Write a bio for a jazz pianist.", "<empty>"), True),
        (_alpaca("Write a slogan for a bakery.", "NA"), True),
        (_alpaca("What is the chemical symbol for sodium?", "Na"), False),
        (_alpaca("What was the away team's score?", "Nil.", "The home side won 2-0."), False),
    ],
)
def test_placeholder_answers(record, reported):
    assert [code for code, _ in found(record, "S209")] == (["S209"] if reported else [])


def _call(arguments) -> dict:
    call = {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": arguments}}
    return {
        "messages": [
            {"role": "user", "content": "Weather in Oslo?"},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": "4 C"},
            {"role": "assistant", "content": "4 C."},
        ]
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            "{'city': 'Oslo'}",
            "tool call arguments is not valid JSON (Expecting property name enclosed in double quotes)",
        ),
        ('{"city": "Oslo"', "tool call arguments is not valid JSON (Expecting ',' delimiter)"),
        ('["Oslo"]', "tool call arguments holds a JSON array, not an object"),
        (None, "tool call arguments are null, not a JSON-encoded object"),
        ('{"city": "Oslo"}', None),
        ({"city": "Oslo"}, None),  # an object: several loaders accept it
    ],
)
def test_openai_tool_call_arguments_must_be_a_json_object(arguments, message):
    violations = datalint.lint_records([_call(arguments)], select=["S210"])
    assert [(v.pointer, v.message) for v in violations] == (
        [] if message is None else [("/messages/1/tool_calls/0/function/arguments", message)]
    )


def test_sharegpt_function_call_turns_and_tools_strings_must_parse():
    good = {
        "conversations": [
            {"from": "human", "value": "Book it"},
            {"from": "function_call", "value": '{"name": "book", "arguments": {}}'},
            {"from": "observation", "value": "not JSON, and fine"},
            {"from": "gpt", "value": "Booked."},
        ],
        "tools": '[{"name": "book"}]',
    }
    assert found(good, "S210") == []
    bad_call = {
        **good,
        "conversations": [
            *good["conversations"][:1],
            {"from": "function_call", "value": "book()"},
            *good["conversations"][2:],
        ],
    }
    assert found(bad_call, "S210") == [("S210", "/conversations/1/value")]
    bad_tools = {**good, "tools": "[{'name': 'book'}]"}
    assert found(bad_tools, "S210") == [("S210", "/tools")]


def test_real_tool_call_files_are_clean():
    import pathlib

    datasets = pathlib.Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
    for name in ("openai-drone-tool-calls.jsonl", "llamafactory-glaive-toolcall-en-demo.jsonl"):
        assert datalint.lint_paths([str(datasets / name)], select=["S201", "S210"]).violations == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "<tool_call>\n{'name': 'w'}\n</tool_call>",
            "<tool_call> block is not valid JSON (Expecting property name enclosed in double quotes)",
        ),
        ('<tool_call>{"name": "w", "arguments": {}}', "<tool_call> block is not closed by </tool_call>"),
        ('<tool_call>\n{"name": "w", "arguments": {"city": "Oslo"}}\n</tool_call>', None),
    ],
)
def test_tool_calls_written_into_the_answer_must_be_json(call, message):
    record = {
        "conversations": [
            {"from": "human", "value": "Weather in Oslo?"},
            {"from": "gpt", "value": call},
            {"from": "tool", "value": "4 C"},
            {"from": "gpt", "value": "4 C."},
        ]
    }
    violations = datalint.lint_records([record], select=["S210"])
    assert [(v.pointer, v.message) for v in violations] == (
        [] if message is None else [("/conversations/1/value", message)]
    )


def test_a_tool_result_after_a_call_written_into_the_answer_is_answered():
    record = {
        "conversations": [
            {"from": "human", "value": "Weather in Oslo?"},
            {"from": "gpt", "value": '<tool_call>\n{"name": "weather", "arguments": {"city": "Oslo"}}\n</tool_call>'},
            {"from": "tool", "value": "4 C"},
            {"from": "gpt", "value": "4 C."},
        ]
    }
    assert found(record) == []


@pytest.mark.parametrize("code", [f"S2{n:02d}" for n in range(1, 11)])
def test_each_rule_reports_its_documented_example(code):
    import json

    from datalint.rules import builtin_rules

    (rule,) = [rule for rule in builtin_rules() if rule.code == code]
    records = [json.loads(line) for line in rule.example.split("\\n")]
    assert code in {violation.code for violation in datalint.lint_records(records, select=[code])}
