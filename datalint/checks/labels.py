"""Label drift: categorical fields spelled several ways, and fields whose JSON type changes between rows.

`check` chooses what is reported:
- `variant` (dataset pass): values of one label that are equal once case, whitespace and NBSP
  are normalised but spelled differently (`"Open QA"` / `"open qa"`); the rarer spelling is
  reported, with a record holding the common one as related location;
- `whitespace` (record pass): a label value with a no-break or other unusual space, a doubled
  space, or leading/trailing whitespace (`"closed\u00a0qa"` beside `"open qa"`);
- `type` (dataset pass): a top-level field (or a configured pointer) whose JSON type differs from
  its type in most rows of the file (`"id": "7"` among integer ids). Nulls are not a type.
Labels are the record's `type` and `difficulty` (keys `type`, `category`, `task_type`,
`difficulty`, `level`, or `[mapping] type = "class"`), the label-like top-level keys
(`class`, `label`, `subject`, `topic`, `domain`, `task`) when their value is a short string,
plus any JSON pointers in `fields`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np

from datalint.checks import Option
from datalint.feature_types import CATEGORY, NO_FEATURES, STR, Features
from datalint.feature_types import rows as rows_of
from datalint.locate import make_pointer, pointer_tokens
from datalint.records import Record, resolve
from datalint.typed_columns import distinct_in_files
from datalint.violation import DatasetFinding, Finding

OPTIONS = {
    "check": Option(str, "variant", "what to check", ("variant", "whitespace", "type")),
    "fields": Option(list, [], "more categorical fields, as JSON pointers (`/meta/source`) or dotted keys", items=str),
    "max-share": Option(
        float,
        0.2,
        "type: report a type held by at most this share of the rows that have the field",
        minimum=0,
        maximum=1,
    ),
    "min-records": Option(int, 10, "type: files with fewer rows holding the field are skipped"),
}
MAX_VALUE = 100
_UNUSUAL_SPACE = re.compile(r"[^\S ]|  |^\s|\s$|[\u200b-\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
SPACE_NAMES = {"\u00a0": "NBSP", "\t": "a tab", "\n": "a newline", "\u3000": "an ideographic space"}


def prepare(options: dict[str, Any]) -> tuple[str, ...]:
    return tuple(field if field.startswith("/") else make_pointer(*field.split(".")) for field in options["fields"])


# Top-level keys that hold a category when their value is short, besides the record's `type` and
# `difficulty` labels: belle-eval-set-1k files its task type under `class`.
IMPLICIT_LABEL_KEYS = ("class", "label", "subject", "topic", "domain", "task")
_IMPLICIT_KEY_SET = frozenset(IMPLICIT_LABEL_KEYS)
_MAX_LABEL_WORDS = 4


def categorical_values(rule, record: Record) -> Iterator[tuple[str, Any, str]]:
    """(label name, value, pointer) of each label, label-like top-level key and configured field the record has."""
    for name, (value, pointer) in record.labels.items():
        yield name, value, pointer
    for key in _implicit_label_keys(record):
        yield key, record.data[key], _key_pointer(key)
    for pointer in rule.state:
        value = resolve(record.data, pointer)
        if value is not None:
            yield pointer, value, pointer


def _implicit_label_keys(record: Record) -> list[str]:
    """The label-like keys with a short string value (a category, not a text) the labels do not already hold."""
    data, held = record.data, {pointer for _, pointer in record.labels.values()}
    return [
        key
        for key in IMPLICIT_LABEL_KEYS
        if isinstance(data.get(key), str)
        and 0 < len(data[key].split()) <= _MAX_LABEL_WORDS
        and len(data[key]) <= 40
        and _key_pointer(key) not in held
    ]


def _has_labels(rule, record: Record) -> bool:
    return bool(record.labels or rule.state) or not _IMPLICIT_KEY_SET.isdisjoint(record.data)


def check_record(rule, record: Record) -> list[Finding] | tuple[()]:
    # Most records have no label at all (and no field is configured): they return at once.
    if rule.options["check"] != "whitespace" or not _has_labels(rule, record):
        return ()
    return [
        Finding(f"{name} label {value!r} has {_describe_space(value)}", pointer)
        for name, value, pointer in categorical_values(rule, record)
        if isinstance(value, str) and _UNUSUAL_SPACE.search(value)
    ]


def _describe_space(value: str) -> str:
    if value != value.strip():
        return "leading or trailing whitespace"
    odd = next((char for char in value if char.isspace() and char != " "), None)
    if odd is not None:
        return SPACE_NAMES.get(odd, f"an unusual space U+{ord(odd):04X}") + " where other labels use a space"
    if "  " in value:
        return "a doubled space"
    return "an invisible character"


def features(rule) -> Features:
    """`variant`: a row per label (name, value, pointer); `type`: a row per key (pointer, JSON type)."""
    check = rule.options["check"]
    if check == "variant":
        return rows_of(name=CATEGORY, value=STR, pointer=CATEGORY)
    if check == "type":
        return rows_of(pointer=CATEGORY, type=CATEGORY)
    return NO_FEATURES


def record_features(rule, record: Record) -> tuple | None:
    check = rule.options["check"]
    if check == "variant":
        if not _has_labels(rule, record):
            return None
        values = tuple(
            (name, value[:MAX_VALUE], pointer)
            for name, value, pointer in categorical_values(rule, record)
            if isinstance(value, str)
        )
        return values or None
    if check == "type":
        # pointer -> type; a label or configured field given again keeps its first place, as dict() does
        # the exact types json.loads gives are looked up here, without a call to json_type
        types = {
            _key_pointer(key): _TYPE_NAMES.get(type(value)) or json_type(value)
            for key, value in record.data.items()
            if value is not None
        }
        if _has_labels(rule, record):
            for _, value, pointer in categorical_values(rule, record):
                types[pointer] = json_type(value)
        return tuple(types.items()) or None
    return None


@functools.lru_cache(maxsize=1024)
def _key_pointer(key: str) -> str:
    """The pointer of a top-level key; a dataset has few distinct keys, so each is escaped once."""
    return make_pointer(key)


_TYPE_NAMES = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
}


def json_type(value: Any) -> str:
    # One dict lookup for the exact types json.loads produces; subclasses fall through to isinstance.
    name = _TYPE_NAMES.get(type(value))
    if name is not None:
        return name
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null"


def spelling_key(value: str) -> str:
    # Case and spacing only, what F201 reports: shingles.normalize's NFKC would also merge other forms.
    return _SPACES.sub(" ", value).strip().casefold()


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    check = _variants if rule.options["check"] == "variant" else _type_drift
    findings = sorted(check(rule, table), key=lambda finding: finding.index)
    yield from findings


def _plainly_spaced(value: str) -> bool:
    return value == " ".join(value.split()) and not _UNUSUAL_SPACE.search(value)


def _variants(rule, table) -> Iterator[DatasetFinding]:
    # (file, label) -> normalised value -> spelling -> record indices
    spellings: dict[tuple[str, str], dict[str, dict[str, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    pointers: dict[int, dict[str, str]] = {}
    for index, (path, values) in enumerate(zip(table.paths, table.values, strict=True)):
        for name, value, pointer in values:
            spellings[path, name][spelling_key(value)][value].append(index)
            pointers.setdefault(index, {})[name] = pointer
    for (_, name), groups in spellings.items():
        for forms in groups.values():
            if len(forms) < 2:
                continue
            # the most used spelling; on a tie, the one written with plain single spaces
            common, common_rows = max(forms.items(), key=lambda item: (len(item[1]), _plainly_spaced(item[0])))
            for spelling, rows in forms.items():
                if spelling == common:
                    continue
                for index in rows:
                    yield DatasetFinding(
                        index,
                        f"{name} label {spelling!r} is spelled {common!r} in {len(common_rows)} other records",
                        related=(common_rows[0],),
                        pointer=pointers[index][name],
                    )


def _type_drift(rule, table) -> Iterator[DatasetFinding]:
    # Rows are counted by distinct (file, types) pair, which is few; only the rows of a reported type
    # are looked at one by one.
    # The distinct keys and a key number per row, read from the typed columns (no tuple per row).
    paths = table.paths
    keys, key_of_rows = distinct_in_files([table.column("pointer"), table.column("type")], "rows", paths)
    one_file = paths.count(paths[0]) == len(paths)
    path_of = (lambda key: (paths[0], key)) if one_file else (lambda key: key)
    counts = np.bincount(key_of_rows, minlength=len(keys)).tolist()
    kinds: dict[tuple[str, str], Counter] = {}  # (file, pointer) -> type -> rows, in order of first row
    for key, count in zip(keys, counts, strict=True):
        path, values = path_of(key)
        for pointer, kind in values:
            tally = kinds.get((path, pointer))
            if tally is None:
                tally = kinds[path, pointer] = Counter()
            tally[kind] += count
    # (file, pointer) -> (its rank, common type, its rows, all rows, reported types)
    reported: dict[tuple[str, str], tuple[int, str, int, int, set[str]]] = {}
    for rank, ((path, pointer), tally) in enumerate(kinds.items()):
        total = tally.total()
        if len(tally) < 2 or total < rule.options["min-records"]:
            continue
        common, common_count = max(tally.items(), key=lambda item: item[1])
        rare = {kind for kind, count in tally.items() if kind != common and count / total <= rule.options["max-share"]}
        if rare:
            reported[path, pointer] = (rank, common, common_count, total, rare)
    if not reported:
        return
    first_common: dict[tuple[str, str], int] = {}  # (file, pointer) -> key number of the first row with the common type
    flagged: dict[int, list[tuple[int, str, str, str]]] = {}  # key number -> its reported (rank, file, pointer, type)
    for number, key in enumerate(keys):
        path, values = path_of(key)
        for pointer, kind in values:
            found = reported.get((path, pointer))
            if found is None:
                continue
            if kind == found[1]:
                first_common.setdefault((path, pointer), number)
            elif kind in found[4]:
                flagged.setdefault(number, []).append((found[0], path, pointer, kind))
    first_index: dict[int, int] = {}
    for index in np.flatnonzero(np.isin(key_of_rows, np.array(list(flagged), np.int64))).tolist():
        for _rank, path, pointer, kind in sorted(flagged[int(key_of_rows[index])]):
            _, common, common_count, total, _ = reported[path, pointer]
            common_key = first_common[path, pointer]
            if common_key not in first_index:
                first_index[common_key] = int(np.argmax(key_of_rows == common_key))
            name = "/".join(pointer_tokens(pointer))
            yield DatasetFinding(
                index,
                f"{name!r} is {kind} here but {common} in {common_count} of {total} records",
                related=(first_index[common_key],),
                pointer=pointer,
            )


def fix(rule, violation, context):
    """whitespace: unusual spaces become one plain space, doubled spaces one, edges stripped."""
    from datalint.fix import replace_string_value
    from datalint.locate import pointer_tokens
    from datalint.records import resolve
    from datalint.violation import Fix

    if rule.options["check"] != "whitespace":
        return None
    record = context.record(violation.line)
    value = (
        resolve(record.data, violation.pointer) if record is not None and pointer_tokens(violation.pointer) else None
    )
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    if not cleaned or cleaned == value:
        return None
    edits = replace_string_value(context.text(violation.line), violation.line, violation.pointer, cleaned)
    return Fix(rule.fix, tuple(edits)) if edits else None
