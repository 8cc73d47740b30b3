"""The datasets a run lints: files named on the command line, folders walked, or stdin."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from datalint.config import SettingsResolver, path_matches, relative_posix
from datalint.reader import is_array_path, is_dataset_path, open_binary

SKIPPED_FOLDERS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", ".datalint_cache", "__pycache__"}


class InputError(Exception):
    """Input that cannot be read at all: exit code 2 with one clear sentence."""


@dataclass(frozen=True, slots=True)
class Source:
    """One dataset to lint: a display name and a way to open its bytes."""

    name: str
    path: Path | None  # None for stdin and in-memory records
    array: bool = False
    data: bytes | None = None  # the bytes to lint when held in memory: stdin's, a file's being fixed

    def open(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data)
        if self.path is None:
            return sys.stdin.buffer
        try:
            return open_binary(self.path)
        except IsADirectoryError as error:
            raise InputError(f"{self.name} is a directory") from error
        except FileNotFoundError as error:
            raise InputError(f"{self.name}: no such file") from error
        except PermissionError as error:
            raise InputError(f"{self.name}: permission denied") from error
        except OSError as error:
            raise InputError(f"{self.name}: cannot be read ({error.strerror})") from error


def collect_sources(paths: Iterable[str], resolver: SettingsResolver, stdin: bytes | None = None) -> list[Source]:
    """The datasets named: files, the datasets below folders, and `-` for stdin (`stdin`: its bytes,
    when the caller has read them)."""
    sources: list[Source] = []
    for name in paths:
        if name == "-":
            sources.append(Source("<stdin>", None, data=stdin))
            continue
        path = Path(name)
        if path.is_dir():
            found = [Source(str(item), item) for item in _walk(path, resolver)]
            if not found:
                raise InputError(f"{name}: no datasets (*.jsonl, *.ndjson, *.jsonl.gz) in this folder")
            sources.extend(found)
        elif path.exists() or path.is_symlink():
            sources.append(Source(str(path), path, array=is_array_path(path)))
        else:
            raise InputError(f"{name}: no such file or folder")
    return sources


def _walk(folder: Path, resolver: SettingsResolver) -> Iterator[Path]:
    for directory, subfolders, files in os.walk(folder):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS and not d.startswith("."))
        for file_name in sorted(files):
            candidate = Path(directory, file_name)
            if not is_dataset_path(candidate):
                continue
            config = resolver.config_for(candidate)
            relative = relative_posix(candidate, config.root)
            # review files (the ledger) are JSONL too, but they are not datasets
            ledger = config.table.get("review", {}).get("ledger")
            skipped = [*config.table.get("exclude", []), *([ledger] if ledger else [])]
            if any(path_matches(relative, glob) for glob in skipped):
                continue
            yield candidate
