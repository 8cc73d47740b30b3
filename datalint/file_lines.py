"""A dataset file as lines of text and their endings: the model a fix reads and edits, rendered
back to bytes with every line no edit touched written as it was."""

from __future__ import annotations

import codecs
from collections.abc import Set


class FileLines:
    """A dataset file as lines, the one model a fix reads and edits: each line's text without its
    ending (line 1 without its byte order mark) and its ending. The bytes are split once and a line
    decoded only when asked for (planning the fixes of a few violations in a large file reads a
    handful of lines); edits are kept beside the raw lines, so `render` writes every line no edit
    touched back byte for byte."""

    def __init__(self, raw: bytes, errors: str = "surrogateescape") -> None:
        # errors: how bytes that are not UTF-8 become text and back (surrogateescape: they survive
        # the round trip unchanged); an editor's text, which may hold lone surrogates, uses surrogatepass
        self._pieces = raw.split(b"\n")
        self._errors = errors
        self.bom = self._pieces[0].startswith(codecs.BOM_UTF8)
        if self.bom:
            self._pieces[0] = self._pieces[0][len(codecs.BOM_UTF8) :]
        self.count = len(self._pieces) - (self._pieces[-1] == b"")
        self._texts: dict[int, str] = {}  # line -> its edited text
        self._endings: dict[int, str] = {}  # line -> its new ending

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
        piece = self._pieces[line - 1]
        if line < len(self._pieces) and piece.endswith(b"\r"):
            piece = piece[:-1]
        return piece.decode("utf-8", self._errors)

    def ending(self, line: int) -> str:
        if line in self._endings:
            return self._endings[line]
        if line >= len(self._pieces):
            return ""
        return "\r\n" if self._pieces[line - 1].endswith(b"\r") else "\n"

    def set_text(self, line: int, text: str) -> None:
        self._texts[line] = text

    def set_ending(self, line: int, ending: str) -> None:
        self._endings[line] = ending

    def render(self, deleted: Set[int] = frozenset()) -> bytes:
        """The file's bytes, without the `deleted` lines."""
        edited = self._texts.keys() | self._endings.keys()
        last = len(self._pieces)
        parts = [codecs.BOM_UTF8] if self.bom else []
        for number, piece in enumerate(self._pieces[: self.count], 1):
            if number in deleted:
                continue
            if number in edited:
                parts.append((self.text(number) + self.ending(number)).encode("utf-8", self._errors))
            else:
                parts.append(piece + b"\n" if number < last else piece)
        return b"".join(parts)
