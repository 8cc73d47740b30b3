"""Output formats: one module each, all fed the same Report.

A formatter has `render(report, color=...)`, the whole output as one string; one whose output can
be very large (json, json-lines) also has `stream(report, color=...)`, the same text in pieces
made as they are written: a report of millions of violations is never held as one string.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
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


def pieces(name: str, report: Report, *, color: bool = False) -> Iterator[str]:
    """The output of format `name` in pieces that join to `render`'s text."""
    module = importlib.import_module(FORMATTERS[name])
    stream = getattr(module, "stream", None)
    if stream is None:
        return iter([module.render(report, color=color)])
    return stream(report, color=color)
