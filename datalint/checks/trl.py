"""The dataset types TRL's trainers accept (`trl/data_utils.py`, `docs/source/dataset_formats.md`):
a record's columns among prompt, completion, chosen, rejected, messages, text and label make its
type; each column is standard (a string) or conversational (a list of role/content messages).
The `trainer` option (sft, dpo, kto, grpo) says which types are accepted."""

from __future__ import annotations

from typing import Any

from datalint.checks import Option
from datalint.locate import make_pointer
from datalint.violation import Finding

CHECKS = ("columns", "mixed-style", "messages", "prompt-end", "implicit-prompt", "label", "tools")
TRAINERS = ("sft", "dpo", "kto", "grpo")
OPTIONS = {
    "check": Option(str, "columns", "which of TRL's conditions to check", CHECKS),
    "trainer": Option(str, "sft", "the TRL trainer the dataset is for", TRAINERS),
}
COLUMNS = ("prompt", "completion", "chosen", "rejected", "messages", "text", "label")
MESSAGE_COLUMNS = ("prompt", "completion", "chosen", "rejected", "messages")
# The column sets of each type (trl/data_utils.py), and the types each trainer reads.
TYPES = {
    frozenset({"text"}): "language modeling",
    frozenset({"messages"}): "language modeling",
    frozenset({"prompt"}): "prompt-only",
    frozenset({"prompt", "completion"}): "prompt-completion",
    frozenset({"prompt", "chosen", "rejected"}): "preference",
    frozenset({"chosen", "rejected"}): "preference with implicit prompt",
    frozenset({"prompt", "completion", "label"}): "unpaired preference",
}
ACCEPTED = {
    "sft": ("language modeling", "prompt-completion"),
    "dpo": ("preference", "preference with implicit prompt"),
    "kto": ("unpaired preference", "preference", "preference with implicit prompt"),
    "grpo": ("prompt-only",),
}


def record_type(data: dict) -> str | None:
    return TYPES.get(frozenset(key for key in COLUMNS if key in data))


def check_record(rule, record) -> list[Finding]:
    data = record.data
    check = rule.options["check"]
    trainer = rule.options["trainer"]
    if check == "columns":
        return _columns(data, trainer)
    if record_type(data) not in ACCEPTED[trainer] and not (trainer == "grpo" and "prompt" in data):
        return []  # a record of the wrong type is reported once, by the columns check
    return _CHECKS[check](data, trainer)


def _columns(data: dict, trainer: str) -> list[Finding]:
    for key in MESSAGE_COLUMNS:
        if key in data and not isinstance(data[key], (str, list)):
            kind = "an object" if isinstance(data[key], dict) else type(data[key]).__name__
            return [Finding(f"`{key}` is {kind}, neither a string nor a list of messages", "/" + key)]
    kind = record_type(data)
    if kind in ACCEPTED[trainer] or (trainer == "grpo" and "prompt" in data):
        return []  # GRPO hands every other column to the reward functions
    present = [key for key in COLUMNS if key in data]
    accepted = " or ".join(ACCEPTED[trainer])
    if kind:
        what = f"a {kind} record"
    elif present:
        what = f"columns {', '.join(present)}"
    else:
        what = f"no column TRL reads ({', '.join(COLUMNS)}; the record has {', '.join(data) or 'none'})"
    return [Finding(f"{what}: TRL's {trainer.upper()} trainer reads {accepted}")]


def _is_messages(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], dict)


def _mixed_style(data: dict, trainer: str) -> list[Finding]:
    present = [key for key in MESSAGE_COLUMNS if key in data]
    conversational = [key for key in present if _is_messages(data[key])]
    standard = [key for key in present if isinstance(data[key], str)]
    if conversational and standard:
        return [
            Finding(
                f"{', '.join(conversational)} conversational but {', '.join(standard)} a string: TRL decides the "
                "record's style from one column, and the other is rendered wrongly",
                "/" + standard[0],
            )
        ]
    return []


def _messages(data: dict, trainer: str) -> list[Finding]:
    found = []
    for column in MESSAGE_COLUMNS:
        value = data.get(column)
        if not isinstance(value, list):
            continue
        if not value:
            found.append(Finding(f"`{column}` is an empty list", "/" + column))
        for index, message in enumerate(value):
            if not isinstance(message, dict) or "role" not in message or "content" not in message:
                found.append(Finding(f"`{column}` message without `role` and `content`", make_pointer(column, index)))
    return found


def _prompt_end(data: dict, trainer: str) -> list[Finding]:
    prompt = data.get("prompt")
    if not _is_messages(prompt) or not isinstance(prompt[-1], dict):
        return []
    role = prompt[-1].get("role")
    pointer = make_pointer("prompt", len(prompt) - 1, "role")
    if role == "assistant":
        return [
            Finding(
                "prompt ends with an assistant message: TRL continues that message instead of starting a new turn",
                pointer,
            )
        ]
    if role != "user":
        return [
            Finding(f"prompt ends with a {role!r} message: TRL stops with 'Invalid role in the last message'", pointer)
        ]
    return []


def _implicit_prompt(data: dict, trainer: str) -> list[Finding]:
    if "prompt" in data or "chosen" not in data or "rejected" not in data:
        return []
    chosen, rejected = data["chosen"], data["rejected"]
    if chosen == rejected:
        return [Finding("`chosen` and `rejected` are the same: the pair teaches no preference", "/rejected")]
    if isinstance(chosen, list) and isinstance(rejected, list) and chosen and rejected and chosen[0] != rejected[0]:
        return [
            Finding(
                "`chosen` and `rejected` start differently, so the implicit prompt TRL extracts (their shared "
                "beginning) is empty",
                "/rejected/0",
            )
        ]
    if isinstance(chosen, str) and isinstance(rejected, str) and chosen[:1] != rejected[:1]:
        return [Finding("`chosen` and `rejected` share no beginning: the implicit prompt is empty", "/rejected")]
    return []


def _label(data: dict, trainer: str) -> list[Finding]:
    if "label" in data and not isinstance(data["label"], bool):
        return [Finding(f"`label` is {data['label']!r}, not true or false", "/label")]
    return []


def _tools(data: dict, trainer: str) -> list[Finding]:
    tools = data.get("tools")
    if tools is None or (isinstance(tools, list) and all(isinstance(tool, dict) for tool in tools)):
        return []
    return [
        Finding(
            f"`tools` is a {type(tools).__name__}, not a list of JSON schemas: the chat template renders it as it is",
            "/tools",
        )
    ]


_CHECKS = {
    "mixed-style": _mixed_style,
    "messages": _messages,
    "prompt-end": _prompt_end,
    "implicit-prompt": _implicit_prompt,
    "label": _label,
    "tools": _tools,
}
