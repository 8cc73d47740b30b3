"""A config file loaded: its table validated, then every rule it knows (the built-in ones and its
own `[[rule]]`s) with `[review]`, `[tokens]`, the profile, `[rules.X]`, `purpose` and `eval-sets`
applied, and its paths, overrides and selectors checked, all before any record is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from datalint.checks import load_kind
from datalint.config.discovery import read_toml
from datalint.config.keys import SELECTOR_KEYS, TOKEN_KINDS, ConfigError
from datalint.config.validation import validate_table
from datalint.rules import Rule, RuleError, builtin_rules, check_unique, parse_rule, with_overrides
from datalint.trainer_profiles import Profile, ProfileError, apply_profile


@dataclass(frozen=True)
class Config:
    """A validated config file (or the defaults when there is none), with every rule it knows:
    the built-in ones and its own `[[rule]]`s, its `[rules.X]` tables applied and every option
    checked (see `load_config`)."""

    path: Path | None = None
    table: dict[str, Any] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "defaults"


def load_config(path: Path | None) -> Config:
    """Read and check a config file (None: the defaults). Everything a run will use is checked
    here, before any record is read: keys, rule declarations, rule options (including those of
    per-path overrides), rule selectors and the files options name."""
    if path is None:
        table: dict[str, Any] = {}
    else:
        document = read_toml(path)
        table = document.get("tool", {}).get("datalint", {}) if path.name == "pyproject.toml" else document
        validate_table(table, path)
    config = Config(path, table)
    config = replace(config, rules=tuple(all_rules(config)))
    _check_overrides(config)
    _check_selectors(config)
    return config


def tokens_options(config: Config) -> dict[str, Any]:
    """The `[tokens]` table as token-rule options: paths resolved against the config's folder, and
    the fingerprint of the tokenizer files' content, so the cache key follows the bytes, not the path."""
    tokens = config.table.get("tokens")
    if tokens is None:
        return {}
    from datalint.tokenizer_specs import fingerprint, parse_spec

    spec = parse_spec(tokens["tokenizer"], config.root)
    template = str(config.root / tokens["chat-template"]) if tokens.get("chat-template") else ""
    options = {key: value for key, value in tokens.items() if key not in ("tokenizer", "chat-template")}
    return {**options, "tokenizer": str(spec), "chat-template": template, "fingerprint": fingerprint(spec, template)}


def review_options(config: Config) -> dict[str, Any]:
    """The `[review]` table as review-rule options, floats where the options want floats."""
    review = dict(config.table.get("review", {}))
    for key in ("min-share", "threshold"):
        if key in review:
            review[key] = float(review[key])
    return review


def all_rules(config: Config, profile: Profile | None = None) -> list[Rule]:
    """Built-in rules plus the config's own `[[rule]]` declarations, with `[review]`, the profile's
    settings, `[rules.X]`, `purpose` and `eval-sets` applied, paths resolved against the config's
    folder and checked. Without a profile, the rules `load_config` resolved."""
    if config.rules and profile is None:
        return list(config.rules)
    label = config.label
    try:
        custom = [parse_rule(table, label) for table in config.table.get("rule", [])]
        rules = [*builtin_rules(), *custom]
        check_unique(rules, label)
        review = review_options(config)
        if review:
            rules = [
                with_overrides(rule, review, f"{label}: [review]") if rule.kind == "review" else rule for rule in rules
            ]
        if profile is not None:
            rules = apply_profile(rules, profile, config.table.get("profile-options", {}), label)
        tokens = tokens_options(config)
        if tokens:  # a [tokens] table sets the token rules' options and turns them on
            rules = [
                replace(with_overrides(rule, tokens, f"{label}: tokens"), default=True)
                if rule.kind in TOKEN_KINDS
                else rule
                for rule in rules
            ]
        rules = _apply_rule_tables(rules, config.table.get("rules", {}), label)
        rules = _with_dataset_settings(rules, config)
    except (RuleError, ProfileError) as error:
        raise ConfigError(str(error)) from error
    return [_resolve_paths(rule, config.root, label) for rule in rules]


def _resolve_paths(rule: Rule, root: Path, label: str) -> Rule:
    """Relative path options mean: relative to the folder of the config file. A path that is an
    input (a JSON Schema, an evaluation set) must exist."""
    declared = load_kind(rule.kind).OPTIONS
    resolved = {}
    for key, value in rule.options.items():
        option = declared[key]
        if not option.is_path:
            continue
        paths = [root / item for item in (value if isinstance(value, list) else [value]) if item]
        for path in paths if option.must_exist else ():
            if not path.is_file():
                raise ConfigError(f"{label}: rule {rule.code}: option `{key}`: no such file {path}")
        if paths:
            resolved[key] = [str(path) for path in paths] if isinstance(value, list) else str(paths[0])
    return replace(rule, options={**rule.options, **resolved}) if resolved else rule


def _apply_rule_tables(rules: list[Rule], tables: dict[str, Any], label: str, prefix: str = "") -> list[Rule]:
    for selector, overrides in tables.items():
        if not isinstance(overrides, dict):
            raise ConfigError(f"{label}: `{prefix}rules.{selector}` must be a table")
        matched = [rule for rule in rules if rule.code == selector or rule.name == selector]
        if not matched:
            raise ConfigError(f"{label}: `{prefix}rules.{selector}` names no rule")
        where = f"{label}: [{prefix}rules.{selector}]"
        rules = [with_overrides(rule, overrides, where) if rule in matched else rule for rule in rules]
    return rules


def _with_dataset_settings(rules: list[Rule], config: Config) -> list[Rule]:
    """Top-level `purpose` and `eval-sets` become options of the rules that use them."""
    eval_sets = [str(config.root / name) for name in config.table.get("eval-sets", [])]
    for path in eval_sets:
        if not Path(path).is_file():
            raise ConfigError(f"{config.label}: `eval-sets`: no such file {path}")
    purpose = config.table.get("purpose")
    updated = []
    for rule in rules:
        if rule.kind == "contamination" and eval_sets:
            rule = with_overrides(rule, {"eval-sets": [*rule.options["eval-sets"], *eval_sets]}, config.label)
        elif rule.kind == "dataset-size" and purpose and rule.options["check"] == "purpose":
            rule = with_overrides(rule, {"purpose": purpose}, config.label)
        updated.append(rule)
    return updated


def _check_overrides(config: Config) -> None:
    """Each `[[overrides]]` table's `[rules.X]` applies to the config's rules (a file it matches
    may come later, or never: its mistakes are the config's, found now)."""
    for index, override in enumerate(config.table.get("overrides", [])):
        override_rules(list(config.rules), override, config, index)


def override_rules(rules: list[Rule], override: dict[str, Any], config: Config, index: int) -> list[Rule]:
    if "rules" not in override:
        return rules
    try:
        rules = _apply_rule_tables(rules, override["rules"], config.label, f"overrides[{index}].")
    except RuleError as error:
        raise ConfigError(str(error)) from error
    return [_resolve_paths(rule, config.root, config.label) for rule in rules]


def _check_selectors(config: Config) -> None:
    """Every rule selector of the config names a rule (its own `[[rule]]`s included)."""
    table = config.table
    keyed = [(key, table.get(key, [])) for key in SELECTOR_KEYS]
    keyed += [(f"per-file-ignores.{glob}", selectors) for glob, selectors in table.get("per-file-ignores", {}).items()]
    for index, override in enumerate(table.get("overrides", [])):
        keyed += [(f"overrides[{index}].{key}", override.get(key, [])) for key in SELECTOR_KEYS]
    for key, selectors in keyed:
        for selector in selectors:
            if not any(rule.matches(selector) for rule in config.rules):
                raise ConfigError(f"{config.label}: `{key}`: `{selector}` matches no rule code, name or family")
