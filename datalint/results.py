"""What the record pass found on a run of lines, stored by column.

One `Results` holds, for each of its lines (its *entries*): the kind byte (0 = not a record, else
1 + the record's detected format), the violations found there, and one feature value per
dataset-wide rule. Worker processes send one per chunk in the cache's column encoding; a file's run
keeps them so (`cache.Entries`, beside the entries loaded from the cache) and decodes a rule's column
only when its table is built: by column, so a warm run moves a column of 52k feature values with
one C-level call instead of touching every record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# (rule index, message, column, end column, pointer): a violation as the record pass stores it.
StoredViolation = tuple[int, str, int, "int | None", str]


@dataclass(slots=True)
class Results:
    kinds: bytearray = field(default_factory=bytearray)
    violations: dict[int, tuple[StoredViolation, ...]] = field(default_factory=dict)  # entry -> found there
    features: dict[int, list[Any]] = field(default_factory=dict)  # rule index -> value per entry (None: none)

    def __len__(self) -> int:
        return len(self.kinds)

    def append(self, kind: int, violations: Iterable[StoredViolation] = (), features: Iterable = ()) -> None:
        """Add one entry; `features` are (rule index, value) pairs."""
        entry = len(self.kinds)
        self.kinds.append(kind)
        violations = tuple(violations)
        if violations:
            self.violations[entry] = violations
        for rule_index, value in features:
            self.column(rule_index)[entry] = value

    def column(self, rule_index: int) -> list[Any]:
        """The feature column of a rule, as long as the entries (created full of None)."""
        column = self.features.get(rule_index)
        if column is None:
            column = self.features[rule_index] = [None] * len(self.kinds)
        elif len(column) < len(self.kinds):
            column.extend([None] * (len(self.kinds) - len(column)))
        return column

    def extend(self, other: Results) -> None:
        """Append the entries of `other` after these."""
        offset = len(self.kinds)
        for rule_index in other.features.keys() - self.features.keys():
            self.features[rule_index] = [None] * offset
        self.kinds += other.kinds
        for entry, found in other.violations.items():
            self.violations[offset + entry] = found
        for rule_index, column in self.features.items():
            theirs = other.features.get(rule_index)
            if len(column) < offset:
                column.extend([None] * (offset - len(column)))
            column.extend(theirs if theirs is not None else [None] * len(other))
            if len(column) < len(self.kinds):
                column.extend([None] * (len(self.kinds) - len(column)))

    def select(self, entries: list[int]) -> Results:
        """A new Results of these entries, in this order."""
        picked = Results(bytearray(self.kinds[entry] for entry in entries))
        found = self.violations
        picked.violations = {new: found[old] for new, old in enumerate(entries) if old in found}
        for rule_index in self.features:
            column = self.column(rule_index)
            picked.features[rule_index] = list(map(column.__getitem__, entries))
        return picked

    def entry(self, index: int) -> tuple[int, tuple[StoredViolation, ...], tuple[tuple[int, Any], ...]]:
        """One entry as (kind, violations, ((rule index, value), ...)): for tests and debugging."""
        features = tuple(
            (rule_index, column[index])
            for rule_index, column in sorted(self.features.items())
            if index < len(column) and column[index] is not None
        )
        return self.kinds[index], self.violations.get(index, ()), features
