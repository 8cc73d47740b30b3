"""The trl kind (profiles `trl-sft`, `trl-dpo`, `trl-kto`, `trl-grpo`): each rule on a fresh record,
and LLaMA-Factory's preference demos, OpenAI's chat file and MT-Bench read as TRL reads them."""

from __future__ import annotations

import pytest

from tests.conftest import dataset, write_jsonl
from tests.trainer_records import GOOD_CHAT, trainer_findings

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
