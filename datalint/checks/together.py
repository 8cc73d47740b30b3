"""What Together's file check (`together-python` `src/together/utils/files.py`, `check_file`)
rejects in a JSONL line: its format by keys (text, messages, prompt+completion, preference),
messages, tools and images. A file that mixes formats is the `trainer-file` kind's."""

from __future__ import annotations

import json
from typing import Any

from datalint.checks import Option
from datalint.locate import make_pointer
from datalint.violation import Finding

CHECKS = ("format", "messages", "tools", "images", "preference")
OPTIONS = {"check": Option(str, "format", "which of Together's conditions to check", CHECKS)}
# JSONL_REQUIRED_COLUMNS_MAP and JSONL_EXTRA_COLUMNS_MAP of together/constants.py.
FORMATS = {
    "general": ("text",),
    "conversation": ("messages",),
    "instruction": ("prompt", "completion"),
    "preference_openai": ("input", "preferred_output", "non_preferred_output"),
}
EXTRA = {"conversation": ("tools",)}
ROLES = ("system", "user", "assistant", "tool")
MAX_IMAGES = 10
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_BASE64_LENGTH = len("data:image/jpeg;base64,") + 4 * MAX_IMAGE_BYTES // 3
IMAGE_PREFIXES = tuple(f"data:image/{kind};base64," for kind in ("jpeg", "png", "webp"))


def formats_of(data: dict) -> list[str]:
    return [name for name, keys in FORMATS.items() if all(key in data for key in keys)]


def check_record(rule, record) -> list[Finding]:
    data = record.data
    check = rule.options["check"]
    formats = formats_of(data)
    if check == "format":
        return _format(data, formats)
    if len(formats) != 1:
        return []
    if check == "messages" and formats[0] == "conversation" and isinstance(data["messages"], list):
        return _messages(data["messages"], "/messages", require_assistant=True)
    if check == "tools" and formats[0] == "conversation":
        return _tools(data)
    if check == "images":
        return _images(data, formats[0])
    if check == "preference" and formats[0] == "preference_openai":
        return _preference(data)
    return []


def _format(data: dict, formats: list[str]) -> list[Finding]:
    if not formats:
        return [
            Finding(
                f"no Together format has these keys ({', '.join(data) or 'none'}): text, messages, "
                "prompt+completion, or input+preferred_output+non_preferred_output"
            )
        ]
    if len(formats) > 1:
        return [Finding(f"line matches two formats, {formats[0]} and {formats[1]}: Together rejects it")]
    allowed = FORMATS[formats[0]] + EXTRA.get(formats[0], ())
    extra = [key for key in data if key not in allowed]
    if extra:
        return [Finding(f"extra column {extra[0]!r} in a {formats[0]} line: Together rejects it", "/" + extra[0])]
    if formats[0] in ("general", "instruction"):
        bad = [key for key in FORMATS[formats[0]] if not isinstance(data[key], (str, list))]
        if bad:
            return [Finding(f"`{bad[0]}` is not a string", "/" + bad[0])]
    if formats[0] == "conversation" and (not isinstance(data["messages"], list) or not data["messages"]):
        return [Finding("`messages` is not a non-empty list", "/messages")]
    return []


def _messages(messages: list, prefix: str, require_assistant: bool) -> list[Finding]:
    found = []
    has_assistant = False
    for index, message in enumerate(messages):
        pointer = f"{prefix}/{index}"
        if not isinstance(message, dict):
            found.append(Finding("message is not an object", pointer))
            continue
        message = {key: value for key, value in message.items() if value is not None}
        role = message.get("role")
        if not isinstance(role, str):
            found.append(Finding("message has no string `role`", pointer))
            continue
        if role not in ROLES:
            found.append(Finding(f"role {role!r} is not one of {', '.join(ROLES)}", pointer + "/role"))
        has_assistant |= role == "assistant"
        if "weight" in message and message["weight"] not in (0, 1):
            found.append(Finding(f"`weight` is {message['weight']!r}, not 0 or 1", pointer + "/weight"))
        has_content, has_calls = "content" in message, "tool_calls" in message
        if role == "assistant" and not has_content and not has_calls:
            found.append(Finding("assistant message has neither `content` nor `tool_calls`", pointer))
        elif role != "assistant" and not has_content:
            found.append(Finding(f"{role} message has no `content`", pointer))
        elif role != "assistant" and has_calls:
            found.append(Finding(f"{role} message has `tool_calls`", pointer + "/tool_calls"))
    if require_assistant and messages and not has_assistant:
        found.append(Finding("no assistant message", prefix))
    return found


def _tools(data: dict) -> list[Finding]:
    found = []
    tools = data.get("tools")
    names = None
    if tools is not None:
        if not isinstance(tools, list) or not tools:
            return [Finding("`tools` must be a non-empty list", "/tools")]
        names = []
        for number, tool in enumerate(tools):
            function = tool.get("function") if isinstance(tool, dict) else None
            if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(function, dict):
                found.append(Finding("tool needs `type: function` and a `function` object", f"/tools/{number}"))
            elif not isinstance(function.get("name"), str):
                found.append(Finding("tool function has no string `name`", f"/tools/{number}/function"))
            else:
                names.append(function["name"])
    messages = data.get("messages") if isinstance(data.get("messages"), list) else []
    for index, message in enumerate(messages):
        calls = message.get("tool_calls") if isinstance(message, dict) else None
        if calls is None:
            continue
        for number, call in enumerate(calls if isinstance(calls, list) else [calls]):
            found += _call_problems(call, names, make_pointer("messages", index, "tool_calls", number))
    return found


def _call_problems(call: Any, names: list[str] | None, pointer: str) -> list[Finding]:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(call, dict) or "type" not in call:
        return [Finding("tool call has no `type`", pointer)]
    if call["type"] != "function":
        return []
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        return [Finding("tool call has no `function` with a string `name`", pointer)]
    if names is not None and function["name"] not in names:
        return [Finding(f"tool call names {function['name']!r}, which is not in `tools`", pointer + "/function/name")]
    if "arguments" in function:
        arguments = function["arguments"]
        if not isinstance(arguments, str):
            return [Finding("tool call `arguments` is not a JSON string", pointer + "/function/arguments")]
        try:
            parsed = json.loads(arguments)
        except ValueError:
            return [Finding("tool call `arguments` is not valid JSON", pointer + "/function/arguments")]
        if not isinstance(parsed, dict):
            return [Finding("tool call `arguments` is not a JSON object", pointer + "/function/arguments")]
    return []


def _images(data: dict, kind: str) -> list[Finding]:
    if kind != "conversation" or not isinstance(data.get("messages"), list):
        return []
    found = []
    total = 0
    styles = set()
    for index, message in enumerate(data["messages"]):
        if not isinstance(message, dict) or message.get("content") is None:
            continue
        content = message["content"]
        styles.add(isinstance(content, list))
        if not isinstance(content, list):
            continue
        pointer = make_pointer("messages", index, "content")
        for number, item in enumerate(content):
            if not isinstance(item, dict) or item.get("type") != "image_url":
                continue
            total += 1
            where = f"{pointer}/{number}"
            if message.get("role") != "user":
                found.append(
                    Finding(f"image in a {message.get('role')} message: only user messages may hold images", where)
                )
            url = item.get("image_url", {}).get("url") if isinstance(item.get("image_url"), dict) else None
            if not isinstance(url, str) or not url.startswith(IMAGE_PREFIXES):
                found.append(Finding("image is not a base64 JPEG, PNG or WEBP data URL", where))
            elif len(url) > MAX_BASE64_LENGTH:
                found.append(Finding(f"image is over 10 MB (~{len(url) * 3 // 4:,} bytes)", where))
        if message.get("weight") not in (None, 0) and any(
            isinstance(item, dict) and item.get("type") == "image_url" for item in content
        ):
            found.append(
                Finding("message with images has a non-zero weight", make_pointer("messages", index, "weight"))
            )
    if len(styles) > 1:
        found.append(Finding("conversation mixes text-only and multimodal messages", "/messages"))
    if total > MAX_IMAGES:
        found.append(Finding(f"{total} images in one example, more than {MAX_IMAGES}", "/messages"))
    if styles == {True} and total == 0:
        found.append(Finding("multimodal conversation without an image", "/messages"))
    return found


def _preference(data: dict) -> list[Finding]:
    source = data["input"]
    if not isinstance(source, dict) or not isinstance(source.get("messages"), list):
        return [Finding("`input` must be an object with a `messages` list", "/input")]
    found = _messages(source["messages"], "/input/messages", require_assistant=False)
    last = source["messages"][-1] if source["messages"] else None
    if isinstance(last, dict) and last.get("role") == "assistant":
        found.append(
            Finding(
                "the input conversation ends with the assistant",
                make_pointer("input", "messages", len(source["messages"]) - 1),
            )
        )
    for key in ("preferred_output", "non_preferred_output"):
        value = data[key]
        if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
            found.append(Finding(f"`{key}` must be a list of exactly one message", "/" + key))
        elif value[0].get("role") != "assistant" or "content" not in value[0]:
            found.append(Finding(f"`{key}` must be one assistant message with `content`", f"/{key}/0"))
    return found
