"""Dataset size against its declared purpose, and a note on very large datasets.

Purposes and the sizes that usually serve them (records per file):

- `style`: teaching a tone or an output format, 500-2,000;
- `domain`: adding domain knowledge, 2,000-10,000;
- `specialisation`: deep specialisation on a task family, 10,000-50,000.

Above `large` (50,000) each extra example adds less; the `large` check says so as an info note.
The count is per file, reported at the file's first record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from datalint.checks import Option
from datalint.feature_types import INT64, scalar
from datalint.records import Record
from datalint.violation import DatasetFinding

PURPOSES = {"style": (500, 2_000), "domain": (2_000, 10_000), "specialisation": (10_000, 50_000)}
OPTIONS = {
    "check": Option(str, "purpose", "purpose: size against `purpose`; large: size above `large`", ("purpose", "large")),
    "purpose": Option(
        str,
        "",
        "what the dataset is for: style, domain or specialisation (set by config `purpose`)",
        ("", *PURPOSES),
    ),
    "large": Option(int, 50_000, "size from which the `large` check notes diminishing returns"),
}


FEATURE_COLUMNS = scalar("present", INT64)  # 1 per record: the rows are counted per file


def record_features(rule, record: Record) -> int | None:
    if rule.options["check"] == "purpose" and not rule.options["purpose"]:
        return None  # nothing declared, nothing to count
    return 1


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    sizes = Counter(table.paths)
    first: dict[str, int] = {}
    for index, path in enumerate(table.paths):
        first.setdefault(path, index)
    for path, size in sizes.items():
        message = _message(rule.options, size)
        if message:
            yield DatasetFinding(first[path], message)


def _message(options: dict, size: int) -> str:
    if options["check"] == "large":
        if size > options["large"]:
            return (
                f"{size:,} records: above {options['large']:,}, each further example adds less; "
                "deduplicating and filtering for quality usually helps more than adding"
            )
        return ""
    purpose = options["purpose"]
    low, high = PURPOSES[purpose]
    if size < low:
        return f"{size:,} records: a {purpose} dataset usually needs {low:,}-{high:,}; fewer may not move the model"
    if size > high:
        return (
            f"{size:,} records: a {purpose} dataset usually needs {low:,}-{high:,}; more costs training time for little"
        )
    return ""
