"""A dataset file as lines of text and their endings: the model a fix reads and edits, rendered
back to bytes with every line no edit touched written as it was."""

from __future__ import annotations

import codecs
from collections.abc import Set
from pathlib import Path

from datalint.reader import open_binary, read_blocks

BLOCK_BYTES = 1 << 24  # read at a time by `FileLines.of_file`


class FileLines:
    """A dataset file as lines, the one model a fix reads and edits: each line's text without its
    ending (line 1 without its byte order mark) and its ending. The bytes are split once and a line
    decoded only when asked for (planning the fixes of a few violations in a large file reads a
    handful of lines); edits are kept beside the raw lines, so `render` writes every line no edit
    touched back byte for byte."""

    def __init__(self, raw: bytes, errors: str = "surrogateescape") -> None:
        # errors: how bytes that are not UTF-8 become text and back (surrogateescape: they survive
        # the round trip unchanged); an editor's text, which may hold lone surrogates, uses surrogatepass
        self._errors = errors
        self._path: Path | None = None  # set when only some lines are held (`of_file`)
        self._hold(dict(enumerate(raw.split(b"\n"))))
        self._texts: dict[int, str] = {}  # line -> its edited text
        self._endings: dict[int, str] = {}  # line -> its new ending

    def _hold(self, pieces: dict[int, bytes], total: int | None = None) -> None:
        """Keep `pieces` (index -> the bytes between two newlines) of a file split into `total`."""
        self._pieces = pieces
        self._total = len(pieces) if total is None else total
        first = pieces.get(0, b"")
        self.bom = first.startswith(codecs.BOM_UTF8)
        if self.bom:
            pieces[0] = first[len(codecs.BOM_UTF8) :]
        self.count = self._total - (pieces.get(self._total - 1) == b"")

    @staticmethod
    def of_file(path: Path, lines: Set[int], block_bytes: int = BLOCK_BYTES) -> FileLines:
        """A file's `lines` only, read in blocks: planning the fixes of a few violations of a large
        file holds those lines, not a copy of the file split in pieces (twice its size). A line not
        held reads the whole file when it is asked for (a fix of every line's ending)."""
        found = FileLines(b"")
        found._path = path
        wanted = {line - 1 for line in lines} | {0}  # line 1: its byte order mark
        pieces: dict[int, bytes] = {}
        index = 0
        ends_with_newline = True
        with open_binary(path) as stream:
            for block in read_blocks(stream, block_bytes):
                pieces.update((index + at, block.lines[at]) for at in range(len(block.lines)) if index + at in wanted)
                index += len(block.lines)
                ends_with_newline = not block.missing_newline
        if ends_with_newline:
            pieces[index] = b""  # what follows the last newline: nothing
            index += 1
        found._hold(pieces, index)
        return found

    def _piece(self, index: int) -> bytes:
        piece = self._pieces.get(index)
        if piece is None:
            self._read_all()
            piece = self._pieces.get(index)
        if piece is None:
            raise IndexError(index + 1)  # the file lost lines since they were counted
        return piece

    def _read_all(self) -> None:
        if self._path is not None and len(self._pieces) < self._total:
            with open_binary(self._path) as stream:
                self._hold(dict(enumerate(stream.read().split(b"\n"))))
            self._path = None

    @staticmethod
    def parse(raw: bytes) -> FileLines:
        return FileLines(raw)

    @staticmethod
    def of_text(text: str) -> FileLines:
        """An editor's buffer, whose text may hold lone surrogates (kept as they are)."""
        return FileLines(text.encode("utf-8", "surrogatepass"), "surrogatepass")

    def text(self, line: int) -> str:
        """The line's text: without its ending (and, on line 1, without the byte order mark)."""
        if not 1 <= line <= self.count:
            raise IndexError(line)
        edited = self._texts.get(line)
        if edited is not None:
            return edited
        piece = self._piece(line - 1)
        if line < self._total and piece.endswith(b"\r"):
            piece = piece[:-1]
        return piece.decode("utf-8", self._errors)

    def ending(self, line: int) -> str:
        if line in self._endings:
            return self._endings[line]
        if line >= self._total:
            return ""
        return "\r\n" if self._piece(line - 1).endswith(b"\r") else "\n"

    def set_text(self, line: int, text: str) -> None:
        self._texts[line] = text

    def set_ending(self, line: int, ending: str) -> None:
        self._endings[line] = ending

    def render(self, deleted: Set[int] = frozenset()) -> bytes:
        """The file's bytes, without the `deleted` lines."""
        self._read_all()
        edited = self._texts.keys() | self._endings.keys()
        last = self._total
        parts = [codecs.BOM_UTF8] if self.bom else []
        for number in range(1, self.count + 1):
            piece = self._pieces[number - 1]
            if number in deleted:
                continue
            if number in edited:
                parts.append((self.text(number) + self.ending(number)).encode("utf-8", self._errors))
            else:
                parts.append(piece + b"\n" if number < last else piece)
        return b"".join(parts)
