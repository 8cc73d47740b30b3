"""Per-record suppressions from config: `[[suppress]]` entries for hand-picked false positives.

    [[suppress]]
    hash = "0f3c9a1b2d4e5f60"        # the record's `record_hash` (JSON output, `datalint check --format json`)
    rules = ["P001"]                 # codes or names
    reason = "the question is about AI disclaimers"

The record hash follows the record wherever it moves; editing the record ends the suppression.
Entries that suppress nothing in a run that linted their file are reported as DL002 at the config file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from datalint.config import Config
from datalint.report import Report
from datalint.violation import Violation


@dataclass(frozen=True, slots=True)
class Suppression:
    config: Path
    index: int
    hash: str
    rules: tuple[str, ...]
    reason: str

    def matches(self, violation: Violation) -> bool:
        return violation.record_hash == self.hash and (violation.code in self.rules or violation.name in self.rules)


def suppressions_of(config: Config) -> list[Suppression]:
    if config.path is None:
        return []
    return [
        Suppression(config.path, index, entry["hash"], tuple(entry["rules"]), entry["reason"])
        for index, entry in enumerate(config.table.get("suppress", []))
    ]


def entry_line(suppression: Suppression) -> int:
    """The line of the entry's `hash = ...` in its config file (best effort: 1 when not found)."""
    try:
        lines = suppression.config.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    for number, line in enumerate(lines, 1):
        if suppression.hash in line and line.lstrip().startswith("hash"):
            return number
    return 1


def apply(report: Report, config_of: Callable[[str], Config | None]) -> tuple[Report, list[Suppression]]:
    """Drop suppressed violations; return the report and the entries of linted files that matched nothing."""
    by_path: dict[str, list[Suppression]] = {}
    for summary in report.files:
        config = config_of(summary.path)
        by_path[summary.path] = suppressions_of(config) if config is not None else []
    if not any(by_path.values()):
        return report, []  # nothing to drop: a large run's ~1M violations are left as they are
    by_record: dict[tuple[str, str], list[Suppression]] = {}
    for path, entries in by_path.items():
        for entry in entries:
            by_record.setdefault((path, entry.hash), []).append(entry)
    used: set[tuple[Path, int]] = set()
    kept = []
    for violation in report.violations:
        entries = by_record.get((violation.path, violation.record_hash), ())
        hit = next((s for s in entries if s.matches(violation)), None) if entries else None
        if hit is None:
            kept.append(violation)
        else:
            used.add((hit.config, hit.index))
    candidates = {(s.config, s.index): s for entries in by_path.values() for s in entries}
    unused = [s for key, s in candidates.items() if key not in used]
    return report.with_violations(kept), unused
