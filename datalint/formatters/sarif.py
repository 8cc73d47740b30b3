"""SARIF 2.1.0 output for GitHub code scanning and other SARIF viewers.

Each result carries `partialFingerprints` built from the record's content hash and the rule code
(plus an occurrence number for identical records), so code scanning keeps tracking an alert when
records are inserted above it. Rule metadata and help come from the rule declarations: rules/ for
the built-in rules, the config found from a linted file for the rules it declares.
"""

from __future__ import annotations

import json
from codecs import BOM_UTF8
from collections import Counter
from collections.abc import Iterable
from pathlib import Path, PurePath
from urllib.parse import quote

from datalint import __version__
from datalint.docs import rule_markdown
from datalint.report import Report
from datalint.rules import Rule, builtin_rules
from datalint.violation import Fix, Location, Row, TextEdit, Violation

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "datalintRecord/v1"


def artifact_uri(path: str) -> str:
    """Relative paths stay relative (code scanning resolves them against the checkout); absolute ones are file URIs."""
    posix = PurePath(path).as_posix()
    if PurePath(path).is_absolute():
        return "file://" + quote(posix, safe="/")
    return quote(posix, safe="/")


def _physical(path: str, line: int, column: int, end_column: int | None) -> dict:
    region: dict = {"startLine": line, "startColumn": column}
    if end_column is not None and end_column > column:
        region["endColumn"] = end_column
    return {"artifactLocation": {"uri": artifact_uri(path)}, "region": region}


def rule_descriptor(code: str, name: str, severity: str, rule: Rule | None) -> dict:
    descriptor: dict = {"id": code, "name": name, "defaultConfiguration": {"level": LEVELS[severity]}}
    if rule is not None:
        descriptor["shortDescription"] = {"text": rule.summary}
        if rule.why:
            descriptor["fullDescription"] = {"text": rule.why}
        markdown = rule_markdown(rule)
        descriptor["help"] = {"text": markdown, "markdown": markdown}
        descriptor["properties"] = {"tags": [rule.kind, rule.family]}
    return descriptor


def _row_physical(path: str, row: Row) -> dict:
    """A columnar input's row: the file that holds it, at line 1. GitHub code scanning needs a
    region with a `startLine` in every location (sarif-sdk's rule GH1003) and shows a binary file
    at no other line; the row's coordinates go in the message and the result's properties."""
    return {"artifactLocation": {"uri": artifact_uri(row.file or path)}, "region": {"startLine": 1}}


def _related(index: int, location: Location) -> dict:
    if location.row is not None:
        physical = _row_physical(location.path, location.row)
        default = f"related record at {location.row.describe()}"
    else:
        physical = _physical(location.path, location.line, location.column, location.end_column)
        default = f"related record at line {location.line}"
    related = {"id": index, "physicalLocation": physical}
    related["message"] = {"text": location.message or default}
    return related


def _deleted_region(edit: TextEdit) -> dict:
    if edit.column == 0:  # the byte order mark: no column counts it, its bytes do
        return {"byteOffset": 0, "byteLength": len(BOM_UTF8)}
    return {
        "startLine": edit.line,
        "startColumn": edit.column,
        "endLine": edit.end_line,
        "endColumn": edit.end_column,  # == startColumn on the same line: an insertion point
    }


def sarif_fix(path: str, fix: Fix) -> dict:
    """A SARIF `fix`: the replacements of one artifact; `properties.applicability` says whether
    `--fix` applies it (safe) or it needs `--unsafe-fixes` (unsafe)."""
    replacements = []
    for edit in fix.text_edits:
        replacement: dict = {"deletedRegion": _deleted_region(edit)}
        if edit.content:
            replacement["insertedContent"] = {"text": edit.content}
        replacements.append(replacement)
    return {
        "description": {"text": fix.description},
        "artifactChanges": [{"artifactLocation": {"uri": artifact_uri(path)}, "replacements": replacements}],
        "properties": {"applicability": fix.applicability},
    }


def result(violation: Violation, rule_index: int, occurrence: int) -> dict:
    fingerprint = f"{violation.record_hash or 'file'}:{violation.code}"
    if occurrence:
        fingerprint += f":{occurrence}"
    row = violation.row
    if row is None:
        physical = _physical(violation.path, violation.line, violation.column, violation.end_column)
    else:
        physical = _row_physical(violation.path, row)
    entry: dict = {
        "ruleId": violation.code,
        "ruleIndex": rule_index,
        "level": LEVELS[violation.severity],
        "message": {"text": violation.message if row is None else f"{row.describe()}: {violation.message}"},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if violation.related:
        entry["relatedLocations"] = [_related(index, location) for index, location in enumerate(violation.related, 1)]
    if violation.fix is not None and violation.fix.text_edits:
        entry["fixes"] = [sarif_fix(violation.path, violation.fix)]
    properties = {"pointer": violation.pointer} if violation.pointer else {}
    if violation.record_hash:
        properties["recordHash"] = violation.record_hash
    if row is not None:
        properties["row"] = row.row
        properties.update(
            {key: value for key, value in (("rowGroup", row.row_group), ("shard", row.shard)) if value is not None}
        )
    if properties:
        entry["properties"] = properties
    return entry


def known_rules(report: Report) -> dict[str, Rule]:
    """code -> rule for the report's codes: built-in, or declared by the config found from the file
    (the current folder for stdin) that has the violation."""
    known = {rule.code: rule for rule in builtin_rules()}
    starts = {
        Path.cwd() if violation.path.startswith("<") else Path(violation.path)
        for violation in report.violations
        if violation.code not in known
    }
    return {**_declared_in_configs(starts), **known}


def _declared_in_configs(starts: Iterable[Path]) -> dict[str, Rule]:
    from datalint.config import ConfigError, find_config, load_config

    declared: dict[str, Rule] = {}
    for config_path in {find_config(start) for start in starts} - {None}:
        try:
            rules = load_config(config_path).rules
        except ConfigError:  # the run loaded it; if it changed since, the rules go undescribed
            continue
        declared.update((rule.code, rule) for rule in rules)
    return declared


def document(report: Report, rules: dict[str, Rule] | None = None) -> dict:
    """The SARIF log of a report; `rules` (code -> rule) describes the rules, by default `known_rules`."""
    known = known_rules(report) if rules is None else rules
    rule_index: dict[str, int] = {}
    descriptors = []
    for violation in report.violations:
        if violation.code not in rule_index:
            rule_index[violation.code] = len(descriptors)
            descriptors.append(
                rule_descriptor(violation.code, violation.name, violation.severity, known.get(violation.code))
            )
    seen: Counter[tuple] = Counter()
    results = []
    for violation in report.violations:
        key = (violation.path, violation.record_hash, violation.code)
        results.append(result(violation, rule_index[violation.code], seen[key]))
        seen[key] += 1
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "datalint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": descriptors,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(report: Report, *, color: bool = False) -> str:
    return json.dumps(document(report), ensure_ascii=False, indent=2) + "\n"
