"""Records and helpers shared by the trainer-profile tests: a trainer profile's findings through
the real CLI, and the fresh records the tests build."""

from __future__ import annotations

import json
import shutil

from tests.conftest import dataset, run_json

QUIET = ("--select", "S001", "--no-cache", "--every-record")


def trainer_findings(path, profile: str, *args: str) -> list[tuple[int, str, str, str]]:
    document = run_json(str(path), "--profile", profile, *QUIET, *args)
    return [(v["line"], v["code"], v["pointer"], v["message"]) for v in document["violations"] if v["code"][0] == "T"]


def tool_conversation(call_id="abcdefghi", name="add", arguments='{"a": 2, "b": 2}', result_id=None, tools=True):
    record = {
        "messages": [
            {"role": "user", "content": "Add 2 and 2."},
            {
                "role": "assistant",
                "tool_calls": [{"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}],
            },
            {"role": "tool", "tool_call_id": result_id or call_id, "content": "4"},
            {"role": "assistant", "content": "It is 4."},
        ]
    }
    if tools:
        parameters = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}
        record["tools"] = [
            {"type": "function", "function": {"name": name, "description": "Add two numbers", "parameters": parameters}}
        ]
    return record


def chat(*turns: tuple[str, str], **extra) -> dict:
    return {"messages": [{"role": role, "content": content} for role, content in turns], **extra}


GOOD_CHAT = chat(("user", "What is the capital of France?"), ("assistant", "Paris."))

# (profile, code, a record the rule reports, the messages it gives), one per trainer rule.


def turns(*pairs: tuple[str, str]) -> list[dict]:
    return [{"from": tag, "value": text} for tag, text in pairs]


def llamafactory_folder(folder, info, names=()):
    """`folder` with copies of these real datasets and a dataset_info.json holding `info`."""
    for name in names:
        shutil.copy(dataset(name), folder / name)
    (folder / "dataset_info.json").write_text(json.dumps(info), encoding="utf-8")
    return folder
