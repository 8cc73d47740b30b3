"""The CLI as users call it: output shapes, exit codes, rule docs."""

from __future__ import annotations

import json
import subprocess
import sys

from datalint import __version__
from tests.conftest import REPO, run, write_jsonl


def test_text_output_and_summary(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"instruction": "Hi", "output": "Hello<|im_end|>"}])
    result = run("check", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}:1:39: P007 [leaked-special-token] special token: '<|im_end|>' in response",
        "Found 1 violation (1 error) in 1 record in 1 file.",
        "1 fixable with `--fix --unsafe-fixes`.",
    ]


def test_clean_file_exit_0(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"instruction": "Hi", "output": "Hello"}])
    result = run("check", str(path))
    assert (result.exit_code, result.output) == (0, "All checks passed: 1 record in 1 file.\n")


def test_exit_zero_output_file_and_statistics(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"instruction": "Hi", "output": ""}, {"instruction": "", "output": ""}])
    out = tmp_path / "report.json"
    result = run("check", str(path), "--format", "json", "--output-file", str(out), "--exit-zero")
    assert (result.exit_code, result.output) == (0, "")
    assert json.loads(out.read_text())["summary"]["violations"] == 3
    result = run("check", str(path), "--statistics")
    assert result.output == "       3  S205         -      empty-turn\n"


def test_json_violation_fields(tmp_path):
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  "}]}],
    )
    result = run("check", str(path), "--format", "json")
    (violation,) = json.loads(result.output)["violations"]
    line = path.read_text().splitlines()[0]
    assert violation["pointer"] == "/messages/1/content"
    assert line[violation["column"] - 1 : violation["end_column"] - 1] == '"  "'
    assert violation["record_hash"] and violation["related"] == []


def test_rules_and_rule_docs():
    listing = run("rules").output
    assert "P007  leaked-special-token" in listing
    docs = run("rule", "P007").output
    assert docs.startswith("# P007 leaked-special-token")
    for heading in ("## Why is this bad?", "## Example", "## Use instead", "## Options"):
        assert heading in docs
    assert run("rule", "leaked-special-token").output == docs
    missing = run("rule", "Z999")
    assert missing.exit_code == 2


def test_version_from_the_installed_script():
    for module in ("datalint.cli", "datalint"):  # `python -m datalint` runs the console script too
        result = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True)
        assert result.stdout.strip() == f"datalint, version {__version__}"


def test_the_console_script_exits_with_the_run_s_code_and_all_its_output(tmp_path):
    """`datalint` skips the interpreter's teardown (cli.entry.run): what it printed must still all be
    there, and the exit code must still say what happened."""
    data = tmp_path / "data.jsonl"
    records = "".join(f'{{"instruction": "Say {n}", "output": "As an AI language model, no."}}\n' for n in range(300))
    data.write_text(records + '{"instruction": "cut off\n')  # the last line is invalid JSON: an error
    script = [sys.executable, "-c", "from datalint.cli import run; run()"]
    found = subprocess.run(
        [*script, "check", str(data), "--no-cache", "--every-record", "--select", "P001,S001"], capture_output=True
    )
    assert found.returncode == 1
    assert found.stdout.decode().count("P001 [ai-disclaimer]") == 300
    assert "data.jsonl:301:" in found.stdout.decode()
    clean = subprocess.run([*script, "check", str(data), "--no-cache", "--select", "S2"], capture_output=True)
    assert (clean.returncode, clean.stdout.decode().strip()) == (0, "All checks passed: 300 records in 1 file.")
    missing = subprocess.run([*script, "check", str(tmp_path / "none.jsonl")], capture_output=True)
    assert missing.returncode == 2 and b"no such file" in missing.stderr


def test_readme_rule_table_is_generated_from_the_declarations():
    readme = (REPO / "README.md").read_text()
    table = readme.split("<!-- rules:start -->\n")[1].split("\n<!-- rules:end -->")[0]
    assert table == run("rules", "--format", "markdown").output.strip()


def test_readme_example_output_is_what_the_example_gives():
    readme = (REPO / "README.md").read_text()
    shown = readme.split("makes them fail it:\n\n````\n")[1].split("````")[0]
    result = run("check", "examples/")
    assert result.exit_code == 0
    assert result.output == shown
