"""The config's JSON Schema (rules/schemas/config-v1.json): generated from the declarations,
accepting every config of the docs and the tests, rejecting what datalint rejects."""

from __future__ import annotations

import ast
import json
import re
import textwrap
import tomllib
from pathlib import Path

import jsonschema
import pytest

from datalint.config import ConfigError, load_config
from datalint.config.keys import OVERRIDE_KEYS, TOP_LEVEL_KEYS
from datalint.config_schema import SCHEMA_PATH, config_schema, render
from tests.conftest import REPO

CONFIG_NAMES = ("datalint.toml", ".datalint.toml", "pyproject.toml")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_the_shipped_schema_is_the_generated_one():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), "run: python -m datalint.config_schema --write"


def test_every_key_datalint_knows_is_in_the_schema():
    schema = config_schema()
    assert set(schema["properties"]) == set(TOP_LEVEL_KEYS)
    override = schema["properties"]["overrides"]["items"]
    assert set(override["properties"]) == OVERRIDE_KEYS


def _doc_configs() -> list[tuple[str, str, str]]:
    """Each ```toml block of the README and docs/: (where, text, file name). A block introduced as
    another tool's file (an editor's `languages.toml`, `extension.toml`) is not a datalint config."""
    found = []
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for index, match in enumerate(re.finditer(r"^( *)```toml\n(.*?)^\1```", text, flags=re.S | re.M)):
            lead_in = text[: match.start()].rstrip().rsplit("\n", 1)[-1]
            if re.search(r"[\w.-]+\.toml", lead_in) and not any(name in lead_in for name in CONFIG_NAMES):
                continue
            found.append((f"{path.name}[{index}]", textwrap.dedent(match.group(2)), "datalint.toml"))
    return found


def _test_configs() -> list[tuple[str, str, str]]:
    """The configs the tests write as literal text to a datalint.toml or a pyproject.toml."""
    found = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                continue
            target = ast.get_source_segment(source, node.func.value) or ""
            names = [name for name in CONFIG_NAMES if name in target]
            text = node.args[0]
            if node.func.attr == "write_text" and names and isinstance(text, ast.Constant):
                found.append((f"{path.name}:{node.lineno}", text.value, names[-1]))
    return found


def _table(text: str, name: str) -> dict:
    table = tomllib.loads(text)
    return table.get("tool", {}).get("datalint", {}) if name == "pyproject.toml" else table


def test_the_docs_and_the_tests_have_configs_to_check():
    assert len(_doc_configs()) >= 10
    assert len(_test_configs()) >= 30


@pytest.mark.parametrize(("where", "text", "name"), _doc_configs() + _test_configs(), ids=lambda value: value[:40])
def test_the_schema_accepts_the_configs_of_the_docs_and_the_tests(validator, where, text, name, tmp_path):
    errors = [error.message for error in validator.iter_errors(_table(text, name))]
    if errors and where.endswith(tuple("0123456789")):
        # A test may write a config datalint rejects on purpose: the schema may reject it too.
        config = tmp_path / name
        config.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError):
            load_config(config)
        return
    assert errors == [], where


@pytest.mark.parametrize(
    "content",
    [
        'selekt = ["S"]\n',
        'select = "S"\n',
        'fail-on = "fatal"\n',
        'format = "csv"\n',
        '[mapping]\nanswer = "x"\n',
        '[rules.P001]\nseverity = "loud"\n',
        '[rules.P001]\nfields = ["respnose"]\n',
        '[rules.P001]\nfields = "response"\n',
        '[rules.ai-disclaimer]\nfeilds = ["response"]\n',
        '[rules.D003]\nkey = "answer"\n',
        "[rules.D005]\nthreshold = 1.5\n",
        "[review]\ngood-cut = 9\n",
        '[review]\nratings = "stars"\n',
        '[[overrides]]\nfiles = ["*.jsonl"]\ncolour = 1\n',
        '[[overrides]]\nignore = ["P001"]\n',
        '[[overrides]]\nfiles = ["*.jsonl"]\n[overrides.rules.P001]\nfields = ["respnose"]\n',
        '[[suppress]]\nhash = "xyz"\nrules = ["P001"]\nreason = "quoted"\n',
        '[[rule]]\ncode = "X1"\nname = "x"\nkind = "pattern"\nsummary = "s"\nphrases = ["a"]\n',
        '[[rule]]\ncode = "X001"\nname = "x"\nkind = "spelling"\nsummary = "s"\n',
        '[[rule]]\ncode = "X001"\nname = "x"\nkind = "pattern"\nsummary = "s"\nphrase = ["a"]\n',
        '[[rule]]\ncode = "X001"\nname = "x"\nkind = "pattern"\nphrases = ["a"]\n',
        'purpose = "fun"\n',
    ],
)
def test_the_schema_rejects_what_datalint_rejects(validator, content, tmp_path):
    config = tmp_path / "datalint.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(config)
    assert list(validator.iter_errors(tomllib.loads(content))), content


def test_a_config_may_name_its_schema_for_editors(tmp_path, validator):
    config = tmp_path / "datalint.toml"
    config.write_text('"$schema" = "https://example.org/config-v1.json"\nselect = ["S"]\n', encoding="utf-8")
    assert load_config(config).table["select"] == ["S"]
    assert not list(validator.iter_errors(tomllib.loads(config.read_text())))


def test_the_schema_ships_beside_the_record_schemas():
    assert SCHEMA_PATH.parent == Path(REPO / "rules" / "schemas")
