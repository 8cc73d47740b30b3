"""Real token counts (T101-T105): tokenizer files built here with `tokenizers`, chat templates written
here, mistral-common's shipped tokenizers; the real CLI; expected findings computed from the tokenizer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, dataset, run, write_jsonl

tokenizers = pytest.importorskip("tokenizers")
jinja2 = pytest.importorskip("jinja2")

SPECIALS = ["[UNK]", "<|im_start|>", "<|im_end|>"]
CORPUS = ["hello world how are you", "the cat sat on the mat", "user assistant system", "a dog ran far away"]
# ChatML-like templates: one marks the trained text with {% generation %}; one ends the last
# assistant turn without <|im_end|>; one refuses a conversation that does not alternate.
TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] }}<|im_end|>{% endgeneration %}"
    "{% else %}{{ m['content'] }}<|im_end|>{% endif %}\n{% endfor %}"
)
PLAIN_TEMPLATE = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
UNENDED_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}"
    "{% if m['role'] != 'assistant' or not loop.last %}<|im_end|>{% endif %}\n{% endfor %}"
)
STRICT_TEMPLATE = (
    "{% for m in messages %}{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}"
    "<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
)


def build_tokenizer(path: Path, *, split_punctuation: bool = True) -> Path:
    """A word-level tokenizer trained on a few sentences (unknown words are [UNK], one token each)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace() if split_punctuation else pre_tokenizers.WhitespaceSplit()
    tokenizer.train_from_iterator(CORPUS, trainers.WordLevelTrainer(special_tokens=SPECIALS))
    path.parent.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(path))
    return path


def model_folder(path: Path, template: str, eos: str = "<|im_end|>") -> Path:
    build_tokenizer(path / "tokenizer.json")
    (path / "tokenizer_config.json").write_text(json.dumps({"chat_template": template, "eos_token": eos}))
    return path


def config(folder: Path, tokens: str) -> Path:
    path = folder / "datalint.toml"
    path.write_text(f"[tokens]\n{tokens}\n")
    return path


def chat(*turns: str) -> dict:
    roles = ["user", "assistant"]
    return {"messages": [{"role": roles[index % 2], "content": text} for index, text in enumerate(turns)]}


def check(data: Path, *args: str) -> list[str]:
    result = run("check", str(data), "--no-cache", "--every-record", "--format", "concise", *args)
    assert result.exit_code in (0, 1), result.output
    return [line for line in result.output.splitlines() if ": T1" in line]


def findings(data: Path, code: str, *args: str) -> list[str]:
    prefix = f"{data}:"
    return [line.removeprefix(prefix) for line in check(data, *args) if f" {code} " in line]


def lines_of(found: list[str]) -> list[int]:
    return [int(line.split(":")[0]) for line in found]


# --- T101: over max real tokens ------------------------------------------------------------------------


def varied_records() -> list[dict]:
    """Chats and Alpaca records of many lengths, with words the vocabulary lacks and punctuation."""
    words = "hello world , the cat sat on mat . how are you zebra quantum ! a dog ran far away".split()
    records = []
    for index in range(40):
        prompt = " ".join(words[(index * 3 + k) % len(words)] for k in range(1 + index % 7))
        answer = " ".join(words[(index * 5 + k) % len(words)] for k in range(index % 13))
        if index % 4 == 3:
            records.append({"instruction": prompt, "input": "the mat" if index % 8 == 3 else "", "output": answer})
        else:
            records.append(chat(prompt, answer or "ok"))
    return records


def turn_texts(record: dict) -> list[str]:
    if "messages" in record:
        return [message["content"] for message in record["messages"]]
    user = record["instruction"] + ("\n\n" + record["input"] if record["input"] else "")
    return [user, record["output"]]


def test_reports_the_examples_over_max_real_tokens_and_no_others(tmp_path):
    from tokenizers import Tokenizer

    build_tokenizer(tmp_path / "tok" / "tokenizer.json")
    records = varied_records()
    data = write_jsonl(tmp_path / "train.jsonl", records)
    config(tmp_path, 'tokenizer = "hf:tok/tokenizer.json"\nmax = 9')
    tokenizer = Tokenizer.from_file(str(tmp_path / "tok" / "tokenizer.json"))
    counts = [
        sum(len(tokenizer.encode(text, add_special_tokens=False).ids) for text in turn_texts(record) if text)
        for record in records
    ]
    expected = [line for line, count in enumerate(counts, 1) if count > 9]
    found = findings(data, "T101")
    assert 5 < len(expected) < len(records) - 5  # the limit splits the file
    assert lines_of(found) == expected
    first = expected[0]
    assert found[0] == (
        f"{first}:1: T101 example is {counts[first - 1]} tokens (hf:tokenizer.json), over `max` 9: "
        "axolotl drops it, TRL truncates it"
    )


def test_with_a_model_folder_the_count_is_the_rendered_chat_template(tmp_path):
    from tokenizers import Tokenizer

    model_folder(tmp_path / "model", PLAIN_TEMPLATE)
    records = [record for record in varied_records() if "messages" in record]
    data = write_jsonl(tmp_path / "train.jsonl", records)
    config(tmp_path, 'tokenizer = "hf:model"\nmax = 14')
    tokenizer = Tokenizer.from_file(str(tmp_path / "model" / "tokenizer.json"))
    template = jinja2.Environment(trim_blocks=True, lstrip_blocks=True).from_string(PLAIN_TEMPLATE)
    counts = [
        len(tokenizer.encode(template.render(messages=record["messages"]), add_special_tokens=False).ids)
        for record in records
    ]
    expected = [line for line, count in enumerate(counts, 1) if count > 14]
    assert 3 < len(expected) < len(records) - 3
    assert lines_of(findings(data, "T101")) == expected


def test_a_prompt_alone_over_max_is_said_so(tmp_path):
    build_tokenizer(tmp_path / "tok" / "tokenizer.json")
    data = write_jsonl(tmp_path / "train.jsonl", [chat("the cat sat on the mat", "hello"), chat("hello", "hi")])
    config(tmp_path, 'tokenizer = "hf:tok/tokenizer.json"\nmax = 4')
    assert findings(data, "T101") == [
        "1:1: T101 example is 7 tokens (hf:tokenizer.json), over `max` 4: axolotl drops it, TRL truncates it; "
        "the prompt alone is 6 tokens, so no answer token fits"
    ]


# --- T102: an answer cut by truncation -----------------------------------------------------------------


def test_truncation_that_cuts_an_answer_part_way_is_reported_at_the_answer(tmp_path):
    model_folder(tmp_path / "model", PLAIN_TEMPLATE)
    records = [
        chat("hello world", "the cat sat on the mat"),  # 14 tokens: the cut falls inside the answer
        chat("the cat sat on the mat and the dog", "hi"),  # the prompt alone is over max: T101 only
        chat("hello", "the cat"),  # fits
    ]
    data = write_jsonl(tmp_path / "train.jsonl", records)
    config(tmp_path, 'tokenizer = "hf:model"\nmax = 12')
    line = data.read_text().splitlines()[0]
    column = line.index("mat") + 1  # token 12 is the last "mat" of the answer
    assert findings(data, "T102") == [
        f"1:{column}: T102 truncation at `max` 12 tokens cuts this answer at character 19: "
        "its last 1 of 6 tokens are lost and the rest is trained as if complete"
    ]
    assert lines_of(findings(data, "T101")) == [1, 2]


# --- T103: no {% generation %} with assistant-only loss --------------------------------------------------


def test_template_without_generation_is_one_finding_per_file(tmp_path):
    model_folder(tmp_path / "model", PLAIN_TEMPLATE)
    first = write_jsonl(tmp_path / "a.jsonl", [chat("hello", "hi"), chat("how are you", "the cat")])
    second = write_jsonl(tmp_path / "b.jsonl", [chat("hello", "hi")])
    config(tmp_path, 'tokenizer = "hf:model"\nassistant-only-loss = true')
    result = run("check", str(tmp_path), "--no-cache", "--every-record", "--format", "concise")
    message = (
        "T103 the chat template has no {% generation %} block and `assistant-only-loss` is on: "
        "TRL finds no assistant tokens to train on"
    )
    assert [line for line in result.output.splitlines() if "T103" in line] == [
        f"{first}:1:1: {message}",
        f"{second}:1:1: {message}",
    ]
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("template", "tokens"),
    [
        (TEMPLATE, 'tokenizer = "hf:model"\nassistant-only-loss = true'),  # the block is there
        (PLAIN_TEMPLATE, 'tokenizer = "hf:model"'),  # full loss: no block needed
    ],
)
def test_no_generation_finding_when_the_template_has_the_block_or_the_loss_is_full(tmp_path, template, tokens):
    model_folder(tmp_path / "model", template)
    data = write_jsonl(tmp_path / "train.jsonl", [chat("hello", "hi")])
    config(tmp_path, tokens)
    assert check(data) == []


def test_a_chat_template_file_replaces_the_folders(tmp_path):
    model_folder(tmp_path / "model", TEMPLATE)
    (tmp_path / "plain.jinja").write_text(PLAIN_TEMPLATE)
    data = write_jsonl(tmp_path / "train.jsonl", [chat("hello", "hi")])
    config(tmp_path, 'tokenizer = "hf:model"\nchat-template = "plain.jinja"\nassistant-only-loss = true')
    assert lines_of(findings(data, "T103")) == [1]


# --- T104: no end-of-turn token after an answer ---------------------------------------------------------


def test_an_answer_the_template_leaves_without_end_of_turn_is_reported(tmp_path):
    model_folder(tmp_path / "model", UNENDED_TEMPLATE)
    records = [chat("hello", "the cat", "how are you", "the mat")]
    data = write_jsonl(tmp_path / "train.jsonl", records)
    config(tmp_path, 'tokenizer = "hf:model"')
    column = data.read_text().index('"the mat"') + 1
    assert findings(data, "T104") == [
        f"1:{column}: T104 assistant turn is not followed by the end-of-turn token <|im_end|> in the rendered "
        "sequence: the model is not taught to stop here"
    ]


def test_answers_followed_by_end_of_turn_are_not_reported(tmp_path):
    model_folder(tmp_path / "model", TEMPLATE)
    data = write_jsonl(tmp_path / "train.jsonl", [chat("hello", "the cat", "how are you", "the mat")])
    config(tmp_path, 'tokenizer = "hf:model"')
    assert check(data) == []


def test_an_end_of_turn_text_that_is_not_a_token_is_a_usage_error(tmp_path):
    model_folder(tmp_path / "model", PLAIN_TEMPLATE, eos="<|eot|>")
    data = write_jsonl(tmp_path / "train.jsonl", [chat("hello", "hi")])
    config(tmp_path, 'tokenizer = "hf:model"')
    result = run("check", str(data), "--no-cache")
    assert result.exit_code == 2
    assert "end-of-turn token '<|eot|>' is not one token of" in result.output


# --- T105: the template refuses the example --------------------------------------------------------------


def test_an_example_the_template_refuses_is_reported_with_its_message(tmp_path):
    model_folder(tmp_path / "model", STRICT_TEMPLATE)
    records = [
        chat("hello", "hi"),
        {"messages": [{"role": "user", "content": "hello"}, {"role": "user", "content": "hi"}]},
    ]
    data = write_jsonl(tmp_path / "train.jsonl", records)
    config(tmp_path, 'tokenizer = "hf:model"\nmax = 7')
    column = data.read_text().index('"hi"') + 1
    # <|im_start|> user hello <|im_end|> <|im_start|> assistant hi <|im_end|>: 8 tokens, the 8th cut
    assert check(data) == [
        f"{data}:1:1: T101 example is 8 tokens (hf:model), over `max` 7: axolotl drops it, TRL truncates it",
        f"{data}:1:{column}: T102 truncation at `max` 7 tokens cuts the end-of-turn token after this answer: "
        "the model is trained not to stop",
        f"{data}:2:1: T105 the chat template refuses this example: Conversation roles must alternate user/assistant",
    ]


# --- mistral-common's shipped tokenizers -------------------------------------------------------------------


def test_mistral_counts_the_instruct_encoding_mistral_common_builds(tmp_path):
    pytest.importorskip("mistral_common")
    from mistral_common.protocol.instruct.messages import AssistantMessage, UserMessage
    from mistral_common.protocol.instruct.request import InstructRequest
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    records = [chat("Say hello.", " ".join(["Hello!"] * (index * 3))) for index in range(1, 12)]
    data = write_jsonl(tmp_path / "train.jsonl", records)
    config(tmp_path, 'tokenizer = "mistral:v3"\nmax = 60')
    instruct = MistralTokenizer.v3().instruct_tokenizer
    counts = [
        len(
            instruct.encode_instruct(
                InstructRequest(messages=[UserMessage(content=user), AssistantMessage(content=answer)])
            ).tokens
        )
        for user, answer in (turn_texts(record) for record in records)
    ]
    expected = [line for line, count in enumerate(counts, 1) if count > 60]
    assert 0 < len(expected) < len(records)
    found = findings(data, "T101")
    assert lines_of(found) == expected
    assert f"example is {counts[expected[0] - 1]} tokens (mistral:v3)" in found[0]
    # every example over max here has a short prompt: its answer is cut, not lost; the answer is its
    # own tokens and the </s> after it
    raw = instruct.tokenizer
    cut = findings(data, "T102")
    assert lines_of(cut) == expected
    for line, message in zip(expected, cut, strict=True):
        answer = len(raw.encode(turn_texts(records[line - 1])[1], bos=False, eos=False)) + 1
        assert f"its last {counts[line - 1] - 60} of {answer} tokens are lost" in message


def test_mistral_on_a_real_alpaca_file(tmp_path):
    pytest.importorskip("mistral_common")
    from mistral_common.protocol.instruct.messages import AssistantMessage, UserMessage
    from mistral_common.protocol.instruct.request import InstructRequest
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    source = dataset("llamafactory-alpaca-en-demo-1k.jsonl")
    lines = source.read_text(encoding="utf-8").splitlines()[:300]
    data = tmp_path / "alpaca.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config(tmp_path, 'tokenizer = "mistral:v3"\nmax = 400')
    instruct = MistralTokenizer.v3().instruct_tokenizer
    expected = []
    for number, line in enumerate(lines, 1):
        record = json.loads(line)
        user = record["instruction"] + ("\n\n" + record["input"] if record["input"].strip() else "")
        request = InstructRequest(messages=[UserMessage(content=user), AssistantMessage(content=record["output"])])
        if len(instruct.encode_instruct(request).tokens) > 400:
            expected.append(number)
    assert 0 < len(expected) < 100
    assert lines_of(findings(data, "T101")) == expected


# --- tiktoken offline ------------------------------------------------------------------------------------


def test_tiktoken_offline_is_one_clear_error_not_a_download(tmp_path):
    pytest.importorskip("tiktoken")
    data = write_jsonl(tmp_path / "train.jsonl", [chat("hello", "hi")])
    config(tmp_path, 'tokenizer = "tiktoken:o200k_base"\nmax = 100')
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    environment = {**os.environ, "TIKTOKEN_CACHE_DIR": str(empty), "PYTHONPATH": str(REPO)}
    environment.update({"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"})
    result = subprocess.run(
        [sys.executable, "-m", "datalint.cli", "check", str(data), "--no-cache"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    (error,) = result.stderr.strip().splitlines()
    assert error.startswith(f"datalint: error: {tmp_path / 'datalint.toml'}: `tokens.tokenizer`: tiktoken:o200k_base")
    assert "not available offline" in error and "TIKTOKEN_CACHE_DIR" in error and "hf:path/to/tokenizer.json" in error


# --- the config table ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        ("max = 10", "`[tokens]` needs `tokenizer`"),
        ('tokenizer = "hf:tok/tokenizer.json"\nmax = 0', "`tokens.max` must be a positive number of tokens"),
        ('tokenizer = "hf:tok/tokenizer.json"\nmax = "4k"', "`tokens.max` must be an integer"),
        ('tokenizer = "hf:tok/tokenizer.json"\nmax = true', "`tokens.max` must be an integer"),
        ('tokenizer = "hf:tok/tokenizer.json"\nassistant-only-loss = "yes"', "`tokens.assistant-only-loss` must be"),
        ('tokenizer = "hf:tok/tokenizer.json"\nlength = 5', "unknown key `tokens.length`"),
        ('tokenizer = "hf:missing.json"', "`tokens.tokenizer`: no such file or folder"),
        ('tokenizer = "gpt-4o"', "`tokens.tokenizer`: 'gpt-4o' is not a tokenizer"),
        ('tokenizer = "mistral:v9"', "`tokens.tokenizer`: unknown mistral tokenizer 'v9'"),
        ('tokenizer = "hf:tok/tokenizer.json"\nchat-template = "none.jinja"', "`tokens.chat-template`: no such file"),
    ],
)
def test_a_bad_tokens_value_is_exit_2_naming_the_key(tmp_path, tokens, message):
    build_tokenizer(tmp_path / "tok" / "tokenizer.json")
    data = write_jsonl(tmp_path / "train.jsonl", [chat("hello", "hi")])
    config(tmp_path, tokens)
    result = run("check", str(data), "--no-cache")
    assert result.exit_code == 2
    assert message in result.output


def test_a_token_rule_selected_without_a_tokenizer_says_what_to_configure(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [chat("hello", "hi")])
    result = run("check", str(data), "--no-cache", "--select", "T101")
    assert result.exit_code == 2
    assert "the token rules need a tokenizer: set `[tokens] tokenizer" in result.output


def test_token_rules_are_off_without_a_tokens_table(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [chat("hello " * 5000, "hi")])
    assert check(data) == []


# --- the cache follows the tokenizer file's content --------------------------------------------------------


def test_the_cache_key_changes_when_the_tokenizer_file_content_changes(tmp_path):
    from datalint import cache
    from datalint.config import SettingsResolver

    tokenizer = build_tokenizer(tmp_path / "tok" / "tokenizer.json")
    data = write_jsonl(tmp_path / "train.jsonl", [chat("hello, world.", "the cat, the mat."), chat("hello", "hi")])
    config(tmp_path, 'tokenizer = "hf:tok/tokenizer.json"\nmax = 6')

    def cached_run() -> list[str]:
        result = run("check", str(data), "--format", "concise")
        return [line for line in result.output.splitlines() if " T101 " in line]

    def digest() -> str:
        settings = SettingsResolver().settings_for(data)
        return cache.settings_digest(settings.rules, settings.format, settings.mapping, "same code")

    before, digest_before = cached_run(), digest()
    assert [line.split(" T101 ")[1] for line in before] == [
        "example is 10 tokens (hf:tokenizer.json), over `max` 6: axolotl drops it, TRL truncates it"
    ]
    # Same path, same modification time: only the content says punctuation is no longer split off.
    stat = tokenizer.stat()
    build_tokenizer(tokenizer, split_punctuation=False)
    os.utime(tokenizer, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert digest() != digest_before
    assert cached_run() == []  # "hello," "world." ... are single tokens now: 5 tokens, under max


def test_a_lone_surrogate_is_counted_not_a_crash(tmp_path):
    build_tokenizer(tmp_path / "tok" / "tokenizer.json")
    data = tmp_path / "train.jsonl"
    data.write_text(
        '{"messages": [{"role": "user", "content": "hello \\ud800 world"}, {"role": "assistant", "content": "hi"}]}\n'
    )
    config(tmp_path, 'tokenizer = "hf:tok/tokenizer.json"\nmax = 3')
    assert findings(data, "T101") == [
        "1:1: T101 example is 4 tokens (hf:tokenizer.json), over `max` 3: axolotl drops it, TRL truncates it; "
        "the prompt alone is 3 tokens, so no answer token fits"  # hello ? world: the surrogate became "?"
    ]


def test_templates_see_tool_calls_as_the_trainer_passes_them(tmp_path):
    tool_template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}"
        "{% if m.tool_calls %}{% for call in m.tool_calls %} {{ call.function.name }} {{ call.function.arguments }}"
        "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    )
    model_folder(tmp_path / "model", tool_template)
    call = {"id": "call_1", "type": "function", "function": {"name": "fly", "arguments": '{"far": "away"}'}}
    record = {
        "messages": [
            {"role": "user", "content": "hello"},
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "the cat"},
            {"role": "assistant", "content": "hi"},
        ]
    }
    data = write_jsonl(tmp_path / "train.jsonl", [record])
    config(tmp_path, 'tokenizer = "hf:model"\nmax = 10')
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tmp_path / "model" / "tokenizer.json"))
    template = jinja2.Environment(trim_blocks=True, lstrip_blocks=True).from_string(tool_template)
    messages = [{**message, "content": message.get("content", "")} for message in record["messages"]]
    expected = len(tokenizer.encode(template.render(messages=messages), add_special_tokens=False).ids)
    assert expected == 23  # 4 x (<|im_start|> role <|im_end|>), hello, fly {" far ": " away "}, the cat, hi
    assert findings(data, "T101")[0].startswith(f"1:1: T101 example is {expected} tokens (hf:model)")
