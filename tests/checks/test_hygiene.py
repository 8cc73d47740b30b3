"""Text hygiene rules F001-F007: one character class each, reported at its column."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("code", "bad", "column_of"),
    [
        ("F001", "caf\ufffd au lait", "\ufffd"),
        ("F002", "Hi\u0008 there", "\u0008"),
        ("F002", "Hi there\u007f", "\u007f"),
        ("F002", "caf\u00e9\u0085", "\u0085"),
        ("F003", "re\u200bd", "\u200b"),
        ("F003", "abc\u202eevil", "\u202e"),
        ("F004", "the\u00a0capital", "\u00a0"),
        ("F005", "cafÃ© is open", "Ã"),
        ("F005", "it\u00e2\u20ac\u2122s", "\u00e2"),
    ],
)
def test_character_found_at_its_column(lint, code, bad, column_of):
    found = lint([{"instruction": "Say it", "input": "", "output": bad}], code)
    prefix = '{"instruction": "Say it", "input": "", "output": "'
    assert [(c, line, col) for c, line, col, _ in found] == [(code, 1, len(prefix) + 1 + bad.index(column_of))]


@pytest.mark.parametrize("code", ["F001", "F002", "F003", "F004", "F005", "F006", "F007"])
def test_clean_text_passes(lint, code):
    clean = "Café, naïve, 5 km. Tabs\tand\nnewlines are fine.\n```python\nprint(1)\n```"
    assert lint([{"instruction": "Say it", "input": "", "output": clean}], code) == []


def test_counts_several_in_one_field(lint):
    [(_, _, _, message)] = lint([{"instruction": "a\u00a0b\u00a0c", "input": "", "output": "x"}], "F004")
    assert message == "no-break space in instruction (2 in this field)"


def test_mixed_line_endings(lint):
    found = lint([{"instruction": "List", "input": "", "output": "a\r\nb\nc"}], "F006")
    assert found == [("F006", 1, 48, "mixed line endings in response (1 CRLF, 1 LF)")]
    assert lint([{"instruction": "List", "input": "", "output": "a\r\nb\r\nc"}], "F006") == []


def test_unbalanced_code_fence(lint):
    found = lint([{"instruction": "Code", "input": "", "output": "```python\nprint(1)"}], "F007")
    assert [(code, line) for code, line, _, _ in found] == [("F007", 1)]
    assert "1 ``` fences" in found[0][3]


def test_fields_option_limits_the_search(lint):
    config = '[rules.F004]\nfields = ["response"]\n'
    assert lint([{"instruction": "5\u00a0km", "input": "", "output": "ok"}], "F004", config) == []


@pytest.mark.parametrize(
    ("code", "instruction", "output"),
    [
        ("F002", "Say\u0001 it", "caf\u00e9"),
        ("F001", "caf\u00e9", "a\ufffd"),
        ("F006", "Say it", "a\r\nb\nc"),
        ("F007", "caf\u00e9", "```x"),
    ],
)
def test_found_whatever_the_other_fields_hold(lint, code, instruction, output):
    """The record's texts are tested together for what they may hold: one text's class is found
    beside texts that are plain, or non-ASCII."""
    found = lint([{"instruction": instruction, "input": "", "output": output}], code)
    assert [(c, line) for c, line, _, _ in found] == [(code, 1)]


@pytest.mark.parametrize(
    "text",
    [
        "It is 5\u00a0km away.",
        "A population of 4.3\u00a0million.",
        "About 760,000\u00a0sq\u00a0mi in all.",
        "Ranked No.\u00a0100 on the list.",
        "Dr.\u00a0Watson arrived.",
        "Il a dit\u00a0: «\u00a0oui\u00a0»\u00a0!",
        "Price: 1\u202f000 euros.",
    ],
)
def test_typographic_no_break_spaces_pass(lint, text):
    assert lint([{"instruction": "Say it", "input": "", "output": text}], "F004") == []


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("the\u00a0capital", 1),
        ("1.\u00a0根据题目", 1),
        ("def f():\n\u00a0\u00a0return 1", 2),
        ("5\u00a0km and a\u00a0b", 1),
    ],
)
def test_no_break_spaces_between_words_are_reported(lint, text, count):
    [(code, line, _, message)] = lint([{"instruction": "Say it", "input": "", "output": text}], "F004")
    assert (code, line) == ("F004", 1)
    assert message.endswith(f"({count} in this field)") == (count > 1)


@pytest.mark.parametrize(
    "text",
    [
        "A family 👨\u200d👩\u200d👧 emoji",
        "A wizard 🧙\u200d♂️ emoji",
        "می\u200cبخشد in Persian",
        "Hebrew \u200fשלום",
        "ภาษาไทย\u200bง่าย in Thai",
    ],
)
def test_joiners_a_script_needs_pass(lint, text):
    assert lint([{"instruction": "Say it", "input": "", "output": text}], "F003") == []


def test_a_joiner_between_latin_letters_is_reported(lint):
    found = lint([{"instruction": "Say it", "input": "", "output": "re\u200dd and 🧙\u200d♂️"}], "F003")
    assert [(code, line) for code, line, _, _ in found] == [("F003", 1)]
    assert "(2 in this field)" not in found[0][3]


@pytest.mark.parametrize(
    "text",
    [
        "Print it with:\n```cout << s```",
        "Run:\n```js\nserver.listen(3000);```\nDone.",
        "Where `````` is empty.",
        "Use ```x``` and then\n```\ncode\n```",
    ],
)
def test_inline_and_line_end_fences_are_balanced(lint, text):
    assert lint([{"instruction": "Code", "input": "", "output": text}], "F007") == []


def test_fence_left_open_after_a_closed_one_is_reported(lint):
    text = "First:\n```\na\n```\nThen ```x``` and:\n```py\nprint(1)"
    found = lint([{"instruction": "Code", "input": "", "output": text}], "F007")
    assert [(code, line) for code, line, _, _ in found] == [("F007", 1)]
    assert "5 ``` fences" in found[0][3]


def test_a_turn_of_only_invisible_characters_is_one_empty_turn_finding():
    import datalint

    records = [
        {"instruction": "Say hi", "input": "", "output": "\u200b"},
        {"instruction": "Say hi", "input": "", "output": "hi\u200bthere"},
    ]
    found = [(v.code, v.line) for v in datalint.lint_records(records, select=["F003", "S205"])]
    assert found == [("S205", 1), ("F003", 2)]
