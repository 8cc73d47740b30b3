"""Every malformed-input case becomes its violation, never a traceback."""

from __future__ import annotations

import gzip
import json

import pytest

from datalint.reader import record_hash
from datalint.source_reader import SourceReader
from datalint.sources import InputError, Source
from tests.conftest import dataset, run, run_json

GOOD = '{"instruction": "Say hi", "input": "", "output": "Hi"}'


def violations(path, *extra):
    return [(v["code"], v["line"], v["column"]) for v in run_json(str(path), "--select", "S0", *extra)["violations"]]


def test_invalid_json_reports_the_parser_reason_and_column(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(GOOD + '\n{"instruction": "x", "output": "y"\n')
    document = run_json(str(path))
    (violation,) = [v for v in document["violations"] if v["code"] == "S001"]
    assert (violation["line"], violation["column"]) == (2, 35)
    assert "Expecting ',' delimiter" in violation["message"]


def test_truncated_last_line_is_invalid_json_and_missing_newline(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(GOOD + '\n{"instruction": "Say h')
    assert violations(path) == [("S007", 2, 1), ("S001", 2, 17)]


def test_line_that_is_not_an_object(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('["a", "b"]\n42\n')
    assert violations(path) == [("S002", 1, 1), ("S002", 2, 1)]


def test_invalid_utf8_points_at_the_bad_byte(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"instruction": "caf\xe9", "output": "x"}\n' + GOOD.encode() + b"\n")
    assert violations(path) == [("S003", 1, 21)]


def test_bom_is_reported_and_the_record_still_read(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode() + b"\n")
    document = run_json(str(path))
    assert [(v["code"], v["line"]) for v in document["violations"]] == [("S004", 1)]
    assert document["summary"]["records"] == 1


def test_blank_lines(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(GOOD + "\n\n   \n" + GOOD + "\n")
    assert violations(path) == [("S005", 2, 1), ("S005", 3, 1)]


def test_duplicate_keys_point_at_the_second_key(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"instruction": "a", "output": "b", "output": "c"}\n')
    assert violations(path) == [("S006", 1, 37)]


def test_missing_final_newline_on_real_belle_eval_set():
    path = dataset("belle-eval-set-1k.jsonl")
    assert ("S007", 1000, 1) in violations(path)


def test_line_over_the_size_limit_is_reported_not_parsed(tmp_path):
    path = tmp_path / "d.jsonl"
    big = json.dumps({"instruction": "x", "output": "a" * 50_000_000})
    path.write_text(GOOD + "\n" + big + "\n")
    document = run_json(str(path))
    assert [(v["code"], v["line"]) for v in document["violations"]] == [("S008", 2)]
    assert "50,000,034 bytes" in document["violations"][0]["message"]


def test_line_size_limit_is_configurable(tmp_path):
    (tmp_path / "datalint.toml").write_text("[rules.S008]\nmax-bytes = 20\n")
    path = tmp_path / "d.jsonl"
    path.write_text(GOOD + "\n")
    assert violations(path) == [("S008", 1, 1)]


def test_crlf_is_reported_once(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes((GOOD + "\r\n").encode() * 3)
    assert violations(path) == [("S010", 1, 1)]


def test_u2028_inside_a_string_is_not_a_line_break():
    # gsm8k-alpaca-train has two records with a raw U+2028: 7,473 records on 7,473 lines.
    document = run_json(str(dataset("gsm8k-alpaca-train.jsonl")), "--select", "S0")
    assert document["summary"]["records"] == 7473
    assert document["violations"] == []


def test_empty_file_is_fine(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    result = run("check", str(path))
    assert result.exit_code == 0
    assert "0 records in 1 file" in result.output


def test_gzip_jsonl(tmp_path):
    path = tmp_path / "d.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(GOOD + "\n" + '{"instruction": "x", "output": ""}\n')
    assert [(v["code"], v["line"]) for v in run_json(str(path))["violations"]] == [("S205", 2)]


def test_json_array_file_is_read_with_a_note(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('[\n  {"instruction": "a", "output": "b"},\n  {"instruction": "c", "output": ""}\n]\n')
    document = run_json(str(path))
    assert [(v["code"], v["line"]) for v in document["violations"]] == [("S009", 2), ("S205", 3)]
    assert document["summary"]["records"] == 2


def test_stdin(tmp_path):
    result = run("check", "-", input=(GOOD + "\n{bad\n").encode())
    assert result.exit_code == 1
    assert result.output.startswith("<stdin>:2:2: S001 [invalid-json]")


def test_stdin_is_read_again_when_its_format_shows_late():
    """The first record in a known format lies past the lines probed: the record pass reads the
    source again, and stdin, which cannot be read twice, is held by the reader."""
    unknown = "".join(f'{{"note": {number}}}\n' for number in range(100))
    result = run("check", "-", "--format", "json", input=(unknown + '{"instruction": "x", "output": ""}\n').encode())
    document = json.loads(result.output)
    assert document["files"] == [{"path": "<stdin>", "records": 101, "format": "alpaca"}]
    assert ("S205", 101) in [(v["code"], v["line"]) for v in document["violations"]]


def test_every_source_of_lines_reads_as_the_same_blocks_and_lines(tmp_path):
    """The reader's one entry point: a file, a gzip stream and bytes held in memory give the same
    lines; only a plain file's bytes are where the lines are (chunk specs read them there)."""
    data = (GOOD + "\r\n" + '{"instruction": "x", "output": ""}\n{"a": 1}').encode()
    plain = tmp_path / "d.jsonl"
    plain.write_bytes(data)
    packed = tmp_path / "d.jsonl.gz"
    packed.write_bytes(gzip.compress(data))
    sources = [
        Source(str(plain), plain),
        Source(str(packed), packed),
        Source("<memory>", plain, data=data),
        Source("<stdin>", None, data=data),
    ]
    for source in sources:
        reader = SourceReader(source)
        first = [line for block in reader.blocks() for line in block.lines]
        again = [line for block in reader.blocks() for line in block.lines]
        assert first == again == data.split(b"\n"), source.name
        parsed = [
            (line.number, line.hash, [problem.kind for problem in line.problems])
            for line in reader.lines(max_line_bytes=1000)
        ]
        bodies = [raw.removesuffix(b"\r") for raw in data.split(b"\n")]
        kinds = [["crlf"], [], ["missing-final-newline"]]
        assert parsed == [(number, record_hash(bodies[number - 1]), kinds[number - 1]) for number in (1, 2, 3)]
        assert reader.rows is None  # lines of text: located by line number
    assert [SourceReader(source).byte_file for source in sources] == [plain, None, None, None]


def test_a_source_that_cannot_be_read_is_one_sentence_from_the_reader(tmp_path):
    reader = SourceReader(Source(str(tmp_path / "gone.jsonl"), tmp_path / "gone.jsonl"))
    with pytest.raises(InputError, match="gone.jsonl: no such file$"):
        next(reader.lines(max_line_bytes=1000))


def test_folder_of_mixed_files_lints_only_datasets(tmp_path):
    (tmp_path / "notes.txt").write_text("not a dataset")
    (tmp_path / "config.yaml").write_text("a: 1")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jsonl").write_text(GOOD + "\n")
    (tmp_path / "b.ndjson").write_text("{oops\n")
    document = run_json(str(tmp_path))
    assert sorted(f["path"].rsplit("/", 1)[-1] for f in document["files"]) == ["a.jsonl", "b.ndjson"]
    assert [v["code"] for v in document["violations"]] == ["S001"]


def test_unreadable_input_is_exit_2_with_one_sentence(tmp_path):
    result = run("check", str(tmp_path / "missing.jsonl"))
    assert result.exit_code == 2
    assert result.output.strip() == f"datalint: error: {tmp_path / 'missing.jsonl'}: no such file or folder"
    (tmp_path / "empty").mkdir()
    result = run("check", str(tmp_path / "empty"))
    assert result.exit_code == 2
    assert "no datasets" in result.output


def test_unreadable_file_permission(tmp_path):
    import os

    path = tmp_path / "secret.jsonl"
    path.write_text(GOOD + "\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # root reads everything: nothing to test
            return
        result = run("check", str(path))
        assert result.exit_code == 2
        assert "permission denied" in result.output
    finally:
        path.chmod(0o644)


# --- lone surrogates (S011) and NaN / Infinity (S012): violations, and the rest of the run goes on ---

SURROGATES = (
    '{"instruction": "Say hi \\ud800", "output": "Hi"}\n'  # a lone high surrogate
    '{"instruction": "x", "output": "\\udfff x"}\n'  # a lone low surrogate
    '{"instruction": "x", "output": "ok \\ud83d\\ude00 \\\\ud800"}\n'  # a pair and an escaped backslash: fine
    '{"instruction": "x", "output": "\\ud800\\u0041 and \\uDC00"}\n'  # high before a non-low: lone; two in one string
    '{"instruction": "x", "output": "y", "tags": ["a", {"\\udc00": "\\ud801"}]}\n'  # in a nested key
)


def full_violations(path, *extra):
    return [
        (v["code"], v["line"], v["column"], v["pointer"])
        for v in run_json(str(path), "--select", "S0", "--no-cache", *extra)["violations"]
    ]


def test_lone_surrogates_are_violations_at_their_escape(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(SURROGATES)
    assert full_violations(path) == [
        ("S011", 1, 25, "/instruction"),
        ("S011", 2, 33, "/output"),
        ("S011", 4, 33, "/output"),
        ("S011", 5, 53, "/tags/1/\ufffd"),
    ]
    message = run_json(str(path), "--select", "S011", "--no-cache")["violations"][0]["message"]
    assert message.startswith("lone surrogate \\ud800 in the string at /instruction")


def test_records_with_lone_surrogates_go_through_every_rule_and_formatter(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(SURROGATES)
    selection = ("--select", "B,D,F,L,P,Q,S", "--jobs", "1")
    for output_format in ("text", "json", "sarif", "github", "gitlab", "junit", "json-lines", "full"):
        result = run("check", str(path), "--format", output_format, *selection)  # and the cache, written then read
        assert result.exit_code == 1, result.output
        assert "S011" in result.output
    baseline = tmp_path / "baseline.json"
    assert run("baseline", str(path), "-o", str(baseline), *selection[:2]).exit_code == 0
    assert run("check", str(path), "--baseline", str(baseline), *selection).exit_code == 0
    result = run("check", str(path), "--fix", *selection)
    assert "S011" in result.output
    assert path.read_text().splitlines()[0] == '{"instruction": "Say hi \\ud800", "output": "Hi"}'  # left as it is


def test_lone_surrogates_in_api_records_are_reported_not_raised():
    import datalint

    (violation,) = [v for v in datalint.lint_records([{"instruction": "a\ud800", "output": "b"}]) if v.code == "S011"]
    assert (violation.line, violation.pointer) == (1, "/instruction")


def test_nan_and_infinity_are_violations_at_their_token(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"instruction": "x", "output": "y", "score": NaN}\n'
        '{"instruction": "x", "output": "y", "w": [1, -Infinity, Infinity]}\n'
        '{"instruction": "NaN Infinity", "output": "y", "big": 1e400}\n'  # in a string, or a JSON number: fine
    )
    assert full_violations(path) == [("S012", 1, 46, "/score"), ("S012", 2, 46, "/w/1")]
    messages = [v["message"] for v in run_json(str(path), "--select", "S012", "--no-cache")["violations"]]
    assert messages[0].startswith("NaN is not a JSON number")
    assert messages[1].startswith("-Infinity is not a JSON number") and messages[1].endswith("(1 more)")


def test_non_json_numbers_in_a_json_array_file(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('[{"instruction": "a", "output": "b"},\n {"instruction": "\\ud800", "output": NaN}]\n')
    assert [(code, line) for code, line, _, _ in full_violations(path)] == [
        ("S009", 1),
        ("S011", 2),
        ("S012", 2),
    ]


def test_deep_nesting_is_invalid_json_not_a_recursion_error(tmp_path):
    path = tmp_path / "d.jsonl"
    fine = '{"instruction": "x", "output": "y", "z": ' + "[" * 199 + "]" * 199 + "}"
    path.write_text(
        "[" * 100_000 + "\n" + '{"instruction": "x", "output": ' + "[" * 300 + "]" * 300 + "}\n" + fine + "\n"
    )
    assert full_violations(path) == [("S001", 1, 201, ""), ("S001", 2, 231, "")]
    brackets_in_strings = tmp_path / "e.jsonl"
    brackets_in_strings.write_text(json.dumps({"instruction": "x", "output": "[" * 5000}) + "\n")
    assert full_violations(brackets_in_strings) == []


def test_integer_too_long_for_python_is_invalid_json(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"instruction": "x", "output": "y", "n": ' + "9" * 5000 + "}\n")
    (violation,) = run_json(str(path), "--select", "S0", "--no-cache")["violations"]
    assert (violation["code"], violation["column"]) == ("S001", 42)
    assert "more than 4,300 digits" in violation["message"]


def test_only_json_whitespace_may_surround_a_record(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("\x1c" + GOOD + "\n" + GOOD + "\u3000\n\u3000\n")
    assert violations(path) == [("S001", 1, 1), ("S001", 2, 55), ("S001", 3, 1)]
