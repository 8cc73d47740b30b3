"""Running the real `datalint` command in-process (click's CliRunner), with stdout and stderr apart."""

from __future__ import annotations

import os
from contextlib import contextmanager
from itertools import takewhile
from pathlib import Path

from click.testing import CliRunner, Result

from datalint.cli import main

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"


def finding_lines(output: str) -> list[str]:
    """The findings of a text report: its lines before the summary ("Found ..." or "All checks
    passed ...", then the fixable line when something is fixable)."""
    return list(takewhile(lambda line: not line.startswith(("Found ", "All checks passed")), output.splitlines()))


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


@contextmanager
def working_directory(path: Path):
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
