"""The file format the cache and the memo share: a magic line, a JSON header, a body written in
parts, and a CRC-32 of the body. A file is written to a temporary name and renamed into place
(concurrent writers leave one complete file), and read back only when it is whole and was
written by the same kind of writer: a truncated, garbled or foreign file is refused, never
trusted. It holds JSON and raw bytes only, nothing that runs code when loaded (unlike pickle).

    MAGIC | header length (8 bytes, little-endian) | JSON header | body ... | CRC-32 of the body (4 bytes)
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from datalint.atomic import write_atomic

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")


class DamagedFile(ValueError):
    """Not a whole file of this kind."""


def write(path: Path, magic: bytes, header: dict[str, Any], body: Iterable[bytes]) -> None:
    """Write atomically; `body` is streamed part by part, never joined into one copy. OSError when
    the file cannot be written."""
    write_atomic(path, _parts(magic, header, body), sync=False)


def _parts(magic: bytes, header: dict[str, Any], body: Iterable[bytes]) -> Iterator[bytes]:
    encoded = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    yield magic + _LENGTH.pack(len(encoded)) + encoded
    checksum = 0
    for part in body:
        checksum = zlib.crc32(part, checksum)
        yield part
    yield _CRC.pack(checksum)


def read(path: Path, magic: bytes) -> tuple[dict[str, Any], memoryview]:
    """(header, body) of a whole file written by `write` with this magic; DamagedFile or OSError otherwise."""
    data = path.read_bytes()
    if not data.startswith(magic):
        raise DamagedFile("not this kind of file")
    start = len(magic) + _LENGTH.size
    if len(data) < start + _CRC.size:
        raise DamagedFile("truncated")
    (length,) = _LENGTH.unpack_from(data, len(magic))
    end = len(data) - _CRC.size
    if start + length > end:
        raise DamagedFile("truncated")
    body = memoryview(data)[start + length : end]
    if zlib.crc32(body) != _CRC.unpack_from(data, end)[0]:
        raise DamagedFile("checksum mismatch")
    try:
        header = json.loads(data[start : start + length])
    except ValueError as error:
        raise DamagedFile("unreadable header") from error
    if not isinstance(header, dict):
        raise DamagedFile("unreadable header")
    return header, body
