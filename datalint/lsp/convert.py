"""Violations to LSP diagnostics, fixes to text edits, and the page a diagnostic's code links to.

Columns in violations are 1-based code-point columns of the line's text (line 1 without its byte
order mark); LSP positions count the client's encoding units (UTF-16 unless it chose another).
"""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types

from datalint import __version__
from datalint.lsp.document import Document
from datalint.lsp.positions import UTF16, to_units
from datalint.rules import Rule
from datalint.violation import DeleteLine, Fix, RemoveBom, ReplaceText, SetLineEnding, Violation

SOURCE = "datalint"
BOM_RULE = "byte-order-mark"  # S004
SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


def _bom(document: Document, line: int) -> int:
    """1 on line 1 when it starts with a byte order mark (columns are counted after it), else 0."""
    return 1 if line == 1 and document.parts[0].startswith("\ufeff") else 0


def position(document: Document, line: int, index: int, encoding: str = UTF16) -> types.Position:
    """The LSP position of code point `index` (0-based, after any BOM) on 1-based `line`."""
    text = document.line_text(line)
    return types.Position(max(0, line - 1), to_units(text, index + _bom(document, line), encoding))


def violation_range(document: Document, violation: Violation, encoding: str = UTF16) -> types.Range:
    """The violation's column span; a violation without an end column covers the rest of its line."""
    line = violation.line
    if getattr(violation, "name", "") == BOM_RULE:  # its column is the mark's own, not counted after it
        return types.Range(types.Position(0, 0), types.Position(0, to_units(document.line_text(1), 1, encoding)))
    start = max(0, violation.column - 1)
    if violation.end_column is not None:
        end = max(start, violation.end_column - 1)
    else:
        end = len(document.line_text(line)) - _bom(document, line)
    first = position(document, line, start, encoding)
    if start == 0 and not violation.pointer:
        first = types.Position(first.line, 0)  # a finding about the whole line starts at its start
    return types.Range(first, position(document, line, end, encoding))


def diagnostic(
    violation: Violation, document: Document, docs_href: str | None, encoding: str = UTF16
) -> types.Diagnostic:
    related = [
        types.DiagnosticRelatedInformation(
            types.Location(
                document.uri if _same_file(location.path, document) else Path(location.path).resolve().as_uri(),
                _location_range(location, document, encoding),
            ),
            location.message or f"line {location.line}",
        )
        for location in violation.related
    ]
    return types.Diagnostic(
        range=violation_range(document, violation, encoding),
        message=violation.message,
        severity=SEVERITY.get(violation.severity, types.DiagnosticSeverity.Warning),
        code=violation.code,
        code_description=types.CodeDescription(href=docs_href) if docs_href else None,
        source=SOURCE,
        related_information=related or None,
        data={"hash": violation.record_hash, "name": violation.name},
    )


def _same_file(path: str, document: Document) -> bool:
    return document.path is not None and (path == str(document.path) or Path(path).resolve() == document.path.resolve())


def _location_range(location, document: Document, encoding: str) -> types.Range:
    if _same_file(location.path, document):
        return violation_range(document, location, encoding)
    # Another file's text is not read: its columns are given as they are.
    end = location.end_column if location.end_column is not None else location.column
    return types.Range(
        types.Position(max(0, location.line - 1), location.column - 1),
        types.Position(max(0, location.line - 1), max(0, end - 1)),
    )


def text_edits(fix: Fix, document: Document, encoding: str = UTF16) -> list[types.TextEdit]:
    """A fix's edits as LSP text edits on the buffer (the fix's edits never overlap)."""
    edits = []
    last = len(document.lines)
    for edit in fix.edits:
        if isinstance(edit, ReplaceText):
            start = position(document, edit.line, edit.start, encoding)
            end = position(document, edit.line, edit.end, encoding)
            edits.append(types.TextEdit(types.Range(start, end), edit.text))
        elif isinstance(edit, DeleteLine):
            edits.append(types.TextEdit(_whole_line(document, edit.line, encoding), ""))
        elif isinstance(edit, RemoveBom):
            if document.parts[0].startswith("\ufeff"):
                edits.append(types.TextEdit(types.Range(types.Position(0, 0), _bom_end(encoding)), ""))
        elif isinstance(edit, SetLineEnding):
            numbers = range(1, last + 1) if edit.line is None else (edit.line,)
            for number in numbers:
                edits.extend(_line_ending(document, number, edit.ending, encoding, every=edit.line is None))
    return edits


def _bom_end(encoding: str) -> types.Position:
    return types.Position(0, 3 if encoding == "utf-8" else 1)


def _whole_line(document: Document, line: int, encoding: str) -> types.Range:
    """Line `line` with its line ending; the last line without one takes the ending before it."""
    if line < len(document.parts):
        return types.Range(types.Position(line - 1, 0), types.Position(line, 0))
    if line == 1:
        return types.Range(types.Position(0, 0), types.Position(0, _units(document, 1, encoding)))
    return types.Range(
        types.Position(line - 2, _units(document, line - 1, encoding)),
        types.Position(line - 1, _units(document, line, encoding)),
    )


def _units(document: Document, line: int, encoding: str) -> int:
    return to_units(document.line_text(line), 1 << 30, encoding)


def _line_ending(document: Document, line: int, ending: str, encoding: str, every: bool) -> list[types.TextEdit]:
    """The edit that gives `line` the ending `ending` (the file's last line gets one only when asked for it)."""
    part = document.parts[line - 1]
    has_ending = line < len(document.parts)
    current = ("\r\n" if part.endswith("\r") else "\n") if has_ending else ""
    if current == ending or (every and not has_ending):
        return []
    end_of_text = types.Position(line - 1, _units(document, line, encoding))
    after = types.Position(line, 0) if has_ending else end_of_text
    return [types.TextEdit(types.Range(end_of_text, after), ending)]


def docs_folder() -> Path:
    """Where rule pages are written for diagnostics to link to: the user's cache folder, per version."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "datalint" / f"rules-{__version__}"


def rule_page(rule: Rule, folder: Path) -> str:
    """A file URI of the rule's documentation (the text `datalint rule CODE` prints), written on first use."""
    from datalint.docs import rule_markdown

    page = folder / f"{rule.code}.md"
    text = rule_markdown(rule) + "\n"
    try:
        if not page.is_file() or page.read_text(encoding="utf-8") != text:
            folder.mkdir(parents=True, exist_ok=True)
            page.write_text(text, encoding="utf-8")
    except OSError:
        pass  # a read-only home: the link points to a page that may be missing, the hover still has the text
    return page.as_uri()
