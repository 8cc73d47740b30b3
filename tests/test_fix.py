"""`datalint check --fix` and `--diff`: safe fixes unless --unsafe-fixes, untouched lines byte for byte,
atomic rewrite, and a summary that says what changed."""

import json
import shutil
import stat
from pathlib import Path

import pytest

from datalint.file_lines import FileLines
from datalint.fix import apply, keep_string_part
from datalint.violation import DeleteLine, Fix, RemoveBom, ReplaceText, SetLineEnding
from tests.cli_helpers import DATASETS, finding_lines, run

T0 = DATASETS / "t0-prompt-completion-sample.jsonl"
TOKEN = "<|endoftext|>"


@pytest.fixture
def t0_copy(tmp_path: Path) -> Path:
    if not T0.exists():
        pytest.skip("shared datasets are not beside the checkout")
    copy = tmp_path / "t0.jsonl"
    shutil.copyfile(T0, copy)
    copy.chmod(0o640)
    return copy


def test_fix_on_a_real_dataset_changes_only_the_fixed_lines(t0_copy):
    original = t0_copy.read_bytes()
    safe_only = run("check", t0_copy, "--fix", "--select", "P007", "--format", "concise")
    assert t0_copy.read_bytes() == original  # cutting text out of a completion is unsafe
    assert "5,448 more fixes available with --unsafe-fixes." in safe_only.stderr
    before = original.split(b"\n")
    result = run(
        "check", t0_copy, "--fix", "--unsafe-fixes", "--select", "P007", "--format", "concise", "--every-record"
    )
    after = t0_copy.read_bytes().split(b"\n")
    assert len(after) == len(before)
    changed = [index for index, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    completions = [json.loads(line)["completion"] for line in before if line]
    fixable = [i for i, c in enumerate(completions) if c.endswith(TOKEN) and c[: -len(TOKEN)].strip()]
    assert changed == fixable
    assert len(changed) == 5448
    for index in changed:
        # the edit is in place: the raw line minus the token, escapes (\u2013, \") as they were
        assert after[index] == before[index].replace(TOKEN.encode() + b'"}', b'"}')
        assert json.loads(after[index])["completion"] == completions[index][: -len(TOKEN)]
    # the 140 completions that are only the token stay (emptying them would be a new problem): they
    # are empty answers, S205's to report, not P007's
    assert result.stdout.splitlines()[-1] == "All checks passed: 5,588 records in 1 file."
    empty = run("check", t0_copy, "--select", "S205", "--every-record", "--format", "concise")
    assert empty.stdout.splitlines()[-1].startswith("Found 140 violations")
    assert "Fixed 5,448 violations in 1 file: changed 5,448 lines." in result.stderr
    assert stat.S_IMODE(t0_copy.stat().st_mode) == 0o640
    assert [p.name for p in t0_copy.parent.iterdir()] == ["t0.jsonl"]


def test_diff_prints_a_unified_diff_and_writes_nothing(t0_copy):
    t0_copy.write_bytes(b"".join(t0_copy.read_bytes().splitlines(keepends=True)[:400]))
    before = t0_copy.read_bytes()
    result = run("check", t0_copy, "--diff", "--unsafe-fixes", "--select", "P007")
    assert result.exit_code == 1
    assert t0_copy.read_bytes() == before
    diff = result.stdout.splitlines()
    assert diff[0] == f"--- a/{t0_copy}" and diff[1] == f"+++ b/{t0_copy}"
    assert sum(1 for line in diff if line.startswith("+{")) == 400


def test_without_fix_nothing_is_written(t0_copy):
    t0_copy.write_bytes(b"".join(t0_copy.read_bytes().splitlines(keepends=True)[:400]))
    before = t0_copy.read_bytes()
    mtime = t0_copy.stat().st_mtime_ns
    run("check", t0_copy)
    assert t0_copy.read_bytes() == before and t0_copy.stat().st_mtime_ns == mtime


def test_bom_crlf_missing_final_newline_and_trailing_tokens(tmp_path):
    path = tmp_path / "mixed.jsonl"
    lines = [
        '{"instruction": "Say <|endoftext|> hi", "output": "Hi\\u00e9 \\"x\\"<|im_end|><|endoftext|>  "}',
        '{"instruction": "Mid", "output": "a <|endoftext|> b"}',
        '{"instruction": "Only", "output": "<|endoftext|>"}',
        '{"output": "z<|endoftext|>", "instruction": "Keys in another order"}',
    ]
    path.write_bytes(("\ufeff" + "\r\n".join(lines)).encode())
    safe = run("check", path, "--fix", "--format", "concise")
    assert path.read_bytes() == ("\n".join(lines) + "\n").encode()  # the BOM, CRLF and final newline only
    assert "Fixed 3 violations in 1 file: changed 4 lines." in safe.stderr
    result = run("check", path, "--fix", "--unsafe-fixes", "--format", "concise")
    assert (
        path.read_bytes()
        == (
            "\n".join(
                [
                    '{"instruction": "Say <|endoftext|> hi", "output": "Hi\\u00e9 \\"x\\""}',
                    lines[1],
                    lines[2],
                    '{"output": "z", "instruction": "Keys in another order"}',
                ]
            )
            + "\n"
        ).encode()
    )
    # what is left: tokens in the instruction, in the middle, and a token-only answer
    assert [line.split(": ")[0].split(":")[1] for line in finding_lines(result.stdout)] == ["1", "2", "3"]


def test_edits_delete_lines_and_skip_overlapping_fixes():
    lines = FileLines.parse(b'{"a": "x"}\n{"a": "y"}\r\n{"a": "z"}')
    fixes = [
        Fix("delete the copy", (DeleteLine(2),)),
        Fix("edit the deleted line", (ReplaceText(2, 7, 8, "Y"),)),
        Fix("edit", (ReplaceText(1, 7, 8, "X"),)),
        Fix("overlapping edit", (ReplaceText(1, 6, 9, '"?"'),)),
        Fix("final newline", (SetLineEnding(3, "\n"),)),
        Fix("bom", (RemoveBom(),)),
    ]
    data, applied, *_ = apply(lines, fixes)
    assert data == b'{"a": "X"}\n{"a": "z"}\n'
    assert applied == 4


def test_untouched_invalid_utf8_survives_byte_for_byte():
    raw = b'{"a": "caf\xe9"}\n{"a": "ok"}\r\n'
    data, *_ = apply(FileLines.parse(raw), [Fix("lf", (SetLineEnding(None, "\n"),))])
    assert data == b'{"a": "caf\xe9"}\n{"a": "ok"}\n'


def test_keep_string_part_keeps_escapes_of_the_kept_part():
    text = '{"k": 1, "v": "  a\\u00e9\\"b\\n  "}'
    value = json.loads(text)["v"]
    keep = (2, len(value) - 2)
    edits = keep_string_part(text, 1, "/v", *keep)
    data, *_ = apply(FileLines.parse(text.encode()), [Fix("strip", tuple(edits))])
    assert data == b'{"k": 1, "v": "a\\u00e9\\"b\\n"}'
    assert json.loads(data)["v"] == value[keep[0] : keep[1]]


def test_whitespace_fixes_of_the_format_rules(tmp_path):
    rows = [f'{{"instruction": "Add {i} and 1.", "input": "", "output": "The sum is {i + 1}."}}' for i in range(200)]
    rows[3] = '{"instruction": "  Add 3 and 1.\\n", "input": "", "output": "The sum is 4."}'
    rows[7] = '{"instruction": "Add 7 and 1.", "input": "", "output": "The  sum is  8."}'
    rows[9] = '{"instruction": "Add 9 and 1.", "input": "", "output": "Code:  `a  =  1`"}'
    rows[11] = '{"instruction": "Add 11 and 1.", "input": "", "output": "Total      12 \\nTax         0"}'
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(rows) + "\n")
    (tmp_path / "datalint.toml").write_text('[mapping]\ntype = "category"\n')
    run("check", path, "--fix", "--unsafe-fixes", "--select", "F111,F112")
    fixed = path.read_text().splitlines()
    assert fixed[3] == '{"instruction": "Add 3 and 1.", "input": "", "output": "The sum is 4."}'
    assert fixed[7] == '{"instruction": "Add 7 and 1.", "input": "", "output": "The sum is 8."}'
    assert fixed[9] == rows[9]  # spaces inside code are left alone
    assert fixed[11] == rows[11]  # and so is alignment
    assert [line for index, line in enumerate(fixed) if index not in (3, 7)] == [
        row for index, row in enumerate(rows) if index not in (3, 7)
    ]


def test_label_whitespace_fix_keeps_the_escaping_style(tmp_path):
    path = tmp_path / "labels.jsonl"
    lines = [
        '{"question": "q", "std_answer": "a", "class": "closed\\u00a0qa"}',
        '{"question": "q2", "std_answer": "b", "class": " open qa"}',
        '{"question": "q3", "std_answer": "c", "class": "open qa"}',
    ]
    path.write_text("\n".join(lines) + "\n")
    (tmp_path / "datalint.toml").write_text(
        'format = "custom"\n[mapping]\ninstruction = "question"\nresponse = "std_answer"\ntype = "class"\n'
    )
    run("check", path, "--fix", "--select", "F202")
    assert path.read_text().splitlines() == [
        '{"question": "q", "std_answer": "a", "class": "closed qa"}',
        '{"question": "q2", "std_answer": "b", "class": "open qa"}',
        lines[2],
    ]


def test_exact_duplicates_are_removed_keeping_the_first_copy(tmp_path: Path):
    source = DATASETS / "llamafactory-alpaca-en-demo-1k.jsonl"
    if not source.exists():
        pytest.skip("shared datasets are not beside the checkout")
    copy = tmp_path / "demo.jsonl"
    shutil.copyfile(source, copy)
    kept = run("check", copy, "--fix", "--select", "D001", "--no-cache")
    assert copy.read_bytes() == source.read_bytes()  # removing records is unsafe: --fix alone keeps them
    assert "14 more fixes available with --unsafe-fixes." in kept.stderr
    result = run("check", copy, "--fix", "--unsafe-fixes", "--select", "D001", "--no-cache")
    assert result.exit_code == 0
    assert "Fixed 14 violations in 1 file: removed 14 records." in result.stderr
    lines = source.read_bytes().split(b"\n")
    first_copies = [line for index, line in enumerate(lines) if line not in lines[:index] or not line]
    assert copy.read_bytes().split(b"\n") == first_copies  # 14 later copies gone, every other byte kept
    assert len(lines) - len(first_copies) == 14  # the datasets README: 14 exact duplicates


def test_the_raw_offset_shortcut_agrees_with_walking_the_string():
    import random

    from datalint.fix import _raw_offset
    from datalint.locate import raw_string_offset

    generator = random.Random(1)
    alphabet = ["a", "é", '"', "\\", "\n", "\u2013", "\U0001f600", "0", "4"]
    for _ in range(3000):
        value = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 12)))
        token = json.dumps(value, ensure_ascii=generator.random() < 0.5)
        text = '{"k": ' + token + "}"
        start, end = 6, 6 + len(token)
        for decoded in range(len(value) + 1):
            assert _raw_offset(text, start, end, decoded, len(value)) == raw_string_offset(text, start, decoded)


def test_one_line_model_for_a_file_and_an_editor_buffer():
    raw = '\ufeff{"a": "x"}\r\n{"a": "y"}\n{"a": "z"}'.encode()
    for lines in (FileLines.parse(raw), FileLines.of_text(raw.decode())):
        assert lines.bom and lines.count == 3
        assert [lines.text(n) for n in (1, 2, 3)] == ['{"a": "x"}', '{"a": "y"}', '{"a": "z"}']
        assert [lines.ending(n) for n in (1, 2, 3)] == ["\r\n", "\n", ""]
        assert lines.render() == raw
        lines.set_text(2, '{"a": "Y"}')
        assert lines.render({1}) == '\ufeff{"a": "Y"}\n{"a": "z"}'.encode()  # the BOM goes with RemoveBom only
    # an editor's text may hold a lone surrogate: read and written back as it is
    buffer = FileLines.of_text('{"a": "\ud800"}\n')
    assert buffer.text(1) == '{"a": "\ud800"}'
    assert buffer.render().decode("utf-8", "surrogatepass") == '{"a": "\ud800"}\n'


def test_a_file_read_for_some_lines_gives_what_the_whole_file_gives(tmp_path):
    """attach_fixes holds only the lines of the violations it plans (a large file is not copied and
    split); any other line, or rendering, reads the whole file as the full model would."""
    if not T0.exists():
        pytest.skip("shared datasets are not beside the checkout")
    raw = b"\xef\xbb\xbf" + T0.read_bytes().replace(b"\n", b"\r\n", 3)
    for tail in (b"", b"\n", b'{"last": "no newline"}'):
        path = tmp_path / "t0.jsonl"
        path.write_bytes(raw + tail)
        whole = FileLines.parse(raw + tail)
        some = FileLines.of_file(path, {2, 1000, whole.count}, block_bytes=4096)  # lines cut across blocks
        assert len(some._pieces) <= 5  # line 1 (for its BOM), the three lines asked for, the empty end
        assert (some.bom, some.count) == (whole.bom, whole.count)
        for line in (1, 2, 1000, whole.count):
            assert (some.text(line), some.ending(line)) == (whole.text(line), whole.ending(line))
        assert some.text(3) == whole.text(3)  # not held: read then
        assert some.render() == raw + tail
