"""JSON output: a versioned document described by rules/schemas/output-v2.json."""

from __future__ import annotations

import json

from datalint import __version__
from datalint.report import Report

SCHEMA_VERSION = 2


def render(report: Report, *, color: bool = False) -> str:
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "datalint", "version": __version__},
        "summary": {
            "files": len(report.files),
            "records": sum(summary.records for summary in report.files),
            "violations": len(report.violations),
            "failing": report.failing,
        },
        "files": [{"path": s.path, "records": s.records, "format": s.format} for s in report.files],
        "violations": [violation.to_dict() for violation in report.violations],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
