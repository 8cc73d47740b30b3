"""Declared feature columns: every dataset-wide kind declares what it keeps per record, the values
it keeps on real records fit that declaration, and the codec stores them by it (no guessing)."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from datalint import codec
from datalint.checks import KIND_MODULES, load_kind
from datalint.config import Settings
from datalint.engine.plan import RulePlan
from datalint.engine.record_pass import check_lines
from datalint.feature_types import (
    BOOL,
    CATEGORY,
    FLOAT64,
    INT64,
    STR,
    UINT64,
    UINT64_ARRAY,
    FeatureError,
    Features,
    features_of,
    optional,
    row,
    rows,
    scalar,
)
from datalint.reader import read_jsonl
from datalint.rules import builtin_rules, prepared, with_overrides

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
if not DATASETS.is_dir():
    DATASETS = Path("/work/shared/datasets")

DATASET_KINDS = sorted(
    name
    for name in KIND_MODULES
    if name != "reading"
    and (hasattr(load_kind(name), "record_features") or hasattr(load_kind(name), "record_features_batch"))
)

# Options that give the rules of a kind something to keep on ordinary records.
OVERRIDES = {
    "B001": {"infer": True, "max-share": 0.5},
    "B002": {"infer": True, "max-share": 0.5},
    "B003": {"purpose": "style"},
    "D006": {"eval-sets": [str(DATASETS / "mt-bench-questions-80.jsonl")], "threshold": 0.2},
}
SAMPLES = {  # real datasets of several shapes, a few hundred records each
    "alpaca-en-52k.jsonl": 400,
    "sharegpt-v3-cleaned-first2k.jsonl": 150,
    "llamafactory-dpo-en-demo.jsonl": 100,
    "llamafactory-glaive-toolcall-en-demo.jsonl": 100,
    "oasst-en-100-messages.jsonl": 100,
    "alpaca-zh-en-bilingual-52k.jsonl": 200,
    "gsm8k-alpaca-train.jsonl": 200,
    "mt-bench-questions-80.jsonl": 80,
    "openai-drone-tool-calls.jsonl": 50,
}


def dataset_rules() -> list:
    found = []
    for rule in builtin_rules():
        if rule.kind in DATASET_KINDS:
            if rule.code in OVERRIDES:
                rule = with_overrides(rule, OVERRIDES[rule.code], "test")
            found.append(prepared(rule))
    return found


def test_every_dataset_wide_kind_declares_its_features() -> None:
    assert len(DATASET_KINDS) == 13
    rules = dataset_rules()
    assert {rule.kind for rule in rules} == set(DATASET_KINDS)
    for rule in rules:
        declared = features_of(rule)
        assert isinstance(declared, Features)
        assert declared.owner == f"rule {rule.code} (kind {rule.kind})"
        assert Features.from_spec(declared.spec()) == declared


def _same(got, want) -> bool:
    if type(got) is not type(want):
        return False
    if isinstance(want, np.ndarray):
        return got.dtype == want.dtype and np.array_equal(got, want)
    if isinstance(want, tuple):
        return len(got) == len(want) and all(map(_same, got, want))
    return got == want


@pytest.mark.skipif(not DATASETS.is_dir(), reason="the real datasets are not here")
def test_what_kinds_keep_on_real_records_fits_their_declaration() -> None:
    """The record pass over real records of several formats: every rule's column encodes by its
    declaration (a mismatch raises FeatureError) and decodes to the same values, value by value too."""
    rules = dataset_rules()
    plan = RulePlan(Settings(tuple(rules)))
    kept: dict[str, int] = {}
    for name, count in SAMPLES.items():
        with (DATASETS / name).open("rb") as stream:
            lines = list(islice(read_jsonl(stream, max_line_bytes=10_000_000), count))
        results = check_lines(plan, "auto", lines)
        for index, column in results.features.items():
            rule = plan.rules[index]
            encoded = codec.encode_entries_column(column, results.declared[index])
            present = sum(value is not None for value in column)
            if encoded is None:
                assert present == 0
                continue
            kept[rule.kind] = kept.get(rule.kind, 0) + present
            meta, blobs = encoded
            decoded = codec.decode_entries_column(meta, blobs, len(column))
            assert all(map(_same, decoded, column)), rule.code
            for entry in range(0, len(column), 37):
                assert _same(codec.value_at(meta, blobs, entry), column[entry]), (rule.code, entry)
    # Not a vacuous test: the kinds that keep features on ordinary records kept some.
    assert set(kept) >= {
        "consistency",
        "contamination",
        "dataset-size",
        "duplicate",
        "labels",
        "language",
        "length",
        "near-duplicate",
        "quota",
        "trainer-file",
    }


def test_a_value_that_does_not_fit_names_the_rule_kind_and_feature() -> None:
    declared = Features(row(log_len=FLOAT64, pointer=CATEGORY).columns, "row", "rule L003 (kind length)")
    with pytest.raises(FeatureError, match=r"rule L003 \(kind length\): feature 'log_len': expected float64, got int"):
        codec.encode_entries_column([(1.5, "/a"), (2, "/b")], declared)
    with pytest.raises(FeatureError, match=r"rule L003 \(kind length\): expected a row of \('log_len', 'pointer'\)"):
        codec.encode_entries_column([(1.5, "/a"), (2.5,)], declared)
    signature = Features(scalar("shingles", UINT64_ARRAY).columns, "scalar", "rule D005 (kind near-duplicate)")
    with pytest.raises(FeatureError, match="feature 'shingles': expected a 1-D array of <u8"):
        codec.encode_entries_column([np.arange(3, dtype=np.int32)], signature)
    with pytest.raises(FeatureError, match="feature 'hash': a value does not fit uint64"):
        codec.encode_entries_column([(-1,)], row(hash=UINT64))
    with pytest.raises(FeatureError, match="declares no features"):
        codec.encode_entries_column([1], Features((), "scalar"))


def test_a_value_that_does_not_fit_is_an_error_not_a_missing_cache(tmp_path: Path) -> None:
    """A worker's or the cache's encoding of a bad value raises: the cache is never silently left out."""
    from datalint import cache
    from datalint.record_keys import RecordKeys
    from datalint.results import Results

    results = Results()
    results.append(2, [], [(0, ("response", 1.5))])
    results.append(2, [], [(0, ("response", "long"))])
    results.declared[0] = Features(rows(field=CATEGORY, log_len=FLOAT64).columns, "row", "rule L003 (kind length)")
    keys = RecordKeys(np.arange(2, dtype=np.uint64), [0])
    with pytest.raises(FeatureError, match="feature 'log_len'"):
        cache.save(tmp_path / "file.bin", "d" * 32, "alpaca", keys, results)
    with pytest.raises(FeatureError):
        codec.pack_results(results)


def test_every_type_and_layout_round_trips_with_missing_values() -> None:
    declared = Features(
        rows(
            hash=UINT64, count=INT64, share=FLOAT64, flag=BOOL, label=CATEGORY, text=STR, maybe=optional(UINT64)
        ).columns,
        "rows",
    )
    column = [
        ((2**64 - 1, -5, 0.5, True, ("a", 1), "naïve \U0001f600", None),),
        None,
        (),
        ((0, 7, -1.0, False, None, "", 3), (1, 2**62, 1e300, True, "b", "x", None)),
        None,
    ]
    meta, blobs = codec.encode_entries_column(column, declared)
    assert codec.decode_entries_column(meta, blobs, len(column)) == column
    for entry, value in enumerate(column):
        assert codec.value_at(meta, blobs, entry) == value
    # A category that mixes booleans and numbers keeps each its type (True == 1 in a dict).
    mixed = [True, 1, 1.0, False, 0, "x", None]
    meta, blobs = codec.encode_entries_column(mixed, scalar("value", CATEGORY))
    decoded = codec.decode_entries_column(meta, blobs, len(mixed))
    assert [type(value) for value in decoded] == [type(value) for value in mixed] and decoded == mixed
    assert codec.encode_entries_column([None, None], scalar("value", INT64)) is None


@pytest.mark.skipif(not DATASETS.is_dir(), reason="the real datasets are not here")
def test_kinds_that_share_work_give_each_rule_what_it_would_get_alone() -> None:
    """consistency, duplicate and language compute their rules' features as a set (one scan, one
    language label per text, one set of keys per record): the same values as each rule alone."""
    from datalint.field_mapping import build_record
    from datalint.presets import detect_format

    rules = dataset_rules()
    with (DATASETS / "sharegpt-v3-cleaned-first2k.jsonl").open("rb") as stream:
        lines = list(islice(read_jsonl(stream, max_line_bytes=10_000_000), 60))
    with (DATASETS / "alpaca-zh-en-bilingual-52k.jsonl").open("rb") as stream:
        lines += list(islice(read_jsonl(stream, max_line_bytes=10_000_000), 60))
    shared_kinds = {name for name in DATASET_KINDS if hasattr(load_kind(name), "record_features_set")}
    assert shared_kinds == {"consistency", "duplicate", "language"}
    for name in shared_kinds:
        kind = load_kind(name)
        members = [rule for rule in rules if rule.kind == name]
        state = kind.prepare_features_set(members)
        for line in lines:
            if line.value is None:
                continue
            record = build_record(line.number, line.hash, line.value, detect_format(line.value))
            together = kind.record_features_set(state, record)
            alone = [
                kind.record_features(rule, build_record(1, line.hash, line.value, record.format)) for rule in members
            ]
            assert all(map(_same_or_none, together, alone)), (name, line.number)


def _same_or_none(got, want) -> bool:
    return got is None and want is None or got is not None and want is not None and _same(got, want)


def _typed_names(declared: Features) -> list[str]:
    typed = ("int64", "uint64", "uint32", "float64", "bool", "category")
    if declared.layout == "rows":
        return []
    return [name for name, kind in declared.columns if kind.name in typed]


@pytest.mark.skipif(not DATASETS.is_dir(), reason="the real datasets are not here")
def test_a_typed_column_holds_what_the_values_hold() -> None:
    """Every number, bool and category column of a row or scalar layout, read as arrays (from the
    encoded column, from values held in this process, and joined over chunks as a file's entries
    are), gives each row the value its tuple has, None where the row has none."""
    from datalint.results import Entries
    from datalint.typed_columns import concat_typed

    rules = dataset_rules()
    plan = RulePlan(Settings(tuple(rules)))
    chunks = []
    for name, count in islice(SAMPLES.items(), 4):
        with (DATASETS / name).open("rb") as stream:
            chunks.append(check_lines(plan, "auto", list(islice(read_jsonl(stream, max_line_bytes=10_000_000), count))))
    entries = Entries()
    for results in chunks[:2]:
        entries.add_packed(codec.pack_results(results))  # as worker processes send them
    for results in chunks[2:]:
        entries.add_results(results)  # checked in this process
    read = 0
    for index, declared in plan.declared.items():
        values = entries.column(index)
        if values is None:
            continue
        for position, name in enumerate(_typed_names(declared)):
            at = declared.names.index(name)
            want = [None if value is None else value if declared.layout == "scalar" else value[at] for value in values]
            got = entries.typed_column(index, name)
            assert got.items() == want, (plan.rules[index].code, name)
            assert [type(value) for value in got.items()] == [type(value) for value in want]
            parts = [entries.typed_column(index, name).take(np.arange(start, start + 50)) for start in (0, 50)]
            assert concat_typed(parts).items() == want[:100]
            read += position == 0
    assert read >= 8  # duplicate, length, labels, language ... have typed columns


def test_duplicate_rules_group_by_typed_columns_across_files(tmp_path: Path) -> None:
    """D001-D003 read their hashes as arrays: copies across two files, and a copy in a spelling
    that only the looser key sees, reported once each, at the later copy."""
    from datalint import lint_paths

    first, second = tmp_path / "train.jsonl", tmp_path / "valid.jsonl"
    record = '{"instruction": "Name a color.", "input": "", "output": "Blue is a color."}'
    respaced = '{"instruction":"Name a  color.","input":"","output":"blue is a color."}'
    other = '{"instruction": "Name a color.", "input": "", "output": "Blue.", "id": 7}'
    first.write_text("\n".join([record, other, '{"instruction": "Hi", "input": "", "output": "Hello."}']) + "\n")
    second.write_text("\n".join([record, respaced, record]) + "\n")
    report = lint_paths([first, second], select=["D001", "D002", "D003"])
    found = [(v.code, Path(v.path).name, v.line, v.message) for v in report.violations]
    assert found == [
        ("D001", "valid.jsonl", 1, f"exact duplicate of {first}:1 (3 records share it)"),
        (
            "D002",
            "valid.jsonl",
            2,
            f"duplicate (differs only in case, whitespace, Unicode form or metadata) of {first}:1 (4 records share it)",
        ),
        ("D001", "valid.jsonl", 3, f"exact duplicate of {first}:1 (3 records share it)"),
    ]


def test_a_ragged_column_of_one_row_per_record_stores_no_offsets() -> None:
    """The usual `rows` column (one text per record: consistency, length) keeps no offset per
    record; it decodes, and reads one value, as one with offsets does."""
    declared = Features(rows(field=CATEGORY, log_len=FLOAT64, size=INT64).columns, "rows")
    single = [(("response", 0.5 * entry, entry),) if entry % 3 else None for entry in range(40)]
    ragged = [*single, (("response", 1.0, 1), ("input", 2.0, 2)), ()]
    for column in (single, ragged):
        meta, blobs = codec.encode_entries_column(column, declared)
        assert meta.get("single_rows", False) is (column is single)
        assert codec.decode_entries_column(meta, blobs, len(column)) == column
        assert [codec.value_at(meta, blobs, entry) for entry in range(len(column))] == column
    offsets = 8 * (sum(value is not None for value in single) + 1)
    with_offsets = sum(map(len, codec.encode_entries_column(ragged[:-2] + [(), ()], declared)[1]))
    assert sum(map(len, codec.encode_entries_column(single, declared)[1])) <= with_offsets - offsets
