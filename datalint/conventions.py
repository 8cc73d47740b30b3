"""One root cause, one finding: a problem most records of a file share is that file's convention.

T0 ends every completion with `<|endoftext|>`; a split ShareGPT export starts every later part with
the assistant. Reported once per record, such a convention buries every other finding under
thousands of copies of one fact. When the same rule says the same thing about a large share of a
file's records, the report keeps one finding at the first of them, with the count and a few
example locations; `datalint check --every-record` (or `conventions=False` in the API) keeps them all.
Rules are judged per record (bench/quality/); this only changes how a report presents them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING

from datalint.violation import Location, Violation, by_position, merged_fix

if TYPE_CHECKING:
    from datalint.report import Report

# A finding is a convention when it is on most of a file's records (and at least MIN_RECORDS), or on
# a quarter of a large file's records (at least LARGE_COUNT): below that, each record is worth its own
# line, and a handful of planted defects in a small file is never folded away.
MOST = 0.5
MIN_RECORDS = 10
QUARTER = 0.25
LARGE_COUNT = 100
EXAMPLES = 3


def is_convention(count: int, records: int) -> bool:
    return (count >= MIN_RECORDS and count >= MOST * records) or (count >= LARGE_COUNT and count >= QUARTER * records)


def collapse(report: Report) -> Report:
    """The report with each convention (same file, rule and message on many records) as one finding."""
    records = {summary.path: summary.records for summary in report.files}
    groups: dict[tuple[str, str, str], list[Violation]] = defaultdict(list)
    for violation in report.violations:
        if violation.record_hash is not None and not violation.related:
            groups[(violation.path, violation.code, violation.message)].append(violation)
    conventions = {
        key: members
        for key, members in groups.items()
        if is_convention(_records_of(members), records.get(key[0], len(members)))
    }
    if not conventions:
        return report
    collapsed = {id(members[0]): _one_finding(members, records.get(key[0], 0)) for key, members in conventions.items()}
    members_of = {id(v) for members in conventions.values() for v in members}
    kept = [collapsed.get(id(v), v) for v in report.violations if id(v) not in members_of or id(v) in collapsed]
    return report.with_violations(kept)


def _records_of(members: list[Violation]) -> int:
    return len({violation.line for violation in members})  # a chat may hold the finding in several turns


def _one_finding(members: list[Violation], records: int) -> Violation:
    first = min(members, key=lambda v: (v.line, v.column))
    count = _records_of(members)
    share = f" ({count / records:.0%})" if records else ""
    first_per_line = {v.line: v for v in sorted(members, key=lambda v: (v.line, v.column), reverse=True)}
    examples = sorted(first_per_line.values(), key=lambda v: v.line)[1 : EXAMPLES + 1]
    message = (
        f"{first.message} — on {count:,} of {records:,} records{share}: a convention of this file, "
        "reported once (--every-record lists each)"
    )
    related = [Location(v.path, v.line, v.column, v.end_column, v.pointer, "same finding", v.row) for v in examples]
    fix = merged_fix([v.fix for v in sorted(members, key=by_position) if v.fix is not None])
    return replace(first, message=message, related=related, fix=fix)
