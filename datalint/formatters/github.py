"""GitHub Actions workflow commands: each violation becomes an annotation on the pull request's diff.

`::error file=F,line=L,col=C,endColumn=E,title=CODE [name]::message`; info becomes `notice`.
Values are escaped as the Actions runner expects (%, CR, LF; and `:` `,` inside properties).
"""

from __future__ import annotations

from datalint.report import Report
from datalint.violation import Violation

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(violation: Violation) -> str:
    properties = [f"file={_escape_property(violation.path)}", f"line={violation.line}", f"col={violation.column}"]
    if violation.end_column is not None:
        properties.append(f"endColumn={violation.end_column}")
    properties.append(f"title={_escape_property(f'{violation.code} [{violation.name}]')}")
    message = violation.message
    if violation.related:
        message += " (related: " + ", ".join(f"{r.path}:{r.line}" for r in violation.related) + ")"
    return f"::{COMMANDS[violation.severity]} {','.join(properties)}::{_escape_data(message)}"


def render(report: Report, *, color: bool = False) -> str:
    return "".join(annotation(violation) + "\n" for violation in report.violations)
