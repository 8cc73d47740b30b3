"""GitLab Code Quality report (a JSON array of Code Climate issues) for `artifacts:reports:codequality`.

Fingerprints come from path, record hash, rule code and occurrence, not line numbers, so GitLab
matches an issue across merge requests even when records move.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import PurePath

from datalint.report import Report
from datalint.violation import Violation

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def fingerprint(violation: Violation, occurrence: int) -> str:
    key = f"{violation.path}\0{violation.record_hash or 'file'}\0{violation.code}\0{occurrence}"
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def issue(violation: Violation, occurrence: int) -> dict:
    return {
        "type": "issue",
        "check_name": violation.code,
        "description": f"{violation.code} [{violation.name}] {violation.message}",
        "categories": ["Bug Risk" if violation.severity == "error" else "Style"],
        "severity": SEVERITIES[violation.severity],
        "fingerprint": fingerprint(violation, occurrence),
        "location": {"path": PurePath(violation.path).as_posix(), "lines": {"begin": violation.line}},
    }


def render(report: Report, *, color: bool = False) -> str:
    seen: Counter[tuple] = Counter()
    issues = []
    for violation in report.violations:
        key = (violation.path, violation.record_hash, violation.code)
        issues.append(issue(violation, seen[key]))
        seen[key] += 1
    return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"
