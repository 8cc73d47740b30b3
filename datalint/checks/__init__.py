"""The check kinds: one module each, imported only when a selected rule needs it.

A kind module declares `OPTIONS` (name -> Option) and implements one or both passes:

- options are validated when the config is loaded (datalint/rules.py), from the declarations:
  type, choices, item type and choices of a list, bounds, regexes that must compile. A rule
  between options (a bounds rule needs `min` or `max`) goes in an optional
  `check_options(options) -> None` that raises ValueError naming the option.
- `prepare(options) -> state` (optional): compile regexes, load data; done once per rule, on
  options already validated.
- record pass: `check_record(rule, record) -> Iterable[Finding]`, and for dataset-wide kinds
  `record_features(rule, record) -> value` (a small value kept per record, e.g. a hash), declared
  with types as `FEATURE_COLUMNS`, or by a `features(rule)` hook when the kind's rules keep
  different features (datalint/feature_types.py): the cache stores each column by its type, and a
  value that does not fit is an error naming the rule and feature;
- dataset pass: `check_dataset(rule, table) -> Iterable[DatasetFinding]` over those values.
  Its findings must depend only on the table's values, paths and lines (and the rule): the
  engine reuses a rule's last findings when those are unchanged (datalint/memo.py). A kind that
  also reads `table.hashes` (the lines' content hashes, a uint64 array; `reader.hash_texts` gives
  their text) says so with `READS_RECORD_HASHES = True`.
- a kind that checks all its rules at once (one scan of a text for every rule, as the pattern kind
  does): `prepare_set(rules) -> state` over the selected rules (each prepared already), then
  `check_record_set(state, record) -> Iterable[(position of the rule in rules, Finding)]`;
- file-level findings from the file's format and record count, after its record pass:
  `check_file(rule, file_format, records) -> Iterable[Finding]` (reported on line 1; S103);
- batched record pass, for models much faster on many texts at once (toxicity):
  `check_records(rule, records) -> list[list[Finding]]`, one list per record, in order; the
  engine hands it up to `engine.RECORD_BATCH` records of one file at a time. Same purity as
  `check_record`: the result for a record depends only on that record.

Everything is a pure function of the rule, the record and the features, so the record pass
can run in worker processes and its results can be cached by record hash. So: a result must not
depend on `record.line` or on other records (that is what the dataset pass is for); `prepare`
may run again in each worker process; features must fit their declaration. Kinds whose
features are cheaper many records at a time may define `record_features_batch(rule, records) ->
values` instead.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

KIND_MODULES = {
    "reading": "datalint.checks.reading",
    "schema": "datalint.checks.schema",
    "mapping": "datalint.checks.mapping",
    "conversation": "datalint.checks.conversation",
    "pattern": "datalint.checks.pattern",
    "hygiene": "datalint.checks.hygiene",
    "consistency": "datalint.checks.consistency",
    "labels": "datalint.checks.labels",
    "length": "datalint.checks.length",
    "review": "datalint.checks.review",
    "language": "datalint.checks.language",
    "repetition": "datalint.checks.repetition",
    "pii": "datalint.checks.pii",
    "toxicity": "datalint.checks.toxicity",
    "readability": "datalint.checks.readability",
    "duplicate": "datalint.checks.duplicate",
    "near-duplicate": "datalint.checks.near_duplicate",
    "contamination": "datalint.checks.contamination",
    "quota": "datalint.checks.quota",
    "dataset-size": "datalint.checks.dataset_size",
    "suppression": "datalint.checks.suppression",
    "mistral": "datalint.checks.mistral",
    "llamafactory": "datalint.checks.llamafactory",
    "axolotl": "datalint.checks.axolotl",
    "trl": "datalint.checks.trl",
    "together": "datalint.checks.together",
    "openai-ft": "datalint.checks.openai_ft",
    "trainer-file": "datalint.checks.trainer_file",
    "tokens": "datalint.checks.tokens",
    "chat-template": "datalint.checks.chat_template",
}


@dataclass(frozen=True, slots=True)
class Option:
    type: type | tuple[type, ...]
    default: Any
    help: str
    choices: tuple[Any, ...] = ()
    is_path: bool = False  # a file path, resolved against the folder of the config that sets it
    must_exist: bool = False  # a path that is an input: a config naming a missing file is an error
    items: type | None = None  # a list option: the type of its items
    item_choices: tuple[Any, ...] = ()  # a list option: the values its items may take
    minimum: float | None = None  # a number option: smallest value (inclusive)
    maximum: float | None = None  # a number option: largest value (inclusive)
    regex: bool = False  # a string or list of strings that are Python regular expressions


def fields_option(default: list[str], what: str) -> Option:
    """The `fields` option of a kind that reads text fields: which ones, checked at load."""
    from datalint.records import TEXT_FIELDS

    return Option(
        list, default, f"{what}: {', '.join(TEXT_FIELDS)}, or all", items=str, item_choices=(*TEXT_FIELDS, "all")
    )


def load_kind(name: str) -> ModuleType:
    return importlib.import_module(KIND_MODULES[name])
