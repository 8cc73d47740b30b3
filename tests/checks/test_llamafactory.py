"""The llamafactory kind (profile `llamafactory`), read through a dataset_info.json written in the
test: each rule on a fresh row, LLaMA-Factory's demos, and the ShareGPT rows it would skip."""

from __future__ import annotations

import json

import pytest

from datalint.checks.llamafactory import TAGS
from tests.conftest import run, run_json, write_jsonl
from tests.trainer_records import GOOD_CHAT, chat, llamafactory_folder, trainer_findings, turns

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
    folder = llamafactory_folder(tmp_path, DATASET_INFO, names=names)
    for name in names:
        assert trainer_findings(folder / name, "llamafactory") == [], name


def test_llamafactory_reports_the_sharegpt_rows_it_would_skip(tmp_path):
    folder = llamafactory_folder(tmp_path, DATASET_INFO, names=["sharegpt-v3-cleaned-first2k.jsonl"])
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
