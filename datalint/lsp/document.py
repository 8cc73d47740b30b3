"""An open buffer held as the lines of a dataset, and what the server found in it last.

The client sends each change as a range and its new text; the change is applied to the lines it
touches only (the other lines stay the same `str` objects, so their content keys cost nothing to
look up again), never by rebuilding the whole text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datalint.lsp.positions import UTF16, to_index

if TYPE_CHECKING:
    from datalint import LinesLinted
    from datalint.config import Settings
    from datalint.violation import Violation


@dataclass(frozen=True, slots=True)
class Position:
    line: int  # 0-based
    character: int  # in the client's position encoding


@dataclass(slots=True)
class Document:
    """The buffer as LSP lines: split on "\\n" (a CRLF line keeps its "\\r"); the text after the
    last "\\n" is the last LSP line, empty when the buffer ends with a newline."""

    uri: str
    path: Path | None
    parts: list[str]
    version: int = 0
    # How many first and last parts no change has touched since `since_linted` was last asked.
    kept_first: int = 1 << 62
    kept_last: int = 1 << 62

    @staticmethod
    def from_text(uri: str, path: Path | None, text: str, version: int = 0) -> Document:
        return Document(uri, path, text.split("\n"), version)

    @property
    def lines(self) -> list[str]:
        """The dataset's lines (what `datalint check` reads), without the empty piece after a final newline."""
        return self.parts[:-1] if self.parts[-1] == "" else list(self.parts)

    @property
    def final_newline(self) -> bool:
        return self.parts[-1] == "" or self.parts == [""]

    def text(self) -> str:
        return "\n".join(self.parts)

    def line_text(self, number: int) -> str:
        """Line `number` (1-based) without its line ending; "" past the end."""
        return self.parts[number - 1].removesuffix("\r") if 0 < number <= len(self.parts) else ""

    def replace(self, start: Position, end: Position, new_text: str, encoding: str = UTF16) -> None:
        """Apply one change: the text between two positions becomes `new_text`."""
        if start.line >= len(self.parts):
            start = end = Position(len(self.parts) - 1, 1 << 30)
        end_line = min(end.line, len(self.parts) - 1)
        first, last = self.parts[start.line], self.parts[end_line]
        head = first[: to_index(first.removesuffix("\r"), start.character, encoding)]
        if end.line >= len(self.parts):
            tail = ""
        else:
            tail = last[to_index(last.removesuffix("\r"), end.character, encoding) :]
        pieces = (head + new_text + tail).split("\n")
        self.parts[start.line : end_line + 1] = pieces
        self.kept_first = min(self.kept_first, start.line)
        self.kept_last = min(self.kept_last, len(self.parts) - start.line - len(pieces))

    def replace_all(self, text: str) -> None:
        self.parts = text.split("\n")
        self.kept_first = self.kept_last = 0

    def since_linted(self) -> tuple[int, int]:
        """(first, last): how many first and last dataset lines are as they were at the last call
        (what `datalint.lint_lines` takes as `unchanged`); the count starts again."""
        first, last = self.kept_first, self.kept_last
        self.kept_first = self.kept_last = 1 << 62
        if last and self.final_newline:
            last -= 1  # the empty part after the final newline is no dataset line
        return first, last


@dataclass(slots=True)
class OpenDocument:
    """A document and what the passes found in it: the record pass's latest results (kept between
    changes: lines whose content it has already checked are not checked again) and the dataset
    pass's findings with the text of their line (moved with it when lines move)."""

    document: Document  # as the client has it now
    snapshot: Document  # the text the record pass last ran on (what findings' positions refer to)
    linted: LinesLinted | None = None  # the latest record pass
    settings: Settings | None = None  # that pass's (prepared) settings
    dataset: list[tuple[Violation, str, int]] = field(default_factory=list)  # (finding, line text, nth copy)
    violations: list[Violation] = field(default_factory=list)  # shown: conventions once, as `datalint check`
    per_record: list[Violation] = field(default_factory=list)  # the same, one per record (for "fix all")
    error: str | None = None  # a config error that stops linting
    made: dict[tuple, Any] = field(default_factory=dict)  # diagnostics last sent, by line text and finding
    generation: int = 0  # the server's generation a pulling client last heard of


def anchored(found: list[Violation], lines: list[str]) -> list[tuple[Violation, str, int]]:
    """Each dataset finding with its line's text and which copy of that text it is (1st, 2nd ...)."""
    wanted = {violation.line for violation in found}
    texts = {lines[number - 1] for number in wanted}
    copies: Counter[str] = Counter()
    nth: dict[int, int] = {}
    for number, text in enumerate(lines, 1):
        if text in texts:
            if number in wanted:
                nth[number] = copies[text]
            copies[text] += 1
    return [(violation, lines[violation.line - 1], nth[violation.line]) for violation in found]


def moved(findings: list[tuple[Violation, str, int]], lines: list[str]) -> list[Violation]:
    """The dataset findings at the lines their text is on now; a finding whose line changed is dropped
    (until the next dataset pass)."""
    if not findings:
        return []
    if all(violation.line <= len(lines) and lines[violation.line - 1] == text for violation, text, _ in findings):
        return [violation for violation, _, _ in findings]  # no line moved (typing inside lines)
    texts = {text for _, text, _ in findings}
    where: dict[str, list[int]] = {}
    for number, text in enumerate(lines, 1):
        if text in texts:
            where.setdefault(text, []).append(number)
    placed = []
    for violation, text, nth in findings:
        numbers = where.get(text, ())
        if nth < len(numbers):
            placed.append(violation if numbers[nth] == violation.line else replace(violation, line=numbers[nth]))
    return placed
