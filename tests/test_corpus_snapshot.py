"""The JSON output on the 27 real datasets, against a committed snapshot.

Refactoring the engine must not change a single finding; a deliberate rule change updates the
snapshot in the same commit, so the diff shows what it changed:

    DATALINT_UPDATE_SNAPSHOT=1 python -m pytest tests/test_corpus_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "snapshots" / "corpus-output.jsonl"


def _snapshot_lines(report) -> list[str]:
    """One line per violation as the JSON output has it, with paths shortened to file names (the
    checkout's location is not part of the output's meaning)."""
    lines = []
    for violation in report.violations:
        item = violation.to_dict()
        item["path"] = Path(item["path"]).name
        for related in item.get("related") or []:
            related["path"] = Path(related["path"]).name
        lines.append(json.dumps(item, ensure_ascii=False, sort_keys=True))
    return lines


def test_json_output_on_the_real_datasets_matches_the_snapshot(corpus):
    now = _snapshot_lines(corpus)
    if os.environ.get("DATALINT_UPDATE_SNAPSHOT"):
        SNAPSHOT.write_text("".join(line + "\n" for line in now), encoding="utf-8")
    before = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    gone = sorted(set(before) - set(now))
    new = sorted(set(now) - set(before))
    assert (gone, new) == ([], []), (
        f"{len(gone)} findings gone, {len(new)} new (first of each: {gone[:3]} {new[:3]}); "
        "update the snapshot only for a deliberate rule change"
    )
    assert now == before, "same findings, different order"
