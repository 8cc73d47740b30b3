"""The keys a config file may have and what each holds; every key of a config is checked against
these tables (validation.py), and the config's JSON Schema is generated from them (config_schema.py).
"""

from __future__ import annotations

import re

from datalint.presets import FORMATS

MAPPING_KEYS = ("system", "instruction", "input", "response", "type", "difficulty")

# key -> (type, what it holds); every key of a config file is checked against this table.
TOP_LEVEL_KEYS: dict[str, tuple[type, str]] = {
    "$schema": (
        str,
        "the JSON Schema editors check this file with (rules/schemas/config-v1.json); datalint ignores it",
    ),
    "select": (list, "rule codes, names or family letters to enable"),
    "extend-select": (list, "rules to enable on top of `select`"),
    "ignore": (list, "rules to disable"),
    "fail-on": (str, "lowest severity that makes the exit code 1"),
    "format": (str, "auto, or a preset: " + ", ".join(FORMATS)),
    "mapping": (dict, "JSON paths of system, instruction, input, response, type, difficulty"),
    "rules": (dict, "per-rule severity and options, keyed by code or name"),
    "rule": (list, "your own rules, declared like the built-in ones"),
    "per-file-ignores": (dict, "glob -> rules to ignore in matching files"),
    "overrides": (
        list,
        "per-path settings: `files` globs plus any of select, extend-select, ignore, format, mapping, rules",
    ),
    "exclude": (list, "globs of files and folders to skip when walking folders"),
    "suppress": (list, "hand-picked false positives: `[[suppress]]` with a record `hash`, `rules` and a `reason`"),
    "review": (dict, "human review loop: ledger, min-share, model, threshold, ratings, good-cut"),
    "purpose": (str, "what the datasets are for: style, domain or specialisation (rule B003)"),
    "eval-sets": (list, "evaluation sets (JSONL, relative to this file) that records must not overlap (rule D006)"),
    "executor": (str, "how the record pass runs: local (this machine's cores) or ray (a Ray cluster, docs/ray.md)"),
    "cache-dir": (str, "folder of the incremental cache, relative to this config file (default .datalint_cache)"),
    "profile": (str, "a trainer profile (rules/profiles/NAME.toml): mistral, llamafactory, axolotl, trl-sft, ..."),
    "profile-options": (dict, "the trainer settings the profile declares (field names, dataset_info.json ...)"),
    "tokens": (dict, "real token counts: tokenizer, max, chat-template, end-of-turn, assistant-only-loss (rules T1xx)"),
}
# [tokens] key -> (types, what it holds); they become the options of the token rules (T101-T105),
# which a `[tokens]` table turns on. docs/tokens.md.
TOKENS_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "tokenizer": ((str,), "hf:path/to/tokenizer.json, hf:path/to/model-folder, tiktoken:NAME or mistral:VERSION"),
    "max": ((int,), "most tokens per example: the trainer's sequence length"),
    "chat-template": ((str,), "a chat template file (Jinja), relative to the config file"),
    "end-of-turn": ((str,), "the token that ends an assistant turn (default: the model folder's eos_token)"),
    "assistant-only-loss": ((bool,), "the loss is on assistant tokens only (TRL assistant_only_loss)"),
}
TOKEN_KINDS = ("tokens", "chat-template")
# [review] key -> what it holds; they are options of the review rules (Q901-Q903), checked as such.
REVIEW_KEYS: dict[str, str] = {
    "ledger": "glob of review files, relative to the config file",
    "min-share": "share of records that must have a current review (0..1)",
    "model": "quality model JSON written by `datalint train-quality`",
    "threshold": "report records scored below this (0..1)",
    "ratings": "rating scale: good-bad or 1-5",
    "good-cut": "on the 1-5 scale, ratings at or above this are good",
}
PURPOSES = ("style", "domain", "specialisation")
EXECUTORS = ("local", "ray")  # as engine/executor.py runs them
SUPPRESS_KEYS = {"hash", "rules", "reason"}
RECORD_HASH = re.compile(r"^[0-9a-f]{16}$")
OVERRIDE_KEYS = {"files", "select", "extend-select", "ignore", "format", "mapping", "rules"}
SELECTOR_KEYS = ("select", "extend-select", "ignore")


class ConfigError(ValueError):
    """A config file is wrong; the message names the key and the file."""
