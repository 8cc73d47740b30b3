"""Progress on stderr for runs longer than a moment, on a terminal only.

Sources are wrapped so the bytes the reader pulls are counted; nothing in the engine knows about
it. Silent when stderr is not a TTY (CI logs, pipes), with `--quiet`, and for the first half second.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from datalint.sources import Source

DELAY = 0.5  # seconds before the first update: quick runs print nothing
INTERVAL = 0.1


class Meter:
    """One status line on a terminal, rewritten in place and cleared at the end."""

    def __init__(self, stream: TextIO, total_files: int) -> None:
        self.stream = stream
        self.total_files = total_files
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def update(self, index: int, name: str, done: int, size: int | None) -> None:
        now = time.monotonic()
        if now - self.started < DELAY or now - self.last < INTERVAL:
            return
        self.last = now
        amount = f"{done / 1e6:,.1f} MB"
        if size:
            amount = f"{min(done / size, 1):.0%} of {size / 1e6:,.1f} MB"
        files = f"[{index}/{self.total_files}] " if self.total_files > 1 else ""
        self.stream.write(f"\r\x1b[2Kdatalint: {files}{name}: {amount}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


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
    meter: Meter | None = None
    index: int = 0

    def open(self) -> BinaryIO:
        stream = Source.open(self)
        if self.meter is None:
            return stream
        size = self.path.stat().st_size if self.path is not None and not self.path.name.endswith(".gz") else None
        meter, index, name = self.meter, self.index, self.name
        return _CountingStream(stream, lambda done: meter.update(index, name, done, size))  # type: ignore[return-value]


def wants_progress(quiet: bool, stream: TextIO = sys.stderr) -> bool:
    return not quiet and stream.isatty()


def metered(sources: list[Source], meter: Meter) -> list[Source]:
    return [
        MeteredSource(source.name, source.path, source.array, meter, index)
        for index, source in enumerate(sources, start=1)
    ]
