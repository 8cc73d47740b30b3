import json
import subprocess
import sys
from pathlib import Path

from datalint.formatters import pieces, render

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def test_json_is_the_indented_document_written_one_violation_at_a_time(report):
    text = render("json", report)
    document = json.loads(text)
    assert text == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    assert document["violations"] == [violation.to_dict() for violation in report.violations]
    # the head, one piece per violation, the tail: never the whole report as one string
    assert len(list(pieces("json", report))) == len(report.violations) + 2


def test_json_of_an_empty_report(report):
    text = render("json", report.with_violations([]))
    assert text == json.dumps(json.loads(text), indent=2) + "\n"
    assert json.loads(text)["violations"] == []


def test_json_written_to_a_file_and_to_stdout_are_the_same_document(tmp_path):
    data = DATASETS / "alpaca-en-52k.jsonl"
    command = [sys.executable, "-m", "datalint", "check", str(data), "--no-cache", "--format", "json"]
    printed = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    subprocess.run([*command, "-o", str(tmp_path / "out.json")], check=False)
    written = (tmp_path / "out.json").read_text(encoding="utf-8")
    assert printed == written
    document = json.loads(written)
    assert len(document["violations"]) > 100
    assert written == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
