"""Fixes are visible before they are applied: every fixable finding carries its fix in JSON,
JSON lines and SARIF (valid against their schemas), and the declared edits are true: applied by a
client, they give the bytes `--fix` writes. Text output marks fixable findings and counts them;
`--show-fixes` lists them, `--statistics` counts them per rule; `--fix -` fixes stdin to stdout."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from datalint.cli import main
from datalint.rules import SCHEMAS_DIR
from tests.cli_helpers import DATASETS, run

OUTPUT_SCHEMA = json.loads((SCHEMAS_DIR / "output-v2.json").read_text())
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())

# Fresh records with one defect of each fixable kind: a BOM, CRLF endings, an exact duplicate
# (line 3 of line 2), a leaked end-of-text token, a label with a non-breaking space, no final newline.
LINES = [
    '{"instruction": "Name a colour.", "output": "Blue.", "type": "open\\u00a0qa"}',
    '{"instruction": "Add 2 and 3.", "output": "5", "type": "math"}',
    '{"instruction": "Add 2 and 3.", "output": "5", "type": "math"}',
    '{"instruction": "Say hello in French.", "output": "Bonjour<|endoftext|>", "type": "open qa"}',
]
RAW = ("\ufeff" + "\r\n".join(LINES)).encode()
SAFE = {"S004", "S010", "S007", "F202"}
UNSAFE = {"D001", "P007"}


def invoke(*args: str | Path, input: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args], input=input, catch_exceptions=False)


def position(text: str, starts: list[int], where: dict) -> int:
    """A fix position (line, column; column 0 of line 1: the BOM) as an index into the file's text."""
    bom = 1 if text.startswith("\ufeff") else 0
    if where["column"] == 0:
        assert where["line"] == 1 and bom
        return 0
    if where["line"] > len(starts):
        return len(text)  # the line after the last: the end of the file
    return bom + starts[where["line"] - 1] + where["column"] - 1


def apply_json_fixes(raw: bytes, violations: list[dict], *, unsafe: bool) -> bytes:
    """What a client does with the output: take the fixes in report order, skip one whose edits
    overlap an edit already taken, apply the rest together."""
    text = raw.decode("utf-8", "surrogateescape")
    body = text[1:] if text.startswith("\ufeff") else text
    starts = [0] + [match.end() for match in re.finditer("\n", body)]
    taken: list[tuple[int, int, str]] = []
    for violation in violations:
        fix = violation["fix"]
        if fix is None or (fix["applicability"] == "unsafe" and not unsafe):
            continue
        edits = [
            (position(text, starts, e["location"]), position(text, starts, e["end_location"]), e["content"])
            for e in fix["edits"]
        ]
        if any(start < end_ and start_ < end for start, end, _ in edits for start_, end_, _ in taken):
            continue
        taken += edits
    for start, end, content in sorted(taken, key=lambda edit: (edit[0], edit[1]), reverse=True):
        text = text[:start] + content + text[end:]
    return text.encode("utf-8", "surrogateescape")


def json_output(*args: str | Path) -> dict:
    result = run("check", "--no-cache", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    document = json.loads(result.stdout)
    jsonschema.Draft202012Validator(OUTPUT_SCHEMA).validate(document)
    return document


def fixed_by_json_rounds(path: Path, *flags: str, unsafe: bool) -> bytes:
    """What a client that applies the output's edits gets when it re-lints and applies again until
    no edit is left: the rounds `--fix` runs."""
    copy = path.with_name("rounds-" + path.name)
    shutil.copyfile(path, copy)
    while True:
        before = copy.read_bytes()
        after = apply_json_fixes(before, json_output(copy, *flags)["violations"], unsafe=unsafe)
        if after == before:
            return after
        copy.write_bytes(after)


def fixed_by_cli(path: Path, *flags: str) -> bytes:
    copy = path.with_name("fixed-" + path.name)
    shutil.copyfile(path, copy)
    run("check", "--no-cache", "--fix", *flags, copy)
    return copy.read_bytes()


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    path = tmp_path / "fresh.jsonl"
    path.write_bytes(RAW)
    return path


def test_every_fixable_finding_carries_its_fix_in_json(fresh):
    violations = json_output(fresh)["violations"]
    fixes = {v["code"]: v["fix"] for v in violations if v["fix"] is not None}
    assert set(fixes) == SAFE | UNSAFE
    assert {code: fix["applicability"] for code, fix in fixes.items()} == {
        **dict.fromkeys(SAFE, "safe"),
        **dict.fromkeys(UNSAFE, "unsafe"),
    }
    assert fixes["S004"]["edits"] == [
        {"content": "", "location": {"line": 1, "column": 0}, "end_location": {"line": 1, "column": 1}}
    ]
    # the duplicate record goes whole: from its first column to the next line's
    assert fixes["D001"]["edits"] == [
        {"content": "", "location": {"line": 3, "column": 1}, "end_location": {"line": 4, "column": 1}}
    ]
    assert fixes["D001"]["description"] == "remove the later copy, keeping the first"
    # one edit per CRLF ending, the ending itself replaced
    assert [(e["location"]["line"], e["content"]) for e in fixes["S010"]["edits"]] == [(1, "\n"), (2, "\n"), (3, "\n")]
    [token] = fixes["P007"]["edits"]
    assert LINES[3][token["location"]["column"] - 1 : token["end_location"]["column"] - 1] == "<|endoftext|>"
    [insert] = fixes["S007"]["edits"]
    end_of_line_4 = {"line": 4, "column": len(LINES[3]) + 1}
    assert insert["content"] == "\n" and insert["location"] == insert["end_location"] == end_of_line_4
    unfixable = [v["code"] for v in violations if v["fix"] is None]
    assert unfixable == ["F201"]  # which spelling of a label is right is not mechanical


def test_the_json_edits_are_what_fix_writes(fresh):
    violations = json_output(fresh)["violations"]
    safe = fixed_by_cli(fresh)
    assert safe == apply_json_fixes(RAW, violations, unsafe=False)
    assert safe == ("\n".join([LINES[0].replace("\\u00a0", " "), *LINES[1:]]) + "\n").encode()
    one_round = apply_json_fixes(RAW, violations, unsafe=True)
    # the new ending of line 3 overlaps removing line 3: that fix waits for the next round, whose
    # edits are those the JSON output gives on the first round's bytes
    assert one_round.count(b"\n") == 4 and b"<|endoftext|>" not in one_round
    after_one = fresh.with_name("round-one.jsonl")
    after_one.write_bytes(one_round)
    two_rounds = apply_json_fixes(one_round, json_output(after_one)["violations"], unsafe=True)
    assert two_rounds == one_round.replace((LINES[2] + "\n").encode(), b"", 1)
    every = fixed_by_cli(fresh, "--unsafe-fixes")
    assert every == two_rounds
    again = fixed_by_cli(fresh.with_name("fixed-" + fresh.name), "--unsafe-fixes")
    assert again == every  # nothing is left to fix


def test_json_lines_carry_the_same_fixes(fresh):
    result = run("check", "--no-cache", "--format", "json-lines", fresh)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == json_output(fresh)["violations"]
    assert sum(line["fix"] is not None for line in lines) == 6


def test_sarif_fixes_are_valid_replacements(fresh):
    result = run("check", "--no-cache", "--format", "sarif", fresh)
    document = json.loads(result.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(document)
    results = {r["ruleId"]: r for r in document["runs"][0]["results"]}
    assert "fixes" not in results["F201"]
    bom = results["S004"]["fixes"][0]
    assert bom["properties"] == {"applicability": "safe"}
    [change] = bom["artifactChanges"]
    assert change["artifactLocation"]["uri"].endswith("fresh.jsonl")
    assert change["replacements"] == [{"deletedRegion": {"byteOffset": 0, "byteLength": 3}}]
    [copy] = results["D001"]["fixes"][0]["artifactChanges"][0]["replacements"]
    assert copy == {"deletedRegion": {"startLine": 3, "startColumn": 1, "endLine": 4, "endColumn": 1}}
    [newline] = results["S007"]["fixes"][0]["artifactChanges"][0]["replacements"]
    assert newline["insertedContent"] == {"text": "\n"}
    assert newline["deletedRegion"]["startColumn"] == newline["deletedRegion"]["endColumn"]


def test_text_formats_mark_fixable_findings_and_count_them(fresh):
    for output_format in ("text", "concise", "full"):
        out = run("check", "--no-cache", "--format", output_format, fresh).stdout
        assert re.search(r":1:1: S004 \[\*\] ", out), output_format
        assert re.search(r":3:1: D001 [^\[]", out) or ":3:1: D001 [duplicate-record]" in out  # unsafe: no [*]
        assert "D001 [*]" not in out and "P007 [*]" not in out and "F201 [*]" not in out
        assert out.splitlines()[-1] == "[*] 4 fixable with `--fix` (2 more with `--unsafe-fixes`).", output_format
        assert out.splitlines()[-2].startswith("Found 7 violations")


def test_only_unsafe_fixes_say_which_flags_apply_them(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(LINES[3] + "\n", encoding="utf-8")
    out = run("check", "--no-cache", path).stdout
    assert out.splitlines()[-1] == "1 fixable with `--fix --unsafe-fixes`."
    assert "[*]" not in out


def test_show_fixes_lists_each_fix_and_what_fix_did(fresh):
    listed = run("check", "--no-cache", "--show-fixes", "--format", "concise", fresh).stdout.splitlines()
    start = listed.index("Fixes (`--fix` applies the safe ones, `--unsafe-fixes` the rest):")
    assert len(listed[start + 1 :]) == 6
    assert f"  {fresh}:3:1: D001 unsafe fix: remove the later copy, keeping the first (1 edit)" in listed
    assert f"  {fresh}:1:1: S010 safe fix: rewrite line endings as \\n (3 edits)" in listed
    done = run("check", "--no-cache", "--fix", "--unsafe-fixes", "--show-fixes", fresh)
    # line 3's new ending and its removal overlap: the second round removes it, so it counts as
    # removed, not changed
    assert "Fixed 6 violations in 1 file: removed 1 record, changed 3 lines." in done.stderr
    assert f"- {fresh}:\n    1 × D001 (duplicate-record)\n    1 × F202 (label-whitespace)\n" in done.stderr
    assert done.stdout.splitlines()[-1] == "No fixes available."
    after = run("check", "--no-cache", "--fix", "--unsafe-fixes", "--show-fixes", fresh)
    assert "Fixed" not in after.stderr and after.exit_code == 0


def test_statistics_has_a_fixable_column(fresh):
    rows = run("check", "--no-cache", "--statistics", fresh).stdout.splitlines()
    by_code = {row.split()[1]: row for row in rows}
    assert by_code["S004"] == "       1  S004         1 [*]  byte-order-mark"
    assert by_code["D001"] == "       1  D001         1      duplicate-record"
    assert by_code["F201"].split()[2] == "-"


def test_fix_on_stdin_writes_the_fixed_dataset_to_stdout(fresh):
    safe = invoke("check", "--no-cache", "--fix", "-", input=RAW)
    assert safe.exit_code == 1  # findings remain (the duplicates, the token)
    assert safe.stdout_bytes == fixed_by_cli(fresh)
    assert "Fixed 4 violations in 1 file: changed 4 lines." in safe.stderr
    assert "<stdin>:3:1: D001 [duplicate-record]" in safe.stderr  # what is left goes to stderr
    every = invoke("check", "--no-cache", "--fix", "--unsafe-fixes", "-", input=RAW)
    assert every.stdout_bytes == fixed_by_cli(fresh, "--unsafe-fixes")
    clean = invoke("check", "--no-cache", "--fix", "-", input=every.stdout_bytes)
    assert clean.stdout_bytes == every.stdout_bytes  # nothing left to fix: the input comes back as it was
    assert "Fixed" not in clean.stderr
    both = invoke("check", "--fix", "-", fresh, input=RAW)
    assert both.exit_code == 2 and "take no other paths" in both.stderr


def test_stdin_findings_carry_fixes_without_fix(fresh):
    result = invoke("check", "--no-cache", "--format", "json", "-", input=RAW)
    violations = json.loads(result.stdout)["violations"]
    from_file = json_output(fresh)["violations"]
    assert apply_json_fixes(RAW, violations, unsafe=True) == apply_json_fixes(RAW, from_file, unsafe=True) != RAW


REAL = [
    # (dataset, flags, expected fixes in the default output)
    ("belle-eval-set-1k.jsonl", (), {"F202": 52, "S007": 1}),
    ("llamafactory-alpaca-zh-demo-1k.jsonl", ("--unsafe-fixes",), {"D001": 8, "F111": 43, "F112": 1}),
]


@pytest.mark.parametrize(("name", "flags", "expected"), REAL)
def test_json_edits_match_fix_on_real_datasets(tmp_path, name, flags, expected):
    source = DATASETS / name
    if not source.exists():
        pytest.skip("shared datasets are not beside the checkout")
    path = tmp_path / name
    shutil.copyfile(source, path)
    violations = json_output(path)["violations"]
    fixable = {}
    for violation in violations:
        if violation["fix"] is not None:
            fixable[violation["code"]] = fixable.get(violation["code"], 0) + 1
    assert fixable == expected
    after = fixed_by_cli(path, *flags)
    assert after != path.read_bytes()
    assert after == fixed_by_json_rounds(path, unsafe=bool(flags))


def test_t0_edits_match_fix_record_by_record_and_its_convention_carries_them_all(tmp_path):
    source = DATASETS / "t0-prompt-completion-sample.jsonl"
    if not source.exists():
        pytest.skip("shared datasets are not beside the checkout")
    path = tmp_path / "t0.jsonl"
    shutil.copyfile(source, path)
    # the default output: the trailing <|endoftext|> of 5,448 completions is one finding (a
    # convention of the file), whose fix holds every one of those records' edits
    [token] = [v for v in json_output(path, "--select", "P007")["violations"] if v["fix"] is not None]
    assert token["fix"]["applicability"] == "unsafe" and len(token["fix"]["edits"]) == 5448
    per_record = json_output(path, "--every-record")["violations"]
    counts = {"P007": 0, "D001": 0}
    for violation in per_record:
        if violation["fix"] is not None:
            counts[violation["code"]] += 1
    assert counts == {"P007": 5448, "D001": 77}
    assert not any(v["fix"]["applicability"] == "safe" for v in per_record if v["fix"] is not None)
    fixed = path.with_name("fixed-" + path.name)
    shutil.copyfile(path, fixed)
    done = run("check", "--no-cache", "--fix", "--unsafe-fixes", "--show-fixes", fixed)
    # the first round's fixes enable others (F112 reports space runs once the tokens are cut):
    # --fix applies them too, as a client re-linting and applying the JSON edits would
    assert "Fixed 5,455 violations in 1 file: removed 77 records, changed 5,371 lines." in done.stderr
    assert "    7 × F112 (space-runs)\n" in done.stderr
    assert fixed.read_bytes() == fixed_by_json_rounds(path, "--every-record", unsafe=True)
    again = run("check", "--no-cache", "--fix", "--unsafe-fixes", fixed)
    assert "Fixed" not in again.stderr  # a second run has nothing left to fix


def test_records_in_memory_carry_the_fixes_of_their_jsonl_file(tmp_path):
    import datalint

    rows = [json.loads(line) for line in LINES]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    in_memory = [v.to_dict() for v in datalint.lint_records(rows, name=str(path))]
    from_file = json_output(path)["violations"]
    fixes = [(v["code"], v["line"], v["fix"]) for v in in_memory]
    assert fixes == [(v["code"], v["line"], v["fix"]) for v in from_file]
    assert {v["code"] for v in in_memory if v["fix"] is not None} == {"D001", "F202", "P007"}
    once = datalint.lint_records(iter(rows), name=str(path))  # a one-shot iterator cannot be read again
    assert [v.code for v in once] == [v["code"] for v in in_memory] and all(v.fix is None for v in once)


def test_json_array_files_get_no_fixes(tmp_path):
    # removing a line of an array could leave a dangling comma: --fix rewrites JSONL only
    path = tmp_path / "rows.json"
    path.write_text("[\n" + ",\n".join([LINES[1], LINES[1], LINES[3]]) + "\n]\n", encoding="utf-8")
    violations = json_output(path)["violations"]
    assert {"D001", "P007"} <= {v["code"] for v in violations}
    assert all(v["fix"] is None for v in violations)
    before = path.read_bytes()
    assert fixed_by_cli(path, "--unsafe-fixes") == before
