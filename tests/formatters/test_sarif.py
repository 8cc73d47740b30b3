import json
from pathlib import Path

import jsonschema

from datalint.formatters import render

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())


def test_sarif_is_valid_against_the_official_schema(report):
    document = json.loads(render("sarif", report))
    jsonschema.Draft4Validator(SCHEMA).validate(document)
    assert document["version"] == "2.1.0"


def test_sarif_results_locations_and_fingerprints(report):
    run = json.loads(render("sarif", report))["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("S103", "note"),
        ("P007", "error"),
        ("P001", "warning"),
        ("P001", "warning"),
        ("P007", "error"),
    ]
    first = results[1]
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 40, "endColumn": 53}
    # Same record content and rule: the fingerprint repeats with an occurrence number, never a line number.
    assert first["partialFingerprints"]["datalintRecord/v1"] == f"{report.violations[1].record_hash}:P007"
    assert results[4]["partialFingerprints"]["datalintRecord/v1"] == f"{report.violations[1].record_hash}:P007:1"
    assert results[0]["partialFingerprints"]["datalintRecord/v1"] == "file:S103"
    assert results[4]["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert results[4]["properties"] == {"pointer": "/output", "recordHash": report.violations[4].record_hash}


def test_sarif_rule_metadata_comes_from_the_declarations(report):
    rules = json.loads(render("sarif", report))["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["S103", "P007", "P001"]
    p007 = rules[1]
    assert p007["name"] == "leaked-special-token"
    assert p007["shortDescription"]["text"] == "Text contains a tokenizer's special token"
    assert p007["help"]["markdown"].startswith("# P007 leaked-special-token")
    assert "## Why is this bad?" in p007["help"]["markdown"]


def test_sarif_with_no_violations_is_valid(report):
    empty = report.with_violations([])
    document = json.loads(render("sarif", empty))
    jsonschema.Draft4Validator(SCHEMA).validate(document)
    assert document["runs"][0]["results"] == []
