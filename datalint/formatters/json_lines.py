"""JSON Lines output: one violation per line, the same object as in the JSON output's `violations`.

Streams well into `jq`, log shippers and line-oriented tools; prints nothing when there are no violations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from datalint.report import Report


def render(report: Report, *, color: bool = False) -> str:
    return "".join(stream(report, color=color))


def stream(report: Report, *, color: bool = False) -> Iterator[str]:
    for violation in report.violations:
        yield json.dumps(violation.to_dict(), ensure_ascii=False) + "\n"
