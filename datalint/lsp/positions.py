"""Offsets in a line between code points (Python's `str` indices, datalint's columns) and the
units of an LSP position encoding: UTF-16 code units (the protocol's default), UTF-8 bytes or
UTF-32 code points. Characters outside the Basic Multilingual Plane (emoji) are two UTF-16 units."""

from __future__ import annotations

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def to_units(text: str, index: int, encoding: str = UTF16) -> int:
    """The position, in `encoding` units, of code point `index` of `text` (clamped to its end)."""
    index = max(0, min(index, len(text)))
    if encoding == UTF32 or text.isascii():
        return index
    prefix = text[:index]
    if encoding == UTF8:
        return len(prefix.encode("utf-8", "surrogatepass"))
    return index + sum(1 for char in prefix if ord(char) > 0xFFFF)


def to_index(text: str, units: int, encoding: str = UTF16) -> int:
    """The code point index of a position given in `encoding` units (clamped to the line's end;
    a position inside a character counts as that character's start)."""
    units = max(0, units)
    if encoding == UTF32 or text.isascii():
        return min(units, len(text))
    if encoding == UTF8:
        data = text.encode("utf-8", "surrogatepass")
        return len(data[:units].decode("utf-8", "ignore"))
    counted = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if counted + width > units:
            return index
        counted += width
    return len(text)
