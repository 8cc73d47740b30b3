"""GitLab Code Quality report (a JSON array of Code Climate issues) for `artifacts:reports:codequality`.

Fingerprints come from path, record hash, rule code and occurrence, not line numbers, so GitLab
matches an issue across merge requests even when records move.

GitLab lists, in the merge request, the issues whose fingerprints are new or gone against the
target branch's report, and every issue in the pipeline's Code Quality tab; thousands of infos
(T0 has over 6,000) bury the few errors there. So the report holds the first PER_SEVERITY errors
and warnings, in file order, and one more issue counting the rest (infos included).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import PurePath

from datalint.report import Report
from datalint.violation import Violation

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}
PER_SEVERITY = 1000  # errors, and warnings, in one report


def fingerprint(violation: Violation, occurrence: int) -> str:
    key = f"{violation.path}\0{violation.record_hash or 'file'}\0{violation.code}\0{occurrence}"
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def issue(violation: Violation, occurrence: int) -> dict:
    return {
        "type": "issue",
        "check_name": violation.code,
        "description": f"{violation.code} [{violation.name}] {_row_prefix(violation)}{violation.message}",
        "categories": ["Bug Risk" if violation.severity == "error" else "Style"],
        "severity": SEVERITIES[violation.severity],
        "fingerprint": fingerprint(violation, occurrence),
        # Code Quality needs a line: a columnar input's row is on line 1 of the file that holds it
        "location": {"path": PurePath(_file_of(violation)).as_posix(), "lines": {"begin": _line_of(violation)}},
    }


def _row_prefix(violation: Violation) -> str:
    return f"{violation.row.describe()}: " if violation.row is not None else ""


def _file_of(violation: Violation) -> str:
    return violation.row.file or violation.path if violation.row is not None else violation.path


def _line_of(violation: Violation) -> int:
    return 1 if violation.row is not None else violation.line


def render(report: Report, *, color: bool = False, per_severity: int = PER_SEVERITY) -> str:
    seen: Counter[tuple] = Counter()
    taken: Counter[str] = Counter()
    rest: Counter[str] = Counter()
    issues = []
    for violation in report.violations:
        key = (violation.path, violation.record_hash, violation.code)
        occurrence = seen[key]
        seen[key] += 1
        if violation.severity == "info" or taken[violation.severity] >= per_severity:
            rest[violation.severity] += 1
            continue
        taken[violation.severity] += 1
        issues.append(issue(violation, occurrence))
    if rest:
        issues.append(rest_issue(rest, report.files[0].path if report.files else ".", per_severity))
    return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"


def rest_issue(rest: Counter[str], path: str, per_severity: int) -> dict:
    """One info issue counting what the report leaves out; its fingerprint never changes, so the
    merge request does not list it as new when the counts move."""
    counts = ", ".join(_count(rest[s], s) for s in ("error", "warning", "info") if rest[s])
    return {
        "type": "issue",
        "check_name": "datalint",
        "description": (
            f"datalint: {_count(sum(rest.values()), 'more violation')} not in this report ({counts}): it holds the "
            f"first {per_severity} errors and warnings. Run the same `datalint check` locally to see each one."
        ),
        "categories": ["Style"],
        "severity": "info",
        "fingerprint": hashlib.sha256(b"datalint: violations not in this report").hexdigest()[:32],
        "location": {"path": PurePath(path).as_posix(), "lines": {"begin": 1}},
    }


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
