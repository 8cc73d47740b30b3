"""Placing: where dataset-wide findings are, after the pass: the column spans of their pointers,
read from their lines; for rows of a columnar input, their row group and shard, from the index the
reader built while reading them."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from datalint import forking
from datalint.locate import locate
from datalint.reader import (
    open_binary,
)
from datalint.sources import Source
from datalint.violation import Violation

if TYPE_CHECKING:
    from datalint.source_reader import RowIndex


def place_dataset_violations(
    violations: list[Violation], sources: list[Source], jobs: int = 1, rows: Mapping[str, RowIndex] | None = None
) -> None:
    """Give dataset-wide violations the column span of their pointer, as record violations have, and
    those in a columnar input (`rows`: its row index, by source name) their `Row`, their related
    locations too (they may be rows of other inputs).

    The dataset pass decides on features alone; only to place its findings for editors are the
    lines concerned read again (a sequential read of a file, up to its last such line). Many
    lines (a large run has hundreds of thousands of findings to place) are shared by `jobs`
    processes, each reading the file up to the lines of its part.
    """
    if rows:
        _place_rows(violations, rows)
    wanted: dict[str, dict[int, list[Violation]]] = {}
    for violation in violations:
        if violation.pointer and violation.end_column is None:
            wanted.setdefault(violation.path, {}).setdefault(violation.line, []).append(violation)
    for source in sources:
        lines = wanted.get(source.name)
        if not lines or source.path is None or source.array or source.columnar is not None:
            continue
        numbers = sorted(lines)
        processes = jobs if len(numbers) >= FORKED_PLACING_MIN_LINES and forking.FORKABLE else 1
        size = -(-len(numbers) // processes)
        parts = [numbers[start : start + size] for start in range(0, len(numbers), size)]
        spans_of = partial(_spans_on_lines, source.path, lines)
        found = forking.share(parts, spans_of, len(parts) - 1, lambda: None) if len(parts) > 1 else [spans_of(parts[0])]
        for part, (spans, _) in zip(parts, found, strict=True):
            for number, line_spans in zip(part, spans, strict=False):  # shorter: the file could not be read
                for violation, span in zip(lines[number], line_spans, strict=True):
                    violation.column, violation.end_column = span


FORKED_PLACING_MIN_LINES = 10_000


def _place_rows(violations: list[Violation], rows: Mapping[str, RowIndex]) -> None:
    for violation in violations:
        index = rows.get(violation.path)
        if index is not None:
            violation.row = index.locate(violation.line)
        if any(related.path in rows for related in violation.related):
            violation.related = [
                replace(related, row=rows[related.path].locate(related.line)) if related.path in rows else related
                for related in violation.related
            ]


def _spans_on_lines(
    path: Path, lines: dict[int, list[Violation]], numbers: list[int]
) -> tuple[list[list[tuple]], None]:
    """The (column, end column) of each violation on these lines (ascending line numbers), as a
    shared task's result (items, extra)."""
    found: list[list[tuple]] = []
    with contextlib.suppress(OSError), open_binary(path) as stream:
        current = 0
        for number in numbers:
            raw = next(islice(stream, number - current - 1, None), None)  # the lines between, skipped in C
            if raw is None:
                break
            current = number
            text = raw.rstrip(b"\r\n").decode("utf-8", errors="replace")
            text = text[1:] if number == 1 and text.startswith("\ufeff") else text
            spans: dict[str, tuple[int, int | None]] = {}  # several rules may point at one value
            for violation in lines[number]:
                if violation.pointer not in spans:
                    spans[violation.pointer] = locate(text, violation.pointer)
            found.append([spans[violation.pointer] for violation in lines[number]])
    return found, None
