"""`datalint check --watch`: notice when a dataset or a config file the run reads has changed.

Polling, not file-system events: a few hundred `stat` calls every half second cost nothing beside
a run, work the same on every platform and over network mounts, and need no dependency.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from datalint.config import CONFIG_NAMES
from datalint.reader import is_array_path, is_dataset_path
from datalint.sources import SKIPPED_FOLDERS

INTERVAL = 0.5  # seconds between two looks
SETTLE = 0.1  # after a change, a moment for the writer to finish before the run reads the file

# path -> (modification time in ns, size), or None for a config file that does not exist (yet)
Snapshot = dict[str, tuple[int, int] | None]


def watched_files(targets: Iterable[str], config: Path | None = None) -> list[Path]:
    """The datasets below the targets, the targets themselves, and every place a config file
    applying to them may be (existing or not: creating one changes the run)."""
    files: list[Path] = [config] if config is not None else []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            files += _datasets_below(path)
        else:
            files.append(path)
        folder = (path if path.is_dir() else path.parent).resolve()
        files += [directory / name for directory in (folder, *folder.parents) for name in CONFIG_NAMES]
    return list(dict.fromkeys(files))


def _datasets_below(folder: Path) -> list[Path]:
    found = []
    for directory, subfolders, names in os.walk(folder):
        subfolders[:] = [d for d in subfolders if d not in SKIPPED_FOLDERS and not d.startswith(".")]
        found += [Path(directory, name) for name in names if _is_watched(Path(name))]
    return found


def _is_watched(path: Path) -> bool:
    # Parquet files and a save_to_disk folder's shards and state.json: the columnar inputs (columnar.py)
    columnar = path.name.lower().endswith((".parquet", ".arrow")) or path.name in ("state.json", "dataset_dict.json")
    return is_dataset_path(path) or is_array_path(path) or columnar or path.name in CONFIG_NAMES


def snapshot(targets: Iterable[str], config: Path | None = None) -> Snapshot:
    state: Snapshot = {}
    for path in watched_files(targets, config):
        try:
            stat = path.stat()
            state[str(path)] = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            state[str(path)] = None
    return state


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """Files added, removed or modified between two snapshots (sorted)."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def wait_for_change(
    targets: list[str],
    before: Snapshot,
    config: Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Snapshot, list[str]]:
    """Block until a watched file changes; returns the new snapshot and the changed files."""
    while True:
        sleep(INTERVAL)
        after = snapshot(targets, config)
        changed = changes(before, after)
        if changed:
            sleep(SETTLE)
            after = snapshot(targets, config)
            return after, changes(before, after) or changed
