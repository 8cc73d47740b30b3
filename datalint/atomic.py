"""Atomic file replacement: write a temporary file in the same folder, then rename it over the target.

An interrupted run leaves either the old file or the new one, never half of each; concurrent
writers leave one complete file. The new file keeps the old one's permission bits (a file that
did not exist gets the usual umask-based ones).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: Path, data: bytes | Iterable[bytes], *, sync: bool = True) -> None:
    """Replace `path` with `data` (bytes, or parts written one after the other). `sync`: flush to
    disk before the rename, for a user's dataset; caches skip it (losing one only costs a re-check)."""
    folder = path.parent
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            if isinstance(data, bytes | bytearray | memoryview):
                stream.write(data)
            else:
                stream.writelines(data)
            if sync:
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
