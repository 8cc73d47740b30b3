"""The Record view that every check reads: a record's turns, its named texts and its labels.

A record is seen two ways: as a conversation (`turns`, each with a normalised role) for the
structure checks, and as named text fields (`texts`: system, instruction, input, response,
tool, rejected) for the content checks. Checks never read raw keys: `field_mapping.build_record`
builds this view from a parsed object, by the preset `presets.detect_format` finds or by the
configured `[mapping]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from datalint.locate import pointer_tokens

TEXT_FIELDS = ("system", "instruction", "input", "response", "tool", "rejected", "text")


class Text:
    """One text field of a record; `lower` is computed once and shared by every rule that needs it."""

    __slots__ = ("field", "text", "pointer", "_lower")

    def __init__(self, field: str, text: str, pointer: str) -> None:
        self.field = field
        self.text = text
        self.pointer = pointer
        self._lower: str | None = None

    @property
    def lower(self) -> str:
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    def __repr__(self) -> str:
        return f"Text({self.field!r}, {self.text[:30]!r}, {self.pointer!r})"


@dataclass(slots=True)
class Turn:
    role: str  # system, user, assistant, tool, or unknown
    raw_role: Any
    text: str | None  # None when the content is missing or not text
    pointer: str  # where the content is (or would be)
    turn_pointer: str
    tool_call_ids: tuple[str, ...] = ()
    tool_call_id: str | None = None
    calls_tool: bool = False


@dataclass(slots=True)
class Record:
    line: int
    hash: str
    data: dict
    format: str  # this record's own format, or "unknown"
    file_format: str  # the format the file was detected or configured as
    turns: list[Turn] = field(default_factory=list)
    turns_pointer: str = ""
    texts: list[Text] = field(default_factory=list)
    labels: dict[str, tuple[Any, str]] = field(default_factory=dict)
    # A prompt set: user turns only, each to be answered at evaluation; no answer is missing.
    prompts_only: bool = False
    # The configured `[mapping]` parts (name, pointer) this record has no value at (None: no mapping).
    unmapped: tuple[tuple[str, str], ...] | None = None
    # texts_of per fields set: each rule asks for its own set on every record, and few sets exist.
    _texts_by_fields: dict[frozenset[str], list[Text]] = field(default_factory=dict, repr=False, compare=False)

    def user_turn_before(self, index: int) -> Turn | None:
        """The user turn that turn `index` answers: the nearest user turn before it."""
        for before in range(index - 1, -1, -1):
            if self.turns[before].role == "user":
                return self.turns[before]
        return None

    def texts_of(self, fields: frozenset[str]) -> list[Text]:
        """The texts of these fields (or all, with "all"), in record order; the list is shared: do not change it."""
        found = self._texts_by_fields.get(fields)
        if found is None:
            found = self.texts if "all" in fields else [text for text in self.texts if text.field in fields]
            self._texts_by_fields[fields] = found
        return found

    @property
    def prompt(self) -> str:
        """The conversation up to its last assistant turn, as one text."""
        last = _last_index(self.turns, "assistant")
        return "\n".join(turn.text or "" for turn in self.turns[: last if last >= 0 else None])

    @property
    def response(self) -> str:
        last = _last_index(self.turns, "assistant")
        return (self.turns[last].text or "") if last >= 0 else ""


def _last_index(turns: list[Turn], role: str) -> int:
    for index in range(len(turns) - 1, -1, -1):
        if turns[index].role == role:
            return index
    return -1


def resolve(data: Any, pointer: str) -> Any:
    for token in pointer_tokens(pointer):
        if isinstance(data, dict):
            data = data.get(token)
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return None
    return data


def is_present(data: Any, pointer: str) -> bool:
    """Whether the record has a value (maybe null) at this pointer."""
    for token in pointer_tokens(pointer):
        if isinstance(data, dict) and token in data:
            data = data[token]
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return False
    return True
