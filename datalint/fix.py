"""Fixes (`datalint check --fix`, `--diff`): plan edits from violations, rewrite the file in place.

A rule offers a fix by declaring `fix = "..."` with `fix-safety` (safe: the meaning stays, such as
line endings; unsafe: content changes or records go, applied only with `--unsafe-fixes`) and its
kind module implementing
`fix(rule, violation, context) -> Fix | None`; a violation may also arrive with its `fix` already
set. Edits are applied to the file's lines as text: lines no edit touches are written back byte for
byte (never re-serialised), a touched string value is edited in place at its span so key order and
escapes elsewhere stay as they were, and the file is replaced atomically.
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from datalint.atomic import write_atomic
from datalint.checks import load_kind
from datalint.config import Settings, SettingsResolver
from datalint.field_mapping import build_record
from datalint.locate import raw_string_offset, value_span
from datalint.reader import open_binary, value_problems
from datalint.records import Record
from datalint.report import Report
from datalint.rules import Rule, prepared
from datalint.violation import DeleteLine, Fix, RemoveBom, ReplaceText, SetLineEnding, Violation


@dataclass(slots=True)
class FileLines:
    """A dataset file as editable lines: text without ending (line 1 without its BOM), and each ending."""

    texts: list[str]
    endings: list[str]
    bom: bool

    @staticmethod
    def parse(raw: bytes) -> FileLines:
        # surrogateescape: bytes that are not UTF-8 survive the round trip unchanged
        text = raw.decode("utf-8", "surrogateescape")
        bom = text.startswith("\ufeff")
        if bom:
            text = text[1:]
        pieces = text.split("\n")
        texts, endings = [], []
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            if last and piece == "":
                break
            ending = "" if last else "\n"
            if not last and piece.endswith("\r"):
                piece, ending = piece[:-1], "\r\n"
            texts.append(piece)
            endings.append(ending)
        return FileLines(texts, endings, bom)

    def render(self, deleted: set[int] = frozenset()) -> bytes:  # type: ignore[assignment]
        body = "".join(
            text + ending
            for number, (text, ending) in enumerate(zip(self.texts, self.endings, strict=True), 1)
            if number not in deleted
        )
        return (("\ufeff" if self.bom else "") + body).encode("utf-8", "surrogateescape")


@dataclass(slots=True)
class FixContext:
    """What a kind's `fix` may read: the file's lines and the Record view of any line."""

    lines: FileLines
    file_format: str
    settings: Settings | None = None
    _records: dict[int, Record | None] = field(default_factory=dict)

    def text(self, line: int) -> str:
        return self.lines.texts[line - 1]

    def record(self, line: int) -> Record | None:
        if line not in self._records:
            try:
                data = json.loads(self.text(line))
            except (ValueError, IndexError, RecursionError):
                data = None
            if isinstance(data, dict):
                value_problems(data, self.text(line), [])  # lone surrogates read as U+FFFD, as in the lint pass
            mapping = self.settings.mapping if self.settings is not None else None
            self._records[line] = (
                build_record(line, "", data, self.file_format, mapping) if isinstance(data, dict) else None
            )
        return self._records[line]


def keep_string_part(text: str, line: int, pointer: str, keep_start: int, keep_end: int) -> list[ReplaceText]:
    """Edits that cut a JSON string value at `pointer` down to its decoded [keep_start, keep_end).

    The cut is made on the raw line, so the escapes of the part that is kept stay as written.
    """
    where = value_span(text, pointer)
    if where is None or text[where[0]] != '"':
        return []
    start, end = where
    decoded_length = len(json.loads(text[start:end]))
    edits = []
    if keep_end < decoded_length:
        edits.append(ReplaceText(line, raw_string_offset(text, start, keep_end), end - 1, ""))
    if keep_start > 0:
        edits.append(ReplaceText(line, start + 1, raw_string_offset(text, start, keep_start), ""))
    return edits


def replace_string_value(text: str, line: int, pointer: str, value: str) -> list[ReplaceText]:
    """An edit that rewrites the JSON string at `pointer` as `value` (for short values such as labels),
    escaping non-ASCII characters only if the original token did."""
    where = value_span(text, pointer)
    if where is None or text[where[0]] != '"':
        return []
    start, end = where
    token = json.dumps(value, ensure_ascii="\\u" in text[start:end])
    return [ReplaceText(line, start, end, token)]


def replace_in_string(text: str, line: int, pointer: str, spans: list[tuple[int, int]], new: str) -> list[ReplaceText]:
    """Edits that replace decoded [start, end) spans of the JSON string at `pointer` with `new`."""
    where = value_span(text, pointer)
    if where is None or text[where[0]] != '"':
        return []
    start = where[0]
    return [
        ReplaceText(line, raw_string_offset(text, start, low), raw_string_offset(text, start, high), new)
        for low, high in spans
    ]


def plan(violation: Violation, rule: Rule, context: FixContext) -> Fix | None:
    if violation.fix is not None:
        return violation.fix
    if not rule.fix:
        return None
    make = getattr(load_kind(rule.kind), "fix", None)
    if make is None:
        return None
    return make(rule if rule.state is not None else prepared(rule), violation, context)


class Applied(NamedTuple):
    data: bytes  # the new bytes of the file
    fixes: int
    removed: int  # lines (records) deleted
    changed: int  # lines kept whose text or line ending changed


def apply(lines: FileLines, fixes: list[Fix]) -> Applied:
    """The file with the fixes applied; a fix whose edits overlap an earlier one is skipped whole
    (run --fix again to apply it)."""
    replacements: dict[int, list[ReplaceText]] = defaultdict(list)
    deleted: set[int] = set()
    new_endings: set[int] = set()
    applied = 0
    for fix in fixes:
        if not _fits(fix, replacements, deleted):
            continue
        applied += 1
        for edit in fix.edits:
            if isinstance(edit, ReplaceText):
                replacements[edit.line].append(edit)
            elif isinstance(edit, DeleteLine):
                deleted.add(edit.line)
            elif isinstance(edit, RemoveBom):
                lines.bom = False
            elif isinstance(edit, SetLineEnding):
                targets = range(1, len(lines.texts) + 1) if edit.line is None else (edit.line,)
                for number in targets:
                    ending = lines.endings[number - 1]
                    if (edit.line is not None or ending) and ending != edit.ending:
                        lines.endings[number - 1] = edit.ending
                        new_endings.add(number)
    for number, edits in replacements.items():
        text = lines.texts[number - 1]
        for edit in sorted(edits, key=lambda e: e.start, reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end :]
        lines.texts[number - 1] = text
    changed = len((replacements.keys() | new_endings) - deleted)
    return Applied(lines.render(deleted), applied, len(deleted), changed)


def _fits(fix: Fix, replacements: dict[int, list[ReplaceText]], deleted: set[int]) -> bool:
    for edit in fix.edits:
        if isinstance(edit, ReplaceText):
            if edit.line in deleted:
                return False
            if any(edit.start < other.end and other.start < edit.end for other in replacements[edit.line]):
                return False
        elif isinstance(edit, DeleteLine) and (edit.line in deleted or replacements.get(edit.line)):
            return False
    return True


@dataclass(frozen=True, slots=True)
class FileFix:
    path: str
    before: bytes
    after: bytes
    applied: int
    removed: int = 0  # records deleted
    changed: int = 0  # lines kept whose text changed


@dataclass
class FixPlan:
    files: list[FileFix]
    unsafe_skipped: int = 0  # fixes left out because they are unsafe and --unsafe-fixes was not given

    @property
    def applied(self) -> int:
        return sum(item.applied for item in self.files)


def fix_report(report: Report, resolver: SettingsResolver, *, unsafe: bool = False) -> FixPlan:
    """Plan and apply the fixes of a report's violations, per file, in memory (nothing is written).
    Unsafe fixes (content changes, records removed) only with `unsafe`."""
    by_path: dict[str, list[Violation]] = defaultdict(list)
    for violation in report.violations:
        if not violation.path.startswith("<"):
            by_path[violation.path].append(violation)
    formats = {summary.path: summary.format for summary in report.files}
    results = []
    skipped = 0
    for path_name, violations in by_path.items():
        path = Path(path_name)
        if path.name.lower().endswith(".gz") or path_name not in formats:
            continue  # compressed files are not rewritten; paths outside the run (a baseline) have no fixes
        settings = resolver.settings_for(path)
        rules = {rule.code: rule for rule in settings.rules}
        with open_binary(path) as stream:
            before = stream.read()
        context = FixContext(FileLines.parse(before), formats[path_name], settings)
        fixes = []
        for violation in violations:
            rule = rules.get(violation.code)
            fix = plan(violation, rule, context) if rule is not None else violation.fix
            if fix is None:
                continue
            violation.fix = fix
            if rule is not None and rule.fix_safety != "safe" and not unsafe:
                skipped += 1
                continue
            fixes.append(fix)
        if not fixes:
            continue
        done = apply(FileLines.parse(before), fixes)
        if done.data != before:
            results.append(FileFix(path_name, before, done.data, done.fixes, done.removed, done.changed))
    return FixPlan(results, skipped)


def write(fixed: FixPlan) -> None:
    for item in fixed.files:
        write_atomic(Path(item.path), item.after)


def _split_lines(text: str) -> list[str]:
    """Lines split on \\n only (a U+2028 inside a record is not a line break), endings kept."""
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    return lines + [pieces[-1]] if pieces[-1] else lines


def unified_diff(item: FileFix) -> str:
    before = _split_lines(item.before.decode("utf-8", "surrogateescape"))
    after = _split_lines(item.after.decode("utf-8", "surrogateescape"))
    lines = difflib.unified_diff(before, after, fromfile=f"a/{item.path}", tofile=f"b/{item.path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
