"""Output formats: one module each, all fed the same Report."""

from __future__ import annotations

import importlib
from typing import Protocol

from datalint.engine import Report

FORMATTERS = {
    "text": "datalint.formatters.text",
    "json": "datalint.formatters.json",
}


class Formatter(Protocol):
    def render(self, report: Report, *, color: bool = False) -> str: ...


def render(name: str, report: Report, *, color: bool = False) -> str:
    return importlib.import_module(FORMATTERS[name]).render(report, color=color)
