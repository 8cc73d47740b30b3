"""A check kind with a defect, for tests only: it declares an int64 feature and keeps a float.

Registered under the name `misdeclared` (`KIND_MODULES`) by the tests that need a defect datalint
finds while it runs (tests/test_defects.py); never shipped."""

from __future__ import annotations

from collections.abc import Iterator

from datalint.feature_types import INT64, scalar

OPTIONS: dict = {}
FEATURE_COLUMNS = scalar("length", INT64)


def record_features(rule, record) -> float:
    return len(record.response) / 2  # a float where the declaration says int64


def check_dataset(rule, table) -> Iterator:
    return iter(())
