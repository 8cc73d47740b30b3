"""Property-based tests: no input makes the reader or any check kind raise, and every violation has
a valid line, column and pointer.

Records of every known shape are generated with arbitrary texts (lone surrogates, control
characters, huge and empty values) and wrong JSON types in every known key, written as JSONL
lines the way other tools write them (escaped or not, NaN allowed), and linted with every rule.
Derandomized and bounded (max_examples, no deadline), so CI runs the same examples in well under a
minute; `bench/fuzz.py` is the long, random counterpart.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import datalint
from datalint.formatters import render
from datalint.locate import pointer_tokens
from datalint.reader import LineParser, _NonJsonNumber

EVERY_RULE = ["B", "D", "F", "L", "P", "Q", "S"]
KNOWN_KEYS = (
    "instruction", "input", "output", "response", "system", "history", "messages", "role", "content",
    "tool_calls", "tool_call_id", "function", "arguments", "type", "id", "conversations", "from", "value",
    "prompt", "completion", "chosen", "rejected", "label", "tools", "instances", "turns", "category",
)  # fmt: skip
ROLES = ("system", "user", "assistant", "tool", "human", "gpt", "function_call", "observation", "", "Assistant")
FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")

BOUNDED = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

# --- strategies -------------------------------------------------------------------------------------

any_character = st.characters(exclude_categories=())  # surrogates, controls, unassigned code points too
odd_texts = st.sampled_from(
    ["", " ", "\n\n", "\ud800", "\udfff x", "a\ud83d", "\x00\x1b\x7f", "\u2028", "\ufeff", "\ufffd", "```", "Ã©"]
)
huge_texts = st.sampled_from(["x" * 100_000, "word " * 20_000, "\u4f60" * 30_000])
texts = st.one_of(
    st.text(any_character, max_size=40),
    st.text(st.sampled_from("ab .,\n?!\ud800\udc00"), max_size=60),
    odd_texts,
    huge_texts,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KNOWN_KEYS) | texts, children, max_size=3)
    ),
    max_leaves=8,
)
fields = st.one_of(texts, texts, json_values)  # mostly text, now and then a wrong type


def message(role_key: str = "role", text_key: str = "content") -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {role_key: st.sampled_from(ROLES) | json_values, text_key: fields},
        optional={"tool_calls": json_values, "tool_call_id": fields, "name": fields},
    )


turns = st.lists(message(), max_size=5) | st.lists(message("from", "value"), max_size=5)
records = st.one_of(
    st.fixed_dictionaries(
        {"instruction": fields, "output": fields},
        optional={"input": fields, "system": fields, "history": st.lists(st.lists(fields, max_size=3), max_size=3)},
    ),
    st.fixed_dictionaries({"messages": turns | json_values}, optional={"tools": json_values, "label": json_values}),
    st.fixed_dictionaries({"conversations": turns | json_values}, optional={"system": fields, "tools": fields}),
    st.fixed_dictionaries({"prompt": fields, "completion": fields}),
    st.fixed_dictionaries({"conversations": turns, "chosen": message("from", "value"), "rejected": json_values}),
    st.fixed_dictionaries({"instruction": fields, "instances": st.lists(json_values, max_size=3)}),
    st.fixed_dictionaries({"question_id": json_values, "category": fields, "turns": st.lists(fields, max_size=3)}),
    st.dictionaries(st.sampled_from(KNOWN_KEYS) | texts, json_values, max_size=5),
)


def json_line(record: object, ascii_only: bool) -> bytes:
    """The line another tool would write: Python's json escapes lone surrogates with ensure_ascii and
    writes NaN / Infinity as such; without it, a lone surrogate becomes bytes that are not UTF-8."""
    return json.dumps(record, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


# --- the reader -------------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")


def _strings_and_numbers(value: object):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings_and_numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_and_numbers(item)
    else:
        yield value


def assert_valid_problems(line, body_text: str | None) -> None:
    for problem in line.problems:
        assert problem.column >= 1
        assert problem.end_column is None or problem.end_column > problem.column
        if body_text is not None:
            assert problem.column <= len(body_text) + 1
        assert problem.pointer == "" or problem.pointer.startswith("/")
        problem.message.encode("utf-8")
        problem.pointer.encode("utf-8")


@settings(BOUNDED, max_examples=300)
@given(st.binary(max_size=200) | st.builds(json_line, records, st.booleans()).map(lambda raw: raw[: len(raw) // 2]))
def test_reader_never_raises_on_any_bytes(body):
    line = LineParser(10_000_000).parse(1, body, "hash")
    assert_valid_problems(line, line.text)
    if line.value is not None:
        json.dumps(line.value, ensure_ascii=False).encode("utf-8")  # what every check may do with a text


@settings(BOUNDED, max_examples=300)
@given(records, st.booleans())
def test_reader_reports_lone_surrogates_and_non_json_numbers_where_they_are(record, ascii_only):
    body = json_line(record, ascii_only)
    line = LineParser(10_000_000).parse(2, body, "hash")
    assert_valid_problems(line, line.text)
    kinds = {problem.kind: problem for problem in line.problems}
    if not ascii_only and _SURROGATE.search(json.dumps(record, ensure_ascii=False)):
        assert "invalid-utf8" in kinds  # a lone surrogate written raw is not UTF-8
        return
    assert line.value is not None
    leaves = list(_strings_and_numbers(json.loads(body)))  # what a lenient parser reads
    has_surrogate = any(isinstance(leaf, str) and _SURROGATE.search(leaf) for leaf in leaves)
    has_non_json = any(isinstance(leaf, float) and not math.isfinite(leaf) for leaf in leaves)
    assert ("lone-surrogate" in kinds) == has_surrogate
    assert ("non-json-number" in kinds) == has_non_json
    if has_surrogate:
        column = kinds["lone-surrogate"].column
        assert re.match(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}", line.text[column - 1 :])
    if has_non_json:
        problem = kinds["non-json-number"]
        assert line.text[problem.column - 1 :].startswith(problem.message.split()[0])
    leaves = list(_strings_and_numbers(line.value))  # what the checks read: encodable text, plain floats
    assert not any(isinstance(leaf, str) and _SURROGATE.search(leaf) for leaf in leaves)
    assert not any(type(leaf) is _NonJsonNumber for leaf in leaves)


# --- every check kind, the formatters -----------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("properties")
    eval_set = [{"instruction": "What is the capital of France?", "output": "Paris."}]
    (path / "eval.jsonl").write_text("".join(json.dumps(record) + "\n" for record in eval_set))
    return path


def assert_valid_violations(report, lines: list[bytes]) -> None:
    for violation in report.violations:
        assert 1 <= violation.line <= max(1, len(lines)), violation
        assert violation.column >= 1, violation
        assert violation.end_column is None or violation.end_column >= violation.column, violation
        text = lines[violation.line - 1].decode("utf-8", "replace") if violation.line <= len(lines) else ""
        assert violation.column <= len(text) + 1, violation
        assert violation.end_column is None or violation.end_column <= len(text) + 1, violation
        assert violation.pointer == "" or violation.pointer.startswith("/"), violation
        if violation.pointer and violation.line <= len(lines):
            record = LineParser(10_000_000).parse(violation.line, lines[violation.line - 1], "").value
            assert record is None or _parent_exists(record, violation.pointer), violation
        for related in violation.related:
            assert related.line >= 1 and related.column >= 1, violation
    for output_format in FORMATS:
        render(output_format, report, color=False).encode("utf-8")


def _parent_exists(record: dict, pointer: str) -> bool:
    """The container a pointer points into exists (the key itself may be missing: "no output")."""
    value: object = record
    for token in pointer_tokens(pointer)[:-1]:
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return False
    return True


@settings(BOUNDED, max_examples=120)
@given(st.lists(st.tuples(records, st.booleans()), min_size=1, max_size=6))
def test_every_check_kind_survives_records_of_every_shape(folder, generated):
    lines = [json_line(record, ascii_only) for record, ascii_only in generated]
    path = folder / "d.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = datalint.lint_paths([path], select=EVERY_RULE, against=[folder / "eval.jsonl"])
    assert_valid_violations(report, lines)


@settings(BOUNDED, max_examples=40)
@given(st.lists(records, min_size=1, max_size=4))
def test_every_check_kind_survives_a_json_array_file(folder, generated):
    path = folder / "d.json"
    path.write_bytes(json_line(generated, True))
    report = datalint.lint_paths([path], select=EVERY_RULE)
    for violation in report.violations:
        assert violation.line == 1 and violation.column >= 1, violation
    for output_format in FORMATS:
        render(output_format, report, color=False).encode("utf-8")


@settings(BOUNDED, max_examples=60)
@given(st.lists(records, min_size=1, max_size=4))
def test_in_memory_records_of_every_shape(generated):
    for violation in datalint.lint_records(generated, select=EVERY_RULE):
        assert violation.line >= 1 and violation.column >= 1, violation
        violation.message.encode("utf-8")
