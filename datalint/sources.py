"""The datasets a run lints: files named on the command line, folders walked, or stdin.

Besides JSONL (and .json arrays), a Parquet file, a Hub-style folder of Parquet shards
(`train-00000-of-00002.parquet` ...: one source per split) and a `datasets.save_to_disk` folder
(one source per split) are datasets: see docs/inputs.md.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from datalint.config import SettingsResolver, path_matches, relative_posix
from datalint.reader import is_array_path, is_dataset_path, open_binary

if TYPE_CHECKING:
    from datalint.columnar import ColumnarInput

SKIPPED_FOLDERS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", ".datalint_cache", "__pycache__"}


class InputError(Exception):
    """Input that cannot be read at all: exit code 2 with one clear sentence."""


@dataclass(frozen=True, slots=True)
class Source:
    """One dataset to lint: a display name and where its records are. The reader reads it
    (datalint.source_reader.SourceReader), whatever it holds."""

    name: str
    path: Path | None  # None for stdin and in-memory records
    array: bool = False
    data: bytes | None = None  # the bytes to lint when held in memory: stdin's, a file's being fixed
    columnar: ColumnarInput | None = None  # Parquet or Arrow files, read by datalint.columnar

    def opened(self) -> None:
        """The reader starts reading this source (a progress meter's hook: progress.MeteredSource)."""

    def open(self) -> BinaryIO:
        """The bytes of a source of lines (a file, stdin, bytes in memory); a columnar source has
        rows, not bytes: the reader reads its files."""
        if self.columnar is not None:
            raise TypeError(f"{self.name} is {self.columnar.kind}: its rows are read by datalint.columnar")
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
    from datalint.columnar import ColumnarInput, is_parquet_path, is_saved_dataset

    sources: list[Source] = []
    for name in paths:
        if name == "-":
            sources.append(Source("<stdin>", None, data=stdin))
            continue
        path = Path(name)
        if path.is_dir() and is_saved_dataset(path):
            sources.extend(_saved_dataset(path, name))
        elif path.is_dir():
            found = list(_walk(path, resolver))
            if not found:
                raise InputError(f"{name}: no datasets ({FOUND_IN_FOLDERS}) in this folder")
            sources.extend(found)
        elif is_parquet_path(path) and path.is_file():
            sources.append(Source(str(path), path, columnar=ColumnarInput("parquet", (path,))))
        elif path.exists() or path.is_symlink():
            sources.append(Source(str(path), path, array=is_array_path(path)))
        else:
            raise InputError(f"{name}: no such file or folder")
    return sources


FOUND_IN_FOLDERS = "*.jsonl, *.ndjson, *.jsonl.gz, *.parquet, save_to_disk folders"


def jsonl_only(sources: list[Source], command: str) -> list[Source]:
    """The sources of a command that reads JSONL files only; a columnar one is an InputError."""
    for source in sources:
        if source.columnar is not None:
            raise InputError(
                f"{command} reads JSONL files; {source.name} is {source.columnar.kind} (`datalint check` lints it)"
            )
    return sources


def _saved_dataset(folder: Path, name: str) -> list[Source]:
    """One source per split of a save_to_disk folder."""
    from datalint.columnar import saved_dataset_splits

    return [Source(split_name, path, columnar=found) for split_name, path, found in saved_dataset_splits(folder, name)]


def _walk(folder: Path, resolver: SettingsResolver) -> Iterator[Source]:
    from datalint.columnar import ColumnarInput, is_parquet_path, is_saved_dataset, parquet_splits

    for directory, subfolders, files in os.walk(folder):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS and not d.startswith("."))
        parquet: list[Path] = []
        for file_name in sorted(files):
            candidate = Path(directory, file_name)
            if not (is_dataset_path(candidate) or is_parquet_path(candidate)) or _excluded(candidate, resolver):
                continue
            if is_parquet_path(candidate):
                parquet.append(candidate)
            else:
                yield Source(str(candidate), candidate)
        splits, single = parquet_splits(parquet)
        for split, shards in splits:
            split_path = Path(directory, split) if split else Path(directory)  # "": the folder is the split
            yield Source(str(split_path), split_path, columnar=ColumnarInput("parquet", shards))
        for path in single:
            yield Source(str(path), path, columnar=ColumnarInput("parquet", (path,)))
        # a save_to_disk folder is one dataset (a source per split), not shards to walk into
        for saved in [name for name in subfolders if is_saved_dataset(Path(directory, name))]:
            subfolders.remove(saved)
            if not _excluded(Path(directory, saved), resolver):
                yield from _saved_dataset(Path(directory, saved), str(Path(directory, saved)))


def _excluded(candidate: Path, resolver: SettingsResolver) -> bool:
    config = resolver.config_for(candidate)
    relative = relative_posix(candidate, config.root)
    # review files (the ledger) are JSONL too, but they are not datasets
    ledger = config.table.get("review", {}).get("ledger")
    skipped = [*config.table.get("exclude", []), *([ledger] if ledger else [])]
    return any(path_matches(relative, glob) for glob in skipped)
