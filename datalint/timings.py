"""`datalint check --timings`: where the time of a run goes, per rule family and engine phase.

The record pass measures each rule call with perf_counter only when timings are on; worker
processes send their sums back, so the record-pass figures are seconds summed over workers.
"""

from __future__ import annotations

import re

RULE_CODE = re.compile(r"^([A-Z]{1,3})[0-9]{3}$")
# A kind that checks all its rules in one scan is timed as a whole: "P: pattern kind (one scan)".
RULE_SET = re.compile(r"^([A-Z]{1,3}): ([\w-]+) kind \(one scan\)$")


def rule_set_timing(code: str, kind: str) -> str:
    """The name a rule set's time is kept under, in the family of `code`."""
    return f"{RULE_CODE.match(code).group(1) if RULE_CODE.match(code) else code}: {kind} kind (one scan)"


class Timings:
    """Seconds per rule code and per engine phase."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def merge(self, other: dict[str, float]) -> None:
        for name, seconds in other.items():
            self.add(name, seconds)


def render_timings(timings: Timings, stats: dict[str, int] | None = None, jobs: int = 1) -> str:
    from datalint.rules import builtin_rules

    kinds = {rule.code: rule.kind for rule in builtin_rules()}
    families: dict[str, dict[str, float]] = {}
    phases: dict[str, float] = {}
    for name, seconds in timings.seconds.items():
        match = RULE_CODE.match(name) or RULE_SET.match(name)
        if match:
            families.setdefault(match.group(1), {})[name] = seconds
        else:
            phases[name] = seconds
    stats = stats or {}
    pooled = stats.get("worker tasks", 0) > 0
    where = f"seconds summed over {jobs} worker processes" if pooled else "seconds in this process"
    lines = [
        f"timings (record pass: {where}): {stats.get('checked', 0):,} lines checked, "
        f"{stats.get('cached', 0):,} from the cache, {stats.get('worker tasks', 0):,} worker tasks"
        + (f"; dataset pass in {stats['dataset processes']} processes" if stats.get("dataset processes") else "")
        + (
            f"; {stats['dataset rules reused']} dataset-wide rules reused their last findings"
            if stats.get("dataset rules reused")
            else ""
        )
    ]
    for family, codes in sorted(families.items(), key=lambda item: -sum(item[1].values())):
        family_kinds = sorted(
            {kinds.get(code) or (RULE_SET.match(code).group(2) if RULE_SET.match(code) else "custom") for code in codes}
        )
        top = sorted(codes.items(), key=lambda item: -item[1])[:4]
        detail = ", ".join(f"{code} {seconds:.2f}" for code, seconds in top)
        lines.append(f"  {family:<4}{', '.join(family_kinds):<32}{sum(codes.values()):8.2f}   ({detail})")
    for phase, seconds in sorted(phases.items(), key=lambda item: -item[1]):
        lines.append(f"  {phase:<36}{seconds:8.2f}")
    return "\n".join(lines) + "\n"
