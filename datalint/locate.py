"""Find where a JSON pointer's value sits inside a record's line, so editors can underline it.

Only called for records that have a violation, so a small scanner over the raw line is cheap.
Columns are 1-based character columns of the decoded line.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring

_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SPACES = " \t\n\r"
_LOW_SURROGATE_ESCAPE = re.compile(r"\\u[dD][c-fC-F]")  # the second half of a pair, which the parser joins
_PLAIN_KEY = re.compile(r'"([^"\\]*)"[ \t\n\r]*:[ \t\n\r]*')


def pointer_tokens(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def make_pointer(*tokens: str | int) -> str:
    return "".join("/" + str(token).replace("~", "~0").replace("/", "~1") for token in tokens)


def _skip(text: str, position: int) -> int:
    return _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]


def value_span(text: str, pointer: str) -> tuple[int, int] | None:
    """0-based [start, end) of the value at `pointer` in the JSON text, or None if absent."""
    try:
        position = _skip(text, 0)
        for token in pointer_tokens(pointer):
            opener = text[position]
            if opener == "{":
                position = _find_member(text, position, token)
            elif opener == "[" and token.isdigit():
                position = _find_element(text, position, int(token))
            else:
                return None
            if position < 0:
                return None
        _, end = _DECODER.raw_decode(text, position)
        return position, end
    except (ValueError, IndexError):
        return None


def _find_member(text: str, position: int, wanted: str) -> int:
    position = _skip(text, position + 1)
    found = -1
    while text[position] != "}":
        key_and_colon = _PLAIN_KEY.match(text, position)
        if key_and_colon is not None:  # most keys have no escapes: one regex call for the key and colon
            key, position = key_and_colon.group(1), key_and_colon.end()
        else:
            key, position = scanstring(text, position + 1)
            position = _skip(text, _skip(text, position) + 1)  # the colon
        if key == wanted:
            found = position  # keep scanning: with duplicate keys the last one wins, as in the parser
        position = _after_value(text, position)
        if text[position] == ",":
            position = _skip(text, position + 1)
    return found


def _find_element(text: str, position: int, wanted: int) -> int:
    position = _skip(text, position + 1)
    index = 0
    while text[position] != "]":
        if index == wanted:
            return position
        position = _after_value(text, position)
        if text[position] == ",":
            position = _skip(text, position + 1)
        index += 1
    return -1


def _after_value(text: str, position: int) -> int:
    """The position after the value at `position` and the whitespace after it."""
    if text[position] == '"':
        _, position = scanstring(text, position + 1)
    else:
        _, position = _DECODER.raw_decode(text, position)
    return _skip(text, position) if text[position] in _SPACES else position


def raw_string_offset(text: str, token_start: int, decoded_offset: int) -> int:
    """Map an offset inside a decoded JSON string to its offset in the raw line.

    `token_start` is the position of the string's opening quote. Escapes such as `\\n` or
    `\\u00e9` take several raw characters for one decoded character; a surrogate pair escape
    (`\\ud83d\\ude00`) decodes to one character.
    """
    position = token_start + 1
    decoded = 0
    while decoded < decoded_offset and position < len(text):
        char = text[position]
        if char == '"':
            break
        if char == "\\":
            if text[position + 1] == "u":
                high = int(text[position + 2 : position + 6], 16)
                if 0xD800 <= high < 0xDC00 and _LOW_SURROGATE_ESCAPE.match(text, position + 6):
                    position += 12
                else:
                    position += 6
            else:
                position += 2
        else:
            position += 1
        decoded += 1
    return position


def locate(text: str | None, pointer: str, span: tuple[int, int] | None = None) -> tuple[int, int | None]:
    """1-based (column, end_column) for a finding; (1, None) when it cannot be placed."""
    if text is None:
        return 1, None
    if not pointer and span is None:
        return 1, len(text) + 1
    where = value_span(text, pointer)
    if where is None:
        return 1, None
    start, end = where
    if span is not None and text[start] == '"':
        return raw_string_offset(text, start, span[0]) + 1, raw_string_offset(text, start, span[1]) + 1
    return start + 1, end + 1
