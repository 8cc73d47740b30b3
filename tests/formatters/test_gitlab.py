import json
from pathlib import Path

import jsonschema

from datalint.formatters import render

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "data" / "gitlab-codequality-schema.json").read_text())


def test_gitlab_code_quality_matches_the_documented_format(report):
    issues = json.loads(render("gitlab", report))
    jsonschema.Draft7Validator(SCHEMA).validate(issues)
    assert [(i["check_name"], i["severity"], i["location"]["lines"]["begin"]) for i in issues] == [
        ("P007", "major", 1),
        ("P001", "minor", 2),
        ("P001", "minor", 3),
        ("P007", "major", 4),
        ("datalint", "info", 1),  # the info, counted
    ]
    assert "1 more violation not in this report (1 info)" in issues[-1]["description"]


def test_gitlab_reports_the_first_errors_and_warnings_and_counts_the_rest(report):
    from datalint.formatters.gitlab import render as gitlab

    many = report.with_violations([*report.violations] * 8)  # 16 errors, 16 warnings, 8 infos
    issues = json.loads(gitlab(many, per_severity=5))
    jsonschema.Draft7Validator(SCHEMA).validate(issues)
    assert [i["severity"] for i in issues].count("major") == 5
    assert [i["severity"] for i in issues].count("minor") == 5
    assert "30 more violations not in this report (11 errors, 11 warnings, 8 infos)" in issues[-1]["description"]
    # the counting issue keeps its fingerprint when the counts move
    fewer = json.loads(gitlab(report.with_violations([*report.violations] * 7), per_severity=5))
    assert fewer[-1]["fingerprint"] == issues[-1]["fingerprint"]
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)


def test_gitlab_fingerprints_are_unique_and_do_not_depend_on_lines(report):
    issues = json.loads(render("gitlab", report))
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    moved = report.with_violations([])
    for violation in report.violations:
        violation.line += 10
    moved = report.with_violations(report.violations)
    assert [i["fingerprint"] for i in json.loads(render("gitlab", moved))] == [i["fingerprint"] for i in issues]
