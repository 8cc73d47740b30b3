"""Chat template: what the `[tokens]` model folder's template means for training, once per file.

`check = "generation"`: with `assistant-only-loss = true`, the chat template has no
`{% generation %}` block, so TRL finds no assistant tokens to train on. It is a fact about the
template, not about a record: one finding per file, at its first record. The template is read
from the model folder (`tokenizer_config.json` `chat_template`, or `chat_template.jinja`) or from
`chat-template`; nothing is tokenized, so this kind needs no tokenizer library.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from datalint.checks import Option
from datalint.checks.tokens import TOKEN_OPTIONS
from datalint.feature_types import INT64, scalar
from datalint.records import Record
from datalint.violation import DatasetFinding

OPTIONS = {"check": Option(str, "generation", "what to check", ("generation",)), **TOKEN_OPTIONS}


def prepare(options: dict[str, Any]) -> bool:
    """True when the file must be reported: assistant-only loss and a template without the block."""
    from datalint.chat_templates import has_generation_block, read_model_folder
    from datalint.tokenizer_specs import parse_spec

    if not options["assistant-only-loss"] or not options["tokenizer"]:
        return False
    spec = parse_spec(options["tokenizer"], Path.cwd())
    template = read_model_folder(spec, options["chat-template"]).template
    return bool(template) and not has_generation_block(template)


FEATURE_COLUMNS = scalar("present", INT64)  # 1 per record when the template lacks the block


def record_features(rule, record: Record) -> int | None:
    return 1 if rule.state else None


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    if not rule.state:
        return
    reported: set[str] = set()
    for index, path in enumerate(table.paths):
        if path not in reported:
            reported.add(path)
            yield DatasetFinding(
                index,
                "the chat template has no {% generation %} block and `assistant-only-loss` is on: "
                "TRL finds no assistant tokens to train on",
            )
