"""Field mapping: `build_record` turns a parsed object into the Record view, by its preset's
builder (presets.py finds which) or by the configured `[mapping]` of JSON pointers.

Shapes with several answers to one prompt (seed tasks with instances, a prompt with several
model completions, OASST message trees) become one user/assistant pair of turns per answer, so
every answer is checked against the prompt it answers; each text keeps the JSON pointer of
where it really is. A prompt set (MT-Bench `turns`, records with a question and no answer key)
has user turns only and `prompts_only` set: its missing answers are not defects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from datalint.locate import make_pointer
from datalint.presets import (
    ANSWER_KEYS,
    CANDIDATE_KEYS,
    CONTEXT_KEYS,
    DEFAULT_LABEL_KEYS,
    INSTANCE_KEYS,
    ITEM_TEXT_KEYS,
    MESSAGE_ROLE_KEYS,
    MESSAGE_TEXT_KEYS,
    PROMPT_KEYS,
    REFERENCE_KEYS,
    REJECTED_KEYS,
    ROLE_ALIASES,
    SYSTEM_KEYS,
    TOOL_CALL_ROLES,
    chat_list,
    detect_format,
    find_key,
    list_at,
    oasst_root,
    prompt_list,
)
from datalint.records import Record, Text, Turn, is_present, resolve


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
    key = chat_list(data)
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
    instances = list_at(data, INSTANCE_KEYS)
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
    candidates = list_at(data, CANDIDATE_KEYS)
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
    key = prompt_list(data)
    if key is None:
        _build_qa(record)
        return
    record.prompts_only = True
    for index, prompt in enumerate(data[key]):
        pointer = make_pointer(key, index)
        _turn(record, "user", prompt, pointer, pointer)
    # Reference answers are answers for the content rules; an empty one means "none for this turn".
    references = list_at(data, REFERENCE_KEYS)
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
    root_pointer = oasst_root(record.data)
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
