"""What axolotl's `chat_template` and `alpaca` dataset types make of a record
(`src/axolotl/prompt_strategies/chat_template.py`, `src/axolotl/prompters.py`).

The dataset settings of axolotl's YAML (`field_messages`, `message_property_mappings`, `roles`,
`roles_to_train`, `message_field_training`, `field_tools`) are options, set once for the profile
under `[profile-options]` with the YAML's names in kebab-case. Examples longer than
`sequence_len` or shorter than `min_sample_len` are counted in real tokens by the token rules.
"""

from __future__ import annotations

import json
from typing import Any

from datalint.checks import Option
from datalint.locate import make_pointer
from datalint.violation import Finding

CHECKS = ("messages-field", "unmapped-property", "unknown-role", "nothing-to-train", "train-field", "tools", "alpaca")
OPTIONS = {
    "check": Option(str, "messages-field", "which of axolotl's conditions to check", CHECKS),
    "type": Option(str, "chat_template", "the dataset `type`", ("chat_template", "alpaca")),
    "field-messages": Option(str, "messages", "`field_messages`: the key of the conversation"),
    "message-property-mappings": Option(
        dict, {"role": "role", "content": "content"}, "`message_property_mappings`: role/content -> the message's keys"
    ),
    "roles": Option(dict, {}, "`roles`: template role -> the record's role names (default: axolotl's table)"),
    "roles-to-train": Option(list, ["assistant"], "`roles_to_train`"),
    "message-field-training": Option(str, "", "`message_field_training`: the per-message key saying whether to train"),
    "field-tools": Option(str, "tools", "`field_tools`"),
}
# axolotl's role table when `roles` is not set.
DEFAULT_ROLES = {
    "human": "user",
    "user": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "system": "system",
    "tool": "tool",
}


def check_record(rule, record) -> list[Finding]:
    options = rule.options
    check = options["check"]
    if options["type"] == "alpaca":
        return _alpaca(record.data) if check == "alpaca" else []
    if check == "alpaca":
        return []
    data = record.data
    field = options["field-messages"]
    messages = data.get(field)
    if check == "messages-field":
        if messages is None:
            keys = ", ".join(data) or "none"
            return [
                Finding(f"no `{field}` (field_messages): axolotl stops with 'Messages is null'; the record has {keys}")
            ]
        if not isinstance(messages, list):
            return [Finding(f"`{field}` is not a list of messages: axolotl stops", "/" + field)]
        return []
    if not isinstance(messages, list):
        return []
    return _CHECKS[check](data, messages, options)


def _roles(options: dict) -> dict[str, str]:
    roles = options["roles"]
    if roles:
        return {source: target for target, sources in roles.items() for source in sources}
    return DEFAULT_ROLES


def _unmapped_property(data: dict, messages: list, options: dict) -> list[Finding]:
    found = []
    field = options["field-messages"]
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            found.append(Finding("message is not an object", make_pointer(field, index)))
            continue
        missing = [
            f"{prop} (`{key}`)"
            for prop, key in options["message-property-mappings"].items()
            if message.get(key) is None
        ]
        if missing:
            found.append(
                Finding(
                    f"message has no {', '.join(missing)}: axolotl logs this at debug level only and renders "
                    "the turn without it",
                    make_pointer(field, index),
                )
            )
    return found


def _role_of(message: Any, options: dict) -> Any:
    key = options["message-property-mappings"].get("role", "role")
    return message.get(key) if isinstance(message, dict) else None


def _unknown_role(data: dict, messages: list, options: dict) -> list[Finding]:
    roles = _roles(options)
    key = options["message-property-mappings"].get("role", "role")
    return [
        Finding(
            f"role {_role_of(message, options)!r} is not in axolotl's role table ({', '.join(roles)}): "
            "it passes to the chat template unmapped and is never trained",
            make_pointer(options["field-messages"], index, key),
        )
        for index, message in enumerate(messages)
        if isinstance(message, dict) and message.get(key) is not None and message.get(key) not in roles
    ]


def _nothing_to_train(data: dict, messages: list, options: dict) -> list[Finding]:
    roles = _roles(options)
    to_train = {roles.get(role, role) for role in options["roles-to-train"]}
    training = options["message-field-training"]
    for message in messages:
        if not isinstance(message, dict):
            continue
        flag = message.get(training) if training else None
        role = roles.get(_role_of(message, options), _role_of(message, options))
        if flag if flag is not None else role in to_train:  # axolotl tests the flag's truth
            return []
    wanted = ", ".join(sorted(to_train))
    return [
        Finding(
            f"no turn is trained (roles_to_train: {wanted}): every label is masked and the example teaches nothing",
            "/" + options["field-messages"],
        )
    ]


def _train_field(data: dict, messages: list, options: dict) -> list[Finding]:
    training = options["message-field-training"]
    field = options["field-messages"]
    found = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        if training:
            if training in message and not isinstance(message[training], bool):
                found.append(
                    Finding(
                        f"`{training}` is {message[training]!r}, not true or false",
                        make_pointer(field, index, training),
                    )
                )
        else:
            key = next((name for name in ("train", "training") if name in message), None)
            if key is not None:
                found.append(
                    Finding(
                        f"message has `{key}`, but `message_field_training` is not set: axolotl ignores it "
                        "and trains by role",
                        make_pointer(field, index, key),
                    )
                )
                break  # once per record: the setting is missing, not the value
    return found


def _tools(data: dict, messages: list, options: dict) -> list[Finding]:
    found = []
    field = options["field-tools"]
    if data.get(field) is not None and not isinstance(data[field], list):
        found.append(
            Finding(
                f"`{field}` is a {type(data[field]).__name__}, not a list: axolotl stops with 'Unknown tools format'",
                "/" + field,
            )
        )
    for index, message in enumerate(messages):
        calls = message.get("tool_calls") if isinstance(message, dict) else None
        for number, call in enumerate(calls if isinstance(calls, list) else []):
            function = call.get("function") if isinstance(call, dict) else None
            arguments = function.get("arguments") if isinstance(function, dict) else None
            if isinstance(arguments, str):
                try:
                    json.loads(arguments)
                except ValueError:
                    where = make_pointer(
                        options["field-messages"], index, "tool_calls", number, "function", "arguments"
                    )
                    found.append(Finding("tool call arguments are not JSON: axolotl stops while parsing them", where))
    return found


def _alpaca(data: dict) -> list[Finding]:
    missing = [key for key in ("instruction", "output") if not isinstance(data.get(key), str)]
    if missing:
        return [Finding(f"alpaca record without a string `{'` and `'.join(missing)}`")]
    return []


_CHECKS = {
    "unmapped-property": _unmapped_property,
    "unknown-role": _unknown_role,
    "nothing-to-train": _nothing_to_train,
    "train-field": _train_field,
    "tools": _tools,
}
