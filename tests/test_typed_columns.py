"""Typed columns of every layout (typed_columns.TypedColumn, ragged for `rows`) and the distinct values
kinds count, read from real records' packed features and compared with the decoded Python values."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pytest

from datalint import codec, typed_columns
from datalint.config import Settings
from datalint.engine.plan import RulePlan
from datalint.engine.record_pass import check_lines
from datalint.feature_types import BOOL, CATEGORY, FLOAT64, INT64, UINT64_ARRAY, Features, optional, rows, scalar
from datalint.reader import read_jsonl
from datalint.results import Entries
from tests.test_feature_types import DATASETS, SAMPLES, dataset_rules

_TYPED = ("int64", "uint64", "uint32", "float64", "bool", "category")


def _typed_names(declared: Features) -> list[str]:
    return [name for name, kind in declared.columns if kind.name in _TYPED]


def _entries_of_real_records() -> tuple[RulePlan, Entries]:
    """Entries over real records of several shapes: some packed as worker processes send them,
    some checked in this process, as a file's entries are."""
    plan = RulePlan(Settings(tuple(dataset_rules())))
    entries = Entries()
    for number, (name, count) in enumerate(SAMPLES.items()):
        with (DATASETS / name).open("rb") as stream:
            results = check_lines(plan, "auto", list(islice(read_jsonl(stream, max_line_bytes=10_000_000), count)))
        if number % 2:
            entries.add_results(results)
        else:
            entries.add_packed(codec.pack_results(results))
    return plan, entries


def _flat_rows(values: list, declared: Features, at: int) -> list:
    """Column `at` of every row of the values (a `rows` value has several rows, None none)."""
    if declared.layout == "scalar":
        return values
    if declared.layout == "row":
        return [None if value is None else value[at] for value in values]
    return [row[at] for value in values if value is not None for row in value]


@pytest.mark.skipif(not DATASETS.is_dir(), reason="the real datasets are not here")
def test_a_typed_column_of_any_layout_holds_what_the_values_hold() -> None:
    """Every number, bool and category column, ragged ones included: each row's value as the
    decoded tuples have it, each record's rows where its offsets say, and the same after `take`
    and `concat_typed`."""
    plan, entries = _entries_of_real_records()
    ragged_read = multi_row = 0
    for index, declared in plan.declared.items():
        values = entries.column(index)
        if values is None:
            continue
        for name in _typed_names(declared):
            at = declared.names.index(name)
            got = entries.typed_column(index, name)
            want = _flat_rows(values, declared, at)
            assert got.items() == want, (plan.rules[index].code, name)
            assert [type(value) for value in got.items()] == [type(value) for value in want]
            counts = [1 if declared.layout != "rows" else 0 if value is None else len(value) for value in values]
            if set(counts) == {1}:
                assert got.offsets is None  # one row per record: no offsets
                assert got.row_counts().tolist() == [1] * len(values)
                continue
            ragged_read += 1
            assert got.row_counts().tolist() == counts
            assert got.record_of_rows().tolist() == [
                record for record, count in enumerate(counts) for _ in range(count)
            ]
            multi_row += max(counts) > 1
            picked = np.array([5, 0, 3, 3, len(values) - 1])
            taken = got.take(picked)
            assert taken.items() == _flat_rows([values[i] for i in picked.tolist()], declared, at)
            halves = [got.take(np.arange(0, 300)), got.take(np.arange(300, len(values)))]
            assert typed_columns.concat_typed(halves).items() == want
            assert typed_columns.concat_typed(halves).offsets.tolist() == got.offsets.tolist()
            # Records of one row each, as a file of one text per record decodes (no offsets), joined with ragged ones.
            one = got.take(np.flatnonzero(np.array(counts) == 1))
            one_row_each = typed_columns.TypedColumn(one.values, one.present, one.dictionary, one.category)
            joined = typed_columns.concat_typed([one_row_each, taken])
            assert joined.row_counts().tolist() == one_row_each.row_counts().tolist() + taken.row_counts().tolist()
            assert joined.items() == one_row_each.items() + taken.items()
    assert ragged_read >= 20 and multi_row >= 5  # length, language, consistency ... on chat records too


@pytest.mark.skipif(not DATASETS.is_dir(), reason="the real datasets are not here")
def test_distinct_records_give_back_every_record_value() -> None:
    """A table's values read as distinct values and a number per record are the values, in the
    order a dict over them would keep."""
    plan, entries = _entries_of_real_records()
    read = 0
    for index, declared in plan.declared.items():
        values = entries.column(index)
        names = _typed_names(declared)
        if values is None or not names or len(names) != len(declared.columns):
            continue
        present = np.flatnonzero([value is not None for value in values])
        columns = [entries.typed_column(index, name).take(present) for name in names]
        distinct, codes = typed_columns.distinct_records(columns, declared.layout)
        kept = [values[entry] for entry in present.tolist()]
        assert distinct == list(dict.fromkeys(kept)), plan.rules[index].code
        assert [distinct[code] for code in codes.tolist()] == kept
        read += 1
    assert read >= 15


def test_distinct_records_tell_rows_in_order_and_none_apart() -> None:
    declared = Features(rows(field=CATEGORY, flag=BOOL, size=INT64, share=optional(FLOAT64)).columns, "rows")
    values = [
        (("a", True, 1, None), ("b", False, 2, 0.5)),
        (("b", False, 2, 0.5), ("a", True, 1, None)),
        (),
        (("a", True, 1, None),),
        (("a", True, 1, None), ("b", False, 2, 0.5)),
        (("a", True, 1, 0.0),),
        (),
    ]
    meta, blobs = codec.encode_entries_column(values, declared)
    columns = [typed_columns.decode_typed_column(meta, blobs, len(values), name) for name in declared.names]
    distinct, codes = typed_columns.distinct_records(columns, "rows")
    assert distinct == list(dict.fromkeys(values))
    assert codes.tolist() == [0, 1, 2, 3, 0, 4, 2]
    # 1 and 1.0 are two categories but one Python value: counted as one, as a dict does.
    mixed = [(1,), (1.0,), ("1",)]
    meta, blobs = codec.encode_entries_column(mixed, Features((("value", CATEGORY),), "row"))
    column = typed_columns.decode_typed_column(meta, blobs, 3, "value")
    distinct, codes = typed_columns.distinct_records([column], "row")
    assert distinct == [(1,), ("1",)] and codes.tolist() == [0, 0, 1]


def test_a_damaged_ragged_column_is_a_codec_error() -> None:
    declared = Features(rows(field=CATEGORY, size=INT64).columns, "rows")
    meta, blobs = codec.encode_entries_column([(("a", 1), ("b", 2)), (("c", 3),)], declared)
    damaged = [np.array([0, 3, 1], "<i8").tobytes(), *blobs[1:]]
    with pytest.raises(codec.CodecError):
        typed_columns.decode_typed_column(meta, damaged, 2, "size")


def _forbidden() -> list:
    raise AssertionError("read a Python value per record")


@pytest.mark.skipif(not DATASETS.is_dir(), reason="the real datasets are not here")
def test_length_consistency_and_language_rules_read_typed_columns_only(tmp_path) -> None:
    """L003, L006, F106-F112, F203 and Q001-Q002 run on a table whose `values` cannot be read, and find
    what `lint_paths` finds on the same records (chat records: ragged rows; plain ones: one row)."""
    from datalint import lint_paths
    from datalint.checks import load_kind
    from datalint.engine.features import FeatureTable
    from datalint.rules import builtin_rules, prepared, with_overrides

    lines = []
    for name, count in (("sharegpt-v3-cleaned-first2k.jsonl", 300), ("llamafactory-alpaca-zh-demo-1k.jsonl", 30)):
        with (DATASETS / name).open("rb") as stream:
            lines += list(islice(read_jsonl(stream, max_line_bytes=10_000_000), count))
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(line.text for line in lines) + "\n", encoding="utf-8")
    loose = {
        "L003": {"threshold": 1.5, "min-ratio": 1.5, "min-length": 200, "min-group": 5},
        "L006": {"threshold": 2.0},
    }
    codes = ["L003", "L006", "F106", "F107", "F108", "F109", "F110", "F111", "F112", "F203", "Q001", "Q002"]
    rules = [
        prepared(with_overrides(rule, loose[rule.code], "test") if rule.code in loose else rule)
        for rule in builtin_rules()
        if rule.code in codes
    ]
    plan = RulePlan(Settings(tuple(rules)))
    entries = Entries()
    entries.add_packed(codec.pack_results(check_lines(plan, "auto", lines)))
    found = []
    for index, rule in plan.featured_rules:
        present = entries.present(index)
        if present is None:
            continue
        rows = np.flatnonzero(present)

        def read_column(name: str, index: int = index, rows: np.ndarray = rows) -> typed_columns.TypedColumn:
            return entries.typed_column(index, name).take(rows)

        table = FeatureTable([str(path)] * len(rows), (rows + 1).tolist(), [""] * len(rows), frozenset(), _forbidden)
        table.read_column = read_column
        for finding in load_kind(rule.kind).check_dataset(rule, table):
            found.append((rule.code, int(rows[finding.index]) + 1, finding.message, finding.pointer))
    config = tmp_path / "datalint.toml"
    config.write_text(
        "".join(f"[rules.{code}]\n" + "".join(f"{k} = {v}\n" for k, v in o.items()) for code, o in loose.items())
    )
    report = lint_paths([path], select=codes, config=config)
    want = [(v.code, v.line, v.message, v.pointer) for v in report.violations]
    assert sorted(found) == sorted(want)
    assert {code for code, *_ in found} >= {"L003", "L006", "Q001"}  # not vacuous


@pytest.mark.parametrize("high", [3, 300, 2**60])
def test_first_seen_numbers_keys_as_a_dict_does(high: int) -> None:
    """Codes counted in place and wide keys sorted first number the keys alike: by first appearance."""
    keys = np.random.default_rng(high).integers(0, high, 5000, dtype=np.int64)
    numbers, firsts = typed_columns.first_seen(keys)
    by_key: dict[int, int] = {}
    first_of: dict[int, int] = {}
    for index, key in enumerate(keys.tolist()):
        by_key.setdefault(key, len(by_key))
        first_of.setdefault(key, index)
    assert numbers.tolist() == [by_key[key] for key in keys.tolist()]
    assert firsts.tolist() == list(first_of.values())


def test_an_array_column_reads_as_one_ragged_array() -> None:
    """D005's shingle arrays: typed, every record's items end to end with its offsets, read in
    place; records without a value (None) have no items; taking records keeps their items."""
    arrays = [np.array([3, 1, 2], np.uint64), None, np.array([7], np.uint64), np.array([], np.uint64), None]
    for declared in (Features((("shingles", optional(UINT64_ARRAY)),), "scalar"), scalar("shingles", UINT64_ARRAY)):
        values = arrays if declared.columns[0][1].optional else [a for a in arrays if a is not None]
        meta, blobs = codec.encode_entries_column(values, declared)
        column = typed_columns.decode_typed_column(meta, blobs, len(values), "shingles")
        offsets = column.offsets.tolist()
        assert len(offsets) == len(values) + 1
        got = [column.values[start:end].tolist() for start, end in zip(offsets, offsets[1:], strict=False)]
        assert got == [[] if a is None else a.tolist() for a in values]
        taken = column.take(np.array([len(values) - 1, 0, 0]))
        offsets = taken.offsets.tolist()
        want = [values[len(values) - 1], values[0], values[0]]
        assert [taken.values[a:b].tolist() for a, b in zip(offsets, offsets[1:], strict=False)] == [
            [] if a is None else a.tolist() for a in want
        ]


def test_a_damaged_array_column_is_a_codec_error() -> None:
    declared = scalar("shingles", UINT64_ARRAY)
    meta, blobs = codec.encode_entries_column([np.array([1, 2], np.uint64), np.array([3], np.uint64)], declared)
    with pytest.raises(codec.CodecError):
        typed_columns.decode_typed_column(meta, [*blobs[:-1], blobs[-1][:8]], 2, "shingles")
