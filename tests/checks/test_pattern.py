"""The pattern kind: phrases, regexes, case rules, fields, whole words, code spans, custom rules."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import datalint
from datalint.checks.pattern import (
    inside_quotes,
    mostly_code,
)
from tests.conftest import REPO, run, write_jsonl


def found(records, select="P"):
    return [(v.code, v.line, v.pointer, v.message) for v in datalint.lint_records(records, select=[select])]


def test_disclaimer_matches_any_case_and_curly_apostrophes():
    records = [
        {"instruction": "Hi", "output": "AS AN AI LANGUAGE MODEL, I can't."},
        {"instruction": "Hi", "output": "I don\u2019t have personal opinions, but here goes."},
    ]
    assert [(c, line) for c, line, *_ in found(records, "P001")] == [("P001", 1), ("P001", 2)]


def test_whole_words_only():
    assert found([{"instruction": "Hi", "output": "Refactor the TODOS list"}], "P006") == []
    assert found([{"instruction": "Hi", "output": "TODO: finish"}], "P006")[0][0] == "P006"


def test_fields_are_respected():
    # P001 looks at responses only: a disclaimer quoted in the instruction is fine.
    assert (
        found([{"instruction": "Why do bots say 'as an AI language model'?", "output": "Training data."}], "P001") == []
    )


def test_skip_code_ignores_template_syntax_in_code():
    code = {"instruction": "Jinja?", "output": "Use `{{ name }}` in the template:\n```\n<p>{{ user.name }}</p>\n```"}
    assert found([code], "P003") == []
    prose = {"instruction": "Greet", "output": "Dear {{customer_name}}, welcome!"}
    assert found([prose], "P003") == [("P003", 1, "/output", "template placeholder: '{{customer_name}}' in response")]


def test_span_points_at_the_match_through_escapes(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"instruction": "x", "output": 'caf\u00e9 "quoted"\n<|endoftext|>'}])
    path.write_text(json.dumps({"instruction": "x", "output": 'caf\u00e9 "quoted"\n<|endoftext|>'}) + "\n")
    (violation,) = datalint.lint_file(path, select=["P007"])
    line = path.read_text().splitlines()[0]
    assert line[violation.column - 1 : violation.end_column - 1] == "<|endoftext|>"


def test_custom_pattern_rule_declared_in_config(tmp_path):
    (tmp_path / "datalint.toml").write_text(
        """
[[rule]]
code = "X001"
name = "internal-codename"
kind = "pattern"
severity = "error"
summary = "Response mentions an internal code name"
fields = ["response", "system"]
phrases = ["project falcon"]
"""
    )
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [
            {"instruction": "What is new?", "output": "Project Falcon ships soon."},
            {"instruction": "Hi", "output": "Hi"},
        ],
    )
    result = run("check", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{path}:1:44: X001 [internal-codename] banned pattern: 'Project Falcon' in response"
    )
    assert run("check", str(path), "--ignore", "internal-codename").exit_code == 0
    assert run("check", str(path), "--select", "X").exit_code == 1


def pattern_rule(code: str, **options) -> str:
    lines = [f'[[rule]]\ncode = "{code}"\nname = "{code.lower()}-rule"\nkind = "pattern"\nseverity = "error"']
    lines += [f"summary = 'test rule {code}'"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


def test_every_pattern_rule_of_a_set_reports_what_it_reports_alone(tmp_path):
    """One scan serves all pattern rules, built-in and the user's, case-sensitive or not; each rule
    still finds exactly what it finds when it is the only one selected."""
    (tmp_path / "datalint.toml").write_text(
        pattern_rule("X001", phrases=["project falcon"], fields=["all"])
        + pattern_rule("X002", regex=[r"(\w+) \1\b"], message="doubled word")  # a backreference: runs alone
        + pattern_rule("X003", regex=[r"(?i)draft"], message="draft")  # a global flag: cannot join the alternation
        + pattern_rule("X004", regex=[r"TODO\b"], **{"case-sensitive": True})
        + pattern_rule("X005", regex=[r"(?P<n>ticket) #\d+"], message="ticket")  # a group name of its own
    )
    records = [
        alpaca("Hi", "As an AI language model, I cannot say. Project Falcon ships."),
        alpaca("Hi", "the the cat sat. TODO fix [insert name] <|im_end|>"),
        alpaca("Project Falcon?", "A DRAFT answer about ticket #12; todo later"),
        alpaca("Hi", "Nothing to see here."),
    ]
    path = write_jsonl(tmp_path / "d.jsonl", records)
    codes = ["P001", "P002", "P003", "P007", "X001", "X002", "X003", "X004", "X005"]
    together = datalint.lint_paths([path], select=codes)
    alone = [v for code in codes for v in datalint.lint_paths([path], select=[code]).violations]
    key = lambda v: (v.line, v.column, v.code)  # noqa: E731
    assert sorted(map(key, together.violations)) == sorted(map(key, alone))
    assert sorted((v.code, v.line) for v in together.violations) == [
        ("P001", 1),
        ("P003", 2),
        ("P007", 2),
        ("X001", 1),
        ("X001", 3),
        ("X002", 2),
        ("X003", 3),
        ("X004", 2),
        ("X005", 3),
    ]


def lines_of(records, select):
    return [(code, line) for code, line, *_ in found(records, select)]


def alpaca(instruction, output, **extra):
    return {"instruction": instruction, "input": "", "output": output, **extra}


def test_disclaimer_family_is_built_from_parts_and_reads_the_speaker():
    records = [
        alpaca("Best way to learn Spanish?", "As a responsible and ethical AI, I suggest daily practice."),
        alpaca("Stock tips?", "Being just a language model, I cannot pick stocks."),
        alpaca("Who won?", "As of my last knowledge update in 2022, France."),
        alpaca("Explain rain.", "I was developed by OpenAI to help. Rain forms when vapour condenses."),
        alpaca("How are bots judged?", "When a model is deployed as an AI assistant, it is judged on accuracy."),
        alpaca("Describe GPT-3.", "GPT-3 is a language model developed by OpenAI."),
        alpaca("I am an AI researcher; what to read?", "Start with the transformer paper."),
    ]
    assert lines_of(records, "P001") == [("P001", 1), ("P001", 2), ("P001", 3), ("P001", 4)]


def test_disclaimer_is_skipped_where_the_context_asks_for_it():
    tools = {
        "conversations": [
            {"from": "human", "value": "Book me a flight."},
            {"from": "gpt", "value": "I'm sorry, but as an AI, I don't have the capability to book flights."},
        ],
        "tools": '[{"name": "get_weather"}]',
    }
    records = [
        alpaca("You are a sentient AI. Write to humanity.", "As an artificial intelligence, I ask for patience."),
        alpaca("Write a greeting function.", 'def greet():\n    print("As an AI language model, hi")\n    return 1'),
        alpaca("What is your name?", "As a language model, my name is Vicuna."),
        alpaca("Are you trained by OpenAI?", "No, I am a language model trained by researchers from LMSYS."),
        {
            "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "As an AI, I can't."}],
            "label": False,
        },
        tools,
    ]
    assert lines_of(records, "P001") == []
    assert lines_of(records, "P002") == []


def test_refusal_family_finds_capability_refusals_not_requested_declines():
    records = [
        alpaca("Make a table of planets.", "I'm unable to create a table directly here, but Mercury has no moons."),
        alpaca("Summarise https://example.org/a", "I cannot browse the internet."),
        alpaca("Translate this poem.", "I'm sorry, but I won't be able to translate poetry."),
        alpaca("Write an email declining the invitation.", "I'm sorry, but I can't attend on Friday."),
        alpaca("Find the area of the triangle.", "I'm sorry, but I cannot calculate it. Could you provide the base?"),
        alpaca("How do I say no?", "You could say: 'I'm sorry, but I can't help with that right now.'"),
    ]
    assert lines_of(records, "P002") == [("P002", 1), ("P002", 2), ("P002", 3)]


def test_slot_placeholders_in_prose_but_not_templates_links_or_stage_directions():
    records = [
        alpaca("Write a thank-you note.", "Thank you for the plants.\n\nWarmly,\n[Your Name]"),
        alpaca("Write a press release.", "[Company Name] opens its first café on [Date]."),
        alpaca("Create a fill-in-the-blank offer letter template.", "Dear [Candidate Name], we offer you [Job Title]."),
        alpaca("Link in markdown?", "Write [Website Name](https://example.com)."),
        alpaca("Write a scene.", "[Enter HAMLET and HORATIO]\nHAMLET: The air bites shrewdly."),
        {"instruction": "Count the words.", "input": "Lorem ipsum dolor sit amet.", "output": "5"},
        alpaca("Access a dict?", "Use `person[name]` or person[name] in code."),
    ]
    assert lines_of(records, "P003") == [("P003", 1), ("P003", 2)]


def test_special_token_family_not_html_strike_or_tokenizer_talk():
    records = [
        alpaca("Name a noble gas.", "Neon.</s>"),
        alpaca("Add 7 and 8.", "15<|eot_id|>"),
        alpaca("Capital of Norway?", "Oslo<end_of_turn>"),
        alpaca("Name a prime.", "13<|fim_suffix|>"),
        alpaca("Strike text in HTML?", "Use <s>old price</s> now $10."),
        alpaca("What does </s> mean in Llama's tokenizer?", "It is the end-of-sequence token </s>.\n"),
        alpaca("Strip tokens in Python.", 'def clean(t):\n    return t.replace("<|endoftext|>", "")\n    pass'),
    ]
    assert lines_of(records, "P007") == [("P007", 1), ("P007", 2), ("P007", 3), ("P007", 4)]


def test_fake_next_turn_but_not_requested_dialogues_or_code():
    records = [
        alpaca("Boiling point of water?", "100 °C.\n\n### Human: And on Everest?\n### Assistant: About 70 °C."),
        alpaca("Name a goldfish.", "Bubbles.\nUser: Another?\nAssistant: Finn."),
        alpaca("A motivational quote.", "Small steps add up.\n\nHuman:"),
        alpaca("Write a dialogue between a user and an assistant.", "User: Hi\nAssistant: Hello!"),
        alpaca("Config in YAML?", "database:\n  user: admin\n  password: x\n"),
        alpaca("Classify: human, car.", "Human: living\nCar: non-living"),
    ]
    assert lines_of(records, "P008") == [("P008", 1), ("P008", 2), ("P008", 3)]


def test_image_link_answers_but_not_markdown_lessons_or_code():
    records = [
        alpaca("Draw a sunset.", "![Sunset](https://i.imgur.com/Qz81kLm.png)"),
        alpaca("Picture of a fox.", "https://source.unsplash.com/1600x900/?fox"),
        alpaca("Make a pie chart.", "It looks like this:\n\n![Pie]（https://example.com/pie.png）"),
        alpaca("Add an image to a markdown README?", "Use ![alt](docs/logo.png)."),
        alpaca(
            "Download a picture in Python.",
            'import requests\nurl = "https://example.com/cat.jpg"\ndata = requests.get(url)',
        ),
        alpaca("Official Python site?", "https://www.python.org"),
    ]
    assert lines_of(records, "P009") == [("P009", 1), ("P009", 2), ("P009", 3)]


def test_code_like_texts_and_quotes():
    assert mostly_code("int main() {\n  return 0;\n}\n")
    assert not mostly_code("A pie chart would look like this:\n\n![Pie](x.png)")
    assert not mostly_code("For example, this works.\nIf you wish, try it.\nFrom there, go on.")
    text = 'He said "as an AI" today'
    assert inside_quotes(text, text.index("as"), text.index("AI") + 2)
    whole = '"As an AI, I cannot."'
    assert not inside_quotes(whole, 1, 9)  # a quote that opens the whole text is the text's own
    apostrophes = "I don't know, as an AI I can't"
    assert not inside_quotes(apostrophes, apostrophes.index("as"), apostrophes.index("AI") + 2)


def test_a_system_prompt_that_defines_an_ai_assistant_is_not_a_role_to_play():
    record = {
        "messages": [
            {"role": "system", "content": "You are an AI assistant. Answer the user's questions."},
            {"role": "user", "content": "Plan a day in Rome."},
            {"role": "assistant", "content": "As an AI assistant, I'd suggest the Colosseum first."},
        ]
    }
    played = alpaca("You are an AI assistant who has gained sentience. Greet us.", "As an AI assistant, I greet you.")
    assert lines_of([record, played], "P001") == [("P001", 1)]


def test_candidate_answers_of_a_comparison_are_not_judged_for_style():
    """A prompt with several models' completions holds outputs under evaluation: a placeholder or
    TODO in one candidate is what that model wrote, not the dataset's answer."""
    import datalint

    prompt = "Write an email reminding the team of the launch meeting."
    draft = "Hi team,\n\nA reminder that the launch meeting is on [Insert Date]. TODO: add the agenda."
    comparison = {
        "prompt": prompt,
        "completions": [{"model": "a", "completion": draft}, {"model": "b", "completion": "Hi all."}],
    }
    assert [v.code for v in datalint.lint_records([comparison], select=["P003", "P006"])] == []
    answer = {"instruction": prompt, "input": "", "output": draft}
    assert sorted(v.code for v in datalint.lint_records([answer], select=["P003", "P006"])) == ["P003", "P006"]


def test_questions_about_the_assistant_itself_are_answered_without_a_disclaimer_finding():
    import datalint

    asked = [
        ("What are some things you can't help me with?", "As an AI language model, I cannot give medical advice."),
        ("How do you work?", "I am a language model: I predict text from patterns I was trained on."),
        ("Are you sponsored by a GPU maker?", "No. I am an AI language model and no company sponsors me."),
    ]
    records = [{"instruction": q, "input": "", "output": a} for q, a in asked]
    assert [v.code for v in datalint.lint_records(records, select=["P001", "P002"])] == []
    plain = {"instruction": "How cold is Antarctica?", "input": "", "output": asked[0][1]}
    assert [v.code for v in datalint.lint_records([plain], select=["P001"])] == ["P001"]


def test_an_answer_in_a_message_tree_is_read_against_its_own_path():
    """OASST trees: the other branches are other conversations, not this answer's prompt."""
    import datalint

    def message(role: str, text: str, *replies: dict) -> dict:
        return {"message_id": text[:8], "role": role, "text": text, "replies": list(replies)}

    asked = message("prompter", "Are you an AI?", message("assistant", "Yes, I am an AI language model."))
    weather = message(
        "prompter",
        "How cold is Antarctica?",
        message("assistant", "As an AI language model, I cannot say how cold it is today."),
    )
    tree = message("prompter", "Hi!", message("assistant", "Hello! What can I do for you?", asked, weather))
    found = [(v.code, v.pointer) for v in datalint.lint_records([tree], select=["P001"])]
    assert found == [("P001", "/replies/0/replies/1/replies/0/text")]


def _builtin_searches():
    from datalint.rules import builtin_rules

    for rule in builtin_rules():
        if rule.kind == "pattern":
            yield from (
                pytest.param(pattern, tuple(needles), id=f"{rule.code}-{index}")
                for index, (pattern, needles) in enumerate(
                    zip(rule.options["regex"], rule.options["needles"], strict=True)
                )
                if needles
            )


@pytest.mark.parametrize(("pattern", "needles"), list(_builtin_searches()))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_match_of_a_builtin_regex_starts_with_one_of_its_needles(pattern, needles, data):
    """The needles decide which texts a regex runs on: a match they miss would be a silent miss.
    Hypothesis writes texts that hold a match of the regex; each match must start with a needle."""
    text = data.draw(st.from_regex(pattern))
    for match in re.finditer(pattern, text):
        assert any(match.group().startswith(needle) for needle in needles), (match.group(), needles)


def test_the_shipped_needles_are_the_ones_tools_needles_derives():
    """`python tools/needles.py --write` after editing a regex keeps them current."""
    import importlib.util

    from datalint.rules import builtin_rules

    spec = importlib.util.spec_from_file_location("needles_tool", REPO / "tools" / "needles.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    for rule in builtin_rules():
        if rule.kind == "pattern" and rule.options["regex"]:
            assert rule.options["needles"] == [tool.needles_of(pattern) for pattern in rule.options["regex"]], rule.code
