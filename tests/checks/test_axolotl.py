"""The axolotl kind (profile `axolotl`): each rule on a fresh record with the settings given under
`[profile-options]`, and LLaMA-Factory's glaive demo read with axolotl's ShareGPT mapping."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import dataset, run_json, write_jsonl
from tests.trainer_records import GOOD_CHAT, QUIET, chat, turns

AXOLOTL_CASES = [
    (
        "T030",
        {},
        {"conversations": []},
        GOOD_CHAT,
        [("", "no `messages` (field_messages): axolotl stops with 'Messages is null'; the record has conversations")],
    ),
    (
        "T031",
        {},
        {"messages": turns(("human", "Hi"), ("gpt", "Hello"))},
        GOOD_CHAT,
        [
            (
                "/messages/0",
                "message has no role (`role`), content (`content`): axolotl logs this at debug level only "
                "and renders the turn without it",
            ),
            (
                "/messages/1",
                "message has no role (`role`), content (`content`): axolotl logs this at debug level only "
                "and renders the turn without it",
            ),
        ],
    ),
    (
        "T032",
        {},
        chat(("user", "Hi"), ("bot", "Hello"), ("assistant", "Bye")),
        GOOD_CHAT,
        [
            (
                "/messages/1/role",
                "role 'bot' is not in axolotl's role table (human, user, assistant, gpt, system, tool): "
                "it passes to the chat template unmapped and is never trained",
            )
        ],
    ),
    (
        "T033",
        {},
        chat(("user", "Hi"), ("system", "Hello")),
        GOOD_CHAT,
        [
            (
                "/messages",
                "no turn is trained (roles_to_train: assistant): every label is masked and the example teaches nothing",
            )
        ],
    ),
    (
        "T034",
        {},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "No", "train": False}]},
        GOOD_CHAT,
        [
            (
                "/messages/1/train",
                "message has `train`, but `message_field_training` is not set: axolotl ignores it and trains by role",
            )
        ],
    ),
    (
        "T035",
        {},
        {**GOOD_CHAT, "tools": '[{"name": "search"}]'},
        {**GOOD_CHAT, "tools": []},
        [("/tools", "`tools` is a str, not a list: axolotl stops with 'Unknown tools format'")],
    ),
    (
        "T036",
        {"type": "alpaca"},
        {"prompt": "Hi", "response": "Hello"},
        {"instruction": "Hi", "input": "", "output": "Hello"},
        [("", "alpaca record without a string `instruction` and `output`")],
    ),
]


@pytest.mark.parametrize(
    ("code", "options", "bad", "good", "expected"), AXOLOTL_CASES, ids=[c[0] for c in AXOLOTL_CASES]
)
def test_axolotl_rule_reports_the_bad_record_only(tmp_path, code, options, bad, good, expected):
    lines = [
        'profile = "axolotl"',
        "[profile-options]",
        *(f"{key} = {json.dumps(value)}" for key, value in options.items()),
    ]
    (tmp_path / "datalint.toml").write_text("\n".join(lines) + "\n")
    path = write_jsonl(tmp_path / "train.jsonl", [bad, good])
    found = [
        (v["line"], v["code"], v["pointer"], v["message"])
        for v in run_json(str(path), *QUIET)["violations"]
        if v["code"][0] == "T"
    ]
    assert [(pointer, message) for line, found_code, pointer, message in found if found_code == code] == expected
    assert [finding for finding in found if finding[0] == 2] == []


def test_axolotl_message_field_training_reads_the_flag(tmp_path):
    (tmp_path / "datalint.toml").write_text(
        'profile = "axolotl"\n[profile-options]\nmessage-field-training = "train"\n'
    )
    only_flagged_off = {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "No", "train": False}]
    }
    path = write_jsonl(
        tmp_path / "train.jsonl",
        [
            only_flagged_off,
            {**GOOD_CHAT, "messages": [*GOOD_CHAT["messages"][:1], {**GOOD_CHAT["messages"][1], "train": "yes"}]},
        ],
    )
    found = [(v["line"], v["code"], v["message"]) for v in run_json(str(path), *QUIET)["violations"]]
    assert found == [
        (
            1,
            "T033",
            "no turn is trained (roles_to_train: assistant): every label is masked and the example teaches nothing",
        ),
        (2, "T034", "`train` is 'yes', not true or false"),
    ]


def test_axolotl_on_the_glaive_demo_with_its_sharegpt_mapping(tmp_path):
    """LLaMA-Factory's glaive demo under axolotl's chat_template: read with field_messages
    conversations and the from/value mapping, its function_call and observation turns are outside
    the role table, and its `tools` is a JSON string, which axolotl refuses."""
    shutil.copy(dataset("llamafactory-glaive-toolcall-en-demo.jsonl"), tmp_path / "glaive.jsonl")
    (tmp_path / "datalint.toml").write_text(
        'profile = "axolotl"\n[profile-options]\nfield-messages = "conversations"\n'
        'message-property-mappings = {role = "from", content = "value"}\n'
    )
    found = run_json(str(tmp_path / "glaive.jsonl"), *QUIET)["violations"]
    codes = {}
    for v in found:
        codes.setdefault(v["code"], set()).add(v["line"])
    assert set(codes) == {"T032", "T035"}
    assert codes["T035"] == set(range(1, 301))
    roles = {v["message"].split("'")[1] for v in found if v["code"] == "T032"}
    assert roles == {"function_call", "observation"}
    records = [json.loads(line) for line in (tmp_path / "glaive.jsonl").read_text(encoding="utf-8").splitlines()]
    with_calls = {n for n, r in enumerate(records, 1) if any(t["from"] in roles for t in r["conversations"])}
    assert codes["T032"] == with_calls
