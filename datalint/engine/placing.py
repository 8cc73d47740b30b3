"""Placing: the column spans of dataset-wide findings, read from their lines after the pass."""

from __future__ import annotations

import contextlib
from functools import partial
from itertools import islice
from pathlib import Path

from datalint import forking
from datalint.locate import locate
from datalint.reader import (
    open_binary,
)
from datalint.sources import Source
from datalint.violation import Violation


def place_dataset_violations(violations: list[Violation], sources: list[Source], jobs: int = 1) -> None:
    """Give dataset-wide violations the column span of their pointer, as record violations have.

    The dataset pass decides on features alone; only to place its findings for editors are the
    lines concerned read again (a sequential read of a file, up to its last such line). Many
    lines (a large run has hundreds of thousands of findings to place) are shared by `jobs`
    processes, each reading the file up to the lines of its part.
    """
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
        for part, spans in zip(parts, found, strict=True):
            for number, line_spans in zip(part, spans, strict=False):  # shorter: the file could not be read
                for violation, span in zip(lines[number], line_spans, strict=True):
                    violation.column, violation.end_column = span


FORKED_PLACING_MIN_LINES = 10_000


def _spans_on_lines(path: Path, lines: dict[int, list[Violation]], numbers: list[int]) -> list[list[tuple]]:
    """The (column, end column) of each violation on these lines (ascending line numbers)."""
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
    return found
