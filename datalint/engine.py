"""The lint run: a streaming record pass per file, then a dataset pass over collected features.

record pass:  lines -> reading problems + Record -> per-record findings + features per rule
dataset pass: features of every file in the run -> dataset-wide findings (duplicates, quotas ...)
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from datalint.checks import load_kind
from datalint.config import Settings, SettingsResolver, path_matches, relative_posix
from datalint.locate import locate
from datalint.reader import Line, is_array_path, is_dataset_path, open_binary, read_json_array, read_jsonl, record_hash
from datalint.records import Record, build_record, detect_format
from datalint.rules import Rule
from datalint.violation import DatasetFinding, Location, Violation, severity_rank

DEFAULT_MAX_LINE_BYTES = 10_000_000
# Kinds with `check_records` (a model scoring texts much faster in batches) see records in
# groups of this size; memory holds at most one group.
RECORD_BATCH = 1000
SKIPPED_FOLDERS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", ".datalint_cache", "__pycache__"}


class InputError(Exception):
    """Input that cannot be read at all: exit code 2 with one clear sentence."""


@dataclass(frozen=True, slots=True)
class Source:
    """One dataset to lint: a display name and a way to open its bytes."""

    name: str
    path: Path | None  # None for stdin and in-memory records
    array: bool = False

    def open(self) -> BinaryIO:
        if self.path is None:
            return sys.stdin.buffer
        try:
            return open_binary(self.path)
        except IsADirectoryError as error:
            raise InputError(f"{self.name} is a directory") from error
        except FileNotFoundError as error:
            raise InputError(f"{self.name}: no such file") from error
        except PermissionError as error:
            raise InputError(f"{self.name}: permission denied") from error
        except OSError as error:
            raise InputError(f"{self.name}: cannot be read ({error.strerror})") from error


@dataclass(slots=True)
class FeatureTable:
    """Per-record values one dataset-wide rule collected in the record pass, in record order."""

    paths: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)

    def add(self, path: str, line: int, hash_: str, value: Any) -> None:
        self.paths.append(path)
        self.lines.append(line)
        self.hashes.append(hash_)
        self.values.append(value)

    def __len__(self) -> int:
        return len(self.values)


@dataclass(slots=True)
class FileSummary:
    path: str
    records: int
    format: str


@dataclass(slots=True)
class Report:
    violations: list[Violation]
    files: list[FileSummary]
    failing: int  # violations at or above each file's failing severity
    fail_on: dict[str, str] = field(default_factory=dict)  # path -> lowest failing severity

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0

    def with_violations(self, violations: list[Violation]) -> Report:
        """The same run with another list of violations (after a baseline or a filter), recounted."""
        violations = sorted(violations, key=Violation.sort_key)
        return Report(violations, self.files, _count_failing(violations, self.fail_on), self.fail_on)


def _count_failing(violations: list[Violation], fail_on: dict[str, str]) -> int:
    return sum(1 for v in violations if severity_rank(v.severity) >= severity_rank(fail_on.get(v.path, "error")))


@dataclass(slots=True)
class _FileState:
    """What the record pass of one file produces."""

    violations: list[Violation] = field(default_factory=list)
    records: int = 0
    format: str = "unknown"


def collect_sources(paths: Iterable[str], resolver: SettingsResolver) -> list[Source]:
    sources: list[Source] = []
    for name in paths:
        if name == "-":
            sources.append(Source("<stdin>", None))
            continue
        path = Path(name)
        if path.is_dir():
            found = [Source(str(item), item) for item in _walk(path, resolver)]
            if not found:
                raise InputError(f"{name}: no datasets (*.jsonl, *.ndjson, *.jsonl.gz) in this folder")
            sources.extend(found)
        elif path.exists() or path.is_symlink():
            sources.append(Source(str(path), path, array=is_array_path(path)))
        else:
            raise InputError(f"{name}: no such file or folder")
    return sources


def _walk(folder: Path, resolver: SettingsResolver) -> Iterator[Path]:
    for directory, subfolders, files in os.walk(folder):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_FOLDERS and not d.startswith("."))
        for file_name in sorted(files):
            candidate = Path(directory, file_name)
            if not is_dataset_path(candidate):
                continue
            config = resolver.config_for(candidate)
            relative = relative_posix(candidate, config.root)
            # review files (the ledger) are JSONL too, but they are not datasets
            ledger = config.table.get("review", {}).get("ledger")
            skipped = [*config.table.get("exclude", []), *([ledger] if ledger else [])]
            if any(path_matches(relative, glob) for glob in skipped):
                continue
            yield candidate


def lint_sources(sources: list[Source], resolver: SettingsResolver) -> Report:
    tables: dict[str, tuple[Rule, FeatureTable]] = {}
    violations: list[Violation] = []
    summaries: list[FileSummary] = []
    fail_on: dict[str, str] = {}
    for source in sources:
        settings = resolver.settings_for(source.path)
        fail_on[source.name] = settings.fail_on
        with source.open() as stream:
            lines = (
                read_json_array(stream)
                if source.array
                else read_jsonl(stream, max_line_bytes=_max_line_bytes(settings))
            )
            state = record_pass(source.name, lines, settings, tables)
        violations.extend(state.violations)
        summaries.append(FileSummary(source.name, state.records, state.format))
    violations.extend(dataset_pass(tables))
    violations.sort(key=Violation.sort_key)
    return Report(violations, summaries, _count_failing(violations, fail_on), fail_on)


def lint_in_memory(records: Iterable[dict], resolver: SettingsResolver, name: str = "<memory>") -> Report:
    """Lint dicts held in memory; each is given the line its JSON would have in a JSONL file."""
    settings = resolver.settings_for(None)
    tables: dict[str, tuple[Rule, FeatureTable]] = {}
    state = record_pass(name, _lines_of(records), settings, tables)
    violations = sorted([*state.violations, *dataset_pass(tables)], key=Violation.sort_key)
    fail_on = {name: settings.fail_on}
    return Report(
        violations, [FileSummary(name, state.records, state.format)], _count_failing(violations, fail_on), fail_on
    )


def _lines_of(records: Iterable[dict]) -> Iterator[Line]:
    for number, record in enumerate(records, start=1):
        text = json.dumps(record, ensure_ascii=False)
        yield Line(number, text, record if isinstance(record, dict) else None, record_hash(text.encode()))


def _max_line_bytes(settings: Settings) -> int:
    rule = settings.rule_for("reading", problem="line-too-long")
    return rule.options["max-bytes"] if rule else DEFAULT_MAX_LINE_BYTES


def record_pass(
    name: str, lines: Iterable[Line], settings: Settings, tables: dict[str, tuple[Rule, FeatureTable]]
) -> _FileState:
    reading = {rule.options["problem"]: rule for rule in settings.rules if rule.kind == "reading"}
    record_rules = [(rule, load_kind(rule.kind)) for rule in settings.rules if rule.kind != "reading"]
    per_record = [(rule, kind.check_record) for rule, kind in record_rules if hasattr(kind, "check_record")]
    batched = [(rule, kind.check_records) for rule, kind in record_rules if hasattr(kind, "check_records")]
    pending: list[tuple[Record, Line]] = []
    featured = [(rule, kind.record_features) for rule, kind in record_rules if hasattr(kind, "record_features")]
    for rule, _ in featured:
        tables.setdefault(rule.code, (rule, FeatureTable()))
    state = _FileState()
    file_format = settings.format if settings.format != "auto" else None
    for line in lines:
        for problem in line.problems:
            rule = reading.get(problem.kind)
            if rule is not None:
                state.violations.append(
                    _violation(
                        rule, problem.message, name, line.number, problem.column, problem.end_column, "", line.hash
                    )
                )
        if line.value is None:
            continue
        state.records += 1
        if file_format is None:
            detected = detect_format(line.value)
            if detected != "unknown":
                file_format = detected
        record = build_record(line.number, line.hash, line.value, file_format or "unknown", settings.mapping)
        for rule, check in per_record:
            for finding in check(rule, record):
                column, end_column = locate(line.text, finding.pointer, finding.span)
                state.violations.append(
                    _violation(rule, finding.message, name, line.number, column, end_column, finding.pointer, line.hash)
                )
        for rule, features in featured:
            value = features(rule, record)
            if value is not None:
                tables[rule.code][1].add(name, line.number, line.hash, value)
        if batched:
            pending.append((record, line))
            if len(pending) >= RECORD_BATCH:
                state.violations.extend(_batch_violations(name, batched, pending))
                pending.clear()
    if pending:
        state.violations.extend(_batch_violations(name, batched, pending))
    state.format = file_format or "unknown"
    unknown_rule = settings.rule_for("schema", check="unknown-format")
    if state.format == "unknown" and state.records and unknown_rule is not None:
        state.violations.append(
            _violation(
                unknown_rule,
                "records match no known format (alpaca, openai, sharegpt, prompt-completion); "
                "set `format` and `mapping` in config so content rules can read them",
                name,
                1,
                1,
                None,
                "",
                None,
            )
        )
    return state


def _batch_violations(name: str, batched: list, pending: list[tuple[Record, Line]]) -> Iterator[Violation]:
    """Findings of the batched kinds: `check_records(rule, records)` gives one list of findings per record."""
    records = [record for record, _ in pending]
    for rule, check in batched:
        for (_, line), findings in zip(pending, check(rule, records), strict=True):
            for finding in findings:
                column, end = locate(line.text, finding.pointer, finding.span)
                yield _violation(rule, finding.message, name, line.number, column, end, finding.pointer, line.hash)


def dataset_pass(tables: dict[str, tuple[Rule, FeatureTable]]) -> Iterator[Violation]:
    for rule, table in tables.values():
        if not len(table):
            continue
        for finding in load_kind(rule.kind).check_dataset(rule, table):
            yield _dataset_violation(rule, table, finding)


def _dataset_violation(rule: Rule, table: FeatureTable, finding: DatasetFinding) -> Violation:
    index = finding.index
    related = [Location(table.paths[other], table.lines[other], pointer=finding.pointer) for other in finding.related]
    return Violation(
        rule.code,
        rule.name,
        rule.severity,
        finding.message,
        table.paths[index],
        table.lines[index],
        pointer=finding.pointer,
        related=related,
        record_hash=table.hashes[index],
    )


def _violation(
    rule: Rule,
    message: str,
    path: str,
    line: int,
    column: int,
    end_column: int | None,
    pointer: str,
    hash_: str | None,
) -> Violation:
    return Violation(
        rule.code, rule.name, rule.severity, message, path, line, column, end_column, pointer, [], hash_ or None
    )
