"""Hits per rule of the default rules on the 27 real datasets, against a committed snapshot.

Every rule change shows what it gains and loses on real data (ruff's ecosystem check):

    python bench/quality/ecosystem.py            # the change per rule and per (dataset, rule)
    python bench/quality/ecosystem.py --update   # write the snapshot to commit with the change
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SNAPSHOT = HERE / "ecosystem-snapshot.json"


def current_counts(jobs: int) -> dict[str, dict[str, int]]:
    """dataset -> rule -> lines flagged."""
    from measure import DATASETS, lint_hits

    hits = lint_hits([path.name for path in sorted(DATASETS.glob("*.jsonl"))], jobs)
    return {name: dict(sorted(Counter(rule for _, rule in found).items())) for name, found in hits.items()}


def by_rule(counts: dict[str, dict[str, int]]) -> Counter:
    total: Counter = Counter()
    for per_rule in counts.values():
        total.update(per_rule)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help="write the snapshot")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parents[1]))
    sys.path.insert(0, str(HERE))
    now = current_counts(args.jobs)
    before = json.loads(SNAPSHOT.read_text()) if SNAPSHOT.exists() else {}
    old, new = by_rule(before), by_rule(now)
    print(f"{'rule':6} {'before':>7} {'now':>7} {'change':>7}")
    for rule in sorted(old.keys() | new.keys()):
        if old[rule] != new[rule]:
            print(f"{rule:6} {old[rule]:7} {new[rule]:7} {new[rule] - old[rule]:+7}")
    print(f"{'all':6} {sum(old.values()):7} {sum(new.values()):7} {sum(new.values()) - sum(old.values()):+7}")
    for dataset in sorted(before.keys() | now.keys()):
        a, b = before.get(dataset, {}), now.get(dataset, {})
        changes = [
            f"{rule} {a.get(rule, 0)}->{b.get(rule, 0)}"
            for rule in sorted(a.keys() | b.keys())
            if a.get(rule, 0) != b.get(rule, 0)
        ]
        if changes:
            print(f"  {dataset}: " + ", ".join(changes))
    if args.update:
        SNAPSHOT.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"wrote {SNAPSHOT.relative_to(HERE.parents[1])}")


if __name__ == "__main__":
    main()
