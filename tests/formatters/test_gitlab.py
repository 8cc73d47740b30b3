import json
from pathlib import Path

import jsonschema

from datalint.formatters import render

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "data" / "gitlab-codequality-schema.json").read_text())


def test_gitlab_code_quality_matches_the_documented_format(report):
    issues = json.loads(render("gitlab", report))
    jsonschema.Draft7Validator(SCHEMA).validate(issues)
    assert [(i["check_name"], i["severity"], i["location"]["lines"]["begin"]) for i in issues] == [
        ("S103", "info", 1),
        ("P007", "major", 1),
        ("P001", "minor", 2),
        ("P001", "minor", 3),
        ("P007", "major", 4),
    ]


def test_gitlab_fingerprints_are_unique_and_do_not_depend_on_lines(report):
    issues = json.loads(render("gitlab", report))
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    moved = report.with_violations([])
    for violation in report.violations:
        violation.line += 10
    moved = report.with_violations(report.violations)
    assert [i["fingerprint"] for i in json.loads(render("gitlab", moved))] == [i["fingerprint"] for i in issues]
