"""Format detection, field-mapping presets and the Record view that every check reads.

A record is seen two ways: as a conversation (`turns`, each with a normalised role) for the
structure checks, and as named text fields (`texts`: system, instruction, input, response,
tool, rejected) for the content checks. Checks never read raw keys.

Shapes with several answers to one prompt (seed tasks with instances, a prompt with several
model completions, OASST message trees) become one user/assistant pair of turns per answer, so
every answer is checked against the prompt it answers; each text keeps the JSON pointer of
where it really is. A prompt set (MT-Bench `turns`, records with a question and no answer key)
has user turns only and `prompts_only` set: its missing answers are not defects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from datalint.locate import make_pointer, pointer_tokens

# Every preset, in the order detect_format tries them. "qa" is a flat record under other key
# names ("question"/"std_answer", "Instruction"/"Output"); "prompts" a prompt set with no answers.
PRESETS = (
    "alpaca",
    "openai",
    "sharegpt",
    "prompt-completion",
    "chat",
    "seed-tasks",
    "completions",
    "oasst",
    "qa",
    "prompts",
)
FORMATS = (*PRESETS, "custom")
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
DEFAULT_LABEL_KEYS = {"type": ("type", "category", "class", "task_type"), "difficulty": ("difficulty", "level")}

# Keys of the parts of a flat record, matched without case ("Instruction", "Question"): in each
# tuple the first key a record has wins. "input" is the prompt only when nothing else is.
PROMPT_KEYS = ("instruction", "question", "query", "prompt", "problem", "inputs", "input")
CONTEXT_KEYS = ("input", "context")
ANSWER_KEYS = (
    "output",
    "response",
    "answer",
    "std_answer",
    "reply",
    "completion",
    "solution",
    "canonical_solution",
    "target",
    "targets",
    "chosen",
)
SYSTEM_KEYS = ("system", "system_prompt")
REJECTED_KEYS = ("rejected",)
# Lists beside a prompt: self-instruct instances ({input, output}), or several candidate answers
# (strings, or objects holding the text under one of ITEM_TEXT_KEYS, e.g. {model, completion}).
INSTANCE_KEYS = ("instances",)
CANDIDATE_KEYS = ("completions", "responses", "outputs", "answers", "candidates", "generations")
ITEM_TEXT_KEYS = ("completion", "response", "output", "text", "content", "answer")
# A conversation as a list of messages under another key than `messages`/`conversations`, each
# message with one of the role keys and one of the text keys.
CHAT_KEYS = ("conversation", "dialog", "dialogue", "chat", "turns", "utterances")
MESSAGE_ROLE_KEYS = ("role", "from", "speaker", "author")
MESSAGE_TEXT_KEYS = ("content", "value", "text", "message")
# Or a list of strings, user and assistant in turn (LIMA's `conversations`, UltraChat's `data`).
STRING_CHAT_KEYS = ("conversations", "messages", "conversation", "dialog", "dialogue", "chat", "data")
# A prompt set's user prompts as a list of strings (MT-Bench), and its optional reference answers.
PROMPT_LIST_KEYS = ("turns", "prompts")
REFERENCE_KEYS = ("reference", "references", "reference_answers")


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
    # Values derived from this record that several rules need (a text's language label for Q001
    # and Q002, normalised texts and their hashes for D002-D004): computed by the first rule that
    # asks, keyed by what derived them and its settings; lives and dies with the record.
    derived: dict[Any, Any] = field(default_factory=dict)
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
    # The usual presets by their exact keys first: nearly every record is one of these.
    if isinstance(data.get("messages"), list) and not _starts_with_text(data["messages"]):
        return "openai"
    if isinstance(data.get("conversations"), list) and not _starts_with_text(data["conversations"]):
        return "sharegpt"
    if "instruction" in data and ("output" in data or "response" in data):
        return "alpaca"
    if "prompt" in data and "completion" in data:
        return "prompt-completion"
    if _chat_list(data) is not None:
        return "chat"
    if _oasst_root(data) is not None:
        return "oasst"
    prompt = find_key(data, PROMPT_KEYS)
    if prompt is None or not isinstance(data[prompt], str):
        return "prompts" if _prompt_list(data) is not None else "unknown"
    if _list_at(data, INSTANCE_KEYS) is not None:
        return "seed-tasks"
    if _list_at(data, CANDIDATE_KEYS) is not None:
        return "completions"
    answer = find_key(data, ANSWER_KEYS)
    if answer is None:
        return "prompts"
    return "qa" if data[answer] is None or isinstance(data[answer], str) else "unknown"


def find_key(data: dict, aliases: tuple[str, ...]) -> str | None:
    """The record's key for the first of these names it has, in any case ("Question")."""
    for alias in aliases:
        if alias in data:
            return alias
    cased = {key.lower(): key for key in data if isinstance(key, str) and not key.islower()}
    if cased:
        for alias in aliases:
            if alias in cased:
                return cased[alias]
    return None


def _list_at(data: dict, aliases: tuple[str, ...]) -> str | None:
    key = find_key(data, aliases)
    return key if key is not None and isinstance(data[key], list) else None


def _starts_with_text(items: list) -> bool:
    return bool(items) and isinstance(items[0], str)


def _chat_list(data: dict) -> str | None:
    """The key of a conversation under another name: a list of messages (objects with a role key,
    `conversation`) or of strings, user and assistant in turn (`conversations` of LIMA)."""
    key = _list_at(data, STRING_CHAT_KEYS)
    if key is not None and _starts_with_text(data[key]):
        return key
    key = _list_at(data, CHAT_KEYS)
    if key is None or not data[key]:
        return None
    if all(isinstance(item, dict) and find_key(item, MESSAGE_ROLE_KEYS) is not None for item in data[key]):
        return key
    return None


def _prompt_list(data: dict) -> str | None:
    """The key of a list of prompt strings (MT-Bench `turns`)."""
    key = _list_at(data, PROMPT_LIST_KEYS)
    if key is None or not data[key] or not all(isinstance(item, str) for item in data[key]):
        return None
    return key


def _oasst_root(data: dict) -> str | None:
    """Pointer of an OASST message tree's root: the record itself (a message with `replies`, or a
    lone message of the flat export, with `message_id`), or its `prompt` (the export's tree
    layout), or None."""
    if "text" in data and "role" in data and (isinstance(data.get("replies"), list) or "message_id" in data):
        return ""
    prompt = data.get("prompt")
    if isinstance(prompt, dict) and isinstance(prompt.get("replies"), list) and "text" in prompt:
        return "/prompt"
    return None


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
    if mapping is not None and record.unmapped is None:
        record.unmapped = ()
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
    extra_key = "input" if "input" in data or "context" not in data else "context"  # Dolly: context
    instruction, extra = data.get("instruction"), data.get(extra_key)
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
        texts.append(Text("input", extra, "/" + extra_key))
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


def _build_chat(record: Record) -> None:
    """A list of messages under another key (`conversation`, `dialog`, `turns` ...), with role and
    text under any of the usual names, or a list of strings that alternate user and assistant."""
    data = record.data
    key = _chat_list(data)
    record.turns_pointer = make_pointer(key)
    system = find_key(data, SYSTEM_KEYS)
    if system is not None and isinstance(data[system], str):
        _turn(record, "system", data[system], make_pointer(system), make_pointer(system))
    for index, message in enumerate(data[key]):
        turn_pointer = make_pointer(key, index)
        if not isinstance(message, dict):  # a list of strings: user and assistant in turn
            _turn(record, "assistant" if index % 2 else "user", message, turn_pointer, turn_pointer)
            continue
        role_key = find_key(message, MESSAGE_ROLE_KEYS)
        text_key = find_key(message, MESSAGE_TEXT_KEYS) or MESSAGE_TEXT_KEYS[0]
        _turn(record, message.get(role_key), message.get(text_key), f"{turn_pointer}/{text_key}", turn_pointer)


def _build_prompt_completion(record: Record) -> None:
    _turn(record, "user", record.data.get("prompt"), "/prompt", "/prompt")
    _turn(record, "assistant", record.data.get("completion"), "/completion", "/completion")


def _build_qa(record: Record) -> None:
    """A flat record under other key names: system, prompt, context, answer and rejected keys."""
    data = record.data
    prompt = find_key(data, PROMPT_KEYS)
    system = find_key(data, SYSTEM_KEYS)
    if system is not None and isinstance(data[system], str):
        _turn(record, "system", data[system], make_pointer(system), make_pointer(system))
    context = find_key(data, tuple(key for key in CONTEXT_KEYS if key != prompt.lower()))
    _user_turn(record, data, prompt, context, make_pointer(prompt))
    answer = find_key(data, ANSWER_KEYS)
    if answer is None:
        record.prompts_only = True
    else:
        _turn(record, "assistant", data[answer], make_pointer(answer), make_pointer(answer))
    rejected = find_key(data, REJECTED_KEYS)
    if rejected is not None and isinstance(data[rejected], str):
        record.texts.append(Text("rejected", data[rejected], make_pointer(rejected)))


def _user_turn(record: Record, data: dict, prompt: str, context: str | None, turn_pointer: str) -> None:
    """The user turn of a prompt and its context ("input"): one turn, two text fields, as Alpaca's."""
    instruction, extra = data.get(prompt), data.get(context) if context is not None else None
    pointer = make_pointer(prompt)
    text = instruction
    if isinstance(instruction, str) and isinstance(extra, str) and extra.strip():
        text = instruction + "\n\n" + extra
    record.turns.append(Turn("user", "user", text if isinstance(text, str) else None, pointer, turn_pointer))
    if isinstance(instruction, str):
        record.texts.append(Text("instruction", instruction, pointer))
    if isinstance(extra, str):
        record.texts.append(Text("input", extra, make_pointer(context)))


def _build_seed_tasks(record: Record) -> None:
    """Self-instruct seed tasks: an instruction and `instances[{input, output}]`; one user/assistant
    pair of turns per instance, the user turn being the instruction with the instance's input."""
    data = record.data
    prompt = find_key(data, PROMPT_KEYS)
    instances = _list_at(data, INSTANCE_KEYS)
    pointer = make_pointer(prompt)
    if isinstance(data[prompt], str):
        record.texts.append(Text("instruction", data[prompt], pointer))
    if not data[instances]:
        record.turns.append(Turn("user", "user", data[prompt], pointer, pointer))
    for index, instance in enumerate(data[instances]):
        turn_pointer = make_pointer(instances, index)
        if not isinstance(instance, dict):
            _turn(record, None, None, turn_pointer, turn_pointer)
            continue
        extra_key = find_key(instance, CONTEXT_KEYS)
        extra = instance.get(extra_key) if extra_key is not None else None
        text = data[prompt] + "\n\n" + extra if isinstance(extra, str) and extra.strip() else data[prompt]
        record.turns.append(Turn("user", "user", text, pointer, turn_pointer))
        if isinstance(extra, str):
            record.texts.append(Text("input", extra, make_pointer(instances, index, extra_key)))
        answer = find_key(instance, ANSWER_KEYS) or "output"
        _turn(record, "assistant", instance.get(answer), make_pointer(instances, index, answer), turn_pointer)


def _build_completions(record: Record) -> None:
    """A prompt with several candidate answers (`completions[{model, completion}]`): one
    user/assistant pair of turns per candidate."""
    data = record.data
    prompt = find_key(data, PROMPT_KEYS)
    candidates = _list_at(data, CANDIDATE_KEYS)
    pointer = make_pointer(prompt)
    record.texts.append(Text("instruction", data[prompt], pointer))
    if not data[candidates]:
        record.turns.append(Turn("user", "user", data[prompt], pointer, pointer))
    for index, item in enumerate(data[candidates]):
        turn_pointer = make_pointer(candidates, index)
        record.turns.append(Turn("user", "user", data[prompt], pointer, pointer))
        if isinstance(item, dict):
            key = find_key(item, ITEM_TEXT_KEYS) or ITEM_TEXT_KEYS[0]
            _turn(record, "assistant", item.get(key), make_pointer(candidates, index, key), turn_pointer)
        else:
            _turn(record, "assistant", item, turn_pointer, turn_pointer)


def _build_prompts(record: Record) -> None:
    """A prompt set: a list of user prompts (MT-Bench `turns`) with optional reference answers, or
    a flat record with a prompt and no answer key."""
    data = record.data
    key = _prompt_list(data)
    if key is None:
        _build_qa(record)
        return
    record.prompts_only = True
    for index, prompt in enumerate(data[key]):
        pointer = make_pointer(key, index)
        _turn(record, "user", prompt, pointer, pointer)
    # Reference answers are answers for the content rules; an empty one means "none for this turn".
    references = _list_at(data, REFERENCE_KEYS)
    if references is not None:
        for index, answer in enumerate(data[references]):
            if isinstance(answer, str):
                record.texts.append(Text("response", answer, make_pointer(references, index)))


def _build_oasst(record: Record) -> None:
    """An OASST message tree (the record itself or its `prompt`; messages with `text`, `role` and
    `replies`): every message is a text, and each reply to a prompter message makes a
    user/assistant pair of turns, so each answer is checked against its own question. A prompter
    message no one answered is text only (where the tree ends, not a defect); other pairs of
    roles (a prompter replying to a prompter) are kept as they are, for the structure rules."""
    root_pointer = _oasst_root(record.data)
    root = resolve(record.data, root_pointer)
    if not isinstance(root.get("replies"), list):  # one message of the flat export: text only
        if isinstance(root.get("text"), str):
            record.texts.append(Text(_FIELD_OF_ROLE.get(_role_of(root), "text"), root["text"], "/text"))
        return
    if _role_of(root) != "user":  # a tree must start with a question
        _turn(record, root.get("role"), root.get("text"), root_pointer + "/text", root_pointer, as_text=False)
    pending = [(root, root_pointer)]
    while pending:
        message, pointer = pending.pop()
        role, text = message.get("role"), message.get("text")
        if isinstance(text, str):
            record.texts.append(Text(_FIELD_OF_ROLE.get(_role_of(message), "text"), text, pointer + "/text"))
        replies = message.get("replies")
        replies = [
            (reply, f"{pointer}/replies/{index}")
            for index, reply in enumerate(replies if isinstance(replies, list) else ())
            if isinstance(reply, dict)
        ]
        for reply, reply_pointer in replies:
            if _role_of(message) == "assistant" and _role_of(reply) == "user":
                continue  # the conversation goes on: this reply asks the next question
            _turn(record, role, text, pointer + "/text", pointer, as_text=False)
            _turn(record, reply.get("role"), reply.get("text"), reply_pointer + "/text", reply_pointer, as_text=False)
        pending.extend(reversed(replies))  # depth first, in the order the tree is written


def _role_of(message: dict) -> str:
    role = message.get("role")
    return ROLE_ALIASES.get(role, "unknown") if isinstance(role, str) else "unknown"


def _build_custom(record: Record, mapping: Mapping_) -> None:
    data = record.data
    parts = {name: getattr(mapping, name) for name in CUSTOM_PARTS if getattr(mapping, name)}
    record.unmapped = tuple((name, pointer) for name, pointer in parts.items() if not is_present(data, pointer))
    if any(name in ("instruction", "response") for name, _ in record.unmapped):
        # Without its prompt or answer the record is no conversation: rule S104 reports the key
        # (once per file when no record has it); the mapped texts it has are still checked.
        for name, pointer in parts.items():
            value = resolve(data, pointer)
            if isinstance(value, str):
                record.texts.append(Text(_FIELD_OF_ROLE.get(name, name), value, pointer))
        return
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


CUSTOM_PARTS = ("system", "instruction", "input", "response")


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
            elif not is_present(data, configured):
                record.unmapped = (*record.unmapped, (label, configured))
            continue
        key = find_key(data, keys)  # the first present key with a scalar value
        if key is not None and isinstance(data[key], (str, int, float, bool)):
            record.labels[label] = (data[key], make_pointer(key))


_BUILDERS = {
    "alpaca": _build_alpaca,
    "openai": _build_openai,
    "sharegpt": _build_sharegpt,
    "prompt-completion": _build_prompt_completion,
    "chat": _build_chat,
    "seed-tasks": _build_seed_tasks,
    "completions": _build_completions,
    "oasst": _build_oasst,
    "qa": _build_qa,
    "prompts": _build_prompts,
}
