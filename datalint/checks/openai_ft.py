"""What OpenAI's fine-tuning accepts (the chat fine-tuning and DPO data formats of the
fine-tuning guides, and the format checks of openai-cookbook's "Data preparation and analysis for
chat model fine-tuning"): chat records with tools and `weight`, DPO records with `input`,
`preferred_output` and `non_preferred_output`. The minimum of 10 examples is `trainer-file`'s."""

from __future__ import annotations

from datalint.checks import Option
from datalint.locate import make_pointer
from datalint.violation import Finding

CHECKS = ("record-shape", "weight", "no-assistant", "preference")
OPTIONS = {"check": Option(str, "record-shape", "which of OpenAI's conditions to check", CHECKS)}
DPO_KEYS = ("input", "preferred_output", "non_preferred_output")


def check_record(rule, record) -> list[Finding]:
    data = record.data
    check = rule.options["check"]
    is_dpo = any(key in data for key in DPO_KEYS)
    if check == "record-shape":
        if is_dpo:
            missing = [key for key in DPO_KEYS if key not in data]
            return [Finding(f"DPO record without `{'`, `'.join(missing)}`")] if missing else []
        if not isinstance(data.get("messages"), list) or not data["messages"]:
            return [
                Finding(
                    "record has neither a `messages` list (chat) nor `input`/`preferred_output`/"
                    "`non_preferred_output` (DPO)"
                )
            ]
        return []
    if check == "preference":
        return _preference(data) if is_dpo and all(key in data for key in DPO_KEYS) else []
    messages = data.get("messages")
    if is_dpo or not isinstance(messages, list):
        return []
    if check == "weight":
        return [
            Finding(_weight_problem(message), make_pointer("messages", index, "weight"))
            for index, message in enumerate(messages)
            if isinstance(message, dict) and "weight" in message and _weight_problem(message)
        ]
    if not any(isinstance(message, dict) and message.get("role") == "assistant" for message in messages):
        return [Finding("no assistant message: the example has nothing to train on", "/messages")]
    return []


def _weight_problem(message: dict) -> str:
    if message.get("role") != "assistant":
        return f"`weight` on a {message.get('role')} message: only assistant messages take one"
    if message["weight"] not in (0, 1) or isinstance(message["weight"], bool):
        return f"`weight` is {message['weight']!r}, not 0 or 1"
    return ""


def _preference(data: dict) -> list[Finding]:
    found = []
    source = data["input"]
    messages = source.get("messages") if isinstance(source, dict) else None
    if not isinstance(messages, list) or not messages:
        found.append(Finding("`input` has no `messages` list", "/input"))
    elif isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
        found.append(
            Finding(
                "`input.messages` ends with the assistant: the outputs answer nothing",
                make_pointer("input", "messages", len(messages) - 1),
            )
        )
    for key in ("preferred_output", "non_preferred_output"):
        value = data[key]
        if (
            not isinstance(value, list)
            or len(value) != 1
            or not isinstance(value[0], dict)
            or value[0].get("role") != "assistant"
        ):
            found.append(Finding(f"`{key}` is not a list of one assistant message", "/" + key))
    if data["preferred_output"] == data["non_preferred_output"]:
        found.append(
            Finding(
                "`preferred_output` and `non_preferred_output` are the same: no preference to learn",
                "/non_preferred_output",
            )
        )
    return found
