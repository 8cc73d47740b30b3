"""The trainer-profile mechanism through the real CLI and the API: `profile` in config and
`--profile` (which wins), `[profile-options]`, `ignore` and `[rules.X]` over a profile, unknown
names, `datalint profiles` / `datalint profile NAME`, and docs/profiles.md in sync."""

from __future__ import annotations

import pytest

from tests.conftest import run, run_json, write_jsonl
from tests.trainer_records import GOOD_CHAT, llamafactory_folder, tool_conversation, turns


def test_profile_from_config_and_the_command_line_wins(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [{"prompt": "Hi", "completion": "Hello", "id": 7}])
    (tmp_path / "datalint.toml").write_text('profile = "together"\n')
    assert [v["code"] for v in run_json(str(path), "--no-cache")["violations"]] == ["T050"]
    on_cli = run_json(str(path), "--no-cache", "--profile", "openai")["violations"]
    assert [v["code"] for v in on_cli] == ["T060", "T064"]


def test_ignore_removes_a_profile_rule_and_rules_tables_change_it(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [tool_conversation("abcdefghij", tools=False)])
    (tmp_path / "datalint.toml").write_text('profile = "mistral"\nignore = ["T001"]\n')
    assert run_json(str(path), "--no-cache")["violations"] == []
    (tmp_path / "datalint.toml").write_text('profile = "mistral"\n[rules.T001]\nseverity = "warning"\n')
    found = run_json(str(path), "--no-cache")["violations"]
    assert [(v["code"], v["severity"]) for v in found] == [("T001", "warning")] * 2
    assert run("check", str(path), "--no-cache").exit_code == 0  # warnings do not fail the run


def test_unknown_profile_is_a_usage_error_naming_the_profiles(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [GOOD_CHAT])
    result = run("check", str(path), "--profile", "unsloth")
    assert result.exit_code == 2
    assert (
        "unknown profile 'unsloth' (profiles: axolotl, llamafactory, mistral, openai, together, trl-dpo"
        in result.output
    )
    (tmp_path / "datalint.toml").write_text('profile = "unsloth"\n')
    result = run("check", str(path))
    assert result.exit_code == 2 and "`profile`: unknown profile 'unsloth'" in result.output
    result = run("profile", "unsloth")
    assert result.exit_code == 2 and "unknown profile 'unsloth'" in result.output


def test_profile_options_are_checked(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", [GOOD_CHAT])
    (tmp_path / "datalint.toml").write_text(
        'profile = "axolotl"\n[profile-options]\nfield_messages = "conversations"\n'
    )
    result = run("check", str(path))
    assert result.exit_code == 2
    assert (
        "unknown key `profile-options.field_messages` for profile axolotl (known: type, field-messages" in result.output
    )
    (tmp_path / "datalint.toml").write_text('profile = "axolotl"\n[profile-options]\ntype = "sharegpt"\n')
    result = run("check", str(path))
    assert (
        result.exit_code == 2
        and "option `type` must be one of 'chat_template', 'alpaca', not 'sharegpt'" in result.output
    )
    (tmp_path / "datalint.toml").write_text('[profile-options]\ntype = "alpaca"\n')
    result = run("check", str(path))
    assert result.exit_code == 2 and "`profile-options` needs a `profile`" in result.output


def test_profiles_and_profile_commands():
    listed = run("profiles")
    assert listed.exit_code == 0
    names = [line.split()[0] for line in listed.output.splitlines()]
    assert names == [
        "axolotl",
        "llamafactory",
        "mistral",
        "openai",
        "together",
        "trl-dpo",
        "trl-grpo",
        "trl-kto",
        "trl-sft",
    ]
    shown = run("profile", "mistral")
    assert shown.exit_code == 0
    assert "- T001 `mistral-tool-call-id` (error)" in shown.output
    assert "`mistralai/mistral-common` `src/mistral_common/protocol/instruct/validator.py`" in shown.output


def test_docs_page_holds_every_profile_as_datalint_profile_prints_it():
    from datalint.trainer_profiles import load_profile, profile_markdown, profile_names
    from tests.conftest import REPO

    page = (REPO / "docs" / "profiles.md").read_text(encoding="utf-8")
    for name in profile_names():
        assert profile_markdown(load_profile(name)) in page, name


def test_trainer_rules_are_off_by_default_and_in_family_t():
    from datalint.rules import builtin_rules

    trainer = [rule for rule in builtin_rules() if rule.code.startswith("T0")]
    assert len(trainer) >= 40
    assert all(not rule.default and rule.family == "T" for rule in trainer)


def test_the_python_api_takes_a_profile(tmp_path):
    import datalint

    record = tool_conversation("abcdefghij", tools=False)
    assert datalint.lint_records([record]) == []
    found = datalint.lint_records([record], profile="mistral")
    assert [(v.code, v.line, v.pointer) for v in found] == [
        ("T001", 1, "/messages/1/tool_calls/0/id"),
        ("T001", 1, "/messages/2/tool_call_id"),
    ]
    # Records held in memory have no file beside which to find dataset_info.json.
    sharegpt = {"demo": {"file_name": "train.jsonl", "formatting": "sharegpt"}}
    info = llamafactory_folder(tmp_path, sharegpt) / "dataset_info.json"
    config = tmp_path / "datalint.toml"
    config.write_text(f'profile = "llamafactory"\n[profile-options]\ndataset-info = "{info}"\n')
    from datalint.config import ConfigError

    with pytest.raises(ConfigError, match="records without a file need `\\[profile-options\\] dataset`"):
        datalint.lint_records([GOOD_CHAT], config=config)
    config.write_text(f'profile = "llamafactory"\n[profile-options]\ndataset-info = "{info}"\ndataset = "demo"\n')
    found = datalint.lint_records([{"conversations": turns(("gpt", "Hello"))}], config=config, select=["S001"])
    assert [v.code for v in found] == ["T020"]


def test_a_profile_declaration_is_checked_and_its_rules_tables_come_before_the_users(tmp_path):
    from datalint.config import all_rules, load_config
    from datalint.trainer_profiles import ProfileError, parse_profile

    declared = {
        "name": "house",
        "summary": "Our trainer",
        "expects": "OpenAI chat",
        "silent": "nothing",
        "select": ["T001"],
        "rules": {"S203": {"severity": "warning"}, "S204": {"severity": "info"}},
    }
    profile = parse_profile(declared, "house.toml")
    (tmp_path / "datalint.toml").write_text('[rules.S204]\nseverity = "error"\n')
    rules = {rule.code: rule for rule in all_rules(load_config(tmp_path / "datalint.toml"), profile)}
    assert (rules["S203"].severity, rules["S204"].severity) == ("warning", "error")  # the user's table wins
    for broken, message in [
        ({**declared, "colour": "red"}, "unknown key `colour`"),
        ({**declared, "select": ["Z999"]}, "`select` entry 'Z999' matches no rule"),
        ({**declared, "rules": {"nope": {}}}, "`rules.nope` names no rule"),
        ({key: value for key, value in declared.items() if key != "silent"}, "missing `silent`"),
    ]:
        with pytest.raises(ProfileError, match=message):
            parse_profile(broken, "house.toml")
