"""Trainer profiles through the real CLI: each trainer rule on a record it must report and one it
must not, the profile mechanism (config key, --profile, unknown names, options, ignore), and real
datasets in the format each trainer expects, with findings verified by reading the records."""

from __future__ import annotations

import json
import shutil

import pytest

from datalint.checks.llamafactory import TAGS
from tests.conftest import dataset, run, run_json, write_jsonl

# A rule that never fires on these records: the selection is then the profile's rules alone.
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
MISTRAL_CASES = [
    (
        "T001",
        tool_conversation("abcdefghij"),
        [
            "tool call id 'abcdefghij' is not 9 letters and digits, 10 characters",
            "tool_call_id 'abcdefghij' is not 9 letters and digits, 10 characters",
        ],
    ),
    (
        "T002",
        tool_conversation(name="add.numbers"),
        ["function name 'add.numbers' is not 1-64 letters, digits, _ or -"] * 2,
    ),
    (
        "T003",
        chat(("developer", "Be brief."), ("user", "Hi"), ("assistant", "Hello")),
        ["role 'developer' is not one of system, user, assistant, tool"],
    ),
    (
        "T004",
        chat(("system", "Be brief."), ("user", "Hi"), ("system", "Be kind."), ("assistant", "Hello")),
        ["record has two system messages: mistral-finetune allows one"],
    ),
    (
        "T005",
        {
            "messages": [
                {"role": "user", "content": "Add 2 and 2."},
                {"role": "tool", "tool_call_id": "abcdefghi", "content": "4"},
                {"role": "assistant", "content": "4"},
            ]
        },
        ["tool message after a user message"],
    ),
    (
        "T006",
        chat(("user", "Hi"), ("assistant", "Hello"), ("user", "Bye")),
        ["last message is the user's, not the assistant's"],
    ),
    (
        "T007",
        {
            "messages": [
                {"role": "user", "content": "Add 2 and 2."},
                {
                    "role": "assistant",
                    "content": "Let me add.",
                    "tool_calls": tool_conversation()["messages"][1]["tool_calls"],
                },
                {"role": "tool", "tool_call_id": "abcdefghi", "content": "4"},
                {"role": "assistant", "content": "It is 4."},
            ]
        },
        ["assistant message has both content and tool_calls"],
    ),
    (
        "T008",
        {
            **tool_conversation(),
            "tools": [{"type": "function", "function": {"name": "add", "parameters": {"type": "objekt"}}}],
        },
        ["tool function has no `description`"],
    ),
    (
        "T009",
        tool_conversation(arguments={"a": 2, "b": 2}),
        ["tool call `arguments` is a dict, not a string"],
    ),
    (
        "T010",
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0.5}]},
        ["assistant `weight` is 0.5, not 0 or 1"],
    ),
    (
        "T011",
        {
            **tool_conversation(),
            "messages": [
                *tool_conversation()["messages"][:3],
                {"role": "tool", "tool_call_id": "abcdefghi", "content": "4"},
                {"role": "assistant", "content": "It is 4."},
            ],
        },
        ["more tool results than tool calls before this assistant message"],
    ),
    (
        "T012",
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]},
        ["record has neither `messages` (instruct) nor `text` (pretrain); its keys: conversations"],
    ),
    (
        "T013",
        tool_conversation(),
        [
            "1 earlier assistant message(s) get no loss: it has tools, so mistral-finetune trains on the last "
            "assistant message only"
        ],
    ),
]


@pytest.mark.parametrize(("code", "bad", "messages"), MISTRAL_CASES, ids=[case[0] for case in MISTRAL_CASES])
def test_mistral_rule_reports_the_bad_record_only(tmp_path, code, bad, messages):
    good = GOOD_CHAT if code != "T001" else tool_conversation("abcdefghi", tools=False)
    path = write_jsonl(tmp_path / "train.jsonl", [bad, good])
    found = trainer_findings(path, "mistral")
    assert [(line, message) for line, found_code, _, message in found if found_code == code] == [
        (1, message) for message in messages
    ]
    assert [finding for finding in found if finding[0] == 2] == []


def test_mistral_profile_reports_a_ten_character_call_id_the_default_run_does_not(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [tool_conversation("abcdefghij", tools=False)])
    default = run_json(str(path), "--no-cache")["violations"]
    assert default == []
    profiled = run_json(str(path), "--no-cache", "--profile", "mistral")["violations"]
    assert [(v["code"], v["pointer"]) for v in profiled] == [
        ("T001", "/messages/1/tool_calls/0/id"),
        ("T001", "/messages/2/tool_call_id"),
    ]
    assert profiled[0]["severity"] == "error"


def test_mistral_accepts_the_null_id_of_the_last_message_and_pretrain_text(tmp_path):
    last_call = {
        "messages": [
            {"role": "user", "content": "Add 2 and 2."},
            {"role": "assistant", "tool_calls": [{"id": "null", "function": {"name": "add", "arguments": "{}"}}]},
        ]
    }
    path = write_jsonl(tmp_path / "train.jsonl", [last_call, {"text": "A pretraining document."}])
    assert trainer_findings(path, "mistral") == []


def test_mistral_on_openai_tool_calls(tmp_path):
    """OpenAI's drone example: every call id is 'call_id' (7 characters), and its 16 tools have no
    description, which mistral-finetune requires: both on each of the 103 records."""
    found = trainer_findings(dataset("openai-drone-tool-calls.jsonl"), "mistral")
    assert {(code, message) for _, code, _, message in found} == {
        ("T001", "tool call id 'call_id' is not 9 letters and digits, 7 characters"),
        ("T008", "tool function has no `description` (and 15 more tools)"),
    }
    assert sorted(line for line, code, _, _ in found if code == "T001") == list(range(1, 104))
    assert sorted(line for line, code, _, _ in found if code == "T008") == list(range(1, 104))
    # Reported once per file by default: a convention of the file.
    collapsed = run_json(
        str(dataset("openai-drone-tool-calls.jsonl")), "--profile", "mistral", "--select", "S001", "--no-cache"
    )
    assert [v["code"] for v in collapsed["violations"]] == ["T001", "T008"]


def test_mistral_on_sharegpt_tool_calls_and_a_conversation_without_user():
    glaive = trainer_findings(dataset("llamafactory-glaive-toolcall-en-demo.jsonl"), "mistral")
    assert {code for _, code, _, _ in glaive} == {"T012"}
    assert len(glaive) == 300  # ShareGPT `conversations`: mistral-finetune reads none of them
    # Record 4 of OpenAI's toy file is a system message and an assistant message.
    toy = trainer_findings(dataset("openai-toy-chat-fine-tuning.jsonl"), "mistral")
    assert toy == [
        (
            4,
            "T005",
            "/messages/1/role",
            "the only message besides the system prompt is the assistant's: mistral-common needs a conversation "
            "to start with a user message",
        )
    ]


# --- LLaMA-Factory ---------------------------------------------------------------------------

DATASET_INFO = {
    "alpaca_en_demo": {"file_name": "llamafactory-alpaca-en-demo-1k.jsonl"},
    "glaive_toolcall_en_demo": {
        "file_name": "llamafactory-glaive-toolcall-en-demo.jsonl",
        "formatting": "sharegpt",
        "columns": {"messages": "conversations", "tools": "tools"},
    },
    "dpo_en_demo": {
        "file_name": "llamafactory-dpo-en-demo.jsonl",
        "ranking": True,
        "formatting": "sharegpt",
        "columns": {"messages": "conversations", "chosen": "chosen", "rejected": "rejected"},
    },
    "kto_en_demo": {
        "file_name": "llamafactory-kto-en-demo.jsonl",
        "formatting": "sharegpt",
        "columns": {"messages": "messages", "kto_tag": "label"},
        "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"},
    },
    "sharegpt": {"file_name": "sharegpt-v3-cleaned-first2k.jsonl", "formatting": "sharegpt"},
}


def llamafactory_folder(tmp_path, info=DATASET_INFO, names=()):
    for name in names:
        shutil.copy(dataset(name), tmp_path / name)
    (tmp_path / "dataset_info.json").write_text(json.dumps(info), encoding="utf-8")
    return tmp_path


SHAREGPT_INFO = {"demo": {"file_name": "train.jsonl", "formatting": "sharegpt"}}
RANKING_INFO = {
    "demo": {
        "file_name": "train.jsonl",
        "formatting": "sharegpt",
        "ranking": True,
        "columns": {"messages": "conversations", "chosen": "chosen", "rejected": "rejected"},
    }
}
KTO_INFO = {
    "demo": {"file_name": "train.jsonl", "columns": {"prompt": "instruction", "response": "output", "kto_tag": "label"}}
}


def turns(*pairs: tuple[str, str]) -> list[dict]:
    return [{"from": tag, "value": text} for tag, text in pairs]


LLAMAFACTORY_CASES = [
    (
        "T020",
        SHAREGPT_INFO,
        {"conversations": turns(("user", "Hi"), ("gpt", "Hello"))},
        {"conversations": turns(("system", "Be brief."), ("human", "Hi"), ("gpt", "Hello"))},
        [
            (
                "/conversations/0/from",
                "role tag 'user' where LLaMA-Factory expects 'human' or 'observation': it skips "
                'the row ("Skipping this abnormal example")',
            )
        ],
    ),
    (
        "T021",
        SHAREGPT_INFO,
        {"conversations": turns(("human", "Hi"), ("gpt", "Hello"), ("human", "Bye"))},
        {"conversations": turns(("human", "Hi"), ("function_call", "{}"), ("observation", "ok"), ("gpt", "Done"))},
        [("/conversations", "3 messages after the system prompt, an odd number: LLaMA-Factory skips the row")],
    ),
    (
        "T022",
        RANKING_INFO,
        {"conversations": turns(("human", "Hi")), "chosen": "Hello", "rejected": "Go away"},
        {
            "conversations": turns(("human", "Hi")),
            "chosen": {"from": "gpt", "value": "Hello"},
            "rejected": {"from": "gpt", "value": "Go away"},
        },
        [("", "`chosen` and `rejected` are not both single messages: the row has no pair to train on")],
    ),
    (
        "T023",
        {"demo": {"file_name": "train.jsonl"}},
        {"instruction": "Say hi", "response": "Hi"},
        {"instruction": "Say hi", "input": "", "output": "Hi"},
        [("", "`output` is not a string: LLaMA-Factory reads the row as unsupervised and drops it from SFT")],
    ),
    (
        "T024",
        KTO_INFO,
        {"instruction": "Say hi", "output": "Hi", "label": "true"},
        {"instruction": "Say hi", "output": "Hi", "label": True},
        [
            (
                "/label",
                '`label` is "true", not true or false: LLaMA-Factory reads the row as a plain example, not a KTO one',
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("code", "info", "bad", "good", "expected"), LLAMAFACTORY_CASES, ids=[c[0] for c in LLAMAFACTORY_CASES]
)
def test_llamafactory_rule_reports_the_bad_row_only(tmp_path, code, info, bad, good, expected):
    folder = llamafactory_folder(tmp_path, info)
    path = write_jsonl(folder / "train.jsonl", [bad, good])
    found = trainer_findings(path, "llamafactory")
    assert [(pointer, message) for line, found_code, pointer, message in found if found_code == code] == expected
    assert [finding for finding in found if finding[0] == 2] == []


def test_llamafactory_tags_of_an_entry_replace_every_default(tmp_path):
    """An entry with `tags` that leaves out `system_tag` makes it None: a leading system message is
    then an ordinary message at an odd position, and the row is skipped (parser.py set_attr)."""
    info = {
        "demo": {
            "file_name": "train.jsonl",
            "formatting": "sharegpt",
            "columns": {"messages": "messages"},
            "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"},
        }
    }
    folder = llamafactory_folder(tmp_path, info)
    path = write_jsonl(
        folder / "train.jsonl", [chat(("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello")), GOOD_CHAT]
    )
    found = trainer_findings(path, "llamafactory")
    assert [(line, code, pointer) for line, code, pointer, _ in found] == [(1, "T020", "/messages/0/role")]


def test_llamafactory_demos_are_read_as_their_dataset_info_declares(tmp_path):
    """LLaMA-Factory's own demo files, declared as in its data/dataset_info.json, convert without a
    skipped row: the profile reports none."""
    names = [entry["file_name"] for key, entry in DATASET_INFO.items() if key != "sharegpt"]
    folder = llamafactory_folder(tmp_path, names=names)
    for name in names:
        assert trainer_findings(folder / name, "llamafactory") == [], name


def test_llamafactory_reports_the_sharegpt_rows_it_would_skip(tmp_path):
    folder = llamafactory_folder(tmp_path, names=["sharegpt-v3-cleaned-first2k.jsonl"])
    found = trainer_findings(folder / "sharegpt-v3-cleaned-first2k.jsonl", "llamafactory")
    by_code = {}
    for line, code, _, _ in found:
        by_code.setdefault(code, []).append(line)
    # Line 5 is a conversation whose first turn is the assistant's (ShareGPT exports cut mid-chat).
    first = json.loads((folder / "sharegpt-v3-cleaned-first2k.jsonl").read_text(encoding="utf-8").splitlines()[4])
    assert first["conversations"][0]["from"] == "gpt"
    assert by_code["T020"][0] == 5
    assert len(by_code["T020"]) == 771
    # An empty conversation (15 rows), or one holding only a system message (lines 142, 765 and
    # 1052: "This chat conversation is shared from TypingMind.com"), converts to an empty prompt and
    # response, which SFT drops.
    empty = [line for line, code, _, message in found if message.startswith("no messages")]
    assert len(empty) == 18 and {142, 765, 1052} <= set(empty)


def test_llamafactory_kto_demo_read_with_the_default_tags_is_all_unconvertible(tmp_path):
    info = {
        "kto": {
            "file_name": "llamafactory-kto-en-demo.jsonl",
            "formatting": "sharegpt",
            "columns": {"messages": "messages", "kto_tag": "label"},
        }
    }
    folder = llamafactory_folder(tmp_path, info, names=["llamafactory-kto-en-demo.jsonl"])
    found = trainer_findings(folder / "llamafactory-kto-en-demo.jsonl", "llamafactory")
    assert {(code, pointer, message) for _, code, pointer, message in found} == {
        ("T023", "/messages/0", "message has no `from` and `value` (the tags declared)")
    }
    assert len(found) == 300


def test_llamafactory_without_dataset_info_or_entry_is_a_usage_error(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [GOOD_CHAT])
    result = run("check", str(path), "--profile", "llamafactory", "--no-cache")
    assert result.exit_code == 2
    assert f"reads {tmp_path / 'dataset_info.json'}, which does not exist" in result.output
    llamafactory_folder(tmp_path, {"other": {"file_name": "other.jsonl"}})
    result = run("check", str(path), "--profile", "llamafactory", "--no-cache")
    assert result.exit_code == 2
    assert "no entry of" in result.output and "has file_name 'train.jsonl' (file names: other.jsonl)" in result.output


def test_llamafactory_profile_options_name_the_dataset_info_and_entry(tmp_path):
    (tmp_path / "meta").mkdir()
    llamafactory_folder(tmp_path / "meta", {"mine": {"file_name": "elsewhere.jsonl", "formatting": "sharegpt"}})
    path = write_jsonl(tmp_path / "train.jsonl", [{"conversations": turns(("gpt", "Hello"), ("human", "Hi"))}])
    (tmp_path / "datalint.toml").write_text(
        'profile = "llamafactory"\n[profile-options]\ndataset-info = "meta/dataset_info.json"\ndataset = "mine"\n'
    )
    found = run_json(str(path), "--select", "S001", "--no-cache")["violations"]
    assert [(v["code"], v["pointer"]) for v in found] == [("T020", "/conversations/0/from")]


# --- axolotl ---------------------------------------------------------------------------------

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


# --- TRL -------------------------------------------------------------------------------------

TRL_CASES = [
    (
        "trl-sft",
        "T040",
        {"instruction": "Hi", "output": "Hello"},
        {"prompt": "Hi", "completion": "Hello"},
        [
            (
                "",
                "no column TRL reads (prompt, completion, chosen, rejected, messages, text, label; the record has "
                "instruction, output): TRL's SFT trainer reads language modeling or prompt-completion",
            )
        ],
    ),
    (
        "trl-sft",
        "T041",
        {"prompt": [{"role": "user", "content": "Hi"}], "completion": "Hello"},
        {"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Hello"}]},
        [
            (
                "/completion",
                "prompt conversational but completion a string: TRL decides the record's style from one "
                "column, and the other is rendered wrongly",
            )
        ],
    ),
    (
        "trl-sft",
        "T042",
        {"messages": [{"role": "user", "content": "Hi"}, {"from": "gpt", "value": "Hello"}]},
        GOOD_CHAT,
        [("/messages/1", "`messages` message without `role` and `content`")],
    ),
    (
        "trl-dpo",
        "T043",
        {
            "prompt": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hel"}],
            "chosen": [{"role": "assistant", "content": "lo"}],
            "rejected": [{"role": "assistant", "content": "p"}],
        },
        {
            "prompt": [{"role": "user", "content": "Hi"}],
            "chosen": [{"role": "assistant", "content": "Hello"}],
            "rejected": [{"role": "assistant", "content": "Go"}],
        },
        [
            (
                "/prompt/1/role",
                "prompt ends with an assistant message: TRL continues that message instead of starting a new turn",
            )
        ],
    ),
    (
        "trl-dpo",
        "T044",
        {
            "chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
            "rejected": [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Go"}],
        },
        {
            "chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
            "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go"}],
        },
        [
            (
                "/rejected/0",
                "`chosen` and `rejected` start differently, so the implicit prompt TRL extracts (their "
                "shared beginning) is empty",
            )
        ],
    ),
    (
        "trl-kto",
        "T045",
        {"prompt": "Hi", "completion": "Hello", "label": "good"},
        {"prompt": "Hi", "completion": "Hello", "label": True},
        [("/label", "`label` is 'good', not true or false")],
    ),
    (
        "trl-grpo",
        "T046",
        {"prompt": "Find the weather.", "tools": '[{"name": "weather"}]'},
        {"prompt": "Find the weather.", "answer": "sunny"},
        [("/tools", "`tools` is a str, not a list of JSON schemas: the chat template renders it as it is")],
    ),
    (
        "trl-grpo",
        "T040",
        {"question": "2+2?"},
        {"prompt": "2+2?", "answer": "4"},
        [
            (
                "",
                "no column TRL reads (prompt, completion, chosen, rejected, messages, text, label; the record has "
                "question): TRL's GRPO trainer reads prompt-only",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("profile", "code", "bad", "good", "expected"), TRL_CASES, ids=[f"{c[0]}-{c[1]}" for c in TRL_CASES]
)
def test_trl_rule_reports_the_bad_record_only(tmp_path, profile, code, bad, good, expected):
    path = write_jsonl(tmp_path / "train.jsonl", [bad, good])
    found = trainer_findings(path, profile)
    assert [(pointer, message) for line, found_code, pointer, message in found if found_code == code] == expected
    assert [finding for finding in found if finding[0] == 2] == []


def test_trl_on_llamafactory_preference_demos():
    """LLaMA-Factory's DPO demo keeps `chosen` and `rejected` as single {from, value} objects and the
    prompt in `conversations`, a column TRL does not read; its KTO demo keeps the conversation in
    `messages` with a `label`, which is no TRL type (KTO wants prompt, completion, label)."""
    dpo = trainer_findings(dataset("llamafactory-dpo-en-demo.jsonl"), "trl-dpo")
    assert {(code, pointer, message) for _, code, pointer, message in dpo} == {
        ("T040", "/chosen", "`chosen` is an object, neither a string nor a list of messages")
    }
    assert len(dpo) == 300
    kto = trainer_findings(dataset("llamafactory-kto-en-demo.jsonl"), "trl-kto")
    assert {message for _, _, _, message in kto} == {
        "columns messages, label: TRL's KTO trainer reads unpaired preference or preference or preference with "
        "implicit prompt"
    }
    assert len(kto) == 300


def test_trl_sft_reads_openai_chat_and_grpo_needs_a_prompt():
    assert trainer_findings(dataset("openai-toy-chat-fine-tuning.jsonl"), "trl-sft") == []
    grpo = trainer_findings(dataset("mt-bench-questions-80.jsonl"), "trl-grpo")
    assert {code for _, code, _, _ in grpo} == {"T040"} and len(grpo) == 80  # MT-Bench keeps prompts in `turns`


# --- Together --------------------------------------------------------------------------------

IMAGE = "data:image/png;base64," + "iVBORw0KGgo" * 4
TOGETHER_CASES = [
    (
        "T050",
        {"prompt": "Hi", "completion": "Hello", "id": 7},
        {"prompt": "Hi", "completion": "Hello"},
        [("/id", "extra column 'id' in a instruction line: Together rejects it")],
    ),
    (
        "T051",
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 2}]},
        GOOD_CHAT,
        [("/messages/1/weight", "`weight` is 2, not 0 or 1")],
    ),
    (
        "T052",
        {**tool_conversation(name="serch"), "tools": tool_conversation(name="search")["tools"]},
        tool_conversation(name="search"),
        [("/messages/1/tool_calls/0/function/name", "tool call names 'serch', which is not in `tools`")],
    ),
    (
        "T053",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                    ],
                },
                {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
            ]
        },
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": IMAGE}},
                    ],
                },
                {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
            ]
        },
        [("/messages/0/content/1", "image is not a base64 JPEG, PNG or WEBP data URL")],
    ),
    (
        "T054",
        {
            "input": {"messages": [{"role": "user", "content": "Hi"}]},
            "preferred_output": {"role": "assistant", "content": "Hello"},
            "non_preferred_output": [{"role": "assistant", "content": "Go"}],
        },
        {
            "input": {"messages": [{"role": "user", "content": "Hi"}]},
            "preferred_output": [{"role": "assistant", "content": "Hello"}],
            "non_preferred_output": [{"role": "assistant", "content": "Go"}],
        },
        [("/preferred_output", "`preferred_output` must be a list of exactly one message")],
    ),
]


@pytest.mark.parametrize(("code", "bad", "good", "expected"), TOGETHER_CASES, ids=[c[0] for c in TOGETHER_CASES])
def test_together_rule_reports_the_bad_line_only(tmp_path, code, bad, good, expected):
    path = write_jsonl(tmp_path / "train.jsonl", [good, bad, good])
    found = trainer_findings(path, "together")
    assert [(pointer, message) for line, found_code, pointer, message in found if found_code == code] == expected
    assert [finding for finding in found if finding[0] != 2] == []


def test_together_reports_a_file_that_mixes_formats(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [GOOD_CHAT, {"text": "A document."}, GOOD_CHAT])
    found = trainer_findings(path, "together")
    assert found == [
        (2, "T055", "", "general line in a file whose first line is conversation: Together needs one format")
    ]


def test_together_on_openai_tool_calls():
    """OpenAI's drone example carries `parallel_tool_calls`, a column Together's check rejects."""
    found = trainer_findings(dataset("openai-drone-tool-calls.jsonl"), "together")
    assert {(code, pointer, message) for _, code, pointer, message in found} == {
        (
            "T050",
            "/parallel_tool_calls",
            "extra column 'parallel_tool_calls' in a conversation line: Together rejects it",
        )
    }
    assert len(found) == 103


# --- OpenAI ----------------------------------------------------------------------------------

OPENAI_CASES = [
    (
        "T060",
        {"prompt": "Hi", "completion": "Hello"},
        GOOD_CHAT,
        [
            (
                "",
                "record has neither a `messages` list (chat) nor `input`/`preferred_output`/"
                "`non_preferred_output` (DPO)",
            )
        ],
    ),
    (
        "T061",
        {"messages": [{"role": "user", "content": "Hi", "weight": 1}, {"role": "assistant", "content": "Hello"}]},
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0}]},
        [("/messages/0/weight", "`weight` on a user message: only assistant messages take one")],
    ),
    (
        "T062",
        chat(("system", "Be brief."), ("user", "Hi")),
        GOOD_CHAT,
        [("/messages", "no assistant message: the example has nothing to train on")],
    ),
    (
        "T063",
        {
            "input": {"messages": [{"role": "user", "content": "Hi"}]},
            "preferred_output": [{"role": "assistant", "content": "Hello"}],
            "non_preferred_output": [{"role": "assistant", "content": "Hello"}],
        },
        {
            "input": {"messages": [{"role": "user", "content": "Hi"}]},
            "preferred_output": [{"role": "assistant", "content": "Hello"}],
            "non_preferred_output": [{"role": "assistant", "content": "Go away"}],
        },
        [
            (
                "/non_preferred_output",
                "`preferred_output` and `non_preferred_output` are the same: no preference to learn",
            )
        ],
    ),
]


@pytest.mark.parametrize(("code", "bad", "good", "expected"), OPENAI_CASES, ids=[c[0] for c in OPENAI_CASES])
def test_openai_rule_reports_the_bad_record_only(tmp_path, code, bad, good, expected):
    path = write_jsonl(tmp_path / "train.jsonl", [bad] + [good] * 10)
    found = trainer_findings(path, "openai")
    assert [(pointer, message) for line, found_code, pointer, message in found if found_code == code] == expected
    assert [finding for finding in found if finding[0] != 1] == []


def test_openai_needs_ten_examples():
    found = trainer_findings(dataset("openai-toy-chat-fine-tuning.jsonl"), "openai")
    assert found == [(1, "T064", "", "5 examples: OpenAI fine-tuning needs at least 10")]
    assert trainer_findings(dataset("openai-drone-tool-calls.jsonl"), "openai") == []


# --- the profile mechanism -------------------------------------------------------------------


def test_profile_from_config_and_the_command_line_wins(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [{"prompt": "Hi", "completion": "Hello", "id": 7}])
    (tmp_path / "datalint.toml").write_text('profile = "together"\n')
    assert [v["code"] for v in run_json(str(path), "--no-cache")["violations"]] == ["T050"]
    on_cli = run_json(str(path), "--no-cache", "--profile", "openai")["violations"]
    assert [v["code"] for v in on_cli] == ["T060", "T064"]


def test_ignore_removes_a_profile_rule_and_rules_tables_change_it(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [tool_conversation("abcdefghij", tools=False)])
    (tmp_path / "datalint.toml").write_text('profile = "mistral"\nignore = ["T001"]\n')
    assert run_json(str(path), "--no-cache")["violations"] == []
    (tmp_path / "datalint.toml").write_text('profile = "mistral"\n[rules.T001]\nseverity = "warning"\n')
    found = run_json(str(path), "--no-cache")["violations"]
    assert [(v["code"], v["severity"]) for v in found] == [("T001", "warning")] * 2
    assert run("check", str(path), "--no-cache").exit_code == 0  # warnings do not fail the run


def test_unknown_profile_is_a_usage_error_naming_the_profiles(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [GOOD_CHAT])
    result = run("check", str(path), "--profile", "unsloth")
    assert result.exit_code == 2
    assert (
        "unknown profile 'unsloth' (profiles: axolotl, llamafactory, mistral, openai, together, trl-dpo"
        in result.output
    )
    (tmp_path / "datalint.toml").write_text('profile = "unsloth"\n')
    result = run("check", str(path))
    assert result.exit_code == 2 and "`profile`: unknown profile 'unsloth'" in result.output
    result = run("profile", "unsloth")
    assert result.exit_code == 2 and "unknown profile 'unsloth'" in result.output


def test_profile_options_are_checked(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [GOOD_CHAT])
    (tmp_path / "datalint.toml").write_text(
        'profile = "axolotl"\n[profile-options]\nfield_messages = "conversations"\n'
    )
    result = run("check", str(path))
    assert result.exit_code == 2
    assert (
        "unknown key `profile-options.field_messages` for profile axolotl (known: type, field-messages" in result.output
    )
    (tmp_path / "datalint.toml").write_text('profile = "axolotl"\n[profile-options]\ntype = "sharegpt"\n')
    result = run("check", str(path))
    assert result.exit_code == 2 and "option `type` must be one of chat_template, alpaca" in result.output
    (tmp_path / "datalint.toml").write_text('[profile-options]\ntype = "alpaca"\n')
    result = run("check", str(path))
    assert result.exit_code == 2 and "`profile-options` needs a `profile`" in result.output


def test_profiles_and_profile_commands():
    listed = run("profiles")
    assert listed.exit_code == 0
    names = [line.split()[0] for line in listed.output.splitlines()]
    assert names == [
        "axolotl",
        "llamafactory",
        "mistral",
        "openai",
        "together",
        "trl-dpo",
        "trl-grpo",
        "trl-kto",
        "trl-sft",
    ]
    shown = run("profile", "mistral")
    assert shown.exit_code == 0
    assert "- T001 `mistral-tool-call-id` (error)" in shown.output
    assert "`mistralai/mistral-common` `src/mistral_common/protocol/instruct/validator.py`" in shown.output


def test_docs_page_holds_every_profile_as_datalint_profile_prints_it():
    from datalint.trainer_profiles import load_profile, profile_markdown, profile_names
    from tests.conftest import REPO

    page = (REPO / "docs" / "profiles.md").read_text(encoding="utf-8")
    for name in profile_names():
        assert profile_markdown(load_profile(name)) in page, name


def test_trainer_rules_are_off_by_default_and_in_family_t():
    from datalint.rules import builtin_rules

    trainer = [rule for rule in builtin_rules() if rule.code.startswith("T0")]
    assert len(trainer) >= 40
    assert all(not rule.default and rule.family == "T" for rule in trainer)


def test_llamafactory_cache_follows_dataset_info(tmp_path):
    """The dataset_info.json entry is part of the rules' options, so editing it re-checks the
    records that the cache holds."""
    import datalint

    folder = llamafactory_folder(tmp_path, SHAREGPT_INFO)
    (folder / "datalint.toml").write_text('profile = "llamafactory"\nselect = ["S001"]\n')
    path = write_jsonl(folder / "train.jsonl", [{"conversations": turns(("user", "Hi"), ("gpt", "Hello"))}])
    first = datalint.lint_paths([path], cache=True)
    assert [v.code for v in first.violations] == ["T020"]
    assert datalint.lint_paths([path], cache=True).stats["cached"] == 1
    info = {"demo": {**SHAREGPT_INFO["demo"], "tags": {**TAGS, "user_tag": "user"}}}
    (folder / "dataset_info.json").write_text(json.dumps(info), encoding="utf-8")
    after = datalint.lint_paths([path], cache=True)
    assert after.stats["checked"] == 1 and after.violations == []


def test_the_python_api_takes_a_profile(tmp_path):
    import datalint

    record = tool_conversation("abcdefghij", tools=False)
    assert datalint.lint_records([record]) == []
    found = datalint.lint_records([record], profile="mistral")
    assert [(v.code, v.line, v.pointer) for v in found] == [
        ("T001", 1, "/messages/1/tool_calls/0/id"),
        ("T001", 1, "/messages/2/tool_call_id"),
    ]
    # Records held in memory have no file beside which to find dataset_info.json.
    info = llamafactory_folder(tmp_path, SHAREGPT_INFO) / "dataset_info.json"
    config = tmp_path / "datalint.toml"
    config.write_text(f'profile = "llamafactory"\n[profile-options]\ndataset-info = "{info}"\n')
    from datalint.config import ConfigError

    with pytest.raises(ConfigError, match="records without a file need `\\[profile-options\\] dataset`"):
        datalint.lint_records([GOOD_CHAT], config=config)
    config.write_text(f'profile = "llamafactory"\n[profile-options]\ndataset-info = "{info}"\ndataset = "demo"\n')
    found = datalint.lint_records([{"conversations": turns(("gpt", "Hello"))}], config=config, select=["S001"])
    assert [v.code for v in found] == ["T020"]
