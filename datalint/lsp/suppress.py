""" "Suppress this finding": a `[[suppress]]` entry (record hash and rule) appended to the config
that applies to the dataset, or to a new `datalint.toml` beside it when no config applies.

The entry is appended as text, so the rest of the file (comments, order) stays as it was; the
result is parsed and validated first, so a config that would no longer load is never written.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from datalint.atomic import write_atomic
from datalint.config import ConfigError
from datalint.config.validation import validate_table

REASON = "false positive (suppressed from the editor): say why"


def suppress(config: Path | None, dataset: Path, record_hash: str, rule: str) -> Path:
    """Write the entry; return the config file written. Raises ConfigError when the result would not load."""
    target = config if config is not None else dataset.parent / "datalint.toml"
    before = target.read_text(encoding="utf-8") if target.is_file() else ""
    table = "tool.datalint.suppress" if target.name == "pyproject.toml" else "suppress"
    entry = (
        f"[[{table}]]\nhash = {json.dumps(record_hash)}\nrules = [{json.dumps(rule)}]\nreason = {json.dumps(REASON)}\n"
    )
    separator = "" if not before else "\n" if before.endswith("\n") else "\n\n"
    after = before + separator + entry
    try:
        document = tomllib.loads(after)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{target}: the suppression cannot be added: {error}") from error
    validate_table(document.get("tool", {}).get("datalint", {}) if table != "suppress" else document, target)
    write_atomic(target, after.encode("utf-8"))
    return target
