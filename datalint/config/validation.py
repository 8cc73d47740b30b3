"""A config table checked key by key before anything else reads it: types, choices, `[[overrides]]`,
`[[suppress]]`, `[review]`, `[tokens]` and the profile; each error names the key and the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datalint.checks import load_kind
from datalint.config.keys import (
    EXECUTORS,
    MAPPING_KEYS,
    OVERRIDE_KEYS,
    PURPOSES,
    RECORD_HASH,
    REVIEW_KEYS,
    SUPPRESS_KEYS,
    TOKENS_KEYS,
    TOP_LEVEL_KEYS,
    ConfigError,
)
from datalint.presets import FORMATS
from datalint.rules import option_problem
from datalint.trainer_profiles import ProfileError, load_profile
from datalint.violation import SEVERITIES


def validate_table(table: dict[str, Any], path: Path) -> None:
    for key, value in table.items():
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(f"{path}: unknown key `{key}` (known: {', '.join(TOP_LEVEL_KEYS)})")
        expected, _ = TOP_LEVEL_KEYS[key]
        if not isinstance(value, expected):
            raise ConfigError(
                f"{path}: `{key}` must be a {'list' if expected is list else 'table' if expected is dict else 'string'}"
            )
    if "profile" in table:
        _validate_profile(table, path)
    elif "profile-options" in table:
        raise ConfigError(f"{path}: `profile-options` needs a `profile`")
    if "purpose" in table and table["purpose"] not in PURPOSES:
        raise ConfigError(f"{path}: `purpose` must be one of {', '.join(PURPOSES)}")
    for key in ("select", "extend-select", "ignore", "exclude", "eval-sets"):
        if not all(isinstance(item, str) for item in table.get(key, [])):
            raise ConfigError(f"{path}: `{key}` must be a list of strings")
    if "executor" in table and table["executor"] not in EXECUTORS:
        raise ConfigError(f"{path}: `executor` must be one of {', '.join(EXECUTORS)}")
    if "fail-on" in table and table["fail-on"] not in SEVERITIES:
        raise ConfigError(f"{path}: `fail-on` must be one of {', '.join(SEVERITIES)}")
    _validate_format(table, path, "")
    _validate_suppress(table.get("suppress", []), path)
    _validate_review(table.get("review", {}), path)
    _validate_tokens(table.get("tokens"), path)
    for glob, selectors in table.get("per-file-ignores", {}).items():
        if not isinstance(selectors, list) or not all(isinstance(item, str) for item in selectors):
            raise ConfigError(f"{path}: `per-file-ignores.{glob}` must be a list of rule selectors")
    for index, override in enumerate(table.get("overrides", [])):
        where = f"overrides[{index}]"
        if not isinstance(override, dict):
            raise ConfigError(f"{path}: `{where}` must be a table")
        unknown = set(override) - OVERRIDE_KEYS
        if unknown:
            raise ConfigError(
                f"{path}: unknown key `{where}.{sorted(unknown)[0]}` (known: {', '.join(sorted(OVERRIDE_KEYS))})"
            )
        files = override.get("files")
        if not isinstance(files, list) or not files or not all(isinstance(item, str) for item in files):
            raise ConfigError(f"{path}: `{where}.files` must be a non-empty list of globs")
        _validate_format(override, path, where + ".")


def _validate_profile(table: dict[str, Any], path: Path) -> None:
    try:
        profile = load_profile(table["profile"])
    except ProfileError as error:
        raise ConfigError(f"{path}: `profile`: {error}") from error
    unknown = sorted(set(table.get("profile-options", {})) - set(profile.options))
    if unknown:
        known = ", ".join(profile.options) or "none"
        raise ConfigError(
            f"{path}: unknown key `profile-options.{unknown[0]}` for profile {profile.name} (known: {known})"
        )


def _validate_suppress(entries: list[Any], path: Path) -> None:
    for index, entry in enumerate(entries):
        where = f"suppress[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: `{where}` must be a table")
        unknown = set(entry) - SUPPRESS_KEYS
        if unknown:
            raise ConfigError(f"{path}: unknown key `{where}.{sorted(unknown)[0]}` (known: hash, reason, rules)")
        if not isinstance(entry.get("hash"), str) or not RECORD_HASH.match(entry["hash"]):
            raise ConfigError(
                f"{path}: `{where}.hash` must be a record hash (16 hex digits, the `record_hash` of the JSON output)"
            )
        rules = entry.get("rules")
        if not isinstance(rules, list) or not rules or not all(isinstance(item, str) for item in rules):
            raise ConfigError(f"{path}: `{where}.rules` must be a non-empty list of rule codes or names")
        if not isinstance(entry.get("reason"), str) or not entry["reason"].strip():
            raise ConfigError(f"{path}: `{where}.reason` must say why the violation is a false positive")


def _validate_format(table: dict[str, Any], path: Path, prefix: str) -> None:
    if "format" in table and table["format"] not in ("auto", *FORMATS):
        raise ConfigError(f"{path}: `{prefix}format` must be auto or one of {', '.join(FORMATS)}")
    for key, value in table.get("mapping", {}).items():
        if key not in MAPPING_KEYS:
            raise ConfigError(f"{path}: unknown key `{prefix}mapping.{key}` (known: {', '.join(MAPPING_KEYS)})")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: `{prefix}mapping.{key}` must be a string (a JSON pointer or dotted key)")
    if table.get("format") == "custom" and not {"instruction", "response"} <= set(table.get("mapping", {})):
        raise ConfigError(f'{path}: `{prefix}format = "custom"` needs `mapping.instruction` and `mapping.response`')


def _validate_review(review: dict[str, Any], path: Path) -> None:
    declared = load_kind("review").OPTIONS
    for key, value in review.items():
        if key not in REVIEW_KEYS:
            raise ConfigError(f"{path}: unknown key `review.{key}` (known: {', '.join(REVIEW_KEYS)})")
        problem = option_problem(declared[key], value)
        if problem:
            raise ConfigError(f"{path}: `review.{key}` {problem}")


def _validate_tokens(tokens: dict[str, Any] | None, path: Path) -> None:
    if tokens is None:
        return
    for key, value in tokens.items():
        if key not in TOKENS_KEYS:
            raise ConfigError(f"{path}: unknown key `tokens.{key}` (known: {', '.join(TOKENS_KEYS)})")
        types, _ = TOKENS_KEYS[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            kind = {str: "a string", int: "an integer", bool: "true or false"}[types[0]]
            raise ConfigError(f"{path}: `tokens.{key}` must be {kind}")
    if "tokenizer" not in tokens:
        raise ConfigError(f'{path}: `[tokens]` needs `tokenizer` (e.g. tokenizer = "hf:path/to/tokenizer.json")')
    if "max" in tokens and tokens["max"] < 1:
        raise ConfigError(f"{path}: `tokens.max` must be a positive number of tokens")
    from datalint.tokenizer_specs import TokenizerError, parse_spec

    try:
        parse_spec(tokens["tokenizer"], path.parent)
    except TokenizerError as error:
        raise ConfigError(f"{path}: `tokens.tokenizer`: {error}") from error
    template = tokens.get("chat-template")
    if template is not None and not (path.parent / template).is_file():
        raise ConfigError(f"{path}: `tokens.chat-template`: no such file: {path.parent / template}")
