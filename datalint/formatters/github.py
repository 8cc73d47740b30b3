"""GitHub Actions workflow commands: errors and warnings become annotations on the pull request's diff.

`::error file=F,line=L,col=C,endColumn=E,title=CODE [name]::message`. GitHub shows at most 10
error, 10 warning and 10 notice annotations per step (50 per job) and drops the rest without a
word, so the first PER_SEVERITY errors and warnings are annotated, in file order, and one notice
counts the rest (infos included) and says how to see them. Values are escaped as the Actions
runner expects (%, CR, LF; and `:` `,` inside properties).

`step_summary` is the markdown for `$GITHUB_STEP_SUMMARY`: counts per rule, each rule's first finding,
and the command that reproduces the run locally.
"""

from __future__ import annotations

import html
from collections import Counter

from datalint.report import Report
from datalint.violation import Location, Violation

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
PER_SEVERITY = 10  # annotations GitHub shows per step for each of error and warning
ANNOTATED = ("error", "warning")  # infos are counted, never annotated: they would hide the rest
SUMMARY_RULES = 30  # rows of the per-rule table in the step summary
SUMMARY_FINDINGS = 20  # rules whose first finding the step summary shows
MESSAGE_CHARS = 200  # a message longer than this is cut in the step summary's table


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(violation: Violation) -> str:
    """A workflow command; a columnar input's row is annotated on the file that holds it, with no
    line (a binary file has none): the message starts with the row."""
    row = violation.row
    if row is None:
        properties = [f"file={_escape_property(violation.path)}", f"line={violation.line}", f"col={violation.column}"]
        if violation.end_column is not None:
            properties.append(f"endColumn={violation.end_column}")
    else:
        properties = [f"file={_escape_property(row.file or violation.path)}"]
    properties.append(f"title={_escape_property(f'{violation.code} [{violation.name}]')}")
    message = violation.message if row is None else f"{row.describe()}: {violation.message}"
    if violation.related:
        message += " (related: " + ", ".join(_related_where(r) for r in violation.related) + ")"
    return f"::{COMMANDS[violation.severity]} {','.join(properties)}::{_escape_data(message)}"


def _related_where(related: Location) -> str:
    return f"{related.path}:{related.row.label()}" if related.row is not None else f"{related.path}:{related.line}"


def annotated(violations: list[Violation], per_severity: int = PER_SEVERITY) -> tuple[list[Violation], Counter]:
    """The violations to annotate (the first `per_severity` errors and warnings) and a count of
    the others by severity."""
    shown: list[Violation] = []
    taken: Counter[str] = Counter()
    rest: Counter[str] = Counter()
    for violation in violations:
        severity = violation.severity
        if severity in ANNOTATED and taken[severity] < per_severity:
            taken[severity] += 1
            shown.append(violation)
        else:
            rest[severity] += 1
    return shown, rest


def render(report: Report, *, color: bool = False, per_severity: int = PER_SEVERITY) -> str:
    shown, rest = annotated(report.violations, per_severity)
    lines = [annotation(violation) + "\n" for violation in shown]
    if rest:
        counts = ", ".join(
            _count(rest[severity], severity) for severity in ("error", "warning", "info") if rest[severity]
        )
        message = (
            f"{_count(sum(rest.values()), 'more violation')} not annotated ({counts}): GitHub shows "
            f"{per_severity} annotations of each kind per step. The job summary counts them per rule; "
            "run the same `datalint check` locally to see each one."
        )
        lines.append(f"::notice title=datalint::{_escape_data(message)}\n")
    return "".join(lines)


def step_summary(report: Report, command: str) -> str:
    """Markdown for the job summary: what was found, where to start, how to reproduce it."""
    severities = Counter(violation.severity for violation in report.violations)
    records = sum(summary.records for summary in report.files)
    scope = f"{_count(records, 'record')} in {_count(len(report.files), 'file')}"
    if not report.violations:
        return f"### datalint: all checks passed\n\n{scope}.\n\n"
    parts = ", ".join(_count(severities[s], s) for s in ("error", "warning", "info") if severities[s])
    lines = [f"### datalint: {_count(len(report.violations), 'violation')} ({parts})", "", f"In {scope}.", ""]
    rules = Counter((v.code, v.name, v.severity) for v in report.violations)
    lines += ["| rule | severity | violations |", "| --- | --- | ---: |"]
    for (code, name, severity), count in rules.most_common(SUMMARY_RULES):
        lines.append(f"| `{code}` {name} | {severity} | {count:,} |")
    if len(rules) > SUMMARY_RULES:
        lines.append(f"| and {len(rules) - SUMMARY_RULES} more rules | | |")
    first = _first_of_each_rule(report.violations)[:SUMMARY_FINDINGS]
    lines += ["", "The first finding of each rule, most severe first:", "", "| where | rule | message |"]
    lines.append("| --- | --- | --- |")
    for violation in first:
        where = _cell(violation.where())
        lines.append(f"| {where} | `{violation.code}` | {_cell(_cut(violation.message))} |")
    lines += ["", "Reproduce locally:", "", "```sh", command, "```", ""]
    return "\n".join(lines) + "\n"


_RANK = {"error": 2, "warning": 1, "info": 0}


def _first_of_each_rule(violations: list[Violation]) -> list[Violation]:
    first: dict[str, Violation] = {}
    for violation in violations:
        first.setdefault(violation.code, violation)
    return sorted(first.values(), key=lambda violation: -_RANK[violation.severity])  # stable: file order


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


def _cell(text: str) -> str:
    """Dataset text inside a markdown table cell: no HTML, no column break."""
    return html.escape(text, quote=False).replace("|", "\\|")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
