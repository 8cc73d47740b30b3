"""Bytes to numbered lines to parsed objects; every reading problem becomes a Problem, never an exception.

Lines are split on b"\\n" only, so a raw U+2028/U+2029 inside a JSON string is not a line break.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from datalint.locate import locate, make_pointer

DATASET_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
ARRAY_SUFFIXES = (".json",)


# Deeper records are not parsed: Python's parser recurses once per level, so its own limit (about
# 1,000 levels, less when called deep in a stack) would differ between call sites, and every
# check that walks a record would have to be guarded. No dataset nests anywhere near this.
MAX_DEPTH = 200


@dataclass(frozen=True, slots=True)
class Problem:
    """A reading problem; `kind` matches the `problem` option of a rule of kind `reading`."""

    kind: str
    message: str
    column: int = 1
    end_column: int | None = None
    pointer: str = ""


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


# A line's content hash as a number: its 8-byte digest read big-endian, so that `hash_text` of it is
# the digest's hex text (`record_hash`). Millions of lines hold 8 bytes each instead of a str.
HASH_DTYPE = np.uint64


def record_digests(lines: list[bytes]) -> np.ndarray:
    """`record_hash` of many lines, as numbers (`HASH_DTYPE`): what the driver keeps per line."""
    fresh = hashlib.blake2b(digest_size=8).copy
    digests = []
    add = digests.append
    for raw in lines:
        hasher = fresh()
        hasher.update(raw)
        add(hasher.digest())
    return np.frombuffer(b"".join(digests), ">u8").astype(HASH_DTYPE)


def hash_text(value: int | np.integer) -> str:
    """The 16-hex-digit text of a line's hash (violations, baselines, SARIF fingerprints show it)."""
    return format(int(value), "016x")


def hash_texts(values: np.ndarray) -> list[str]:
    """`hash_text` of many hashes, formatted in one C-level pass."""
    text = np.asarray(values, HASH_DTYPE).astype(">u8").tobytes().hex()
    return [text[start : start + 16] for start in range(0, len(text), 16)]


def hash_values(texts: Iterable[str]) -> np.ndarray:
    """Hash texts (16 hex digits each) as numbers: the inverse of `hash_texts`."""
    texts = list(texts)
    joined = "".join(texts)
    if len(joined) != 16 * len(texts):
        raise ValueError("a line hash is 16 hex digits")
    return np.frombuffer(bytes.fromhex(joined), ">u8").astype(HASH_DTYPE)


def is_dataset_path(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(DATASET_SUFFIXES)


def is_array_path(path: Path) -> bool:
    return path.name.lower().endswith(ARRAY_SUFFIXES)


def is_compressed(path: Path) -> bool:
    """Whether the file's lines are not its bytes (gzip): no byte offset points at a line."""
    return path.name.lower().endswith(".gz")


def open_binary(path: Path) -> BinaryIO:
    if is_compressed(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


class _DuplicateKeyRecorder:
    """object_pairs_hook that builds dicts and remembers duplicated keys of the current line; also
    the parse_constant hook, which remembers NaN / Infinity / -Infinity (not JSON, RFC 8259)."""

    __slots__ = ("duplicates", "constants")

    def __init__(self) -> None:
        self.duplicates: list[str] = []
        self.constants: list[str] = []

    def clear(self) -> None:
        self.duplicates.clear()
        self.constants.clear()

    def constant(self, name: str) -> float:
        self.constants.append(name)
        return _NonJsonNumber(name)

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


# Files are read BLOCK_BYTES at a time: memory holds a block or two, not the file.
BLOCK_BYTES = 16 << 20


@dataclass(frozen=True, slots=True)
class RowPart:
    """Where a run of a columnar input's rows sits: the 0-based `row_group` of its Parquet file and
    the 0-based `shard` of its split (None where they do not apply), in `file`."""

    row_group: int | None
    shard: int | None
    file: str


@dataclass(slots=True)
class Block:
    lines: list[bytes]  # without their "\n"
    missing_newline: bool = False  # the last line of the file, not ended by "\n"
    carriage_return: bool = True  # whether any line may end with "\r" (else none is looked at)
    # problems of where a line comes from, not of its bytes (a columnar reader's row group too
    # large, a value JSON cannot hold): (position in the block, problem); never cached per record
    problems: list[tuple[int, Problem]] = field(default_factory=list)
    # rows of a columnar input: (position in the block, part) where a row group or shard begins
    parts: list[tuple[int, RowPart]] = field(default_factory=list)


def read_blocks(stream: BinaryIO, block_bytes: int = BLOCK_BYTES) -> Iterator[Block]:
    """Lines of a stream in blocks of about `block_bytes`, split on b"\\n" only."""
    rest = b""
    size = max(1, block_bytes // 4)  # a smaller first block: worker processes get their first tasks sooner
    while True:
        data = stream.read(size)
        size = block_bytes
        if not data:
            break
        data = rest + data if rest else data
        lines = data.split(b"\n")
        rest = lines.pop()
        if lines:
            yield Block(lines, carriage_return=b"\r" in data)
    if rest:
        yield Block([rest], missing_newline=True)


def read_jsonl(stream: BinaryIO, *, max_line_bytes: int) -> Iterator[Line]:
    """Every line of a JSONL stream, parsed, with the problems of where it sits (CRLF, no final newline)."""
    return parse_blocks(read_blocks(stream), max_line_bytes=max_line_bytes)


def parse_blocks(blocks: Iterable[Block], *, max_line_bytes: int) -> Iterator[Line]:
    """Every line of these blocks, parsed, with the problems of where it sits (CRLF, no final
    newline, the blocks' own problems)."""
    parser = LineParser(max_line_bytes)
    number = 0
    crlf_seen = False
    for block in blocks:
        noted: dict[int, list[Problem]] = {}
        for position, problem in block.problems:
            noted.setdefault(position, []).append(problem)
        for position, raw in enumerate(block.lines):
            number += 1
            crlf = raw.endswith(b"\r")
            body = raw[:-1] if crlf else raw
            line = parser.parse(number, body, record_hash(body))
            line.problems[:0] = position_problems(crlf and not crlf_seen, block.missing_newline)
            if noted:
                line.problems += noted.get(position, ())
            crlf_seen = crlf_seen or crlf
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
        self.decoder = json.JSONDecoder(object_pairs_hook=self.recorder, parse_constant=self.recorder.constant)

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
        # The usual line costs a few C-level calls here: the slower paths are behind cheap tests.
        start = len(text) - len(text.lstrip(_JSON_WHITESPACE))
        if start == len(text):
            problems.append(Problem("blank-line", "blank line"))
            return line
        if text.count("[") + text.count("{") > MAX_DEPTH:
            deep = _too_deep(text, start, MAX_DEPTH)
            if deep is not None:
                message = f"invalid JSON: nested more than {MAX_DEPTH} levels deep; not read"
                problems.append(Problem("invalid-json", message, deep + 1, deep + 2))
                return line
        recorder = self.recorder
        duplicates, constants = recorder.duplicates, recorder.constants
        duplicates.clear()
        constants.clear()
        try:
            value, end = self.decoder.raw_decode(text, start)
            if end < len(text) and text[end:].strip(_JSON_WHITESPACE):
                rest = len(text) - len(text[end:].lstrip(_JSON_WHITESPACE))
                raise json.JSONDecodeError("Extra data", text, rest)
        except (ValueError, RecursionError) as error:
            problems.append(_unreadable(error, text, start))
            return line
        for key in duplicates:
            shown = json.dumps(_without_surrogates(key), ensure_ascii=False)
            column = _duplicate_key_column(text, key)
            problems.append(
                Problem("duplicate-key", f"duplicate key {shown} (the last value wins)", column, column + len(shown))
            )
        if not isinstance(value, dict):
            problems.append(Problem("not-an-object", f"line is a JSON {_json_type(value)}, not an object"))
            return line
        if constants or "\\u" in text:
            problems += value_problems(value, text, constants)
        line.value = value
        return line


_JSON_WHITESPACE = " \t\r\n"


def _unreadable(error: ValueError | RecursionError, text: str, start: int) -> Problem:
    """The invalid-json problem of a value the parser gave up on."""
    if isinstance(error, json.JSONDecodeError):
        return Problem("invalid-json", f"invalid JSON: {error.msg}", error.pos + 1, error.pos + 2)
    if isinstance(error, RecursionError):  # not reached below MAX_DEPTH; kept so no input can raise
        return Problem("invalid-json", "invalid JSON: nested too deeply")
    # the other ValueError: an integer longer than Python's int-from-string limit (4,300 digits)
    long_number = next((found for found in _STRING_OR_LONG_NUMBER.finditer(text, start) if found[0][0] != '"'), None)
    column = long_number.start() + 1 if long_number else 1
    end_column = long_number.end() + 1 if long_number else None
    message = f"invalid JSON: a number of more than {_INT_DIGITS_LIMIT:,} digits, too long to read"
    return Problem("invalid-json", message, column, end_column)


_INT_DIGITS_LIMIT = sys.get_int_max_str_digits()
_STRING_OR_LONG_NUMBER = re.compile(rf'"[^"\\]*(?:\\.[^"\\]*)*"|-?\d{{{_INT_DIGITS_LIMIT + 1},}}')
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _too_deep(text: str, start: int, limit: int) -> int | None:
    """Position of the bracket that opens nesting level `limit` + 1 (strings skipped), or None.
    Counting brackets first keeps this to two C-level scans on ordinary lines."""
    if text.count("[", start) + text.count("{", start) <= limit:
        return None
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text, start):
        token = match.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > limit:
                return match.start()
        elif token == "]" or token == "}":
            depth -= 1
    return None


class _NonJsonNumber(float):
    """What a NaN / Infinity / -Infinity token parses to until `value_problems` has found where it
    stands; a plain float after."""

    __slots__ = ()


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # any surrogate escape, paired or not: the cheap gate
_LONE_SURROGATE_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _without_surrogates(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


@dataclass(slots=True)
class _Oddities:
    """Where a record's lone surrogates and non-JSON numbers were, in document order."""

    surrogates: list[tuple[str, int | None, int]] = field(default_factory=list)  # pointer, index (None: a key), code
    numbers: list[tuple[str, str]] = field(default_factory=list)  # pointer, token


def value_problems(record: dict, text: str, constants: list[str], *, columns: bool = True) -> list[Problem]:
    """Lone surrogates (S011) and NaN / Infinity (S012) in a parsed record, each reported once, at
    its first occurrence. `text` is the record's JSON text (`columns`: it is the whole line, so
    columns can be given). The record is cleaned in place, so every check after sees encodable
    text and plain floats: a lone surrogate becomes U+FFFD (one character for one, so spans inside
    the string still line up with the line), a NaN mark a plain float."""
    if not constants and _SURROGATE_ESCAPE.search(text) is None:
        return []
    found = _Oddities()
    _clean(record, "", found)
    line_text = text if columns else None
    problems = []
    if found.surrogates:
        pointer, index, code = found.surrogates[0]
        if index is not None:
            column, end_column = locate(line_text, pointer, (index, index + 1))
        else:
            escape = _LONE_SURROGATE_ESCAPE.search(line_text) if line_text is not None else None
            column, end_column = (escape.start() + 1, escape.end() + 1) if escape else (1, None)
        where = f"a key at {pointer}" if index is None else f"the string at {pointer or '/'}"
        more = len(found.surrogates) - 1
        message = (
            f"lone surrogate \\u{code:04x} in {where}: half of a UTF-16 pair is not a character, and "
            "encoding the text as UTF-8 fails; read as U+FFFD" + (f" ({more} more strings)" if more else "")
        )
        problems.append(Problem("lone-surrogate", message, column, end_column, pointer))
    if found.numbers:
        pointer, name = found.numbers[0]
        column, end_column = locate(line_text, pointer)
        more = len(found.numbers) - 1
        message = f"{name} is not a JSON number (RFC 8259): strict parsers reject the record" + (
            f" ({more} more)" if more else ""
        )
        problems.append(Problem("non-json-number", message, column, end_column, pointer))
    return problems


def _clean(value: dict | list, pointer: str, found: _Oddities) -> None:
    """Replace lone surrogates and NaN marks inside `value`, in place, noting where they were.
    Recursive: parsed values are at most MAX_DEPTH deep."""
    if isinstance(value, dict):
        if any(_SURROGATE.search(key) for key in value):
            for key in value:
                surrogate = _SURROGATE.search(key)
                if surrogate:
                    key_pointer = pointer + make_pointer(_without_surrogates(key))
                    found.surrogates.append((key_pointer, None, ord(surrogate.group())))
            cleaned = {_without_surrogates(key): item for key, item in value.items()}
            value.clear()
            value.update(cleaned)
        items = value.items()
    else:
        items = enumerate(value)
    for key, item in list(items):
        if type(item) is str:
            surrogate = _SURROGATE.search(item)
            if surrogate:
                found.surrogates.append((pointer + make_pointer(key), surrogate.start(), ord(surrogate.group())))
                value[key] = _without_surrogates(item)
        elif type(item) is _NonJsonNumber:
            found.numbers.append((pointer + make_pointer(key), _constant_name(item)))
            value[key] = float(item)
        elif isinstance(item, (dict, list)):
            _clean(item, pointer + make_pointer(key), found)


def _constant_name(number: float) -> str:
    return "NaN" if number != number else "Infinity" if number > 0 else "-Infinity"


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
    decoder = json.JSONDecoder(object_pairs_hook=recorder, parse_constant=recorder.constant)
    position = _skip_whitespace(text, 0)
    if text[position : position + 1] != "[":
        yield Line(1, None, problems=[Problem("invalid-json", "invalid JSON: a .json dataset must hold an array")])
        return
    deep = _too_deep(text, position, MAX_DEPTH + 1)  # the array's own level, then its elements'
    if deep is not None:
        message = f"invalid JSON: an element is nested more than {MAX_DEPTH} levels deep; not read"
        yield Line(1 + text.count("\n", 0, deep), None, problems=[note, Problem("invalid-json", message)])
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
        recorder.clear()
        try:
            value, end = decoder.raw_decode(text, position)
        except (ValueError, RecursionError) as error:
            yield Line(
                line_number, None, problems=[Problem("invalid-json", _unreadable(error, text, position).message)]
            )
            return
        problems = [note] if first else []
        problems += [
            Problem("duplicate-key", f"duplicate key {json.dumps(key)} (the last value wins)")
            for key in recorder.duplicates
        ]
        line = Line(line_number, None, hash=record_hash(text[position:end].encode()), problems=problems)
        if isinstance(value, dict):
            problems += value_problems(value, text[position:end], recorder.constants, columns=False)
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
