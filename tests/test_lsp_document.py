"""The language server's buffer: LSP positions (UTF-16 by default) to code points, and edits applied
line by line, with the count of lines they left alone (what `lint_lines` takes as `unchanged`)."""

from __future__ import annotations

import pytest

from datalint.lsp.document import Document, Position
from datalint.lsp.positions import UTF8, UTF16, UTF32, to_index, to_units

TEXT = 'x😀é"y'  # an astral character (2 UTF-16 units, 4 UTF-8 bytes), then a 2-byte one


@pytest.mark.parametrize(
    ("encoding", "units"),
    [(UTF16, [0, 1, 3, 4, 5, 6]), (UTF8, [0, 1, 5, 7, 8, 9]), (UTF32, [0, 1, 2, 3, 4, 5])],
)
def test_code_points_and_units(encoding, units):
    assert [to_units(TEXT, index, encoding) for index in range(len(TEXT) + 1)] == units
    assert [to_index(TEXT, unit, encoding) for unit in units] == list(range(len(TEXT) + 1))


def test_a_position_inside_a_character_or_past_the_end_is_clamped():
    assert to_index(TEXT, 2, UTF16) == 1  # between the two halves of the emoji: its start
    assert to_index(TEXT, 3, UTF8) == 1  # inside its four bytes
    assert to_index(TEXT, 99, UTF16) == len(TEXT)
    assert to_units(TEXT, 99, UTF16) == 6


def test_edits_replace_only_the_lines_they_touch():
    document = Document.from_text("file:///d.jsonl", None, 'a😀b\r\n{"x": 1}\nlast\n')
    assert document.lines == ["a😀b\r", '{"x": 1}', "last"] and document.final_newline
    assert document.since_linted()[0] >= 3  # nothing edited yet
    document.replace(Position(0, 3), Position(0, 4), "B", UTF16)  # after the emoji (UTF-16 units)
    assert document.lines[0] == "a😀B\r"  # the CRLF ending is kept
    assert document.since_linted() == (0, 2)  # line 1 changed; the 2 lines after it did not
    document.replace(Position(1, 0), Position(2, 0), "new\nlines\n", UTF16)
    assert document.lines == ["a😀B\r", "new", "lines", "last"]
    assert document.since_linted() == (1, 0)  # the line the edit ended in ("last") counts as touched
    document.replace(Position(9, 0), Position(9, 0), "{}", UTF16)  # past the end: appended
    assert document.text() == "a😀B\r\nnew\nlines\nlast\n{}" and not document.final_newline
    assert document.line_text(1) == "a😀B"
