"""Format detection, field-mapping presets and the Record view that every check reads.

A record is seen two ways: as a conversation (`turns`, each with a normalised role) for the
structure checks, and as named text fields (`texts`: system, instruction, input, response,
tool, rejected) for the content checks. Checks never read raw keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from datalint.locate import make_pointer, pointer_tokens

FORMATS = ("alpaca", "openai", "sharegpt", "prompt-completion", "custom")
TEXT_FIELDS = ("system", "instruction", "input", "response", "tool", "rejected", "text")

ROLE_ALIASES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "prompter": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "model": "assistant",
    "chatgpt": "assistant",
    "bard": "assistant",
    "bing": "assistant",
    "function_call": "assistant",
    "tool": "tool",
    "function": "tool",
    "observation": "tool",
    "ipython": "tool",
}
TOOL_CALL_ROLES = ("function_call",)
DEFAULT_LABEL_KEYS = {"type": ("type", "category", "task_type"), "difficulty": ("difficulty", "level")}


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
    # Values derived from this record that several rules need (a text's language label for Q001
    # and Q002, normalised texts and their hashes for D002-D004): computed by the first rule that
    # asks, keyed by what derived them and its settings; lives and dies with the record.
    derived: dict[Any, Any] = field(default_factory=dict)
    # texts_of per fields set: each rule asks for its own set on every record, and few sets exist.
    _texts_by_fields: dict[frozenset[str], list[Text]] = field(default_factory=dict, repr=False, compare=False)

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


@dataclass(frozen=True, slots=True)
class Mapping_:
    """A custom field mapping: JSON pointers of each part (from config `[mapping]`)."""

    system: str | None = None
    instruction: str | None = None
    input: str | None = None
    response: str | None = None
    type: str | None = None
    difficulty: str | None = None

    @staticmethod
    def from_config(table: Mapping[str, str]) -> Mapping_:
        return Mapping_(**{key: _as_pointer(value) for key, value in table.items()})


def _as_pointer(path: str) -> str:
    if path.startswith("/"):
        return path
    return make_pointer(*path.split("."))


def resolve(data: Any, pointer: str) -> Any:
    for token in pointer_tokens(pointer):
        if isinstance(data, dict):
            data = data.get(token)
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return None
    return data


def detect_format(data: dict) -> str:
    """The preset a record's keys match, or "unknown"."""
    if isinstance(data.get("messages"), list):
        return "openai"
    if isinstance(data.get("conversations"), list):
        return "sharegpt"
    if "instruction" in data and ("output" in data or "response" in data):
        return "alpaca"
    if "prompt" in data and "completion" in data:
        return "prompt-completion"
    return "unknown"


def build_record(line: int, record_hash: str, data: dict, file_format: str, mapping: Mapping_ | None = None) -> Record:
    own = "custom" if file_format == "custom" else detect_format(data)
    record = Record(line, record_hash, data, own, file_format)
    builder = _BUILDERS.get(own)
    if own == "custom" and mapping is not None:
        _build_custom(record, mapping)
    elif builder is not None:
        builder(record)
    else:
        record.texts = list(_string_leaves(data, ""))
    _collect_labels(record, mapping)
    return record


def _turn(record: Record, role: Any, text: Any, pointer: str, turn_pointer: str, *, as_text: bool = True) -> Turn:
    normalised = ROLE_ALIASES.get(role, "unknown") if isinstance(role, str) else "unknown"
    is_text = isinstance(text, str)
    turn = Turn(normalised, role, text if is_text else None, pointer, turn_pointer)
    record.turns.append(turn)
    if as_text and is_text:
        record.texts.append(Text(_FIELD_OF_ROLE.get(normalised, "text"), text, pointer))
    return turn


_FIELD_OF_ROLE = {"system": "system", "user": "instruction", "assistant": "response", "tool": "tool"}


def _build_alpaca(record: Record) -> None:
    data = record.data
    if isinstance(data.get("system"), str):
        _turn(record, "system", data["system"], "/system", "/system")
    history = data.get("history")
    if isinstance(history, list):
        for index, pair in enumerate(history):
            if isinstance(pair, list) and len(pair) == 2:
                _turn(record, "user", pair[0], make_pointer("history", index, 0), make_pointer("history", index))
                _turn(record, "assistant", pair[1], make_pointer("history", index, 1), make_pointer("history", index))
    # The user turn is instruction and input together; as text fields they stay apart.
    instruction, extra = data.get("instruction"), data.get("input")
    user_text = instruction
    if isinstance(instruction, str) and isinstance(extra, str) and extra.strip():
        user_text = instruction + "\n\n" + extra
    # The two turns are built here rather than by _turn: every Alpaca record pays for this.
    turns, texts = record.turns, record.texts
    user_text = user_text if isinstance(user_text, str) else None
    turns.append(Turn("user", "user", user_text, "/instruction", "/instruction"))
    if isinstance(instruction, str):
        texts.append(Text("instruction", instruction, "/instruction"))
    if isinstance(extra, str):
        texts.append(Text("input", extra, "/input"))
    key = "output" if "output" in data else "response"
    pointer = _ANSWER_POINTERS[key]
    answer = data.get(key)
    if isinstance(answer, str):
        turns.append(Turn("assistant", "assistant", answer, pointer, pointer))
        texts.append(Text("response", answer, pointer))
    else:
        turns.append(Turn("assistant", "assistant", None, pointer, pointer))
    if key == "output" and isinstance(data.get("response"), str):
        texts.append(Text("response", data["response"], "/response"))


_ANSWER_POINTERS = {"output": "/output", "response": "/response"}


def _build_openai(record: Record) -> None:
    record.turns_pointer = "/messages"
    for index, message in enumerate(record.data["messages"]):
        turn_pointer = make_pointer("messages", index)
        if not isinstance(message, dict):
            _turn(record, None, None, turn_pointer, turn_pointer)
            continue
        content = message.get("content")
        if isinstance(content, list):  # content parts: keep the text ones
            content = "\n".join(
                part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
            )
        turn = _turn(record, message.get("role"), content, turn_pointer + "/content", turn_pointer)
        calls = message.get("tool_calls") or message.get("function_call")
        if calls:
            turn.calls_tool = True
            if isinstance(calls, list):
                turn.tool_call_ids = tuple(str(call["id"]) for call in calls if isinstance(call, dict) and "id" in call)
        if isinstance(message.get("tool_call_id"), str):
            turn.tool_call_id = message["tool_call_id"]


def _build_sharegpt(record: Record) -> None:
    data = record.data
    record.turns_pointer = "/conversations"
    if isinstance(data.get("system"), str):
        _turn(record, "system", data["system"], "/system", "/system")
    for index, message in enumerate(data["conversations"]):
        turn_pointer = make_pointer("conversations", index)
        if not isinstance(message, dict):
            _turn(record, None, None, turn_pointer, turn_pointer)
            continue
        role_key = "from" if "from" in message else "role"
        text_key = "value" if "value" in message else "content"
        turn = _turn(record, message.get(role_key), message.get(text_key), f"{turn_pointer}/{text_key}", turn_pointer)
        turn.calls_tool = message.get(role_key) in TOOL_CALL_ROLES
    for key, field_name in (("chosen", "response"), ("rejected", "rejected")):
        answer = data.get(key)
        if isinstance(answer, dict):
            text_key = "value" if "value" in answer else "content"
            if field_name == "response":
                _turn(
                    record,
                    answer.get("from", answer.get("role", "assistant")),
                    answer.get(text_key),
                    f"/{key}/{text_key}",
                    f"/{key}",
                )
            elif isinstance(answer.get(text_key), str):
                record.texts.append(Text(field_name, answer[text_key], f"/{key}/{text_key}"))


def _build_prompt_completion(record: Record) -> None:
    _turn(record, "user", record.data.get("prompt"), "/prompt", "/prompt")
    _turn(record, "assistant", record.data.get("completion"), "/completion", "/completion")


def _build_custom(record: Record, mapping: Mapping_) -> None:
    data = record.data
    if mapping.system:
        value = resolve(data, mapping.system)
        if value is not None:
            _turn(record, "system", value, mapping.system, mapping.system)
    if mapping.instruction:
        _turn(record, "user", resolve(data, mapping.instruction), mapping.instruction, mapping.instruction)
    if mapping.input and isinstance(resolve(data, mapping.input), str):
        record.texts.append(Text("input", resolve(data, mapping.input), mapping.input))
    if mapping.response:
        _turn(record, "assistant", resolve(data, mapping.response), mapping.response, mapping.response)


def _string_leaves(value: Any, pointer: str):
    """Every string in a record of unknown format, so text-hygiene checks still see it."""
    if isinstance(value, str):
        yield Text("text", value, pointer)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_leaves(item, pointer + make_pointer(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_leaves(item, f"{pointer}/{index}")


def _collect_labels(record: Record, mapping: Mapping_ | None) -> None:
    data = record.data
    for label, keys in DEFAULT_LABEL_KEYS.items():
        configured = getattr(mapping, label) if mapping is not None else None
        if configured:
            value = resolve(data, configured)
            if isinstance(value, (str, int, float, bool)):
                record.labels[label] = (value, configured)
            continue
        for key in keys:  # the first present key with a scalar value
            if key in data and isinstance(data[key], (str, int, float, bool)):
                record.labels[label] = (data[key], make_pointer(key))
                break


_BUILDERS = {
    "alpaca": _build_alpaca,
    "openai": _build_openai,
    "sharegpt": _build_sharegpt,
    "prompt-completion": _build_prompt_completion,
}
