"""Shared helpers for check-kind tests: write literal JSONL to tmp_path and lint it with chosen rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import datalint


@pytest.fixture
def lint(tmp_path: Path):
    def run(records: list, select: str, config: str | None = None) -> list[tuple[str, int, int, str]]:
        path = tmp_path / "data.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        config_path = None
        if config is not None:
            config_path = tmp_path / "datalint.toml"
            config_path.write_text(config, encoding="utf-8")
        violations = datalint.lint_file(path, select=[select], config=config_path)
        return [(v.code, v.line, v.column, v.message) for v in violations]

    return run
