"""JSON output: a versioned document described by rules/schemas/output-v2.json."""

from __future__ import annotations

import json
from collections.abc import Iterator

from datalint import __version__
from datalint.report import Report

SCHEMA_VERSION = 2
_ITEM_INDENT = "\n    "  # a violation sits two levels deep: in the document, in its list


def render(report: Report, *, color: bool = False) -> str:
    return "".join(stream(report, color=color))


def stream(report: Report, *, color: bool = False) -> Iterator[str]:
    """The document as `json.dumps(document, indent=2)` writes it, one violation at a time."""
    head = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "datalint", "version": __version__},
        "summary": {
            "files": len(report.files),
            "records": sum(summary.records for summary in report.files),
            "violations": len(report.violations),
            "failing": report.failing,
        },
        "files": [{"path": s.path, "records": s.records, "format": s.format} for s in report.files],
    }
    opening = json.dumps(head, ensure_ascii=False, indent=2).removesuffix("\n}") + ',\n  "violations": ['
    if not report.violations:
        yield opening + "]\n}\n"
        return
    yield opening
    separator = _ITEM_INDENT
    for violation in report.violations:
        item = json.dumps(violation.to_dict(), ensure_ascii=False, indent=2)
        yield separator + item.replace("\n", _ITEM_INDENT)  # JSON strings escape their newlines
        separator = "," + _ITEM_INDENT
    yield "\n  ]\n}\n"
