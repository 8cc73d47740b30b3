"""The reader's one entry point: a source's records, whatever it holds.

Every caller that reads a dataset (the lint run's record pass, `stats`, `sample`, `init`,
contamination's evaluation sets) reads it here, as blocks of lines (`SourceReader.blocks`) or as
parsed lines (`SourceReader.lines`): a JSONL file, a gzip stream, stdin, bytes held in memory, a
JSON array file, or the rows of a Parquet or Arrow input (datalint.columnar) as canonical JSON
lines. Where each record sits is known as it is read: a line number, or for a columnar input its
row, indexed by row group and shard (`RowIndex`) from the blocks that say where one begins.
"""

from __future__ import annotations

import bisect
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from datalint.reader import Block, Line, RowPart, is_compressed, parse_blocks, read_blocks, read_json_array
from datalint.sources import Source
from datalint.violation import Row


class RowIndex:
    """Where the rows of a columnar input sit: the first row (1-based, global) of each row group or
    shard, in row order, as the reader met them. Compact: one entry per part, not per row."""

    __slots__ = ("starts", "parts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.parts: list[RowPart] = []

    def add(self, first_row: int, part: RowPart) -> None:
        self.starts.append(first_row)
        self.parts.append(part)

    def locate(self, row: int) -> Row:
        """The `Row` of row number `row`: its row group, shard and file."""
        if not self.parts:  # an input without rows has no record to locate; kept total all the same
            return Row(row)
        part = self.parts[max(bisect.bisect_right(self.starts, row) - 1, 0)]
        return Row(row, part.row_group, part.shard, part.file)


class SourceReader:
    """Reads one source. `blocks()` and `lines()` read it from the start at each call (stdin's
    bytes are held after the first read of its blocks: a stream cannot be read twice). After a
    read to the end, `rows` is the index of a columnar input's rows (None for lines of text).

    `max_row_group_bytes`: a Parquet row group over this size (uncompressed) is a reading
    problem at its first row (S015; None: no limit)."""

    def __init__(self, source: Source, *, max_row_group_bytes: int | None = None) -> None:
        self.source = source
        self.max_row_group_bytes = max_row_group_bytes
        self.rows: RowIndex | None = None
        self._held: bytes | None = None  # stdin's bytes, once read

    @property
    def byte_file(self) -> Path | None:
        """The file whose bytes are the lines of `blocks()`, at their offsets, for a worker on
        another machine to read them there (chunk specs); None for stdin, bytes held in memory, a
        gzip stream, or rows of a columnar input (lines made from rows)."""
        source = self.source
        if source.path is None or source.data is not None or source.columnar is not None:
            return None
        return None if is_compressed(source.path) else source.path

    def blocks(self) -> Iterator[Block]:
        """The source's lines in blocks (split on b"\\n" only), a columnar input's rows as blocks of
        canonical JSON lines; `rows` is indexed as they are read."""
        source = self.source
        source.opened()
        if source.columnar is None:
            self.rows = None
            if source.path is None and source.data is None and self._held is None:
                self._held = source.open().read()  # stdin: the record pass may read it again
            with self._open() as stream:
                yield from read_blocks(stream)
            return
        from datalint import columnar

        rows = self.rows = RowIndex()
        number = 0
        for block in columnar.read_blocks(source.columnar, source.name, self.max_row_group_bytes):
            for position, part in block.parts:
                rows.add(number + position + 1, part)
            number += len(block.lines)
            yield block

    def lines(self, *, max_line_bytes: int) -> Iterator[Line]:
        """Every record of the source parsed (the reading problems of each on its Line): a JSON
        array's elements numbered by the line each begins on, else each line (or row) in turn."""
        if not self.source.array:
            yield from parse_blocks(self.blocks(), max_line_bytes=max_line_bytes)
            return
        self.source.opened()
        with self._open() as stream:
            yield from read_json_array(stream)

    def _open(self) -> BinaryIO:
        if self._held is not None:
            return io.BytesIO(self._held)
        return self.source.open()
