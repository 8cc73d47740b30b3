"""The objects a lint run produces: findings from checks, violations for formatters."""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter

SEVERITIES = ("info", "warning", "error")
_RANKS = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    return _RANKS[severity]


@dataclass(frozen=True, slots=True)
class Finding:
    """What a check reports about one record, before the engine knows file, line or column.

    `pointer` is the JSON pointer of the offending value inside the record; `span` is an
    optional (start, end) range of characters inside that string value (decoded text), so the
    engine can underline just the match.
    """

    message: str
    pointer: str = ""
    span: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """Where a record of a columnar input (Parquet, Arrow shards) sits: its 1-based `row`, global
    within the file or split; the 0-based `row_group` of its Parquet file and 0-based `shard` of its
    split (None where they do not apply), numbered as pyarrow and the shard file names number them;
    `file` is the file that holds the row (a shard of a split)."""

    row: int
    row_group: int | None = None
    shard: int | None = None
    file: str | None = None

    def to_dict(self) -> dict:
        return {"row": self.row, "row_group": self.row_group, "shard": self.shard}

    def label(self) -> str:
        """`row 12`, as text output shows it."""
        return f"row {self.row}"

    def describe(self) -> str:
        """`row 12 (shard 1, row group 0)`: for outputs that point at the file holding the row."""
        parts = [
            f"{name} {value}"
            for name, value in (("shard", self.shard), ("row group", self.row_group))
            if value is not None
        ]
        return self.label() + (f" ({', '.join(parts)})" if parts else "")


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int
    column: int = 1
    end_column: int | None = None
    pointer: str = ""
    message: str = ""
    row: Row | None = None  # a columnar input's row (then `line` is the row number, not a line)

    def to_dict(self) -> dict:
        located = {"path": self.path, "line": self.line, "column": self.column, "end_column": self.end_column}
        if self.row is not None:
            located.update(line=None, column=None, end_column=None)
        located.update(pointer=self.pointer, message=self.message)
        if self.row is not None:
            located.update(self.row.to_dict())
        return located

    def where(self) -> str:
        """`path:line:col`, or `path:row N` for a columnar input's row."""
        if self.row is not None:
            return f"{self.path}:{self.row.label()}"
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class DatasetFinding:
    """What a dataset-wide check reports: the record by its index in the feature table.

    `related` are other records of the run (by index); `elsewhere` are locations outside it,
    such as the matching record of an evaluation set.
    """

    index: int
    message: str
    related: tuple[int, ...] = ()
    pointer: str = ""
    elsewhere: tuple[Location, ...] = ()


@dataclass(frozen=True, slots=True)
class ReplaceText:
    """Replace characters [start, end) of a line's text (decoded, without BOM or line ending)."""

    line: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class DeleteLine:
    """Remove a whole line, its line ending included."""

    line: int


@dataclass(frozen=True, slots=True)
class SetLineEnding:
    """Give a line the ending `ending`; `line=None` rewrites every line that has an ending."""

    line: int | None
    ending: str = "\n"


@dataclass(frozen=True, slots=True)
class RemoveBom:
    """Drop the byte order mark before the first line."""


Edit = ReplaceText | DeleteLine | SetLineEnding | RemoveBom
APPLICABILITIES = ("safe", "unsafe")


@dataclass(frozen=True, slots=True)
class TextEdit:
    """An edit as the output shows it: replace the text from (line, column) up to, not including,
    (end_line, end_column) with `content`. Positions count as violations do (1-based lines,
    1-based code points of a line's text); a line ending is the position after its last character
    up to column 1 of the next line; column 0 of line 1 is the byte order mark, which no column counts."""

    content: str
    line: int
    column: int
    end_line: int
    end_column: int

    def to_dict(self) -> dict:
        return {
            "content": self.content,
            "location": {"line": self.line, "column": self.column},
            "end_location": {"line": self.end_line, "column": self.end_column},
        }


@dataclass(frozen=True, slots=True)
class Fix:
    """A mechanical change to the file that holds a violation, as edits applied together.

    `applicability` is the rule's `fix-safety`: safe fixes change bytes but not meaning and are
    applied by `--fix`; unsafe ones (content changes, records removed) need `--unsafe-fixes`.
    `edits` are what `datalint.fix.apply` performs; `text_edits` the same change as positions in
    the file, for the output (filled when the fix is planned against the file's lines).
    """

    description: str
    edits: tuple[Edit, ...]
    applicability: str = "unsafe"
    text_edits: tuple[TextEdit, ...] = ()

    def to_dict(self) -> dict:
        return {
            "description": self.description,
            "applicability": self.applicability,
            "edits": [edit.to_dict() for edit in self.text_edits],
        }


def merged_fix(fixes: list[Fix]) -> Fix | None:
    """One fix doing what all of `fixes` do (a convention reported once stands for every record's fix)."""
    if not fixes:
        return None
    first = fixes[0]
    return Fix(
        first.description,
        tuple(edit for fix in fixes for edit in fix.edits),
        "safe" if all(fix.applicability == "safe" for fix in fixes) else "unsafe",
        tuple(edit for fix in fixes for edit in fix.text_edits),
    )


@dataclass(slots=True)
class Violation:
    code: str
    name: str
    severity: str
    message: str
    path: str
    line: int
    column: int = 1
    end_column: int | None = None
    pointer: str = ""
    related: list[Location] = field(default_factory=list)
    record_hash: str | None = None
    fix: Fix | None = None
    # A columnar input's row: `line` then holds the row number (for ordering, baselines, memo),
    # and the output shows the row, its row group and shard instead of a line and columns.
    row: Row | None = None

    def to_dict(self) -> dict:
        """The versioned JSON shape (see rules/schemas/output-v2.json): a record of a JSONL file
        has a `line` and columns; a row of a columnar input has null ones, and `row`, `row_group`
        and `shard`."""
        shaped = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_column": self.end_column,
            "pointer": self.pointer,
            "record_hash": self.record_hash,
            "related": [related.to_dict() for related in self.related],
            "fix": None if self.fix is None else self.fix.to_dict(),
        }
        if self.row is not None:
            shaped.update(line=None, column=None, end_column=None, **self.row.to_dict())
        return shaped

    def where(self) -> str:
        """`path:line:col`, or `path:row N` for a columnar input's row."""
        if self.row is not None:
            return f"{self.path}:{self.row.label()}"
        return f"{self.path}:{self.line}:{self.column}"


# The order of a report: by file, line, column and rule code. An attrgetter, not a method: it
# runs in C, and a large run sorts ~1M violations.
by_position = attrgetter("path", "line", "column", "code")
