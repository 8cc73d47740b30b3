"""The pattern kind: phrases, regexes, case rules, fields, whole words, code spans, custom rules."""

from __future__ import annotations

import json
import re

import datalint
from datalint.checks.pattern import OPTIONS, anchored_at_start, first_characters, prepare
from tests.conftest import run, write_jsonl


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


def test_regex_gate_lists_first_characters_only_when_certain():
    gate = first_characters(re.compile(r"\{\{\s*\w+\s*\}\}|\[(?:insert|todo)\b[^\]]*\]"))
    assert gate == frozenset("{[")
    assert first_characters(re.compile(r"\bfoo|ba(r)")) == frozenset("fb")
    # anything that may start elsewhere or ignores case gets no gate
    for pattern in (r"x?y", r"^\s*none$", r"(?i)abc", r"(?i:a)b", r"(?:a?)+b", r"(?=a)a", r"\w+", r"[^x]", r""):
        assert first_characters(re.compile(pattern)) is None, pattern


def test_regex_gate_never_hides_a_match():
    patterns = [
        r"\{\{\s*\w+\s*\}\}|\[(?:insert|todo)\b[^\]]*\]",
        r"\bfoo|ba(r)",
        r"(?:ab)+c",
        r"[abc]d|(?:e|f)g",
        r"a|",
    ]
    texts = ["{{ name }}", "[insert x]", "foo", "xbar", "ababc", "cd", "fg", "", "nothing here", "zzz"]
    for pattern in patterns:
        regex = re.compile(pattern)
        gate = first_characters(regex)
        for text in texts:
            if gate is not None and not any(character in text for character in gate):
                assert regex.search(text) is None, (pattern, text)


def test_anchored_regex_is_matched_once_at_the_start_only_when_certain():
    for pattern in (r"^\s*none$", r"\Aabc", r"(?:^a|^b)c", r"(^x)|\Ay"):
        assert anchored_at_start(re.compile(pattern)), pattern
    for pattern in (r"(?m)^none$", r"^a|b", r"a^", r"(?=a)^a", r"(?m:^a)", r""):
        assert not anchored_at_start(re.compile(pattern)), pattern
    regex = re.compile(r"^\s*(?:no input|none|-+)\.?\s*$")
    for text in ["none", "  none. ", "", "no input\n", "x none", "---", "none\nnone"]:
        assert [m.span() for m in regex.finditer(text)] == ([regex.match(text).span()] if regex.match(text) else [])


def test_rule_gate_holds_every_part_or_is_none():
    base = {name: option.default for name, option in OPTIONS.items()} | {"fields": ["all"], "message": "m"}
    few = prepare({**base, "phrases": ["todo", "fixme"], "regex": [r"\[insert\b"]})
    assert few.gate == ("[", "fixme", "todo")
    many = prepare({**base, "phrases": [f"<p{index}>" for index in range(6)], "regex": []})
    assert many.gate == ("<",)  # too many phrases to list: their first characters
    assert prepare({**base, "phrases": ["x"], "regex": [r"\w+"]}).gate is None  # a regex without a gate
