"""File-wide conditions of a trainer's upload check: a minimum number of examples (OpenAI's 10),
one format for every line (Together's file check). Dataset pass: one small value per record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from datalint.checks import Option
from datalint.feature_types import CATEGORY, scalar
from datalint.violation import DatasetFinding

OPTIONS = {
    "check": Option(str, "min-examples", "what to check over the file", ("min-examples", "one-format")),
    "min": Option(int, 10, "the fewest examples the trainer accepts (min-examples)"),
    "trainer": Option(str, "", "the trainer named in the message"),
}


FEATURE_COLUMNS = scalar("format", CATEGORY)  # the record's one trainer format, or ""


def record_features(rule, record) -> str:
    if rule.options["check"] == "one-format":
        from datalint.checks.together import formats_of

        formats = formats_of(record.data)
        return formats[0] if len(formats) == 1 else ""
    return ""


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    rows: dict[str, list[int]] = defaultdict(list)
    for index, path in enumerate(table.paths):
        if table.values[index] is not None:  # None: a line that is not a record
            rows[path].append(index)
    trainer = rule.options["trainer"]
    for indices in rows.values():
        if rule.options["check"] == "min-examples":
            if len(indices) < rule.options["min"]:
                yield DatasetFinding(
                    indices[0], f"{len(indices)} examples: {trainer} needs at least {rule.options['min']}"
                )
            continue
        first = next((index for index in indices if table.values[index]), None)
        if first is None:
            continue
        for index in indices:
            value = table.values[index]
            if value and value != table.values[first]:
                yield DatasetFinding(
                    index,
                    f"{value} line in a file whose first line is {table.values[first]}: {trainer} needs one format",
                    related=(first,),
                )
