"""JSON pointer to column span, through nesting, escapes, surrogate pairs and duplicate keys."""

from __future__ import annotations

from datalint.locate import locate, make_pointer, pointer_tokens, value_span


def test_nested_pointer():
    line = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}'
    start, end = value_span(line, "/messages/1/content")
    assert line[start:end] == '"yo"'
    assert value_span(line, "/messages/7") is None
    assert value_span(line, "/nope") is None


def test_span_inside_a_string_with_escapes_and_surrogates():
    line = '{"output": "\\ud83d\\ude00 caf\\u00e9\\n<|x|>"}'
    # decoded: "😀 café\n<|x|>": the match "<|x|>" starts at decoded offset 7
    column, end_column = locate(line, "/output", (7, 12))
    assert line[column - 1 : end_column - 1] == "<|x|>"


def test_duplicate_keys_locate_the_last_value_like_the_parser():
    line = '{"a": "first", "a": "second"}'
    start, end = value_span(line, "/a")
    assert line[start:end] == '"second"'


def test_pointer_escaping_round_trip():
    pointer = make_pointer("a/b", "c~d", 3)
    assert pointer == "/a~1b/c~0d/3"
    assert pointer_tokens(pointer) == ["a/b", "c~d", "3"]


def test_whole_record_and_unplaceable():
    assert locate('{"a": 1}', "") == (1, 9)
    assert locate(None, "/a") == (1, None)
