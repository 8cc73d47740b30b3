"""Quotas on a categorical label (instruction type, difficulty): shares, minimums, required values, targets.

The record pass keeps each record's label value (from the record's `type` / `difficulty` field,
see `mapping`, or inferred by `datalint.labels` when the record has none and `infer` is on).
The dataset pass counts values per file (a dataset is one file; train and validation splits
are judged each on its own) and reports every broken constraint once, at the first record
holding the value concerned (pointer: its label field, or the instruction when inferred), or
at the file's first record when no record holds it. Messages give the observed distribution
and what was expected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from datalint.checks import Option
from datalint.feature_types import BOOL, CATEGORY, row
from datalint.labels import infer_difficulty, infer_type, is_english_like, prompt_text
from datalint.records import Record
from datalint.violation import DatasetFinding

OPTIONS = {
    "label": Option(str, "type", "which label: type or difficulty", ("type", "difficulty")),
    "infer": Option(bool, False, "infer the label when a record has none (docs/balance.md)"),
    "max-share": Option(float, 1.0, "largest share any one value may have (1.0: no limit)", minimum=0, maximum=1),
    "min-share": Option(float, 0.0, "smallest share each present or required value must have", minimum=0, maximum=1),
    "min-count": Option(int, 0, "fewest records each present or required value must have"),
    "required": Option(list, [], "values that must occur at least once (and meet min-count / min-share)"),
    "target": Option(dict, {}, "expected share per value, e.g. {easy = 0.3, medium = 0.4, hard = 0.3}"),
    "tolerance": Option(float, 0.1, "allowed distance from a `target` share, as a share (0.1 = 10 points)"),
    "min-records": Option(int, 50, "share limits (max-share, min-share, target) apply from this many records"),
}
SHOWN_VALUES = 6


def check_options(options: dict) -> None:
    target = options["target"]
    if not all(isinstance(share, (int, float)) and 0 <= share <= 1 for share in target.values()):
        raise ValueError("`target` shares must be numbers between 0 and 1")
    if target and abs(sum(target.values()) - 1.0) > 0.01:
        raise ValueError(f"`target` shares must add up to 1 (they add up to {sum(target.values()):.2f})")


def _declares_a_quota(options: dict) -> bool:
    return (
        options["max-share"] < 1.0
        or options["min-share"] > 0.0
        or options["min-count"] > 0
        or bool(options["required"])
        or bool(options["target"])
    )


FEATURE_COLUMNS = row(label=CATEGORY, pointer=CATEGORY, inferred=BOOL)


def record_features(rule, record: Record) -> tuple[str, str, bool] | None:
    if not _declares_a_quota(rule.options):
        return None  # nothing to check: no label is read or inferred
    label = rule.options["label"]
    found = record.labels.get(label)
    if found is not None:
        return (str(found[0]), found[1], False)
    if not rule.options["infer"]:
        return None
    if label == "type":
        text, pointer = prompt_text(record)
        # The heuristic reads English verbs and question words; other languages get no type.
        return (infer_type(text), pointer, True) if text and is_english_like(text) else None
    answer = next((turn for turn in reversed(record.turns) if turn.role == "assistant" and turn.text), None)
    return (infer_difficulty(answer.text), answer.pointer, True) if answer is not None else None


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    by_file: dict[str, list[int]] = {}
    for index, path in enumerate(table.paths):
        by_file.setdefault(path, []).append(index)
    for indices in by_file.values():
        yield from _check_file(rule, table, indices)


def _check_file(rule, table, indices: list[int]) -> Iterator[DatasetFinding]:
    options = rule.options
    counts = Counter(table.values[index][0] for index in indices)
    first_of: dict[str, int] = {}
    for index in indices:
        first_of.setdefault(table.values[index][0], index)
    total = len(indices)
    inferred = all(table.values[index][2] for index in indices)
    name = f"{options['label']}{' (inferred)' if inferred else ''}"
    observed = _distribution(counts, total)

    def at(value: str, message: str) -> DatasetFinding:
        index = first_of.get(value, indices[0])
        pointer = table.values[index][1] if value in first_of else ""
        return DatasetFinding(index, f"{message}; observed: {observed}", pointer=pointer)

    shares_apply = total >= options["min-records"]
    if shares_apply and options["max-share"] < 1.0:
        for value, count in counts.most_common():
            if count / total <= options["max-share"]:
                break
            yield at(
                value,
                f"{name} {value!r} is {_pct(count / total)} of the records (at most {_pct(options['max-share'])})",
            )
    for value in options["required"]:
        if str(value) not in counts:
            yield at(str(value), f"required {name} {str(value)!r} has no records")
    for value in sorted(counts):
        count = counts[value]
        if count < options["min-count"]:
            yield at(
                value, f"{name} {value!r} has {count} record{'s' * (count != 1)} (at least {options['min-count']})"
            )
        elif shares_apply and count / total < options["min-share"]:
            yield at(
                value,
                f"{name} {value!r} is {_pct(count / total)} of the records (at least {_pct(options['min-share'])})",
            )
    target = {str(value): share for value, share in options["target"].items()}
    if target and shares_apply:
        expected = ", ".join(f"{value} {_pct(share)}" for value, share in target.items())
        tolerance = options["tolerance"]
        for value in sorted(set(target) | set(counts), key=lambda item: (-counts[item], item)):
            share, goal = counts[value] / total, target.get(value, 0.0)
            if abs(share - goal) > tolerance + 1e-9:
                yield at(
                    value,
                    f"{name} {value!r} is {_pct(share)} of the records, target {_pct(goal)} ± {_pct(tolerance)} "
                    f"(target: {expected})",
                )


def _pct(share: float) -> str:
    return "<1%" if 0 < share < 0.005 else f"{share * 100:.0f}%"


def _distribution(counts: Counter, total: int) -> str:
    shown = ", ".join(f"{value} {_pct(count / total)}" for value, count in counts.most_common(SHOWN_VALUES))
    rest = len(counts) - SHOWN_VALUES
    more = f", {rest} more value{'s' * (rest != 1)}" if rest > 0 else ""
    return f"{shown}{more} ({total:,} records)"
