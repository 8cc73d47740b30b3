import json

from datalint.formatters import render


def test_json_lines_one_object_per_violation(report):
    lines = render("json-lines", report).splitlines()
    assert [json.loads(line) for line in lines] == [violation.to_dict() for violation in report.violations]


def test_json_lines_empty_report_prints_nothing(report):
    assert render("json-lines", report.with_violations([])) == ""
