"""The rows LLaMA-Factory would skip or empty, read with the mapping its `dataset_info.json`
declares for the linted file (`src/llamafactory/data/parser.py` for the defaults,
`src/llamafactory/data/converter.py` for what the converters do with a row).

The entry is found per file (`for_file`, called by the config): `dataset_info.json` beside the
data file, or the one `[profile-options] dataset-info` names; the entry whose `file_name` is the
linted file, or the one `[profile-options] dataset` names. It becomes the rule option `entry`, so
a change to dataset_info.json changes the cache key.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from datalint.checks import Option
from datalint.locate import make_pointer
from datalint.violation import Finding

CHECKS = ("role-tag", "message-count", "preference", "columns", "kto-tag")
OPTIONS = {
    "check": Option(str, "role-tag", "which of the converter's conditions to check", CHECKS),
    "dataset-info": Option(str, "", "dataset_info.json to read (default: the one beside the data file)", is_path=True),
    "dataset": Option(str, "", "the dataset_info.json entry (default: the one whose file_name is the linted file)"),
    "entry": Option(dict, {}, "the dataset_info.json entry, filled in per file"),
}
INFO_NAME = "dataset_info.json"
# DatasetAttr's defaults; when an entry has `columns` (or `tags`), a key it does not name is None.
ALPACA_COLUMNS = {"prompt": "instruction", "query": "input", "response": "output", "history": None}
COMMON_COLUMNS = {"system": None, "tools": None, "images": None, "chosen": None, "rejected": None, "kto_tag": None}
TAGS = {
    "role_tag": "from",
    "content_tag": "value",
    "user_tag": "human",
    "assistant_tag": "gpt",
    "observation_tag": "observation",
    "function_tag": "function_call",
    "system_tag": "system",
}


def for_file(options: dict[str, Any], path: Path | None) -> dict[str, Any]:
    """The options with the dataset_info.json entry of the file at `path` as `entry`."""
    if options["dataset-info"]:
        info_path = Path(options["dataset-info"])
    elif path is not None:
        info_path = Path(os.path.abspath(path)).parent / INFO_NAME  # beside the link, for a symlinked file
    else:
        raise ValueError("the llamafactory profile needs the data file's path or `[profile-options] dataset-info`")
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ValueError(f"the llamafactory profile reads {info_path}, which does not exist") from error
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {info_path}: {error}") from error
    if not isinstance(info, dict):
        raise ValueError(f"{info_path} is not a JSON object of dataset entries")
    name = options["dataset"] or _entry_for(info, info_path.parent, path)
    if name is None and path is None:
        raise ValueError("records without a file need `[profile-options] dataset`: the entry to read them with")
    if name is None:
        names = ", ".join(str(entry.get("file_name")) for entry in info.values() if isinstance(entry, dict))
        raise ValueError(f"no entry of {info_path} has file_name {path.name!r} (file names: {names})")
    entry = info.get(name)
    if not isinstance(entry, dict):
        raise ValueError(f"{info_path} has no dataset {name!r}")
    return {**options, "entry": {"name": name, **entry}}


def _entry_for(info: dict, folder: Path, path: Path | None) -> str | None:
    if path is None:
        return None
    targets = {os.path.abspath(path), str(path.resolve())}
    for name, entry in info.items():
        file_name = entry.get("file_name") if isinstance(entry, dict) else None
        if (
            isinstance(file_name, str)
            and {os.path.abspath(folder / file_name), str((folder / file_name).resolve())} & targets
        ):
            return name
    return None


def attributes(entry: dict[str, Any]) -> dict[str, Any]:
    """What LLaMA-Factory's parser makes of an entry: formatting, ranking, columns and tags."""
    formatting = entry.get("formatting", "alpaca")
    columns = {**COMMON_COLUMNS, **(ALPACA_COLUMNS if formatting == "alpaca" else {"messages": "conversations"})}
    if "columns" in entry:
        columns = {key: entry["columns"].get(key) for key in columns}
    tags = dict(TAGS)
    if formatting == "sharegpt" and "tags" in entry:
        tags = {key: entry["tags"].get(key) for key in tags}
    return {"formatting": formatting, "ranking": bool(entry.get("ranking", False)), **columns, **tags}


def prepare(options: dict[str, Any]) -> dict[str, Any] | None:
    return attributes(options["entry"]) if options["entry"] else None


def check_record(rule, record) -> list[Finding]:
    attrs = rule.state
    if attrs is None:
        return []
    check = rule.options["check"]
    if check == "kto-tag":
        return _kto_tag(record.data, attrs)
    if attrs["formatting"] == "alpaca":
        return _alpaca(record.data, attrs, check)
    if attrs["formatting"] == "sharegpt":
        return _sharegpt(record.data, attrs, check)
    return []


def _alpaca(data: dict, attrs: dict, check: str) -> list[Finding]:
    if check == "columns":
        response = attrs["response"]
        if attrs["ranking"] or attrs["kto_tag"] and isinstance(data.get(attrs["kto_tag"]), bool):
            return []
        if response is None or not isinstance(data.get(response), str):
            what = "no `response` column is declared" if response is None else f"`{response}` is not a string"
            return [Finding(f"{what}: LLaMA-Factory reads the row as unsupervised and drops it from SFT")]
        if attrs["prompt"] and attrs["prompt"] not in data:
            return [Finding(f"no `{attrs['prompt']}` column: LLaMA-Factory trains this row on an empty prompt")]
    if check == "preference" and attrs["ranking"]:
        bad = [name for name in (attrs["chosen"], attrs["rejected"]) if not name or not isinstance(data.get(name), str)]
        if bad or not attrs["chosen"]:
            return [Finding("ranking row without string `chosen` and `rejected` columns: it has no pair to train on")]
    return []


def _sharegpt(data: dict, attrs: dict, check: str) -> list[Finding]:
    column = attrs["messages"]
    messages = data.get(column) if column else None
    if check == "columns":
        if not isinstance(messages, list) or not all(isinstance(message, dict) for message in messages):
            what = f"`{column}`" if column else "the messages column (none declared)"
            return [Finding(f"{what} is not a list of messages: LLaMA-Factory cannot convert the row")]
        missing = [
            index
            for index, message in enumerate(messages)
            if attrs["role_tag"] not in message or attrs["content_tag"] not in message
        ]
        if missing:
            tags = f"`{attrs['role_tag']}` and `{attrs['content_tag']}`"
            return [Finding(f"message has no {tags} (the tags declared)", make_pointer(column, missing[0]))]
        return []
    if not isinstance(messages, list) or not all(isinstance(message, dict) for message in messages):
        return []
    role, system = attrs["role_tag"], attrs["system_tag"]
    if any(role not in message or attrs["content_tag"] not in message for message in messages):
        return []  # LLaMA-Factory cannot read the row at all: T023's
    start = 1 if system and messages and messages[0].get(role) == system else 0
    accepted = ((attrs["user_tag"], attrs["observation_tag"]), (attrs["assistant_tag"], attrs["function_tag"]))
    if check == "role-tag":
        for turn, message in enumerate(messages[start:]):
            if message.get(role) not in accepted[turn % 2]:
                tags = " or ".join(repr(tag) for tag in accepted[turn % 2] if tag)
                where = make_pointer(column, start + turn, role)
                return [
                    Finding(
                        f"role tag {message.get(role)!r} where LLaMA-Factory expects {tags}: it skips the row "
                        '("Skipping this abnormal example")',
                        where,
                    )
                ]
        return []
    if _broken_roles(messages[start:], role, accepted):
        return []  # the role tag is T020's
    count = len(messages) - start
    if check == "message-count":
        if count == 0:
            return [Finding("no messages after the system prompt: LLaMA-Factory drops the row", "/" + column)]
        if not attrs["ranking"] and count % 2:
            return [
                Finding(
                    f"{count} messages after the system prompt, an odd number: LLaMA-Factory skips the row",
                    "/" + column,
                )
            ]
        if attrs["ranking"] and count % 2 == 0:
            return [
                Finding(
                    f"{count} messages before the pair, an even number: a preference row's prompt ends with the user's "
                    "turn, so LLaMA-Factory skips it",
                    "/" + column,
                )
            ]
    if check == "preference" and attrs["ranking"]:
        chosen, rejected = attrs["chosen"], attrs["rejected"]
        pair = [data.get(chosen) if chosen else None, data.get(rejected) if rejected else None]
        if not all(isinstance(item, dict) for item in pair):
            return [Finding("`chosen` and `rejected` are not both single messages: the row has no pair to train on")]
        for name, item in zip((chosen, rejected), pair, strict=True):
            if item.get(role) not in accepted[1]:
                tags = " or ".join(repr(tag) for tag in accepted[1] if tag)
                return [Finding(f"`{name}` has role tag {item.get(role)!r}, not {tags}", f"/{name}/{role}")]
    return []


def _broken_roles(messages: list[dict], role: str, accepted: tuple) -> bool:
    return any(message.get(role) not in accepted[turn % 2] for turn, message in enumerate(messages))


def _kto_tag(data: dict, attrs: dict) -> list[Finding]:
    tag = attrs["kto_tag"]
    if tag and not isinstance(data.get(tag), bool):
        return [
            Finding(
                f"`{tag}` is {json.dumps(data.get(tag))}, not true or false: LLaMA-Factory reads the row as a plain "
                "example, not a KTO one",
                "/" + tag if tag in data else "",
            )
        ]
    return []
