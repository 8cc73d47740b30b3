"""Format detection and the Record view: each preset's turns and texts, with the pointers of
where each text really is, and the shapes real datasets have beyond the four chat presets."""

from __future__ import annotations

import json

import pytest

import datalint
from datalint.field_mapping import build_record
from datalint.presets import detect_format
from tests.conftest import dataset, write_jsonl


def view(data: dict, file_format: str = "auto"):
    record = build_record(1, "", data, detect_format(data) if file_format == "auto" else file_format)
    turns = [(turn.role, turn.text, turn.pointer) for turn in record.turns]
    texts = [(text.field, text.text, text.pointer) for text in record.texts]
    return record, turns, texts


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"instruction": "a", "input": "", "output": "b"}, "alpaca"),
        ({"messages": []}, "openai"),
        ({"conversations": []}, "sharegpt"),
        ({"prompt": "a", "completion": "b"}, "prompt-completion"),
        ({"question": "a", "std_answer": "b", "class": "c"}, "qa"),
        ({"Instruction": "a", "Input": "", "Output": "b"}, "qa"),
        ({"query": "a", "reply": "b"}, "qa"),
        ({"input": "a", "output": "b"}, "qa"),
        ({"question": "a", "answer": None}, "qa"),
        ({"question": "a", "answer": 4}, "unknown"),  # not text: no guess
        ({"instruction": "a", "instances": [{"input": "", "output": "b"}]}, "seed-tasks"),
        ({"prompt": "a", "completions": [{"model": "m", "completion": "b"}]}, "completions"),
        ({"prompt": "a", "responses": ["b", "c"]}, "completions"),
        ({"message_id": "1", "text": "a", "role": "prompter", "replies": []}, "oasst"),
        ({"message_tree_id": "1", "prompt": {"text": "a", "role": "prompter", "replies": []}}, "oasst"),
        ({"question_id": 1, "turns": ["a", "b"]}, "prompts"),
        ({"Question": "a", "category": "c"}, "prompts"),
        ({"turns": [{"role": "user", "content": "a"}]}, "chat"),
        ({"Dialog": [{"from": "human", "value": "a"}]}, "chat"),
        ({"turns": [{"id": 1}]}, "unknown"),
        ({"conversations": ["q", "a"], "source": "stackexchange"}, "chat"),
        ({"id": "u1", "data": ["q", "a", "q2", "a2"]}, "chat"),
        ({"inputs": "a", "targets": "b"}, "qa"),
        ({"message_id": "m", "parent_id": "p", "text": "a", "role": "assistant"}, "oasst"),
        ({"text": "a"}, "unknown"),
        ({"id": 1, "meta": {"x": "y"}}, "unknown"),
    ],
)
def test_detect_format(data, expected):
    assert detect_format(data) == expected


def test_aliased_keys_in_any_case_are_read_with_their_real_pointers():
    record, turns, texts = view({"System": "Be brief.", "Question": "2+2?", "Context": "math", "Answer": "4"})
    assert record.format == "qa"
    assert turns == [
        ("system", "Be brief.", "/System"),
        ("user", "2+2?\n\nmath", "/Question"),
        ("assistant", "4", "/Answer"),
    ]
    assert texts == [
        ("system", "Be brief.", "/System"),
        ("instruction", "2+2?", "/Question"),
        ("input", "math", "/Context"),
        ("response", "4", "/Answer"),
    ]


def test_class_and_category_are_type_labels():
    record, _, _ = view({"question": "q", "std_answer": "a", "class": "closed\u00a0qa"})
    assert record.labels == {"type": ("closed\u00a0qa", "/class")}
    record, _, _ = view({"Question": "q", "Category": "math"})
    assert record.labels == {"type": ("math", "/Category")}


def test_seed_task_is_one_pair_of_turns_per_instance():
    data = {
        "id": "seed_task_1",
        "instruction": "Give the antonym.",
        "instances": [{"input": "hot", "output": "cold"}, {"input": "", "output": "down"}],
    }
    record, turns, texts = view(data)
    assert turns == [
        ("user", "Give the antonym.\n\nhot", "/instruction"),
        ("assistant", "cold", "/instances/0/output"),
        ("user", "Give the antonym.", "/instruction"),
        ("assistant", "down", "/instances/1/output"),
    ]
    assert texts == [
        ("instruction", "Give the antonym.", "/instruction"),
        ("input", "hot", "/instances/0/input"),
        ("response", "cold", "/instances/0/output"),
        ("input", "", "/instances/1/input"),
        ("response", "down", "/instances/1/output"),
    ]


def test_completions_pair_each_candidate_with_the_prompt():
    data = {"id": "t", "prompt": "Say hi.\n", "completions": [{"model": "a", "completion": "Hi"}, "Hello"]}
    _, turns, texts = view(data)
    assert turns == [
        ("user", "Say hi.\n", "/prompt"),
        ("assistant", "Hi", "/completions/0/completion"),
        ("user", "Say hi.\n", "/prompt"),
        ("assistant", "Hello", "/completions/1"),
    ]
    assert [text[2] for text in texts] == ["/prompt", "/completions/0/completion", "/completions/1"]


OASST_TREE = {
    "text": "Q1",
    "role": "prompter",
    "replies": [
        {
            "text": "A1",
            "role": "assistant",
            "replies": [{"text": "Q2", "role": "prompter", "replies": [{"text": "A2", "role": "assistant"}]}],
        },
        {"text": "A1b", "role": "assistant", "replies": [{"text": "Q2b", "role": "prompter", "replies": []}]},
    ],
}


def test_oasst_tree_gives_each_answer_with_its_question_and_every_text():
    _, turns, texts = view({"message_tree_id": "t", "tree_state": "ready", "prompt": OASST_TREE})
    assert turns == [
        ("user", "Q1", "/prompt/text"),
        ("assistant", "A1", "/prompt/replies/0/text"),
        ("user", "Q1", "/prompt/text"),
        ("assistant", "A1b", "/prompt/replies/1/text"),
        ("user", "Q2", "/prompt/replies/0/replies/0/text"),
        ("assistant", "A2", "/prompt/replies/0/replies/0/replies/0/text"),
    ]
    # depth first as written; the unanswered Q2b is a text, not a turn
    assert texts == [
        ("instruction", "Q1", "/prompt/text"),
        ("response", "A1", "/prompt/replies/0/text"),
        ("instruction", "Q2", "/prompt/replies/0/replies/0/text"),
        ("response", "A2", "/prompt/replies/0/replies/0/replies/0/text"),
        ("response", "A1b", "/prompt/replies/1/text"),
        ("instruction", "Q2b", "/prompt/replies/1/replies/0/text"),
    ]


def test_oasst_message_list_root_is_the_record():
    _, turns, _ = view({"message_id": "m", "parent_id": None, **OASST_TREE})
    assert turns[:2] == [("user", "Q1", "/text"), ("assistant", "A1", "/replies/0/text")]


def test_prompt_set_has_user_turns_only_and_references_as_answers():
    data = {"question_id": 81, "category": "math", "turns": ["What is 2+2?", "And 3+3?"], "reference": ["4", ""]}
    record, turns, texts = view(data)
    assert record.prompts_only
    assert turns == [("user", "What is 2+2?", "/turns/0"), ("user", "And 3+3?", "/turns/1")]
    assert texts[2:] == [("response", "4", "/reference/0"), ("response", "", "/reference/1")]


def structure(records: list[dict]) -> list[tuple[str, int, str]]:
    return [(v.code, v.line, v.pointer) for v in datalint.lint_records(records, select=["S"])]


def test_structure_rules_on_the_new_shapes():
    records = [
        {"question_id": 1, "turns": ["Plan a trip.", "Shorter."]},  # a prompt set: no answer is missing
        {"question_id": 2, "turns": ["Plan a trip.", ""]},  # an empty prompt is a defect
    ]
    assert structure(records) == [("S205", 2, "/turns/1")]
    seed = [{"instruction": "Add one.", "instances": [{"input": "1", "output": "2"}, {"input": "2", "output": ""}]}]
    assert structure(seed) == [("S205", 1, "/instances/1/output")]
    tree = {
        "message_tree_id": "t",
        "prompt": {"text": "Hi", "role": "prompter", "replies": [{"text": " ", "role": "assistant"}]},
    }
    assert structure([tree]) == [("S205", 1, "/prompt/replies/0/text")]
    bad_tree = {"text": "Hi", "role": "prompter", "replies": [{"text": "Hello?", "role": "prompter", "replies": []}]}
    assert [code for code, _, _ in structure([bad_tree])] == ["S203", "S204"]


def test_content_rules_see_the_texts_of_the_new_shapes():
    records = [
        {
            "prompt": "Write a poem.\n",
            "completions": [{"model": "a", "completion": "As an AI language model, I cannot."}],
        },
        {
            "prompt": "Mail me.\n",
            "completions": [{"model": "a", "completion": "Write to r.okafor1987@outlook.com today."}],
        },
    ]
    found = [(v.code, v.line, v.pointer) for v in datalint.lint_records(records, select=["P001", "P101"])]
    assert found == [("P001", 1, "/completions/0/completion"), ("P101", 2, "/completions/0/completion")]


def test_flat_question_answer_file_reports_empty_answers_without_config(tmp_path):
    path = write_jsonl(
        tmp_path / "eval.jsonl",
        [
            {"question": "2+2?", "std_answer": "", "class": "math"},
            {"question": "Hi", "std_answer": "Hello", "class": "chat"},
        ],
    )
    violations = datalint.lint_file(path, select=["S"])
    assert [(v.code, v.line, v.pointer) for v in violations] == [("S205", 1, "/std_answer")]


def test_mapping_key_no_record_has_is_one_finding_per_file(tmp_path):
    records = [{"q": {"text": f"Question {n}?"}, "a": f"Answer {n}."} for n in range(5)]
    path = write_jsonl(tmp_path / "d.jsonl", records)
    (tmp_path / "datalint.toml").write_text(
        'format = "custom"\n[mapping]\ninstruction = "q.text"\nresponse = "answer"\ntype = "kind"\n'
    )
    violations = datalint.lint_file(path)
    assert [(v.code, v.line, v.message) for v in violations if v.code.startswith("S")] == [
        ("S104", 1, '`[mapping] response = "answer"` matches no record of this file; the records have the keys q, a'),
        ("S104", 1, '`[mapping] type = "kind"` matches no record of this file; the records have the keys q, a'),
    ]


def test_mapping_key_some_records_lack_is_reported_on_each(tmp_path):
    records = [{"q": "One?", "a": "1"}, {"q": "Two?"}, {"q": "Three?", "a": "3"}]
    path = write_jsonl(tmp_path / "d.jsonl", records)
    (tmp_path / "datalint.toml").write_text(
        'format = "custom"\n[mapping]\ninstruction = "q"\nresponse = "a"\nsystem = "sys"\n'
    )
    violations = datalint.lint_file(path, select=["S"])
    # the system key is optional per record, but no record has it at all
    assert [(v.code, v.line, v.message) for v in violations] == [
        ("S104", 1, '`[mapping] system = "sys"` matches no record of this file; the records have the keys q, a'),
        ("S104", 2, 'record has no "a" (the `[mapping] response`)'),
    ]


@pytest.mark.parametrize(
    ("name", "expected_format"),
    [
        ("alpaca-seed-tasks-175.jsonl", "seed-tasks"),
        ("belle-zh-seed-tasks-175.jsonl", "seed-tasks"),
        ("self-instruct-user-oriented-252.jsonl", "seed-tasks"),
        ("belle-eval-set-1k.jsonl", "qa"),
        ("mt-bench-questions-80.jsonl", "prompts"),
        ("oasst-en-100-trees.jsonl", "oasst"),
        ("oasst-en-100-messages.jsonl", "oasst"),
        ("tulu1-human-eval-instances.jsonl", "completions"),
    ],
)
def test_real_datasets_of_other_shapes_are_read(name, expected_format):
    rows = [json.loads(line) for line in dataset(name).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert {detect_format(row) for row in rows} == {expected_format}


def test_belle_eval_set_empty_reference_answers(tmp_path):
    violations = datalint.lint_file(dataset("belle-eval-set-1k.jsonl"), select=["S103", "S205"], conventions=False)
    assert {(v.code, v.pointer, v.message) for v in violations} == {("S205", "/std_answer", "assistant turn is empty")}
    assert len(violations) == 369


def test_oasst_layouts_give_the_same_findings_at_their_own_pointers():
    trees = datalint.lint_file(dataset("oasst-en-100-trees.jsonl"), select=["P001", "S"])
    messages = datalint.lint_file(dataset("oasst-en-100-messages.jsonl"), select=["P001", "S"])
    assert trees and [(v.code, v.line, "/prompt" + v.pointer) for v in messages] == [
        (v.code, v.line, v.pointer) for v in trees
    ]


def test_messages_under_another_key_are_a_chat():
    data = {
        "id": 7,
        "conversation": [{"speaker": "human", "text": "Hi"}, {"speaker": "gpt", "text": ""}],
    }
    record, turns, _ = view(data)
    assert record.format == "chat"
    assert turns == [("user", "Hi", "/conversation/0/text"), ("assistant", "", "/conversation/1/text")]
    assert structure([data]) == [("S205", 1, "/conversation/1/text")]
    # a list of strings under `turns` stays a prompt set
    assert detect_format({"turns": ["Hi"]}) == "prompts"


def test_dolly_context_is_the_input():
    data = {"instruction": "Summarise.", "context": "Bees pollinate flowers.", "response": "Bees spread pollen."}
    record, turns, texts = view(data)
    assert record.format == "alpaca"
    assert turns[0] == ("user", "Summarise.\n\nBees pollinate flowers.", "/instruction")
    assert ("input", "Bees pollinate flowers.", "/context") in texts


def test_a_lone_oasst_message_is_text_only():
    record, turns, texts = view({"message_id": "m", "parent_id": "p", "text": "Sure.", "role": "assistant"})
    assert (turns, texts) == ([], [("response", "Sure.", "/text")])
    assert structure([record.data]) == []


def test_label_mapping_no_record_has_is_reported_in_any_format(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"question": "2+2?", "answer": "4", "class": "math"}])
    (tmp_path / "datalint.toml").write_text('[mapping]\ntype = "category"\n')
    violations = datalint.lint_file(path, select=["S104"])
    assert [(v.line, v.message) for v in violations] == [
        (
            1,
            '`[mapping] type = "category"` matches no record of this file; '
            "the records have the keys question, answer, class",
        )
    ]


def test_unknown_shape_gets_one_note_naming_the_presets(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": "Q: 2+2? A: 4"}, {"text": "Q: 3+3? A: 6"}])
    violations = datalint.lint_file(path, select=["S1"])
    assert [(v.code, v.line) for v in violations] == [("S103", 1)]
    assert "seed-tasks, completions, oasst, qa, prompts" in violations[0].message


def test_a_list_of_strings_alternates_user_and_assistant():
    data = {"conversations": ["How do magnets work?", "They align electron spins.", "Thanks!", " "], "source": "x"}
    _, turns, _ = view(data)
    assert [(role, pointer) for role, _, pointer in turns] == [
        ("user", "/conversations/0"),
        ("assistant", "/conversations/1"),
        ("user", "/conversations/2"),
        ("assistant", "/conversations/3"),
    ]
    assert structure([data]) == [("S205", 1, "/conversations/3")]


def test_a_record_without_its_answer_key_in_an_alpaca_file():
    records = [
        {"instruction": "Add 2 and 2.", "input": "", "output": "4"},
        {"instruction": "Add 3 and 3.", "input": ""},
    ]
    violations = datalint.lint_records(records, select=["S"])
    assert [(v.code, v.line, v.message) for v in violations] == [
        ("S102", 2, "record has a prompt but no answer key, unlike the file's alpaca records")
    ]
