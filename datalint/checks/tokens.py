"""Tokens: each example counted with the real tokenizer the config's `[tokens]` table names.

`check` chooses what is reported about the sequence the trainer builds (datalint/token_counts.py):
- `max`: the sequence is longer than `max` tokens (axolotl drops it; TRL truncates it);
- `truncation`: truncating the sequence at `max` cuts an assistant answer part-way, so the model
  is trained on an answer that stops mid-thought;
- `end-of-turn`: with a chat template, an assistant turn is not followed by the end-of-turn token
  (`end-of-turn`, else the folder's `eos_token`), so the model is not taught to stop;
- `template-error`: the chat template raises on the example (the trainer would fail on it), or the
  tokenizer library cannot encode it.

Tokenizing is the cost, so the kind runs on chunks of records (`check_records`) and the chunk is
tokenized once for all the rules that share a tokenizer.
"""

from __future__ import annotations

from typing import Any

from datalint.checks import Option
from datalint.records import Record
from datalint.violation import Finding

CHECKS = ("max", "truncation", "end-of-turn", "template-error")
# The `[tokens]` table of the config sets these on every tokens rule (datalint/config/loading.py).
TOKEN_OPTIONS = {
    "tokenizer": Option(str, "", "hf:PATH, tiktoken:NAME or mistral:VERSION (set by `[tokens] tokenizer`)"),
    "max": Option(int, 0, "most tokens per example, the trainer's sequence length (0: no limit)"),
    "chat-template": Option(str, "", "a chat template file (Jinja) used instead of the model folder's"),
    "end-of-turn": Option(str, "", "the token that ends an assistant turn (default: the folder's eos_token)"),
    "assistant-only-loss": Option(bool, False, "the trainer computes the loss on assistant tokens only"),
    "fingerprint": Option(str, "", "digest of the tokenizer files' content, set from `[tokens]` (keys the cache)"),
}
OPTIONS = {"check": Option(str, "max", "what to check", CHECKS), **TOKEN_OPTIONS}


def prepare(options: dict[str, Any]) -> Any:
    from pathlib import Path

    from datalint.token_counts import load_counter
    from datalint.tokenizer_specs import parse_spec

    if not options["tokenizer"]:
        raise ValueError('the token rules need a tokenizer: set `[tokens] tokenizer = "hf:path/to/tokenizer.json"`')
    spec = parse_spec(options["tokenizer"], Path.cwd())
    return load_counter(spec, options["chat-template"], options["end-of-turn"], options["fingerprint"])


def check_records(rule, records: list[Record]) -> list[list[Finding]]:
    counter = rule.state
    check, limit = rule.options["check"], rule.options["max"]
    findings: list[list[Finding]] = []
    for sequence in counter.sequences(records):
        if sequence.error:
            found = [_template_error(sequence)] if check == "template-error" else []
        elif check == "max":
            found = _over_max(sequence, limit, counter.name)
        elif check == "truncation":
            found = _truncated_answers(sequence, limit)
        elif check == "end-of-turn":
            found = _unended_turns(sequence, counter.end_of_turn)
        else:
            found = []
        findings.append(found)
    return findings


def _template_error(sequence) -> Finding:
    return Finding(sequence.error)


def _over_max(sequence, limit: int, name: str) -> list[Finding]:
    if not limit or sequence.length <= limit:
        return []
    message = f"example is {sequence.length:,} tokens ({name}), over `max` {limit:,}"
    message += ": axolotl drops it, TRL truncates it"
    if sequence.answers and sequence.answers[0].start >= limit:
        message += f"; the prompt alone is {sequence.answers[0].start:,} tokens, so no answer token fits"
    return [Finding(message)]


def _truncated_answers(sequence, limit: int) -> list[Finding]:
    if not limit or sequence.length <= limit:
        return []
    for answer in sequence.answers:
        if not answer.start < limit < answer.trained_end:
            continue
        if limit >= answer.end:  # only the end-of-turn token after the text is cut
            message = (
                f"truncation at `max` {limit:,} tokens cuts the end-of-turn token after this answer: "
                "the model is trained not to stop"
            )
            return [Finding(message, answer.pointer)]
        lost, total = answer.end - limit, answer.end - answer.start
        cut = sequence.char_of_token(limit, answer)
        where = f" at character {cut}" if cut is not None else ""
        message = (
            f"truncation at `max` {limit:,} tokens cuts this answer{where}: "
            f"its last {lost:,} of {total:,} tokens are lost and the rest is trained as if complete"
        )
        return [Finding(message, answer.pointer, (cut, max(cut, answer.text_length)) if cut is not None else None)]
    return []


def _unended_turns(sequence, end_of_turn) -> list[Finding]:
    if end_of_turn is None:
        return []
    return [
        Finding(
            f"assistant turn is not followed by the end-of-turn token {end_of_turn[0]} in the rendered sequence: "
            "the model is not taught to stop here",
            answer.pointer,
        )
        for answer in sequence.answers
        if answer.ends_turn is False
    ]
