"""Finding the config of a file: looked for from the file's folder upward (like ruff), first found
wins: `datalint.toml`, `.datalint.toml`, then `pyproject.toml` holding a `[tool.datalint]` table.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from datalint.config.keys import ConfigError

CONFIG_NAMES = ("datalint.toml", ".datalint.toml", "pyproject.toml")


def find_config(start: Path) -> Path | None:
    folder = start if start.is_dir() else start.parent
    for directory in (folder.resolve(), *folder.resolve().parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool_table(candidate)):
                return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        return "datalint" in read_toml(path).get("tool", {})
    except ConfigError:
        return False


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
