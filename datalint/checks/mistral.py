"""What mistral-finetune accepts (`finetune/data/tokenize.py`) and mistral-common's fine-tuning
validator (`MistralRequestValidatorV3` in `protocol/instruct/validator.py`) rejects. Each check is
one rule of the `mistral` profile; the record is read as the trainer reads it: the raw JSON."""

from __future__ import annotations

import re
from typing import Any

from datalint.checks import Option
from datalint.locate import make_pointer
from datalint.violation import Finding

CHECKS = (
    "tool-call-id",
    "function-name",
    "role",
    "system-messages",
    "role-order",
    "last-message",
    "content-xor-tool-calls",
    "tool-schema",
    "tool-call-shape",
    "weight",
    "tool-results",
    "record-shape",
    "only-last",
)
OPTIONS = {"check": Option(str, "tool-call-id", "which of mistral-finetune's conditions to check", CHECKS)}

CALL_ID = re.compile(r"[a-zA-Z0-9]{9}")
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
ROLES = ("system", "user", "assistant", "tool")
MESSAGES_KEYS = ("messages", "interactions")
# mistral-common: the roles allowed after each role (system messages are taken out first).
NEXT_ROLES = {
    "user": ("assistant", "system", "user"),
    "assistant": ("assistant", "user", "tool"),
    "tool": ("assistant", "tool"),
    "system": ("user", "assistant", "system"),
}


def check_record(rule, record) -> list[Finding]:
    data = record.data
    check = rule.options["check"]
    key = next((name for name in MESSAGES_KEYS if name in data), None)
    if check == "record-shape":
        return _record_shape(data, key)
    if key is None or not isinstance(data[key], list):
        return []
    messages = [(index, message) for index, message in enumerate(data[key]) if isinstance(message, dict)]
    return _CHECKS[check](data, key, messages)


def _record_shape(data: dict, key: str | None) -> list[Finding]:
    if key is None:
        texts = [name for name in ("text", "content") if name in data]
        if not texts:
            keys = ", ".join(data) or "none"
            return [Finding(f"record has neither `messages` (instruct) nor `text` (pretrain); its keys: {keys}")]
        if len(texts) == 2:
            return [Finding("pretrain record has both `text` and `content`: mistral-finetune takes one")]
        if not isinstance(data[texts[0]], str):
            return [Finding(f"pretrain `{texts[0]}` is not a string", "/" + texts[0])]
        return []
    found = []
    if all(name in data for name in MESSAGES_KEYS):
        found.append(Finding("record has both `messages` and `interactions`: mistral-finetune takes one"))
    if "tools" in data and "available_tools" in data:
        found.append(Finding("record has both `tools` and `available_tools`: mistral-finetune takes one", "/tools"))
    if not isinstance(data[key], list):
        found.append(Finding(f"`{key}` is not a list of messages", "/" + key))
        return found
    for index, message in enumerate(data[key]):
        pointer = make_pointer(key, index)
        if not isinstance(message, dict):
            found.append(Finding("message is not an object", pointer))
        elif "text" in message and "content" in message:
            found.append(Finding("message has both `text` and `content`", pointer))
        elif message.get("tool_calls") is None and message.get("content", message.get("text")) is None:
            found.append(Finding(f"{message.get('role', 'a')} message has no `content`", pointer))
    if not data[key]:
        found.append(Finding("conversation has no messages", "/" + key))
    return found


def _calls(message: dict) -> list:
    calls = message.get("tool_calls")
    return calls if isinstance(calls, list) else []


def _tool_call_id(data: dict, key: str, messages: list) -> list[Finding]:
    found = []
    last = len(data[key]) - 1
    for index, message in messages:
        pointer = make_pointer(key, index)
        if message.get("role") == "assistant":
            for number, call in enumerate(_calls(message)):
                if not isinstance(call, dict) or "id" not in call:
                    continue
                value = call["id"]
                if value == "null" and index == last:
                    continue  # the id of the last message's calls is not trained on
                if not isinstance(value, str) or not CALL_ID.fullmatch(value):
                    found.append(_bad_id("tool call id", value, f"{pointer}/tool_calls/{number}/id"))
        elif message.get("role") == "tool" and "tool_call_id" in message:
            value = message["tool_call_id"]
            if not isinstance(value, str) or not CALL_ID.fullmatch(value):
                found.append(_bad_id("tool_call_id", value, pointer + "/tool_call_id"))
    return found


def _bad_id(what: str, value: Any, pointer: str) -> Finding:
    size = f", {len(value)} characters" if isinstance(value, str) else ""
    return Finding(f"{what} {value!r} is not 9 letters and digits{size}", pointer)


def _function_name(data: dict, key: str, messages: list) -> list[Finding]:
    found = []
    for index, message in messages:
        pointer = make_pointer(key, index)
        for number, call in enumerate(_calls(message)):
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and "name" in function:
                found += _bad_name(function["name"], f"{pointer}/tool_calls/{number}/function/name")
        if message.get("role") == "tool" and message.get("name") is not None:
            found += _bad_name(message["name"], pointer + "/name")
    for name in ("tools", "available_tools"):
        tools = data.get(name)
        for number, tool in enumerate(tools if isinstance(tools, list) else []):
            function = tool.get("function") if isinstance(tool, dict) else None
            if isinstance(function, dict) and "name" in function:
                found += _bad_name(function["name"], f"/{name}/{number}/function/name")
    return found


def _bad_name(name: Any, pointer: str) -> list[Finding]:
    if isinstance(name, str) and FUNCTION_NAME.fullmatch(name):
        return []
    return [Finding(f"function name {name!r} is not 1-64 letters, digits, _ or -", pointer)]


def _role(data: dict, key: str, messages: list) -> list[Finding]:
    found = []
    for index, message in messages:
        pointer = make_pointer(key, index)
        if "role" not in message:
            found.append(Finding("message has no `role`", pointer))
        elif message["role"] not in ROLES:
            found.append(Finding(f"role {message['role']!r} is not one of {', '.join(ROLES)}", pointer + "/role"))
    return found


def _system_messages(data: dict, key: str, messages: list) -> list[Finding]:
    systems = [index for index, message in messages if message.get("role") == "system"]
    extra = systems[1:] if data.get("system_prompt") is None else systems
    what = "`system_prompt` and a system message" if data.get("system_prompt") is not None else "two system messages"
    return [Finding(f"record has {what}: mistral-finetune allows one", make_pointer(key, index)) for index in extra]


def _order(messages: list) -> list[tuple[int, dict]]:
    """The messages mistral-common validates: system messages become the system prompt."""
    return [(index, message) for index, message in messages if message.get("role") in ROLES[1:]]


def _role_order(data: dict, key: str, messages: list) -> list[Finding]:
    ordered = _order(messages)
    if len(ordered) == 1 and ordered[0][1]["role"] != "user":
        index, message = ordered[0]
        return [
            Finding(
                f"the only message besides the system prompt is the {message['role']}'s: mistral-common needs "
                "a conversation to start with a user message",
                make_pointer(key, index, "role"),
            )
        ]
    found = []
    previous = None
    for index, message in ordered:
        role = message["role"]
        if previous is not None and role not in NEXT_ROLES[previous]:
            found.append(Finding(f"{role} message after a {previous} message", make_pointer(key, index, "role")))
        previous = role
    return found


def _last_message(data: dict, key: str, messages: list) -> list[Finding]:
    ordered = _order(messages)
    if not ordered:
        return [Finding("conversation has no user, assistant or tool message", "/" + key)] if messages else []
    index, last = ordered[-1]
    if last["role"] != "assistant":
        return [Finding(f"last message is the {last['role']}'s, not the assistant's", make_pointer(key, index))]
    return []


def _content_xor_tool_calls(data: dict, key: str, messages: list) -> list[Finding]:
    found = []
    for index, message in messages:
        if message.get("role") != "assistant":
            continue
        content = message.get("content", message.get("text"))
        if bool(content) == bool(message.get("tool_calls")):
            what = "both content and tool_calls" if content else "neither content nor tool_calls"
            found.append(Finding(f"assistant message has {what}", make_pointer(key, index)))
    return found


def _tool_schema(data: dict, key: str, messages: list) -> list[Finding]:
    name = "tools" if data.get("tools") else "available_tools"
    tools = data.get(name)
    if not tools:
        return []
    if not isinstance(tools, list):
        return [Finding(f"`{name}` is not a list of tools", "/" + name)]
    found = []
    lacking: list[tuple[int, tuple[str, ...]]] = []  # one finding per record: exports lack a key in every tool
    for number, tool in enumerate(tools):
        pointer = f"/{name}/{number}"
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict):
            found.append(Finding("tool has no `function` object", pointer))
            continue
        missing = [part for part in ("name", "description", "parameters") if part not in function]
        if missing:
            lacking.append((number, tuple(missing)))
            continue
        parameters = function["parameters"]
        if not isinstance(parameters, dict):
            found.append(Finding("tool `parameters` is not an object", pointer + "/function/parameters"))
            continue
        problem = _schema_problem(parameters)
        if problem:
            found.append(
                Finding(f"tool `parameters` is not a valid JSON Schema: {problem}", pointer + "/function/parameters")
            )
    if lacking:
        number, missing = lacking[0]
        others = f" (and {len(lacking) - 1} more tools)" if len(lacking) > 1 else ""
        found.insert(0, Finding(f"tool function has no `{'`, `'.join(missing)}`{others}", f"/{name}/{number}/function"))
    return found


def _schema_problem(schema: dict) -> str | None:
    from jsonschema import Draft7Validator, SchemaError

    try:
        Draft7Validator.check_schema(schema)
    except SchemaError as error:
        return error.message
    return None


def _tool_call_shape(data: dict, key: str, messages: list) -> list[Finding]:
    found = []
    for index, message in messages:
        if message.get("role") != "assistant" or message.get("tool_calls") is None:
            continue
        pointer = make_pointer(key, index, "tool_calls")
        calls = message["tool_calls"]
        if not isinstance(calls, list):
            found.append(Finding("`tool_calls` is not a list", pointer))
            continue
        for number, call in enumerate(calls):
            where = f"{pointer}/{number}"
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(call, dict) or "id" not in call or not isinstance(function, dict):
                found.append(Finding("tool call has no `id` or no `function`", where))
            elif "name" not in function or "arguments" not in function:
                found.append(Finding("tool call function has no `name` or no `arguments`", where + "/function"))
            elif not isinstance(function["arguments"], str):
                kind = type(function["arguments"]).__name__
                found.append(Finding(f"tool call `arguments` is a {kind}, not a string", where + "/function/arguments"))
    return found


def _weight(data: dict, key: str, messages: list) -> list[Finding]:
    return [
        Finding(f"assistant `weight` is {message['weight']!r}, not 0 or 1", make_pointer(key, index, "weight"))
        for index, message in messages
        if message.get("role") == "assistant" and message.get("weight") is not None and message["weight"] not in (0, 1)
    ]


def _tool_results(data: dict, key: str, messages: list) -> list[Finding]:
    """mistral-common counts tool results against the last assistant's calls: a new assistant
    message while results are missing or extra, or more results than calls at the end."""
    ordered = _order(messages)
    expected = 0
    for position, (index, message) in enumerate(ordered):
        if position == 0:
            continue  # the validator starts counting at the second message
        if message["role"] == "tool":
            expected -= 1
        elif message["role"] == "assistant":
            if expected != 0:
                what = "fewer" if expected > 0 else "more"
                return [
                    Finding(
                        f"{what} tool results than tool calls before this assistant message", make_pointer(key, index)
                    )
                ]
            expected = len(_calls(message))
    if expected < 0:
        return [Finding("more tool results than tool calls", make_pointer(key, ordered[-1][0]))]
    return []


def _only_last(data: dict, key: str, messages: list) -> list[Finding]:
    if not (data.get("tools") or data.get("available_tools") or data.get("only_last")):
        return []
    assistants = [index for index, message in messages if message.get("role") == "assistant"]
    if len(assistants) < 2:
        return []
    why = "it has tools" if data.get("tools") or data.get("available_tools") else "`only_last` is set"
    return [
        Finding(
            f"{len(assistants) - 1} earlier assistant message(s) get no loss: {why}, so mistral-finetune "
            "trains on the last assistant message only",
            make_pointer(key, assistants[0]),
        )
    ]


_CHECKS = {
    "tool-call-id": _tool_call_id,
    "function-name": _function_name,
    "role": _role,
    "system-messages": _system_messages,
    "role-order": _role_order,
    "last-message": _last_message,
    "content-xor-tool-calls": _content_xor_tool_calls,
    "tool-schema": _tool_schema,
    "tool-call-shape": _tool_call_shape,
    "weight": _weight,
    "tool-results": _tool_results,
    "only-last": _only_last,
}
