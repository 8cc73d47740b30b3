"""Bytes to numbered lines to parsed objects; every reading problem becomes a Problem, never an exception.

Lines are split on b"\\n" only, so a raw U+2028/U+2029 inside a JSON string is not a line break.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

DATASET_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
ARRAY_SUFFIXES = (".json",)


@dataclass(frozen=True, slots=True)
class Problem:
    """A reading problem; `kind` matches the `problem` option of a rule of kind `reading`."""

    kind: str
    message: str
    column: int = 1
    end_column: int | None = None


@dataclass(slots=True)
class Line:
    number: int
    text: str | None  # decoded, without its line ending; None when it cannot be decoded
    value: Any = None  # the parsed object, or None when the line is not a usable record
    hash: str = ""
    problems: list[Problem] = field(default_factory=list)


def record_hash(raw: bytes) -> str:
    """Stable content hash of a record line (its bytes without the line ending)."""
    return hashlib.blake2b(raw, digest_size=8).hexdigest()


def record_hashes(lines: list[bytes]) -> list[str]:
    """`record_hash` of many lines: copying one prepared hasher skips the constructor's argument
    parsing, a third of the time on short lines."""
    fresh = hashlib.blake2b(digest_size=8).copy
    hashes = []
    for raw in lines:
        hasher = fresh()
        hasher.update(raw)
        hashes.append(hasher.hexdigest())
    return hashes


def is_dataset_path(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(DATASET_SUFFIXES)


def is_array_path(path: Path) -> bool:
    return path.name.lower().endswith(ARRAY_SUFFIXES)


def open_binary(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


class _DuplicateKeyRecorder:
    """object_pairs_hook that builds dicts and remembers duplicated keys of the current line."""

    __slots__ = ("duplicates",)

    def __init__(self) -> None:
        self.duplicates: list[str] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.duplicates.append(key)
                seen.add(key)
        return result


def _duplicate_key_column(text: str, key: str) -> int:
    """Column of the second occurrence of `"key"` followed by a colon (best effort)."""
    token = json.dumps(key, ensure_ascii=False)
    first = text.find(token)
    second = text.find(token, first + 1) if first >= 0 else -1
    return second + 1 if second >= 0 else 1


def read_jsonl(stream: BinaryIO, *, max_line_bytes: int) -> Iterator[Line]:
    parser = LineParser(max_line_bytes)
    crlf_lines = 0
    for number, raw in enumerate(stream, start=1):
        ending_missing = not raw.endswith(b"\n")
        body = raw if ending_missing else raw[:-1]
        crlf = body.endswith(b"\r")
        if crlf:
            body = body[:-1]
            crlf_lines += 1
        line = parser.parse(number, body, record_hash(body))
        line.problems[:0] = position_problems(crlf and crlf_lines == 1, ending_missing)
        yield line


def position_problems(first_crlf: bool, ending_missing: bool) -> list[Problem]:
    """Problems that depend on where a line sits in its file, not on its bytes (never cached per record)."""
    problems = []
    if first_crlf:
        problems.append(Problem("crlf", "line ends with CRLF (\\r\\n); JSONL lines end with \\n"))
    if ending_missing:
        problems.append(Problem("missing-final-newline", "file does not end with a newline"))
    return problems


class LineParser:
    """Parses one line's bytes (without its line ending) into a Line: a pure function of the bytes,
    plus whether it is line 1 (where a byte order mark is allowed and reported)."""

    __slots__ = ("max_line_bytes", "recorder", "decoder")

    def __init__(self, max_line_bytes: int) -> None:
        self.max_line_bytes = max_line_bytes
        self.recorder = _DuplicateKeyRecorder()
        self.decoder = json.JSONDecoder(object_pairs_hook=self.recorder)

    def parse(self, number: int, body: bytes, hash_: str) -> Line:
        problems: list[Problem] = []
        line = Line(number, None, hash=hash_, problems=problems)
        if len(body) > self.max_line_bytes:
            problems.append(
                Problem(
                    "line-too-long",
                    f"line is {len(body):,} bytes, over the limit of {self.max_line_bytes:,}; not parsed",
                )
            )
            return line
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            column = len(body[: error.start].decode("utf-8", errors="replace")) + 1
            problems.append(
                Problem(
                    "invalid-utf8",
                    f"invalid UTF-8 byte 0x{body[error.start]:02x} at byte {error.start + 1}",
                    column,
                    column + 1,
                )
            )
            return line
        if number == 1 and text.startswith("\ufeff"):
            problems.append(Problem("bom", "file starts with a byte order mark (U+FEFF)", 1, 2))
            text = text[1:]
        line.text = text
        if not text.strip():
            problems.append(Problem("blank-line", "blank line"))
            return line
        recorder = self.recorder
        recorder.duplicates.clear()
        try:
            value, end = self.decoder.raw_decode(text, len(text) - len(text.lstrip()))
            if text[end:].strip():
                raise json.JSONDecodeError("Extra data", text, end + len(text[end:]) - len(text[end:].lstrip()))
        except json.JSONDecodeError as error:
            problems.append(Problem("invalid-json", f"invalid JSON: {error.msg}", error.pos + 1, error.pos + 2))
            return line
        except RecursionError:
            problems.append(Problem("invalid-json", "invalid JSON: nested too deeply"))
            return line
        for key in recorder.duplicates:
            column = _duplicate_key_column(text, key)
            problems.append(
                Problem(
                    "duplicate-key",
                    f"duplicate key {json.dumps(key, ensure_ascii=False)} (the last value wins)",
                    column,
                    column + len(json.dumps(key, ensure_ascii=False)),
                )
            )
        if not isinstance(value, dict):
            problems.append(Problem("not-an-object", f"line is a JSON {_json_type(value)}, not an object"))
        else:
            line.value = value
        return line


def read_json_array(stream: BinaryIO) -> Iterator[Line]:
    """A .json file holding one array of objects: one Line per element, numbered by its first line."""
    raw = stream.read()
    note = Problem("json-array", "JSON array file: records are read from the array; JSONL is preferred")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        yield Line(1, None, problems=[note, Problem("invalid-utf8", f"invalid UTF-8 at byte {error.start + 1}")])
        return
    recorder = _DuplicateKeyRecorder()
    decoder = json.JSONDecoder(object_pairs_hook=recorder)
    position = _skip_whitespace(text, 0)
    if text[position : position + 1] != "[":
        yield Line(1, None, problems=[Problem("invalid-json", "invalid JSON: a .json dataset must hold an array")])
        return
    position = _skip_whitespace(text, position + 1)
    first = True
    line_number, counted = 1, 0
    while True:
        line_number, counted = line_number + text.count("\n", counted, position), position
        if position >= len(text):
            yield Line(line_number, None, problems=[Problem("invalid-json", "invalid JSON: unterminated array")])
            return
        if text[position] == "]":
            return
        if not first:
            if text[position] != ",":
                yield Line(line_number, None, problems=[Problem("invalid-json", "invalid JSON: expected ','")])
                return
            position = _skip_whitespace(text, position + 1)
            line_number, counted = line_number + text.count("\n", counted, position), position
        recorder.duplicates.clear()
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            yield Line(line_number, None, problems=[Problem("invalid-json", f"invalid JSON: {error.msg}")])
            return
        problems = [note] if first else []
        problems += [
            Problem("duplicate-key", f"duplicate key {json.dumps(key)} (the last value wins)")
            for key in recorder.duplicates
        ]
        line = Line(line_number, None, hash=record_hash(text[position:end].encode()), problems=problems)
        if isinstance(value, dict):
            line.value = value
        else:
            problems.append(Problem("not-an-object", f"array element is a JSON {_json_type(value)}, not an object"))
        yield line
        position, first = _skip_whitespace(text, end), False


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _skip_whitespace(text: str, position: int) -> int:
    return _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )
