"""The plan stage: rules resolved and every option checked when the config is loaded, before any
record is read; selection exact per family; errors that name their source; config-declared rules
known to `datalint rule`, `datalint rules` and SARIF."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run, write_jsonl

RECORDS = [{"instruction": "Say hi", "input": "", "output": "As an AI language model, hi."}]
OWN_RULE = """[[rule]]
code = "X001"
name = "no-lorem"
kind = "pattern"
summary = "Placeholder text left in a response"
why = "Lorem ipsum is filler a model learns to write."
phrases = ["lorem ipsum"]
"""

# (config, the key the message names, what it says): one per class of bad value.
BAD_OPTIONS = [
    ('[rules.P001]\nfields = ["respnose"]\n', "[rules.P001]", "option `fields` holds 'respnose', which is not one of"),
    ('[rules.P001]\nfields = "response"\n', "[rules.P001]", "option `fields` must be a list, not str"),
    ("[rules.P001]\nphrases = [1]\n", "[rules.P001]", "option `phrases` must be a list of strings"),
    ('[rules.D003]\nkey = "answer"\n', "[rules.D003]", "option `key` must be one of 'record', 'text'"),
    ("[rules.P001]\nfeilds = []\n", "[rules.P001]", "unknown option `feilds` for kind 'pattern'"),
    ('[rules.P001]\nregex = ["(unclosed"]\n', "[rules.P001]", "option `regex` holds an invalid regex '(unclosed'"),
    ('[rules.P001]\nunless-text = ["a", "(?i)b"]\n', "[rules.P001]", "invalid regex in `unless-text`"),
    ("[rules.D005]\nthreshold = 1.5\n", "[rules.D005]", "option `threshold` must be at most 1, not 1.5"),
    ("[rules.D005]\nthreshold = 0.0\n", "[rules.D005]", "`threshold` must be above 0"),
    ('[rules.S101]\nschema = "missing.json"\n', "rule S101", "option `schema`: no such file"),
    ('eval-sets = ["missing.jsonl"]\n', "`eval-sets`", "no such file"),
    ("[rules.B002]\ntarget = {easy = 0.5, hard = 0.2}\n", "[rules.B002]", "`target` shares must add up to 1"),
    ("[rules.P001]\nphrases = []\nregex = []\n", "[rules.P001]", "a pattern rule needs `phrases` or `regex`"),
    ("[review]\ngood-cut = 9\n", "review.good-cut", "must be from 1 to 5"),
    (OWN_RULE.replace('phrases = ["lorem ipsum"]', 'phrases = ["x"]\nfields = ["answer"]'), "rule X001", "'answer'"),
    (
        '[[overrides]]\nfiles = ["nothing-matches/*.jsonl"]\n[overrides.rules.P001]\nfields = ["respnose"]\n',
        "[overrides[0].rules.P001]",
        "'respnose'",
    ),
    ('[[overrides]]\nfiles = ["nothing-matches/*.jsonl"]\nignore = ["Z9"]\n', "`overrides[0].ignore`", "`Z9`"),
    ('[per-file-ignores]\n"x/*.jsonl" = ["Z9"]\n', "`per-file-ignores.x/*.jsonl`", "`Z9` matches no rule"),
    ('select = ["Z9"]\n', "`select`", "`Z9` matches no rule code, name or family"),
]


@pytest.mark.parametrize("records", [[], RECORDS], ids=["empty file", "one record"])
@pytest.mark.parametrize(("content", "key", "expected"), BAD_OPTIONS)
def test_a_bad_option_is_exit_2_naming_file_and_key_even_on_an_empty_file(tmp_path, records, content, key, expected):
    data = write_jsonl(tmp_path / "train.jsonl", records)
    config = tmp_path / "datalint.toml"
    config.write_text(content)
    result = run("check", "--no-cache", str(data))
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert message.startswith(f"datalint: error: {config}: ")
    assert key in message and expected in message


def test_options_of_a_good_config_still_apply(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [{"instruction": "Hi", "input": "", "output": "Lorem ipsum dolor."}])
    (tmp_path / "datalint.toml").write_text(OWN_RULE + '\n[rules.P001]\nfields = ["response", "instruction"]\n')
    result = run("check", "--no-cache", "--format", "json", "--select", "X001", str(data))
    assert [v["code"] for v in json.loads(result.output)["violations"]] == ["X001"]


def test_a_family_selects_its_own_codes_only(tmp_path):
    """`D` is the duplicate family; DL001 (a stale baseline entry) is another family."""
    data = write_jsonl(tmp_path / "train.jsonl", RECORDS * 2)
    baseline = tmp_path / "baseline.json"
    assert run("baseline", "--select", "P001", "-o", str(baseline), str(data)).exit_code == 0
    data.write_text("")  # the accepted violation is gone: its baseline entry is stale (DL001)

    def codes(*selection: str) -> list[str]:
        args = ("check", "--no-cache", "--format", "json", "--baseline", str(baseline), *selection, str(data))
        return [v["code"] for v in json.loads(run(*args).output)["violations"]]

    # The baseline's P001 entry counts as stale only where P001 is selected.
    assert codes("--select", "P001,DL") == ["DL001"]
    assert codes("--select", "P001,D") == []
    assert codes("--select", "P001,DL0") == ["DL001"]
    assert codes("--select", "P001,D0") == []
    assert codes("--select", "P001,unused-baseline-entry") == ["DL001"]


@pytest.mark.parametrize("with_config", [False, True])
def test_a_bad_selector_on_the_command_line_is_blamed_on_the_command_line(tmp_path, with_config):
    data = write_jsonl(tmp_path / "train.jsonl", RECORDS)
    if with_config:
        (tmp_path / "datalint.toml").write_text('ignore = ["P006"]\n')
    for flag in ("--select", "--extend-select", "--ignore"):
        result = run("check", "--no-cache", flag, "Z", str(data))
        assert result.exit_code == 2
        assert result.output.strip() == (
            f"datalint: error: command line: `{flag} Z` matches no rule code, name or family"
        )


def test_a_command_line_selector_may_name_a_rule_of_the_config(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [{"instruction": "Hi", "input": "", "output": "lorem ipsum"}])
    (tmp_path / "datalint.toml").write_text(OWN_RULE)
    result = run("check", "--no-cache", "--format", "json", "--select", "no-lorem", str(data))
    assert [v["code"] for v in json.loads(result.output)["violations"]] == ["X001"]


def test_rule_docs_by_code_in_any_case():
    assert run("rule", "s206").output == run("rule", "S206").output
    assert run("rule", "S206").output.startswith("# S206 ")
    assert run("rule", "NO-USER-TURN").output == run("rule", "S206").output


def test_rule_and_rules_know_the_rules_the_config_declares(tmp_path, monkeypatch):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    config = project / "datalint.toml"
    config.write_text(OWN_RULE + '\n[rules.P001]\nseverity = "error"\n')
    monkeypatch.chdir(elsewhere)
    assert run("rule", "X001").exit_code == 2  # no config found from here
    assert "X001" not in run("rules").output
    for args in (("--config", str(config)), ()):
        if not args:
            monkeypatch.chdir(project)  # found from the current folder, as `check` finds it
        docs = run("rule", "x001", *args)
        assert docs.exit_code == 0, docs.output
        assert docs.output.startswith("# X001 no-lorem\n\nPlaceholder text left in a response.")
        assert "Lorem ipsum is filler" in docs.output
        listing = run("rules", *args).output.splitlines()
        assert "X001  no-lorem                     warning  Placeholder text left in a response" in listing
        assert any(line.startswith("P001  ai-disclaimer") and " error " in line for line in listing)
        codes = [rule["code"] for rule in json.loads(run("rules", "--format", "json", *args).output)]
        assert "X001" in codes


def test_rules_with_a_broken_config_says_so(tmp_path, monkeypatch):
    (tmp_path / "datalint.toml").write_text("selekt = []\n")
    monkeypatch.chdir(tmp_path)
    result = run("rules")
    assert result.exit_code == 2 and "unknown key `selekt`" in result.output


def test_sarif_describes_the_rules_the_config_declares(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [{"instruction": "Hi", "input": "", "output": "lorem ipsum"}])
    (tmp_path / "datalint.toml").write_text(OWN_RULE)
    result = run("check", "--no-cache", "--format", "sarif", "--select", "X001", str(data))
    (descriptor,) = json.loads(result.output)["runs"][0]["tool"]["driver"]["rules"]
    assert descriptor["id"] == "X001" and descriptor["name"] == "no-lorem"
    assert descriptor["shortDescription"] == {"text": "Placeholder text left in a response"}
    assert descriptor["fullDescription"] == {"text": "Lorem ipsum is filler a model learns to write."}
    assert descriptor["help"]["markdown"].startswith("# X001 no-lorem")
    assert descriptor["properties"]["tags"] == ["pattern", "X"]


def test_paths_in_an_override_are_relative_to_the_config_and_must_exist(tmp_path, monkeypatch):
    (tmp_path / "legacy").mkdir()
    data = write_jsonl(tmp_path / "legacy" / "old.jsonl", [{"instruction": "Hi", "output": "Hello"}])
    schema = {"type": "object", "required": ["id"]}
    (tmp_path / "record.schema.json").write_text(json.dumps(schema))
    config = tmp_path / "datalint.toml"
    override = '[[overrides]]\nfiles = ["legacy/*.jsonl"]\n[overrides.rules.S101]\nschema = "{}"\n'
    config.write_text(override.format("record.schema.json"))
    elsewhere = tmp_path / "legacy"
    monkeypatch.chdir(elsewhere)  # not the config's folder
    result = run("check", "--no-cache", "--format", "json", "--select", "S101", "old.jsonl")
    assert [v["code"] for v in json.loads(result.output)["violations"]] == ["S101"]
    config.write_text(override.format("missing.schema.json"))
    data.write_text("")
    result = run("check", "--no-cache", "old.jsonl")
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"datalint: error: {config}: rule S101: option `schema`: no such file {tmp_path / 'missing.schema.json'}"
    )
