"""Feature types: what a dataset-wide kind keeps per record, declared by the kind.

A kind declares its features as named, typed columns (`Features`), in one of three layouts:

- `scalar(name, type)`: `record_features` returns the value itself (a count, a signature array);
- `row(**columns)`: it returns one tuple, one item per column, in declaration order;
- `rows(**columns)`: it returns a tuple of such row tuples (a row per text field, per label ...):
  a ragged layout, stored as the rows plus an offset per record.

`None` instead of a value means "no feature for this record". The codec (codec.py) stores each
column by its declared type, so nothing is guessed from the values, and a value that does not fit
its declaration is a `FeatureError` naming the rule, its kind and the feature.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

# Type names and the numpy dtype each is stored as ("" for the types that are not numbers).
_DTYPES = {
    "int64": "<i8",
    "uint64": "<u8",
    "uint32": "<u4",
    "float64": "<f8",
    "bool": "|b1",
    "category": "",
    "str": "",
    "array": "",
}
LAYOUTS = ("scalar", "row", "rows")


class FeatureError(ValueError):
    """A feature value that does not fit its declaration, or a declaration that cannot be read."""


@dataclass(frozen=True, slots=True)
class FeatureType:
    """One column's type. `category`: few distinct values (strings, numbers, booleans, None, or
    tuples of those), stored once in a dictionary with a small code per row. `array`: a 1-D numpy
    array of `dtype` per row (shingle hashes, signatures). `optional`: None is allowed."""

    name: str
    dtype: str = ""
    optional: bool = False

    def __post_init__(self) -> None:
        if self.name not in _DTYPES:
            raise FeatureError(f"unknown feature type {self.name!r}")

    @property
    def label(self) -> str:
        shown = f"array of {self.dtype}" if self.name == "array" else self.name
        return f"optional {shown}" if self.optional else shown


INT64 = FeatureType("int64", "<i8")
UINT64 = FeatureType("uint64", "<u8")
UINT32 = FeatureType("uint32", "<u4")
FLOAT64 = FeatureType("float64", "<f8")
BOOL = FeatureType("bool", "|b1")
CATEGORY = FeatureType("category")
STR = FeatureType("str")
UINT64_ARRAY = FeatureType("array", "<u8")


def optional(feature_type: FeatureType) -> FeatureType:
    return replace(feature_type, optional=True)


@dataclass(frozen=True, slots=True)
class Features:
    """A rule's declared features: named typed columns and their layout. `owner` names the rule
    and kind in errors."""

    columns: tuple[tuple[str, FeatureType], ...]
    layout: str = "row"
    owner: str = ""

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise FeatureError(f"unknown feature layout {self.layout!r}")
        if self.layout == "scalar" and len(self.columns) > 1:
            raise FeatureError("a scalar feature has one column")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def spec(self) -> dict[str, Any]:
        """The declaration as JSON (stored with each cached column)."""
        return {
            "layout": self.layout,
            "owner": self.owner,
            "columns": [[name, kind.name, kind.dtype, kind.optional] for name, kind in self.columns],
        }

    @classmethod
    def from_spec(cls, spec: Any) -> Features:
        try:
            columns = tuple(
                (str(name), FeatureType(name=kind, dtype=dtype, optional=bool(is_optional)))
                for name, kind, dtype, is_optional in spec["columns"]
            )
            features = cls(columns, spec["layout"], str(spec.get("owner", "")))
        except (KeyError, TypeError, ValueError) as error:
            raise FeatureError(f"unreadable feature declaration: {error}") from error
        for _, kind in columns:
            if kind.name != "array" and kind.dtype != _DTYPES[kind.name]:
                raise FeatureError(f"unreadable feature declaration: {kind.name} stored as {kind.dtype!r}")
        return features


NO_FEATURES = Features((), "scalar")  # a rule that keeps nothing: its record_features returns None


def scalar(name: str, feature_type: FeatureType) -> Features:
    return Features(((name, feature_type),), "scalar")


def row(**columns: FeatureType) -> Features:
    return Features(tuple(columns.items()), "row")


def rows(**columns: FeatureType) -> Features:
    return Features(tuple(columns.items()), "rows")


def features_of(rule: Any) -> Features:
    """The rule's declared features: its kind's `features(rule)` hook (when the kind's rules keep
    different features) or its `FEATURE_COLUMNS`, named after the rule for error messages."""
    from datalint.checks import load_kind

    kind = load_kind(rule.kind)
    hook = getattr(kind, "features", None)
    declared = hook(rule) if hook is not None else getattr(kind, "FEATURE_COLUMNS", None)
    if not isinstance(declared, Features):
        raise FeatureError(f"rule {rule.code} (kind {rule.kind}) declares no features")
    return replace(declared, owner=f"rule {rule.code} (kind {rule.kind})")
