"""Output formats: one module each, all fed the same Report."""

from __future__ import annotations

import importlib
from typing import Protocol

from datalint.report import Report

FORMATTERS = {
    "text": "datalint.formatters.text",
    "concise": "datalint.formatters.concise",
    "full": "datalint.formatters.full",
    "json": "datalint.formatters.json",
    "json-lines": "datalint.formatters.json_lines",
    "sarif": "datalint.formatters.sarif",
    "github": "datalint.formatters.github",
    "gitlab": "datalint.formatters.gitlab",
    "junit": "datalint.formatters.junit",
}


class Formatter(Protocol):
    def render(self, report: Report, *, color: bool = False) -> str: ...


def render(name: str, report: Report, *, color: bool = False) -> str:
    return importlib.import_module(FORMATTERS[name]).render(report, color=color)
