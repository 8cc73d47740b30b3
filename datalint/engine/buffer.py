"""An editor's buffer linted incrementally: the record pass on the lines whose content is new, the
line-keyed results kept between calls (as the cache keeps them by record hash), the dataset pass
over the whole buffer when asked. The language server (datalint/lsp/) is built on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import compress, count, islice
from operator import itemgetter, methodcaller
from typing import Any, NamedTuple

from datalint.config import Settings
from datalint.engine.dataset_pass import serial_dataset_pass
from datalint.engine.features import FileResults, assemble_file, make_violation
from datalint.engine.plan import RulePlan
from datalint.engine.record_pass import (
    FORMAT_PROBE_LINES,
    check_lines,
    finish_file,
    parse_lines,
    probe_format,
    without_cr,
)
from datalint.locate import locate
from datalint.reader import LineParser, hash_values, position_problems, record_hash
from datalint.results import Entries, Results
from datalint.violation import Violation, by_position


class LinesLinted(NamedTuple):
    """What `lint_lines` found: pass it back as `previous` on the next call over the same buffer."""

    violations: list[Violation]  # of the record pass and reading, sorted; suppressions and conventions not applied
    dataset: list[Violation]  # of the dataset pass (empty unless asked for), sorted
    results: dict[str, Any]  # the record pass's result per line content (opaque); later calls add to it
    file_format: str
    records: int  # lines that hold a record
    per_line: list[Any]  # each line's result (opaque)
    line_violations: list[Violation]  # the record pass's, by line (without reading problems of the whole file)
    first_crlf: int | None  # the first line with a CRLF ending
    plan: Any  # the rules as the engine runs them, for the next call with the same settings


def lint_lines(
    lines: Sequence[str],
    settings: Settings,
    *,
    name: str = "<buffer>",
    final_newline: bool = True,
    previous: LinesLinted | None = None,
    unchanged: tuple[int, int] | None = None,
    dataset: bool = False,
) -> LinesLinted:
    """Lint a dataset held as lines of text (an editor's unsaved buffer), checking only new lines.

    `lines` are the text split on "\\n" (a line ending in "\\r" had a CRLF ending); violations are
    reported at `name` and the lines' numbers. The record pass runs only on lines whose content
    `previous` has no result for (results are keyed by line content, as the cache's are). With
    `unchanged` = (first, last), the caller says how many first and last lines are the lines
    `previous` ran on: only the lines between are looked at, so a keystroke costs its line, not
    the buffer. The dataset pass (duplicates, outliers ...) runs over every line when `dataset`
    is true, else no dataset-wide rule reports. Give `settings` with prepared rules
    (`datalint.rules.prepared`) so a call does not prepare them again. Built on the engine's
    record pass (`check_lines`), `assemble_file` and the dataset pass, as a file run is.
    """

    def key(number: int, text: str) -> str:
        return text if number > 1 else "\x00" + text  # line 1 may hold a byte order mark

    plan = previous.plan if previous is not None and previous.plan.settings is settings else RulePlan(settings)
    parser = LineParser(plan.max_line_bytes)
    file_format = settings.format
    if file_format == "auto":
        # The first record in a known format: among the first lines, as a file run probes, else
        # where the last call found it, else anywhere (a first call parses every line anyway).
        probe = lines if previous is None else islice(lines, FORMAT_PROBE_LINES)
        file_format = probe_format(parser, (text.encode("utf-8", "surrogatepass") for text in probe))
        if file_format == "unknown" and previous is not None:
            file_format = previous.file_format
    if previous is not None and previous.file_format != file_format:
        previous = None  # results depend on the file's format
    known = previous.results if previous is not None else {}
    # The lines to look at: all, or those between the unchanged first and last lines.
    size, before = len(lines), len(previous.per_line) if previous is not None else 0
    first = last = 0
    if previous is not None and unchanged is not None:
        first = max(0, min(unchanged[0], size, before))
        last = max(0, min(unchanged[1], size - first, before - first))
        if first == 0:
            last = max(0, min(last, size - 1, before - 1))  # line 1's result is its own (a BOM): never moved
    middle = range(first, size - last)
    keys = [key(position + 1, lines[position]) for position in middle]
    found = list(map(known.get, keys))
    missing: dict[str, tuple[int, bytes, str]] = {}
    for position, line_key, result in zip(middle, keys, found, strict=True):
        if result is None and line_key not in missing:
            raw = without_cr(lines[position].encode("utf-8", "surrogatepass"))
            missing[line_key] = (position + 1, raw, record_hash(raw))
    results = known
    if missing:
        checked = check_lines(plan, file_format, parse_lines(parser, missing.values()))
        for entry, (line_key, (_, _, hash_)) in enumerate(missing.items()):
            kind, found_here, features = checked.entry(entry)
            results[line_key] = (hash_, kind, found_here, features)
        found = list(map(results.__getitem__, keys))
    # The record pass's violations of the middle lines, between the others' (moved by the lines added).
    rules = plan.rules
    made = [
        make_violation(rules[index], message, name, position + 1, column, end_column, pointer, result[0])
        for position, result in zip(middle, found, strict=True)
        if result[2]
        for index, message, column, end_column, pointer in result[2]
    ]
    if previous is None:
        per_line, line_violations, records = found, made, _records_in(found)
    else:
        moved_by = size - before
        per_line = [*previous.per_line[:first], *found, *previous.per_line[before - last :]]
        kept = [v for v in previous.line_violations if v.line <= first]
        after = [v for v in previous.line_violations if v.line > before - last]
        after = [_at_line(v, v.line + moved_by) for v in after] if moved_by else after
        line_violations = [*kept, *made, *after]
        gone = previous.per_line[first : before - last]
        records = previous.records - _records_in(gone) + _records_in(found)
    if len(results) > 2 * size + 1024:
        results = {
            key(number, text): result for number, (text, result) in enumerate(zip(lines, per_line, strict=True), 1)
        }
    # Problems of a line's place in the file: the first CRLF ending, the missing final newline.
    # The first CRLF is searched for incrementally (only where lines changed), not as a file's blocks are.
    ends_with_cr = methodcaller("endswith", "\r")
    first_crlf = None
    if previous is not None and previous.first_crlf is not None and previous.first_crlf <= first:
        first_crlf = previous.first_crlf
    else:
        first_crlf = next(compress(count(first + 1), map(ends_with_cr, islice(lines, first, size - last))), None)
        if first_crlf is None and previous is not None and previous.first_crlf is not None:
            tail = islice(lines, size - last, size)
            first_crlf = next(compress(count(size - last + 1), map(ends_with_cr, tail)), None)
    state = FileResults(name, records=records, format=file_format)
    placed = [(first_crlf, position_problems(True, False)[0])] if first_crlf is not None else []
    if lines and not final_newline:
        placed.append((size, position_problems(False, True)[0]))
    for number, problem in placed:
        if problem.kind in plan.reading:
            rule = rules[plan.reading[problem.kind]]
            hash_ = per_line[number - 1][0]
            state.violations.append(make_violation(rule, problem.message, name, number, 1, None, "", hash_))
    state = finish_file(state, name, settings)
    violations = sorted([*line_violations, *state.violations], key=by_position)
    found_in_dataset: list[Violation] = []
    if dataset:
        # The buffer as the engine's own results, one entry per line, for the features' tables.
        whole = Results(bytearray(map(itemgetter(1), per_line)), declared=dict(plan.declared))
        for position, result in enumerate(per_line):
            for rule_index, value in result[3]:
                whole.column(rule_index)[position] = value
        hashes = hash_values(map(itemgetter(0), per_line))
        features = assemble_file(name, plan, Entries(whole), range(size), hashes)
        found_in_dataset = list(
            serial_dataset_pass([features], {code: rule for code, (_, rule) in features.rules.items()})
        )
        for violation in found_in_dataset:
            if violation.pointer and violation.end_column is None:
                text = lines[violation.line - 1].removesuffix("\r")
                text = text[1:] if violation.line == 1 and text.startswith("\ufeff") else text
                violation.column, violation.end_column = locate(text, violation.pointer)
        found_in_dataset.sort(key=by_position)
    return LinesLinted(
        violations, found_in_dataset, results, file_format, records, per_line, line_violations, first_crlf, plan
    )


def _records_in(results: list[Any]) -> int:
    return sum(1 for result in results if result[1])  # kind byte 0: not a record


def _at_line(violation: Violation, line: int) -> Violation:
    return replace(violation, line=line)
