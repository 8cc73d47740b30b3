"""The JSON Schema of a datalint config, generated from the declarations the config is checked
against: the top-level keys (config/keys.py), the rule metadata (rules.py) and each kind's `OPTIONS`.

Editors complete and check `datalint.toml` with it (docs/configuration.md). It ships as
rules/schemas/config-v1.json; after changing a key, an option or a rule, regenerate it with
`python -m datalint.config_schema --write` (a test compares the file with this output).

Draft 4, the newest draft taplo (Even Better TOML) reads: `definitions`, no `const`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from datalint.checks import KIND_MODULES, Option, load_kind
from datalint.config.keys import (
    EXECUTORS,
    MAPPING_KEYS,
    PURPOSES,
    RECORD_HASH,
    REVIEW_KEYS,
    SELECTOR_KEYS,
    TOKENS_KEYS,
    TOP_LEVEL_KEYS,
)
from datalint.presets import FORMATS
from datalint.rules import CODE_PATTERN, FIX_SAFETIES, METADATA_KEYS, NAME_PATTERN, SCHEMAS_DIR, builtin_rules
from datalint.trainer_profiles import profile_names
from datalint.violation import SEVERITIES

SCHEMA_PATH = SCHEMAS_DIR / "config-v1.json"
DRAFT = "http://json-schema.org/draft-04/schema#"
_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}
_METADATA_HELP = {
    "code": "family letter(s) and three digits, like X001; stable once released",
    "name": "kebab-case name, selectable like the code",
    "kind": "the check kind the rule instantiates",
    "severity": "error, warning or info",
    "summary": "one line: what the rule reports",
    "why": "why it is a problem (shown by `datalint rule CODE`)",
    "example": "a bad record",
    "instead": "the good one",
    "default": "on without being selected",
    "fix": "what the fix does",
    "fix-safety": "safe: bytes change, meaning does not; unsafe: content changes",
}


def config_schema() -> dict[str, Any]:
    """The schema of a config table (a `datalint.toml`, or `[tool.datalint]` of a pyproject.toml)."""
    definitions: dict[str, Any] = {
        "selectors": {
            "type": "array",
            "items": {"type": "string"},
            "description": "rule codes, names, family letters or code prefixes (P0), or ALL",
        },
        "format": {"type": "string", "enum": ["auto", *FORMATS], "description": TOP_LEVEL_KEYS["format"][1]},
        "mapping": {
            "type": "object",
            "description": TOP_LEVEL_KEYS["mapping"][1],
            "properties": {
                key: {"type": "string", "description": "a key, a dotted path or a JSON pointer"} for key in MAPPING_KEYS
            },
            "additionalProperties": False,
        },
        "rules": _rule_tables(),
        "own-rule-table": {
            "type": "object",
            "description": "severity and options of a rule declared under [[rule]]",
            "properties": {"severity": _severity()},
        },
    }
    for kind in sorted(KIND_MODULES):
        definitions[f"options-{kind}"] = _options_table(kind)
        definitions[f"rule-{kind}"] = _declaration(kind)
    properties = {key: _top_level(key, expected, help) for key, (expected, help) in TOP_LEVEL_KEYS.items()}
    return {
        "$schema": DRAFT,
        "title": "datalint config",
        "description": "datalint.toml, .datalint.toml, or the [tool.datalint] table of pyproject.toml",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "definitions": definitions,
    }


def _top_level(key: str, expected: type, help: str) -> dict[str, Any]:
    special = {
        "fail-on": {"type": "string", "enum": list(SEVERITIES)},
        "format": {"$ref": "#/definitions/format"},
        "mapping": {"$ref": "#/definitions/mapping"},
        "rules": {"$ref": "#/definitions/rules"},
        "rule": {
            "type": "array",
            "items": {"oneOf": [{"$ref": f"#/definitions/rule-{k}"} for k in sorted(KIND_MODULES)]},
        },
        "per-file-ignores": {"type": "object", "additionalProperties": {"$ref": "#/definitions/selectors"}},
        "overrides": {"type": "array", "items": _override()},
        "suppress": {"type": "array", "items": _suppression()},
        "review": _review(),
        "purpose": {"type": "string", "enum": list(PURPOSES)},
        "executor": {"type": "string", "enum": list(EXECUTORS)},
        "profile": {"type": "string", "enum": list(profile_names())},
        "tokens": {
            "type": "object",
            "properties": {
                key: {"type": _JSON_TYPES[types[0]], "description": text} for key, (types, text) in TOKENS_KEYS.items()
            },
            "additionalProperties": False,
        },
        **{selector_key: {"$ref": "#/definitions/selectors"} for selector_key in SELECTOR_KEYS},
    }
    if key in special:
        schema = dict(special[key])
    elif expected is list:
        schema = {"type": "array", "items": {"type": "string"}}
    else:
        schema = {"type": _JSON_TYPES[expected]}
    return schema if "$ref" in schema else {**schema, "description": help}


def _severity() -> dict[str, Any]:
    return {"type": "string", "enum": list(SEVERITIES), "description": _METADATA_HELP["severity"]}


def _option(option: Option) -> dict[str, Any]:
    """One option's schema: its type, choices, items, bounds, default and help."""
    types = option.type if isinstance(option.type, tuple) else (option.type,)
    names = sorted({_JSON_TYPES[item] for item in types} - ({"integer"} if float in types else set()))
    schema: dict[str, Any] = {"type": names[0] if len(names) == 1 else names, "description": option.help}
    if option.choices:
        schema["enum"] = list(option.choices)
    if option.items is not None or option.item_choices:
        items: dict[str, Any] = {"type": _JSON_TYPES[option.items or str]}
        if option.item_choices:
            items["enum"] = list(option.item_choices)
        schema["items"] = items
    if option.minimum is not None:
        schema["minimum"] = option.minimum
    if option.maximum is not None:
        schema["maximum"] = option.maximum
    schema["default"] = option.default
    return schema


def _options_table(kind: str) -> dict[str, Any]:
    """A `[rules.X]` table of a rule of this kind: its severity and the kind's options."""
    options = {name: _option(option) for name, option in load_kind(kind).OPTIONS.items()}
    return {"type": "object", "properties": {"severity": _severity(), **options}, "additionalProperties": False}


def _declaration(kind: str) -> dict[str, Any]:
    """A `[[rule]]` of this kind: the rule metadata and the kind's options."""
    metadata: dict[str, Any] = {
        key: {"type": _JSON_TYPES[expected], "description": _METADATA_HELP[key]}
        for key, expected in METADATA_KEYS.items()
    }
    metadata["code"]["pattern"] = CODE_PATTERN.pattern
    metadata["name"]["pattern"] = NAME_PATTERN.pattern
    metadata["kind"]["enum"] = [kind]
    metadata["severity"]["enum"] = list(SEVERITIES)
    metadata["fix-safety"]["enum"] = list(FIX_SAFETIES)
    options = {name: _option(option) for name, option in load_kind(kind).OPTIONS.items()}
    return {
        "type": "object",
        "description": f"your own rule of the {kind} kind",
        "properties": {**options, **metadata},
        "required": ["code", "name", "kind", "summary"],
        "additionalProperties": False,
    }


def _rule_tables() -> dict[str, Any]:
    """`[rules]`: each built-in rule by code and by name; other keys name your own rules."""
    properties = {}
    for rule in builtin_rules():
        table = {"$ref": f"#/definitions/options-{rule.kind}"}
        properties[rule.code] = properties[rule.name] = table
    return {
        "type": "object",
        "description": TOP_LEVEL_KEYS["rules"][1],
        "properties": properties,
        "additionalProperties": {"$ref": "#/definitions/own-rule-table"},
    }


def _override() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "files": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "globs of files"},
        "format": {"$ref": "#/definitions/format"},
        "mapping": {"$ref": "#/definitions/mapping"},
        "rules": {"$ref": "#/definitions/rules"},
        **{key: {"$ref": "#/definitions/selectors"} for key in SELECTOR_KEYS},
    }
    return {"type": "object", "properties": properties, "required": ["files"], "additionalProperties": False}


def _suppression() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "hash": {"type": "string", "pattern": RECORD_HASH.pattern, "description": "the record's `record_hash`"},
            "rules": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "codes or names"},
            "reason": {"type": "string", "minLength": 1, "description": "why it is a false positive"},
        },
        "required": ["hash", "rules", "reason"],
        "additionalProperties": False,
    }


def _review() -> dict[str, Any]:
    """`[review]`: its keys are options of the review rules, declared by the review kind."""
    declared = load_kind("review").OPTIONS
    properties = {key: {**_option(declared[key]), "description": help} for key, help in REVIEW_KEYS.items()}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def render() -> str:
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """`python -m datalint.config_schema`: print the schema; with `--write`, update the shipped file."""
    if argv == ["--write"]:
        SCHEMA_PATH.write_text(render(), encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}", file=sys.stderr)
        return 0
    if argv:
        print("usage: python -m datalint.config_schema [--write]", file=sys.stderr)
        return 2
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
