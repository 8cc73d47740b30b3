"""The outcome of a lint run: what formatters, baseline, suppression and the exit code read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter

from datalint.timings import Timings
from datalint.violation import Violation, by_position, severity_rank


@dataclass(slots=True)
class FileSummary:
    path: str
    records: int
    format: str
    columnar: bool = False  # rows of Parquet or Arrow files (datalint.columnar), not lines of a file


# Lines checked by the record pass, lines served from the cache, tasks sent to worker processes,
# processes of the dataset pass, dataset-wide rules that reused their last findings (memo.py).
NO_STATS = {"checked": 0, "cached": 0, "worker tasks": 0, "dataset processes": 0, "dataset rules reused": 0}


@dataclass(slots=True)
class Report:
    violations: list[Violation]
    files: list[FileSummary]
    failing: int  # violations at or above each file's failing severity
    fail_on: dict[str, str] = field(default_factory=dict)  # path -> lowest failing severity
    timings: Timings | None = None  # with RunOptions(timings=True)
    stats: dict[str, int] = field(default_factory=lambda: dict(NO_STATS))

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0

    def with_violations(self, violations: list[Violation]) -> Report:
        """The same run with another list of violations (after a baseline or a filter), recounted."""
        violations = sorted(violations, key=by_position)
        failing = count_failing(violations, self.fail_on)
        return Report(violations, self.files, failing, self.fail_on, self.timings, self.stats)


def count_failing(violations: list[Violation], fail_on: dict[str, str]) -> int:
    # Counted per (file, severity) pair in C first: a large run has ~1M violations and a few pairs.
    counts = Counter(map(_PATH_AND_SEVERITY, violations))
    return sum(
        count
        for (path, severity), count in counts.items()
        if severity_rank(severity) >= severity_rank(fail_on.get(path, "error"))
    )


_PATH_AND_SEVERITY = attrgetter("path", "severity")
