"""Duplicate and conflicting-response rules (D001-D004) on real datasets and small literal files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datalint import lint_paths

DATASETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"


def _lint(paths, select, config=None):
    return lint_paths([str(path) for path in paths], select=select, config=config).violations


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "count", "first_line", "first_of"),
    [
        ("llamafactory-alpaca-en-demo-1k.jsonl", 14, 276, 118),
        ("llamafactory-glaive-toolcall-en-demo.jsonl", 35, 7, 5),
        ("t0-prompt-completion-sample.jsonl", 77, 1543, 1542),
        ("llamafactory-alpaca-zh-demo-1k.jsonl", 8, None, None),
        ("llamafactory-dpo-en-demo.jsonl", 5, None, None),
    ],
)
def test_exact_duplicates_match_the_dataset_readme(name, count, first_line, first_of):
    found = _lint([DATASETS / name], ["D001"])
    assert len(found) == count
    if first_line is not None:
        assert (found[0].line, found[0].related[0].line) == (first_line, first_of)
        assert found[0].message.startswith(f"exact duplicate of line {first_of}")


def test_group_size_is_stated_for_groups_of_three_or_more():
    found = _lint([DATASETS / "llamafactory-glaive-toolcall-en-demo.jsonl"], ["D001"])
    assert found[0].message == "exact duplicate of line 5 (3 records share it)"


def test_tulu_model_completions_that_contradict_each_other_are_conflicts(tmp_path):
    # The file is a human-eval comparison (each prompt three times, with another model's
    # completion); a custom mapping says which completion is the record's response. Most
    # completions are long answers that may differ; the closed ones that disagree are reported.
    config = tmp_path / "datalint.toml"
    config.write_text('format = "custom"\n[mapping]\ninstruction = "prompt"\nresponse = "completions.0.completion"\n')
    found = _lint([DATASETS / "tulu1-human-eval-instances.jsonl"], ["D004"], config)
    assert len(found) == 11
    first = found[0]
    assert (first.line, first.related[0].line, first.pointer) == (99, 37, "/completions/0/completion")
    assert first.message == (
        "same question as line 37 answered 'no' here and 'yes' there "
        "(3 records share this question, 2 different answers)"
    )


def test_open_prompts_answered_differently_are_not_conflicts():
    """T0 renders one passage into several generation tasks, OASST has several replies per
    prompt: two answers to "write a sentence" or to small talk do not contradict each other."""
    t0 = _lint([DATASETS / "t0-prompt-completion-sample.jsonl"], ["D004"])
    oasst = _lint([DATASETS / "oasst-zh-llamafactory.jsonl"], ["D004"])
    fastchat = _lint([DATASETS / "fastchat-dummy-conversation.jsonl"], ["D004"])
    # Before: 184, 237 and 116 "conflicts", none of them a contradiction. What is left in T0 is
    # "how much is 1 tablespoon of water?" answered 15 mL and 20 mL.
    assert [(v.line, v.related[0].line) for v in t0] == [(4964, 4962)]
    assert "answered '20' here and 'about 15' there" in t0[0].message
    assert (oasst, fastchat) == ([], [])


@pytest.mark.parametrize(
    ("question", "first", "second", "conflict"),
    [
        ("Is 7 a prime number?", "Yes.", "No, it is not.", True),
        ("Is 7 a prime number?", "Yes.", "Yes, it is prime.", False),
        ("Capital of Australia?", "Canberra.", "Sydney.", True),
        ("Capital of France?", "Paris", "Paris, France.", False),
        ("Which option is correct? (A) 3 (B) 4", "B", "(A)", True),
        ("Which is a mammal? (A) shark (B) dolphin", "B) dolphin", "The answer is A.", True),
        ("Which is a mammal? (A) shark (B) dolphin", "(B) dolphin", "Option B", False),
        ("Is a tomato a fruit?", "Yes it is", "No, it is a vegetable.", True),
        ("Is the Moon a planet?", "No one calls it that.", "Yes.", False),
        ("Describe the picture in one line.", "A horse is eating hay", "A dog is eating hay", False),
        ("How long is the equator?", "About 40,000 km.", "40,075 km", False),
        ("Convert 4 km to miles.", "2.48 miles", "2.49 miles", False),
        ("What year did the Berlin Wall fall?", "1989", "In 1991.", True),
        ("How many legs does a spider have?", "8", "Six.", True),
        ("What is 12 times 12?", "144", "The answer is 124.", True),
        ("Name a primary color.", "Red.", "Blue.", False),
        ("Write a haiku about rain.", "Rain taps the roof", "Grey sky weeps", False),
        ("Thanks!", "You're welcome.", "Any time!", False),
        ("Reverse the word 'stop'.", "pots", "spot", False),
        ("Explain gravity.", "Gravity pulls masses together. " * 4, "Mass bends spacetime. " * 5, False),
    ],
)
def test_only_closed_answers_that_disagree_conflict(lint, question, first, second, conflict):
    records = [{"instruction": question, "input": "", "output": answer} for answer in (first, second)]
    assert [code for code, *_ in lint(records, "D004")] == (["D004"] if conflict else [])


def test_another_system_prompt_or_tool_list_is_another_question(lint):
    def chat(system, answer, tools=None):
        messages = [{"role": "system", "content": system}, {"role": "user", "content": "Is it open today?"}]
        record = {"messages": [*messages, {"role": "assistant", "content": answer}]}
        return record if tools is None else {**record, "tools": tools}

    records = [
        chat("You are the museum's assistant. The museum opens daily.", "Yes."),
        chat("You are the library's assistant. The library is closed on Mondays; today is Monday.", "No."),
        chat("You are the museum's assistant. The museum opens daily.", "No.", tools=[{"type": "function"}]),
        chat("You are the museum's assistant. The museum opens daily.", "No."),
    ]
    assert [(code, line) for code, line, *_ in lint(records, "D004")] == [("D004", 4)]


def _chat(id_: str, question: str, answer: str) -> dict:
    return {"id": id_, "conversations": [{"from": "human", "value": question}, {"from": "gpt", "value": answer}]}


def test_each_copy_is_reported_by_one_rule_only(tmp_path):
    records = [
        _chat("a", "What is up?", "Not much."),
        _chat("a", "What is up?", "Not much."),
        _chat("b", "what  is up?", "Not much."),
        _chat("c", "ｗhat is up?", "NOT MUCH."),
        _chat("d", "What is up?", "Fine."),
        _chat("e", "What is up?", "Fine."),
        _chat("f", "Is the sky blue?", "Yes."),
        _chat("g", "Is the sky blue?", "No."),
    ]
    found = _lint([_write(tmp_path / "chat.jsonl", records)], ["D"])
    assert [(v.line, v.code, v.related[0].line) for v in found] == [
        (2, "D001", 1),
        (3, "D002", 1),
        (4, "D002", 1),
        (6, "D002", 5),
        (8, "D004", 7),
    ]
    # "What is up?" answered "Not much." and "Fine." is small talk, not a contradiction.
    assert found[4].message == (
        "same question as line 7 answered 'no' here and 'yes' there "
        "(2 records share this question, 2 different answers)"
    )
    assert found[4].pointer == "/conversations/1/value"


def test_same_prompt_and_response_with_another_rejected_answer(tmp_path):
    prompt = [{"from": "human", "value": "Hi"}]
    chosen = {"from": "gpt", "value": "Hello!"}
    records = [
        {"conversations": prompt, "chosen": chosen, "rejected": {"from": "gpt", "value": "No."}},
        {"conversations": prompt, "chosen": chosen, "rejected": {"from": "gpt", "value": "?"}},
    ]
    found = _lint([_write(tmp_path / "dpo.jsonl", records)], ["D"])
    assert [(v.line, v.code, v.message) for v in found] == [(2, "D003", "same prompt and response as line 1")]


def test_duplicates_across_files_point_at_the_other_file(tmp_path):
    train = _write(
        tmp_path / "train.jsonl",
        [{"instruction": f"Add {n} and 2.", "input": "", "output": str(n + 2)} for n in range(5)],
    )
    validation = _write(
        tmp_path / "validation.jsonl",
        [
            {"instruction": "Add 9 and 9.", "input": "", "output": "18"},
            {"instruction": "Add 3 and 2.", "input": "", "output": "5"},
            {"instruction": "Add 1 and 2.", "input": "", "output": "4"},
        ],
    )
    found = _lint([train, validation], ["D"])
    assert [(Path(v.path).name, v.line, v.code, Path(v.related[0].path).name, v.related[0].line) for v in found] == [
        ("validation.jsonl", 2, "D001", "train.jsonl", 4),
        ("validation.jsonl", 3, "D004", "train.jsonl", 2),
    ]
    assert found[0].message == f"exact duplicate of {train}:4"


def test_key_order_and_json_spacing_make_a_normalised_duplicate(tmp_path):
    path = tmp_path / "spacing.jsonl"
    path.write_text('{"instruction": "A", "output": "b"}\n{"output":"b","instruction":"A"}\n')
    assert [(v.line, v.code) for v in _lint([path], ["D"])] == [(2, "D002")]


def test_dataset_wide_violations_get_the_span_of_their_pointer(tmp_path):
    """The dataset pass decides on features; the engine still places the finding for editors."""
    import datalint

    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"instruction": "What color is the sky at noon?", "input": "", "output": "Grey."}\n'
        '{"instruction": "What color is the sky at noon?", "input": "", "output": "Blue, like the sea."}\n',
        encoding="utf-8",
    )
    (violation,) = datalint.lint_file(path, select=["D004"])
    line = path.read_text(encoding="utf-8").splitlines()[1]
    assert (violation.line, violation.pointer) == (2, "/output")
    assert line[violation.column - 1 : violation.end_column - 1] == '"Blue, like the sea."'


def test_alpaca_prompt_key_from_normalised_parts_equals_normalising_the_whole_turn():
    """D002-D004 normalise an Alpaca user turn (instruction + blank line + input) from its two
    already normalised parts; that must be the string normalising the whole turn gives."""
    import random

    from datalint.checks.duplicate import _normalised_turn
    from datalint.field_mapping import build_record
    from datalint.minhash.shingles import normalize

    pieces = ["a", "B", " ", "\n", "\t", "\u00a0", "\u3000", "e\u0301", "\u0301", "Σ", "ﬁ", "Ⅻ", "ß", "İ", "x\x1c", ""]
    chooser = random.Random(7)
    for _ in range(2000):
        instruction = "".join(chooser.choice(pieces) for _ in range(chooser.randrange(6)))
        extra = "".join(chooser.choice(pieces) for _ in range(chooser.randrange(6)))
        record = build_record(1, "", {"instruction": instruction, "input": extra, "output": "o"}, "alpaca")
        normalised = {id(text.text): normalize(text.text) for text in record.texts}
        turn = record.turns[0].text or ""
        assert _normalised_turn(record, turn, normalised) == normalize(turn), (instruction, extra)


def test_normalize_shortcuts_equal_its_definition_on_whitespace_of_every_kind():
    import unicodedata

    from datalint.minhash.shingles import normalize
    from datalint.records import Text

    for text in ["Give three tips.", " lead", "trail ", "two  spaces", "tab\there", "line\nbreak", "x\x1cy", "", "Ünï"]:
        defined = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
        lowered = Text("instruction", text, "/instruction").lower  # what the duplicate kind passes
        assert normalize(text) == normalize(text, lowered) == defined, repr(text)


@pytest.mark.parametrize("code", ["D001", "D002", "D003", "D004", "D005"])
def test_each_rule_reports_its_documented_example(code):
    import datalint
    from datalint.rules import builtin_rules

    (rule,) = [rule for rule in builtin_rules() if rule.code == code]
    records = [json.loads(line) for line in rule.example.split("\\n")]
    assert [violation.code for violation in datalint.lint_records(records, select=[code])] == [code]


def test_comparisons_of_other_models_are_not_duplicates(tmp_path):
    """tulu1 pairs each prompt with several models: the same words from another pair of models is
    another comparison, while a true copy stays a duplicate."""
    prompt = "Rewrite the text and correct the spelling errors.\n\nIt solves problems comon to every team."
    answer = "It solves problems common to every team."

    def comparison(*models: str) -> dict:
        return {"prompt": prompt, "completions": [{"model": model, "completion": answer} for model in models]}

    path = _write(tmp_path / "eval.jsonl", [comparison("a-65B", "chatgpt"), comparison("a-7B", "a-65B")])
    assert _lint([path], ["D"]) == []
    path = _write(tmp_path / "copy.jsonl", [comparison("a-65B", "chatgpt"), comparison("a-65B", "chatgpt")])
    assert [(v.code, v.line) for v in _lint([path], ["D"])] == [("D001", 2)]
    real = DATASETS / "tulu1-human-eval-instances.jsonl"
    if real.exists():
        assert not [v for v in _lint([real], ["D001", "D002", "D003"])]
