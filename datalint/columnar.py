"""Columnar inputs: Parquet files, Hub-style folders of Parquet shards and `datasets.save_to_disk`
folders (Arrow IPC stream shards), read as the same blocks of lines the JSONL reader gives.

A row is linted as its canonical JSON text, `json.dumps(row, ensure_ascii=False)` with the
columns in the schema's order: the line a JSONL export of the row holds, so its record hash, the
cache, every check and the dataset pass are those of JSONL. The record's "line" is its 1-based
row, global within the file or split; each block says where a row group or shard begins
(`Block.parts`), as it reads them, so the reader indexes where every row sits without a second
read (`source_reader.RowIndex`). pyarrow is imported only here (extra `parquet`); `datasets` is
never imported.
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datalint.locate import make_pointer
from datalint.reader import BLOCK_BYTES, Block, Problem, RowPart
from datalint.sources import InputError

PARQUET_SUFFIX = ".parquet"
MISSING_EXTRA = "reading Parquet and Arrow datasets needs pyarrow: pip install 'datalint[parquet]'"

# A Parquet row group (or an Arrow record batch) is turned into text this many rows at a time, so
# a few MB of text are held even when a row group is large; the slices are then joined into blocks
# of about the JSONL reader's size, which is what lets the executor send large inputs to its pool.
BATCH_ROWS = 4096

# `train-00000-of-00004.parquet`: a split's shard, as the Hub names them.
SHARD_NAME = re.compile(r"^(?P<split>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.parquet$", re.IGNORECASE)
# `0000.parquet`, `0001.parquet` ...: the Hub's converted Parquet (`refs/convert/parquet`), one
# folder per split (`default/train/0000.parquet`).
CONVERTED_NAME = re.compile(r"^(?P<index>\d{4})\.parquet$", re.IGNORECASE)


class ColumnarError(InputError):
    """A columnar input that cannot be read at all (missing extra, not Parquet, bad state.json):
    exit code 2 with one sentence, as any input error."""


@dataclass(frozen=True, slots=True)
class ColumnarInput:
    """One columnar dataset (a file, or one split of a folder): its files in row order.

    `format` is "parquet" or "arrow" (Arrow IPC stream shards of `save_to_disk`)."""

    format: str
    files: tuple[Path, ...]

    @property
    def kind(self) -> str:
        """What the input is, for messages: "a Parquet dataset", "an Arrow (save_to_disk) dataset"."""
        return "a Parquet dataset" if self.format == "parquet" else "an Arrow (save_to_disk) dataset"


def pyarrow_modules() -> tuple[Any, Any, Any]:
    """(pyarrow, pyarrow.ipc, pyarrow.parquet), or ColumnarError naming the extra."""
    try:
        import pyarrow
        import pyarrow.ipc
        import pyarrow.parquet
    except ImportError as error:
        raise ColumnarError(MISSING_EXTRA) from error
    return pyarrow, pyarrow.ipc, pyarrow.parquet


# --- finding columnar inputs ----------------------------------------------------------------------


def is_parquet_path(path: Path) -> bool:
    return path.name.lower().endswith(PARQUET_SUFFIX)


def is_saved_dataset(folder: Path) -> bool:
    """A `save_to_disk` folder: a Dataset (state.json) or a DatasetDict (dataset_dict.json)."""
    return (folder / "state.json").is_file() or (folder / "dataset_dict.json").is_file()


def saved_dataset_splits(folder: Path, name: str) -> list[tuple[str, Path, ColumnarInput]]:
    """(display name, folder, input) of each split of a `save_to_disk` folder: the folder itself
    for a Dataset, one subfolder per split (dataset_dict.json's order) for a DatasetDict."""
    if (folder / "state.json").is_file():
        return [(name, folder, ColumnarInput("arrow", _arrow_shards(folder, name)))]
    listed = _read_json(folder / "dataset_dict.json", name)
    splits = listed.get("splits") if isinstance(listed, dict) else None
    if not isinstance(splits, list) or not all(isinstance(split, str) for split in splits):
        raise ColumnarError(f"{name}: dataset_dict.json has no list of splits")
    found = []
    for split in splits:
        split_name = f"{name.rstrip('/')}/{split}"
        found.append((split_name, folder / split, ColumnarInput("arrow", _arrow_shards(folder / split, split_name))))
    return found


def _arrow_shards(folder: Path, name: str) -> tuple[Path, ...]:
    state = _read_json(folder / "state.json", name)
    data_files = state.get("_data_files") if isinstance(state, dict) else None
    if not isinstance(data_files, list) or not data_files:
        raise ColumnarError(f"{name}: state.json lists no data files")
    shards = []
    for entry in data_files:
        file_name = entry.get("filename") if isinstance(entry, dict) else None
        if not isinstance(file_name, str) or "/" in file_name or "\\" in file_name:
            raise ColumnarError(f"{name}: state.json has a data file entry without a plain file name")
        shards.append(folder / file_name)
    missing = [shard.name for shard in shards if not shard.is_file()]
    if missing:
        raise ColumnarError(f"{name}: state.json lists {missing[0]}, which is not in the folder")
    return tuple(shards)


def _read_json(path: Path, name: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ColumnarError(f"{name}: {path.name} cannot be read ({error})") from error


def parquet_splits(files: list[Path]) -> tuple[list[tuple[str, tuple[Path, ...]]], list[Path]]:
    """Hub-style shards among `files` (one folder's Parquet files) grouped by split, in shard order,
    each split complete (`-of-0000n` shards 0 .. n-1); the other Parquet files stand alone. A
    folder of converted shards (`0000.parquet` .. with no gap) is one split, named "" (the folder)."""
    groups: dict[tuple[str, int], dict[int, Path]] = {}
    converted: dict[int, Path] = {}
    for path in files:
        match = SHARD_NAME.match(path.name)
        if match:
            key = (match["split"], int(match["count"]))
            groups.setdefault(key, {})[int(match["index"])] = path
        elif numbered := CONVERTED_NAME.match(path.name):
            converted[int(numbered["index"])] = path
    if len(converted) > 1 and sorted(converted) == list(range(len(converted))) and len(converted) == len(files):
        return [("", tuple(converted[index] for index in range(len(converted))))], []
    splits = []
    grouped: set[Path] = set()
    for (split, count), shards in sorted(groups.items()):
        if sorted(shards) == list(range(count)) and count > 1:
            splits.append((split, tuple(shards[index] for index in range(count))))
            grouped.update(shards.values())
    return splits, [path for path in files if path not in grouped]


# --- reading --------------------------------------------------------------------------------------


def read_blocks(source: ColumnarInput, name: str, max_row_group_bytes: int | None) -> Iterator[Block]:
    """The rows of a columnar input as blocks of canonical JSON lines, a row group (Parquet) or a
    record batch (Arrow) at a time, in slices of BATCH_ROWS rows; never the whole table. A row group
    over `max_row_group_bytes` (uncompressed) is a `row-group-too-large` problem at its first row."""
    if source.format == "parquet":
        slices = _parquet_blocks(source.files, name, max_row_group_bytes)
    else:
        slices = _arrow_blocks(source.files, name)
    yield from _joined(slices, BLOCK_BYTES // 4, BLOCK_BYTES)


def _joined(slices: Iterator[Block], first_size: int, size: int) -> Iterator[Block]:
    """Consecutive blocks joined until they hold about `size` bytes (`first_size` for the first
    block, as the JSONL reader's, so worker processes get their first tasks sooner)."""
    lines: list[bytes] = []
    problems: list[tuple[int, Problem]] = []
    parts: list[tuple[int, RowPart]] = []
    held, limit = 0, first_size
    for block in slices:
        problems += [(len(lines) + position, problem) for position, problem in block.problems]
        parts += [(len(lines) + position, part) for position, part in block.parts]
        lines += block.lines
        held += sum(map(len, block.lines))
        if held >= limit:
            yield Block(lines, carriage_return=False, problems=problems, parts=parts)
            lines, problems, parts, held, limit = [], [], [], 0, size
    if lines:
        yield Block(lines, carriage_return=False, problems=problems, parts=parts)


def _parquet_file(parquet, path: Path, name: str):
    try:
        return parquet.ParquetFile(path)
    except Exception as error:  # pyarrow raises ArrowInvalid, OSError ...: any means "not readable"
        raise ColumnarError(f"{_file_in(name, path)} is not a readable Parquet file ({error})") from error


def _arrow_stream(ipc, path: Path, name: str):
    import pyarrow  # imported by pyarrow_modules() before: the extra is there

    try:
        return ipc.open_stream(pyarrow.memory_map(str(path)))
    except Exception as error:
        raise ColumnarError(f"{_file_in(name, path)} is not an Arrow IPC stream ({error})") from error


def _parquet_blocks(files: tuple[Path, ...], name: str, max_row_group_bytes: int | None) -> Iterator[Block]:
    """A block per slice of a row group; its first says where the row group begins (and in which
    shard, when the split has several files)."""
    _, _, parquet = pyarrow_modules()
    sharded = len(files) > 1
    for shard, path in enumerate(files):
        reader = _parquet_file(parquet, path, name)
        metadata = reader.metadata
        for group in range(metadata.num_row_groups):
            size = metadata.row_group(group).total_byte_size
            notes: list[tuple[int, Problem]] = []
            if max_row_group_bytes is not None and size > max_row_group_bytes:
                notes.append(
                    (0, _too_large(path, group, metadata.row_group(group).num_rows, size, max_row_group_bytes))
                )
            part = RowPart(group, shard if sharded else None, str(path))
            # iter_batches(row_groups=[i]) never crosses a row-group boundary (plain iter_batches does)
            for batch in _batches(reader.iter_batches(batch_size=BATCH_ROWS, row_groups=[group]), name, path):
                block = _block(batch)
                if part is not None:  # the row group's first slice
                    block.problems = notes + block.problems
                    block.parts = [(0, part)]
                    part = None
                yield block


def _arrow_blocks(files: tuple[Path, ...], name: str) -> Iterator[Block]:
    """A block per slice of a record batch; the shard's first says where the shard begins."""
    _, ipc, _ = pyarrow_modules()
    for shard, path in enumerate(files):
        part: RowPart | None = RowPart(None, shard, str(path))
        with _arrow_stream(ipc, path, name) as reader:
            for batch in _batches(iter(reader), name, path):
                for start in range(0, batch.num_rows, BATCH_ROWS):
                    block = _block(batch.slice(start, BATCH_ROWS))
                    if part is not None:
                        block.parts = [(0, part)]
                        part = None
                    yield block


def _batches(batches: Iterator, name: str, path: Path) -> Iterator:
    """Record batches; a file that breaks off midway is a ColumnarError, not a traceback."""
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as error:
            raise ColumnarError(f"{_file_in(name, path)} cannot be read past this point ({error})") from error
        yield batch


def _file_in(name: str, path: Path) -> str:
    """How a message names a file of a source: the source's name, and the shard's file name when they differ."""
    return name if str(path) == name else f"{name}: {path.name}"


def _too_large(path: Path, group: int, rows: int, size: int, limit: int) -> Problem:
    message = (
        f"row group {group} of {path.name} holds {size:,} bytes uncompressed ({rows:,} rows), over {limit:,}: "
        "readers hold a whole row group in memory, and the Hugging Face Hub rewrites such files"
    )
    return Problem("row-group-too-large", message)


def _block(batch) -> Block:
    """A record batch as a block of canonical JSON lines, with the problems of values JSON cannot hold."""
    rows = batch.to_pylist()
    lines: list[bytes] = []
    problems: list[tuple[int, Problem]] = []
    convert = _needs_conversion(batch.schema)
    for position, row in enumerate(rows):
        if convert:
            found: list[tuple[str, int]] = []
            row = _jsonable(row, "", found)
            if found:
                problems.append((position, _binary_problem(found)))
        lines.append(json.dumps(row, ensure_ascii=False).encode())
    return Block(lines, carriage_return=False, problems=problems)


def _needs_conversion(schema) -> bool:
    """Whether a column may hold values json.dumps cannot write (bytes, dates, decimals, durations)."""
    import pyarrow.types as types

    def needs(data_type) -> bool:
        if types.is_binary(data_type) or types.is_large_binary(data_type) or types.is_fixed_size_binary(data_type):
            return True
        if types.is_temporal(data_type) or types.is_decimal(data_type):
            return True
        return any(needs(data_type.field(index).type) for index in range(data_type.num_fields))

    return any(needs(field.type) for field in schema)


def _jsonable(value: Any, pointer: str, binary: list[tuple[str, int]]) -> Any:
    """`value` with what JSON cannot hold converted (docs/inputs.md): dates and times to ISO 8601
    strings, durations to seconds, decimals to numbers; bytes to null, noted in `binary`."""
    if isinstance(value, dict):
        return {key: _jsonable(item, pointer + make_pointer(key), binary) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item, pointer + make_pointer(index), binary) for index, item in enumerate(value)]
    if isinstance(value, bytes):
        binary.append((pointer, len(value)))
        return None
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _binary_problem(found: list[tuple[str, int]]) -> Problem:
    pointer, size = found[0]
    more = len(found) - 1
    message = f"binary value ({size:,} bytes) at {pointer or '/'}: not text, read as null" + (
        f" ({more} more)" if more else ""
    )
    return Problem("binary-value", message, pointer=pointer)
