"""Fixes (`datalint check --fix`, `--diff`): plan edits from violations, rewrite the file in place.

A rule offers a fix by declaring `fix = "..."` with `fix-safety` (safe: the meaning stays, such as
line endings; unsafe: content changes or records go, applied only with `--unsafe-fixes`) and its
kind module implementing
`fix(rule, violation, context) -> Fix | None`; a violation may also arrive with its `fix` already
set. Edits are applied to the file's lines as text: lines no edit touches are written back byte for
byte (never re-serialised), a touched string value is edited in place at its span so key order and
escapes elsewhere stay as they were, and the file is replaced atomically.

Every run attaches the fixes to its violations (`attach_fixes`), so the output shows them: each
fix with its applicability and its edits as positions in the file (`text_edits`), which a client
can apply itself and get the bytes `--fix` writes.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Set
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from datalint.atomic import write_atomic
from datalint.checks import load_kind
from datalint.config import Settings, SettingsResolver
from datalint.field_mapping import build_record
from datalint.file_lines import FileLines
from datalint.locate import raw_string_offset, value_span
from datalint.reader import is_array_path, open_binary, value_problems
from datalint.records import Record
from datalint.report import Report
from datalint.rules import Rule, prepared
from datalint.violation import DeleteLine, Edit, Fix, RemoveBom, ReplaceText, SetLineEnding, TextEdit, Violation


@dataclass(slots=True)
class FixContext:
    """What a kind's `fix` may read: the file's lines and the Record view of any line."""

    lines: FileLines
    file_format: str
    settings: Settings | None = None
    _records: dict[int, Record | None] = field(default_factory=dict)

    def text(self, line: int) -> str:
        return self.lines.text(line)

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
        edits.append(ReplaceText(line, _raw_offset(text, start, end, keep_end, decoded_length), end - 1, ""))
    if keep_start > 0:
        edits.append(ReplaceText(line, start + 1, _raw_offset(text, start, end, keep_start, decoded_length), ""))
    return edits


def _raw_offset(text: str, start: int, end: int, decoded: int, decoded_length: int) -> int:
    """raw_string_offset for the string token text[start:end], without walking a long text from
    its start when no escape lies between the offset and the nearer end of the token (an escape
    is at most 6 raw characters, so none starts in the 5 before that stretch either)."""
    if "\\" not in text[start + 1 : start + 1 + decoded]:
        return start + 1 + decoded
    tail = decoded_length - decoded
    if "\\" not in text[max(start + 1, end - 1 - tail - 5) : end - 1]:
        return end - 1 - tail
    return raw_string_offset(text, start, decoded)


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


def plan(violation: Violation, rule: Rule | None, context: FixContext) -> Fix | None:
    """The violation's fix, with the rule's applicability and its edits as positions in the file;
    `rule` should be prepared (its kind's state attached) when many violations share it."""
    if violation.fix is not None:
        return violation.fix
    if rule is None or not rule.fix:
        return None
    make = _fixer(rule.kind)
    if make is None:
        return None
    found = make(rule if rule.state is not None else prepared(rule), violation, context)
    if found is None or not found.edits:
        return None
    return replace(found, applicability=rule.fix_safety, text_edits=text_edits(found.edits, context.lines))


@functools.cache
def _fixer(kind: str) -> Callable[..., Fix | None] | None:
    return getattr(load_kind(kind), "fix", None)


def text_edits(edits: tuple[Edit, ...], lines: FileLines) -> tuple[TextEdit, ...]:
    """`edits` as replacements between positions of the file (what the JSON and SARIF output show)."""
    located = []
    for edit in edits:
        if isinstance(edit, ReplaceText):
            located.append(TextEdit(edit.text, edit.line, edit.start + 1, edit.line, edit.end + 1))
        elif isinstance(edit, DeleteLine):  # up to the next line, or the end of the file
            located.append(TextEdit("", edit.line, 1, edit.line + 1, 1))
        elif isinstance(edit, RemoveBom):
            if lines.bom:
                located.append(TextEdit("", 1, 0, 1, 1))
        elif isinstance(edit, SetLineEnding):
            targets = range(1, lines.count + 1) if edit.line is None else (edit.line,)
            for number in targets:
                ending = lines.ending(number)
                if (edit.line is not None or ending) and ending != edit.ending:
                    end = len(lines.text(number)) + 1
                    after = (number + 1, 1) if ending else (number, end)
                    located.append(TextEdit(edit.ending, number, end, *after))
    return tuple(located)


Contents = dict[str, bytes | Callable[[], bytes]]  # inputs that are not files: their bytes, or how to make them


def attach_fixes(report: Report, resolver: SettingsResolver, contents: Contents | None = None) -> None:
    """Set `fix` on each violation a rule can fix, planned against its file's current bytes (or
    `contents[path]`, for stdin and records in memory). A file is read only when one of its
    violations comes from a rule that declares a fix; compressed and JSON array files get none
    (`--fix` does not rewrite them)."""
    contents = contents or {}
    formats = {summary.path: summary.format for summary in report.files}
    for path_name, violations in _by_path(report.violations).items():
        if path_name not in formats or not _rewritable(path_name, contents) or violations[0].row is not None:
            continue  # a columnar input's rows are not lines of its file: never rewritten
        settings = resolver.settings_for(None if path_name.startswith("<") else Path(path_name))
        rules = {rule.code: rule for rule in settings.rules if rule.fix}
        wanted = [violation for violation in violations if violation.code in rules and violation.fix is None]
        if not wanted:
            continue
        try:
            lines = _lines(path_name, contents, {violation.line for violation in wanted})
            context = FixContext(lines, formats[path_name], settings)
        except OSError:
            continue  # gone or unreadable since the run read it: its findings stand, without fixes
        ready = {code: prepared(rules[code]) for code in {violation.code for violation in wanted}}
        for violation in wanted:
            try:
                violation.fix = plan(violation, ready[violation.code], context)
            except IndexError:
                continue  # the file lost lines since the run read it


def _by_path(violations: list[Violation]) -> dict[str, list[Violation]]:
    by_path: dict[str, list[Violation]] = defaultdict(list)
    for violation in violations:
        by_path[violation.path].append(violation)
    return by_path


def _rewritable(path_name: str, contents: Contents) -> bool:
    if path_name in contents:
        return True
    if path_name.startswith("<"):
        return False
    lowered = Path(path_name).name.lower()
    return not lowered.endswith(".gz") and not is_array_path(Path(path_name))


def _lines(path_name: str, contents: Contents, wanted: Set[int]) -> FileLines:
    """The lines a fix of the `wanted` lines reads: a file's are read from disk as needed."""
    if path_name in contents:
        return FileLines(_read(path_name, contents))
    return FileLines.of_file(Path(path_name), wanted)


def _read(path_name: str, contents: Contents) -> bytes:
    if path_name in contents:
        found = contents[path_name]
        return found() if callable(found) else found
    with open_binary(Path(path_name)) as stream:
        return stream.read()


class Applied(NamedTuple):
    data: bytes  # the new bytes of the file
    fixes: int
    removed: int  # lines (records) deleted
    changed: int  # lines kept whose text or line ending changed
    taken: tuple[bool, ...] = ()  # per fix given: applied (False: it overlapped an earlier one)
    deleted_lines: frozenset[int] = frozenset()  # the numbers of the lines deleted, and of those changed
    changed_lines: frozenset[int] = frozenset()


def apply(lines: FileLines, fixes: list[Fix]) -> Applied:
    """The file with the fixes applied; a fix whose edits overlap an earlier one is skipped whole
    (run --fix again to apply it). Overlap is that of the fixes' `text_edits` (a removed line
    spans its ending too), so a client applying the output's edits gets the same bytes."""
    replacements: dict[int, list[ReplaceText]] = defaultdict(list)
    deleted: set[int] = set()
    new_endings: set[int] = set()
    taken = []
    for fix in fixes:
        taken.append(_fits(fix, lines, replacements, deleted, new_endings))
        if not taken[-1]:
            continue
        for edit in fix.edits:
            if isinstance(edit, ReplaceText):
                replacements[edit.line].append(edit)
            elif isinstance(edit, DeleteLine):
                deleted.add(edit.line)
            elif isinstance(edit, RemoveBom):
                lines.bom = False
            elif isinstance(edit, SetLineEnding):
                for number in _ending_changes(edit, lines):
                    lines.set_ending(number, edit.ending)
                    new_endings.add(number)
    for number, edits in replacements.items():
        text = lines.text(number)
        for edit in sorted(edits, key=lambda e: e.start, reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end :]
        lines.set_text(number, text)
    changed = frozenset((replacements.keys() | new_endings) - deleted)
    data = lines.render(deleted)
    return Applied(data, sum(taken), len(deleted), len(changed), tuple(taken), frozenset(deleted), changed)


def _ending_changes(edit: SetLineEnding, lines: FileLines) -> list[int]:
    """The lines whose ending the edit changes (line None: every line that has an ending)."""
    targets = range(1, lines.count + 1) if edit.line is None else (edit.line,)
    return [
        number
        for number in targets
        if (edit.line is not None or lines.ending(number)) and lines.ending(number) != edit.ending
    ]


def _fits(
    fix: Fix, lines: FileLines, replacements: dict[int, list[ReplaceText]], deleted: set[int], new_endings: set[int]
) -> bool:
    for edit in fix.edits:
        if isinstance(edit, ReplaceText):
            if edit.line in deleted:
                return False
            if any(edit.start < other.end and other.start < edit.end for other in replacements[edit.line]):
                return False
        elif isinstance(edit, DeleteLine):
            if edit.line in deleted or replacements.get(edit.line) or edit.line in new_endings:
                return False
        elif isinstance(edit, SetLineEnding) and not deleted.isdisjoint(_ending_changes(edit, lines)):
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
    rules: tuple[tuple[str, str, int], ...] = ()  # (code, name, fixes applied), for --show-fixes
    deleted_lines: frozenset[int] = frozenset()  # numbers in `before`: the lines deleted, and those changed
    changed_lines: frozenset[int] = frozenset()


@dataclass
class FixPlan:
    files: list[FileFix]
    unsafe_skipped: int = 0  # fixes left out because they are unsafe and --unsafe-fixes was not given
    report: Report | None = None  # what remains after the last round (plan_fixes)
    rounds: int = 1  # rounds that applied fixes
    converged: bool = True  # False: fixes still applied when the cap on rounds stopped them

    @property
    def applied(self) -> int:
        return sum(item.applied for item in self.files)


def fix_report(
    report: Report, resolver: SettingsResolver, *, unsafe: bool = False, contents: Contents | None = None
) -> FixPlan:
    """Apply the fixes of a report's violations (attached by the run, or planned here), per file, in
    memory: nothing is written. Unsafe fixes (content changes, records removed) only with `unsafe`.
    `contents` holds the bytes of inputs that are not files (stdin)."""
    contents = contents or {}
    attach_fixes(report, resolver, contents)
    results = []
    skipped = 0
    for path_name, violations in _by_path(report.violations).items():
        fixable = [violation for violation in violations if violation.fix is not None]
        if not fixable or not _rewritable(path_name, contents):
            continue  # paths outside the run (a baseline) have no fixes
        chosen = [violation for violation in fixable if unsafe or violation.fix.applicability == "safe"]
        skipped += len(fixable) - len(chosen)
        if not chosen:
            continue
        before = _read(path_name, contents)
        done = apply(FileLines.parse(before), [violation.fix for violation in chosen])
        if done.data != before:
            fixed = Counter((v.code, v.name) for v, taken in zip(chosen, done.taken, strict=True) if taken)
            rules = tuple((code, name, count) for (code, name), count in sorted(fixed.items()))
            results.append(
                FileFix(
                    path_name,
                    before,
                    done.data,
                    done.fixes,
                    done.removed,
                    done.changed,
                    rules,
                    done.deleted_lines,
                    done.changed_lines,
                )
            )
    return FixPlan(results, skipped)


# ruff stops at 100 rounds. A datalint fix never makes the next one's input: chains are short (a
# special token cut from an answer makes the record a copy, which the next round removes), and
# each round runs the dataset pass over every record again, so 10 rounds are plenty and stay cheap.
MAX_ROUNDS = 10


def fix_in_rounds(
    lint: Callable[[dict[str, bytes]], Report],
    resolver: SettingsResolver,
    contents: dict[str, bytes],
    *,
    unsafe: bool = False,
    max_rounds: int = MAX_ROUNDS,
) -> FixPlan:
    """Fix until no fix applies, as ruff does: `lint(contents)` lints the run with the fixed
    bytes of each file held in `contents` by path (it starts with stdin's), and returns the
    report whose fixes to apply; its fixes are applied in memory, and the run linted again, until
    a round changes nothing or `max_rounds` rounds have run. The plan's files hold each file's
    bytes before the first round and after the last; `plan.report` is the last lint."""
    current = dict(contents)
    totals: dict[str, _RoundsOfFile] = {}
    report = lint(current)
    rounds = 0
    while True:
        planned = fix_report(report, resolver, unsafe=unsafe, contents=current)
        if not planned.files or rounds == max_rounds:
            break
        rounds += 1
        for item in planned.files:
            totals.setdefault(item.path, _RoundsOfFile(item.before)).add(item)
            current[item.path] = item.after
        report = lint(current)
    files = [total.file_fix(path) for path, total in totals.items() if total.after != total.before]
    return FixPlan(files, planned.unsafe_skipped, report, rounds, converged=not planned.files)


class _RoundsOfFile:
    """One file's fixes over several rounds, counted against its lines before the first round."""

    def __init__(self, before: bytes) -> None:
        self.before = self.after = before
        self.applied = 0
        self.rules: Counter[tuple[str, str]] = Counter()
        self.origin: list[int] | None = None  # the line of `before` each current line was; None: its own
        self.deleted: set[int] = set()
        self.changed: set[int] = set()

    def add(self, item: FileFix) -> None:
        self.after = item.after
        self.applied += item.applied
        self.rules.update({(code, name): count for code, name, count in item.rules})
        origin = self.origin
        self.changed |= set(item.changed_lines) if origin is None else {origin[n - 1] for n in item.changed_lines}
        self.deleted |= set(item.deleted_lines) if origin is None else {origin[n - 1] for n in item.deleted_lines}
        if item.deleted_lines:
            lines = range(1, FileLines(item.before).count + 1) if origin is None else origin
            self.origin = [line for number, line in enumerate(lines, 1) if number not in item.deleted_lines]

    def file_fix(self, path: str) -> FileFix:
        rules = tuple((code, name, count) for (code, name), count in sorted(self.rules.items()))
        changed = frozenset(self.changed - self.deleted)
        return FileFix(
            path,
            self.before,
            self.after,
            self.applied,
            len(self.deleted),
            len(changed),
            rules,
            frozenset(self.deleted),
            changed,
        )


def write(fixed: FixPlan) -> None:
    """Replace each fixed file; inputs that are not files (stdin) are the caller's to write."""
    for item in fixed.files:
        if not item.path.startswith("<"):
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
