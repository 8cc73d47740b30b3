import xml.etree.ElementTree as ElementTree

from datalint.formatters import render
from datalint.report import FileSummary, Report
from datalint.violation import Violation


def test_junit_one_failing_case_per_violation(report, dataset):
    root = ElementTree.fromstring(render("junit", report))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("5", "5")
    suite = root.find("testsuite")
    assert suite.get("name") == str(dataset)
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == [
        "S103 line 1 col 1",
        "P007 line 1 col 40",
        "P001 line 2 col 36",
        "P001 line 3 col 339",
        "P007 line 4 col 40",
    ]
    failure = cases[2].find("failure")
    assert failure.get("type") == "warning"
    assert failure.get("message").startswith('P001 [ai-disclaimer] AI disclaimer: "As an AI, I" <b>&</b>')
    assert "related: " + str(dataset) + ":1:1" in cases[4].find("failure").text


def test_junit_clean_file_has_a_passing_case_and_control_characters_are_replaced():
    report = Report(
        [Violation("P001", "ai-disclaimer", "warning", "bad \x00 byte", "b.jsonl", 1)],
        [FileSummary("a.jsonl", 3, "alpaca"), FileSummary("b.jsonl", 1, "alpaca")],
        failing=0,
    )
    root = ElementTree.fromstring(render("junit", report))
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("failures")) for s in suites] == [("a.jsonl", "0"), ("b.jsonl", "1")]
    assert suites[0].find("testcase/failure") is None
    assert suites[1].find("testcase/failure").get("message") == "P001 [ai-disclaimer] bad \ufffd byte"
