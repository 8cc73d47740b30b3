"""Progress on stderr for runs longer than a moment, on a terminal only.

One status line, rewritten in place and cleared at the end, that covers the whole run:

    datalint: [1/2] data/train.jsonl: 45% of 20.9 MB checked
    datalint: dataset rules: 3 of 23, D005 near-duplicate

The record pass is counted in bytes whose results are in (the engine tells `Meter.checked` as
blocks come from the cache and chunks come back from workers: bytes merely read would reach 100%
long before the checking does), the dataset pass by rule (`Meter.dataset_rule`, called in the
process running the rule: with forked processes each one writes the rule it starts, the line
shows the latest). `.json` arrays, stdin and `datalint stats` are counted in bytes read, which
there is the same thing. Silent when stderr is not a terminal (CI logs, pipes), with
`--no-progress` or `--quiet`, and for the first half second.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, TextIO

from datalint.sources import Source

if TYPE_CHECKING:
    from datalint.rules import Rule

DELAY = 0.5  # seconds before the first update: quick runs print nothing
INTERVAL = 0.1  # seconds between two byte counts drawn (a file done or a dataset rule starting: always)
FALLBACK_WIDTH = 80


class Meter:
    """The status line of one run (the engine's `Progress`)."""

    def __init__(self, stream: TextIO, total_files: int) -> None:
        self.stream = stream
        self.total_files = total_files
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False
        self.index = 0
        self.name = ""
        self.size: int | None = None  # of the current file; None when unknown (stdin, .gz)
        self.done = 0  # bytes of the current file checked (or read)

    def file_opened(self, index: int, name: str, size: int | None) -> None:
        self.index, self.name, self.size, self.done = index, name, size, 0

    def checked(self, name: str, size: int) -> None:
        self.done += size
        self._draw(self._file_line(), urgent=self._complete())

    def read(self, done: int) -> None:
        """For sources read as they are checked: the bytes read so far."""
        self.done = done
        self._draw(self._file_line(), urgent=self._complete())

    def _complete(self) -> bool:
        return self.size is not None and self.done >= self.size

    def dataset_rule(self, rule: Rule, number: int, total: int, finished: bool) -> None:
        if not finished:
            self._draw(f"dataset rules: {number} of {total}, {rule.code} {rule.name}", urgent=True)
        elif number == total:  # every rule has started; others may still run in other processes
            self._draw(f"dataset rules: {total} of {total} started, finishing", urgent=True)

    def close(self) -> None:
        # A forked dataset-pass process may have drawn even when this one did not.
        if self.shown or time.monotonic() - self.started >= DELAY:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()

    def _file_line(self) -> str:
        amount = f"{self.done / 1e6:,.1f} MB"
        if self.size:
            amount = f"{min(self.done / self.size, 1):.0%} of {self.size / 1e6:,.1f} MB"
        files = f"[{self.index}/{self.total_files}] " if self.total_files > 1 else ""
        room = _width(self.stream) - len(f"datalint: {files}: {amount} checked") - 1
        name = self.name if len(self.name) <= room else "…" + self.name[len(self.name) - max(room - 1, 8) :]
        return f"{files}{name}: {amount} checked"

    def _draw(self, text: str, urgent: bool = False) -> None:
        now = time.monotonic()
        if now - self.started < DELAY or (not urgent and now - self.last < INTERVAL):
            return
        self.last = now
        line = f"datalint: {text}"
        width = _width(self.stream)
        if len(line) >= width:  # a wrapped line could not be rewritten in place
            line = line[: width - 2] + "…"
        self.stream.write(f"\r\x1b[2K{line}")
        self.stream.flush()
        self.shown = True


def _width(stream: TextIO) -> int:
    """Columns of the terminal: $COLUMNS first, as `shutil.get_terminal_size` reads it."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"]) or FALLBACK_WIDTH
    try:
        return os.get_terminal_size(stream.fileno()).columns or FALLBACK_WIDTH
    except (OSError, ValueError, AttributeError):
        return FALLBACK_WIDTH


class _CountingStream:
    """A binary stream that reports how far the reader got."""

    def __init__(self, inner: BinaryIO, report) -> None:
        self.inner = inner
        self.report = report
        self.done = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self.inner:
            self.done += len(line)
            self.report(self.done)
            yield line

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.done += len(data)
        self.report(self.done)
        return data

    def __enter__(self) -> _CountingStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.inner.close()

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True, slots=True)
class MeteredSource(Source):
    """A source that tells the meter when it is opened, and, when `count_reads`, each read."""

    meter: Meter | None = None
    index: int = 0
    count_reads: bool = True

    def opened(self) -> None:
        if self.meter is None:
            return
        size = None  # unknown: stdin, gzip, a columnar source (its text is not its files' size)
        if self.path is not None and not self.path.name.endswith(".gz") and self.columnar is None:
            with contextlib.suppress(OSError):  # a file that cannot be read: the reader's open() says why
                size = self.path.stat().st_size
        self.meter.file_opened(self.index, self.name, size)

    def open(self) -> BinaryIO:
        stream = Source.open(self)
        if self.meter is None or not (self.count_reads or self.array):
            return stream
        return _CountingStream(stream, self.meter.read)  # type: ignore[return-value]


def wants_progress(quiet: bool, stream: TextIO = sys.stderr) -> bool:
    return not quiet and stream.isatty()


def metered(sources: list[Source], meter: Meter, *, count_reads: bool = True) -> list[Source]:
    """The sources, telling `meter` when they are opened. `count_reads=False` for a lint run of
    JSONL files, whose engine tells the meter what is checked; `.json` arrays are counted as read."""
    return [
        MeteredSource(
            source.name,
            source.path,
            source.array,
            source.data,
            source.columnar,
            meter=meter,
            index=index,
            count_reads=count_reads,
        )
        for index, source in enumerate(sources, start=1)
    ]
