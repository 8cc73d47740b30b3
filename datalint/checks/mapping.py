"""The configured `[mapping]` against the records: a key no record of a file has is one finding
for the file (a typo, or the mapping of another dataset), naming the keys the records do have;
a prompt or answer key that only some records lack is reported on each of those records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from datalint.feature_types import CATEGORY, row
from datalint.records import Record
from datalint.violation import DatasetFinding

OPTIONS: dict = {}
MAX_KEYS = 12
# Parts every record of a custom-format file needs; system, input and labels may be absent.
REQUIRED = ("instruction", "response")


# The mapped (part, pointer) pairs the record has no value at, and its top-level keys: few distinct.
FEATURE_COLUMNS = row(unmapped=CATEGORY, keys=CATEGORY)


def record_features(rule, record: Record) -> tuple | None:
    """(the mapped (part, pointer) pairs the record has no value at, its top-level keys if any)."""
    if record.unmapped is None:
        return None
    return (record.unmapped, tuple(record.data)[:MAX_KEYS] if record.unmapped else ())


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    rows: dict[str, list[int]] = defaultdict(list)
    for index, path in enumerate(table.paths):
        rows[path].append(index)
    findings = []
    for indices in rows.values():
        missing: dict[tuple[str, str], list[int]] = defaultdict(list)
        for index in indices:
            for part in table.values[index][0]:
                missing[tuple(part)].append(index)
        for (name, pointer), lacking in missing.items():
            if len(lacking) == len(indices):
                keys = ", ".join(table.values[indices[0]][1])
                findings.append(
                    DatasetFinding(
                        indices[0],
                        f"`[mapping] {name} = {_shown(pointer)}` matches no record of this file; "
                        f"the records have the keys {keys}",
                    )
                )
            elif name in REQUIRED:
                findings.extend(
                    DatasetFinding(index, f"record has no {_shown(pointer)} (the `[mapping] {name}`)")
                    for index in lacking
                )
    yield from sorted(findings, key=lambda finding: finding.index)


def _shown(pointer: str) -> str:
    """A pointer as the config usually spells it: "question" for "/question"."""
    plain = pointer[1:]
    return f'"{plain}"' if plain and "/" not in plain and "~" not in plain else f'"{pointer}"'
