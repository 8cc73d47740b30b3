"""JUnit XML: one test suite per file, one failing test case per violation (CI test-report views).

A file without violations gets one passing test case, so the report shows what was checked.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from itertools import groupby

from datalint.report import Report

# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _case_name(violation) -> str:
    if violation.row is not None:
        return f"{violation.code} {violation.row.label()}"
    return f"{violation.code} line {violation.line} col {violation.column}"


def render(report: Report, *, color: bool = False) -> str:
    root = ElementTree.Element(
        "testsuites", name="datalint", tests="0", failures=str(len(report.violations)), errors="0"
    )
    by_path = {path: list(group) for path, group in groupby(report.violations, key=lambda v: v.path)}
    paths = [summary.path for summary in report.files] + [p for p in by_path if p not in {s.path for s in report.files}]
    total = 0
    for path in paths:
        violations = by_path.get(path, [])
        suite = ElementTree.SubElement(
            root,
            "testsuite",
            name=_clean(path),
            tests=str(max(len(violations), 1)),
            failures=str(len(violations)),
            errors="0",
        )
        if not violations:
            ElementTree.SubElement(suite, "testcase", name="datalint", classname=_clean(path))
            total += 1
        for violation in violations:
            at_line = {"line": str(violation.line)} if violation.row is None else {}
            case = ElementTree.SubElement(
                suite,
                "testcase",
                name=_case_name(violation),
                classname=_clean(path),
                file=_clean(path),
                **at_line,
            )
            failure = ElementTree.SubElement(
                case,
                "failure",
                message=_clean(f"{violation.code} [{violation.name}] {violation.message}"),
                type=violation.severity,
            )
            details = [f"{violation.where()}: {violation.code} {violation.message}"]
            details += [f"related: {related.where()}" for related in violation.related]
            failure.text = _clean("\n".join(details))
            total += 1
    root.set("tests", str(total))
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"
