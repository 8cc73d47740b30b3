"""Configuration: discovery upward from the linted file, validation of every key, per-path overrides.

Files, first found wins, looked for from the linted file's folder upward (like ruff):
`datalint.toml`, `.datalint.toml`, then `pyproject.toml` holding a `[tool.datalint]` table.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from datalint.checks import load_kind
from datalint.field_mapping import Mapping_
from datalint.presets import FORMATS
from datalint.rules import Rule, RuleError, builtin_rules, check_unique, option_problem, parse_rule, with_overrides
from datalint.trainer_profiles import Profile, ProfileError, apply_profile, bind_to_file, load_profile, needs_file
from datalint.violation import SEVERITIES

CONFIG_NAMES = ("datalint.toml", ".datalint.toml", "pyproject.toml")
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
SUPPRESS_KEYS = {"hash", "rules", "reason"}
RECORD_HASH = re.compile(r"^[0-9a-f]{16}$")
OVERRIDE_KEYS = {"files", "select", "extend-select", "ignore", "format", "mapping", "rules"}
SELECTOR_KEYS = ("select", "extend-select", "ignore")


class ConfigError(ValueError):
    """A config file is wrong; the message names the key and the file."""


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


@dataclass(frozen=True)
class CommandLine:
    """Options from the command line; they win over the config file."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    against: tuple[str, ...] = ()  # evaluation sets from `--against`
    profile: str | None = None  # `--profile NAME`: wins over the config's `profile`


@dataclass(frozen=True)
class Settings:
    """Everything the engine needs for one file: its enabled rules (not yet prepared) and its format."""

    rules: tuple[Rule, ...]
    format: str = "auto"
    mapping: Mapping_ | None = None
    fail_on: str = "error"
    config_label: str = "defaults"

    def rule_for(self, kind: str, **options: Any) -> Rule | None:
        for rule in self.rules:
            if rule.kind == kind and all(rule.options.get(key) == value for key, value in options.items()):
                return rule
        return None


def find_config(start: Path) -> Path | None:
    folder = start if start.is_dir() else start.parent
    for directory in (folder.resolve(), *folder.resolve().parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_tool_table(candidate)):
                return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        return "datalint" in _read_toml(path).get("tool", {})
    except ConfigError:
        return False


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read config: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error


def load_config(path: Path | None) -> Config:
    """Read and check a config file (None: the defaults). Everything a run will use is checked
    here, before any record is read: keys, rule declarations, rule options (including those of
    per-path overrides), rule selectors and the files options name."""
    if path is None:
        table: dict[str, Any] = {}
    else:
        document = _read_toml(path)
        table = document.get("tool", {}).get("datalint", {}) if path.name == "pyproject.toml" else document
        validate_table(table, path)
    config = Config(path, table)
    config = replace(config, rules=tuple(all_rules(config)))
    _check_overrides(config)
    _check_selectors(config)
    return config


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
    from datalint.token_counts import TokenizerError, parse_spec

    try:
        parse_spec(tokens["tokenizer"], path.parent)
    except TokenizerError as error:
        raise ConfigError(f"{path}: `tokens.tokenizer`: {error}") from error
    template = tokens.get("chat-template")
    if template is not None and not (path.parent / template).is_file():
        raise ConfigError(f"{path}: `tokens.chat-template`: no such file: {path.parent / template}")


def tokens_options(config: Config) -> dict[str, Any]:
    """The `[tokens]` table as token-rule options: paths resolved against the config's folder, and
    the fingerprint of the tokenizer files' content, so the cache key follows the bytes, not the path."""
    tokens = config.table.get("tokens")
    if tokens is None:
        return {}
    from datalint.token_counts import fingerprint, parse_spec

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


def _with_command_line_eval_sets(rules: list[Rule], command_line: CommandLine) -> list[Rule]:
    """`--against` files join the evaluation sets of the contamination rules."""
    if not command_line.against:
        return rules
    return [
        replace(rule, options={**rule.options, "eval-sets": [*rule.options["eval-sets"], *command_line.against]})
        if rule.kind == "contamination"
        else rule
        for rule in rules
    ]


def _check_overrides(config: Config) -> None:
    """Each `[[overrides]]` table's `[rules.X]` applies to the config's rules (a file it matches
    may come later, or never: its mistakes are the config's, found now)."""
    for index, override in enumerate(config.table.get("overrides", [])):
        _override_rules(list(config.rules), override, config, index)


def _override_rules(rules: list[Rule], override: dict[str, Any], config: Config, index: int) -> list[Rule]:
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


def _check_command_line(command_line: CommandLine, rules: list[Rule]) -> None:
    """Selectors given on the command line (or to the API) name a rule of the config in use."""
    flags = {"--select": command_line.select or (), "--extend-select": command_line.extend_select}
    flags["--ignore"] = command_line.ignore
    for flag, selectors in flags.items():
        for selector in selectors:
            if not any(rule.matches(selector) for rule in rules):
                raise ConfigError(f"command line: `{flag} {selector}` matches no rule code, name or family")


def relative_posix(path: Path, root: Path) -> str:
    try:
        return PurePosixPath(path.resolve().relative_to(root.resolve())).as_posix()
    except ValueError:
        return path.as_posix()


def path_matches(relative: str, glob: str) -> bool:
    return fnmatch.fnmatch(relative, glob) or fnmatch.fnmatch(PurePosixPath(relative).name, glob)


class SettingsResolver:
    """Settings per file: finds and validates configs once, prepares each distinct rule set once."""

    def __init__(self, command_line: CommandLine = CommandLine(), config_path: Path | None = None) -> None:
        self.command_line = command_line
        self.fixed_config = load_config(config_path) if config_path else None
        self._configs: dict[Path, Config] = {}
        self._prepared: dict[tuple, Settings] = {}
        self._needs_file: dict[tuple, bool] = {}

    def config_for(self, path: Path) -> Config:
        if self.fixed_config is not None:
            return self.fixed_config
        found = find_config(path)
        key = found or Path()
        if key not in self._configs:
            self._configs[key] = load_config(found)
        return self._configs[key]

    def settings_for(self, path: Path | None) -> Settings:
        config = self.config_for(path) if path is not None else (self.fixed_config or load_config(None))
        relative = relative_posix(path, config.root) if path is not None else ""
        table = config.table
        overrides = [
            index
            for index, override in enumerate(table.get("overrides", []))
            if path is not None and any(path_matches(relative, glob) for glob in override["files"])
        ]
        ignores = [
            glob for glob in table.get("per-file-ignores", {}) if path is not None and path_matches(relative, glob)
        ]
        key = (config.label, tuple(overrides), tuple(ignores))
        if key not in self._prepared:
            self._prepared[key] = self._build(config, overrides, ignores)
        settings = self._prepared[key]
        if self._needs_file.setdefault(key, needs_file(settings.rules)):
            settings = self._bound_to_file(key, settings, path)
        return settings

    def _bound_to_file(self, key: tuple, settings: Settings, path: Path | None) -> Settings:
        """Settings whose rules read a file beside the dataset (a profile's dataset_info.json)."""
        bound_key = (*key, path.absolute() if path is not None else None)
        if bound_key not in self._prepared:
            try:
                rules = bind_to_file(settings.rules, path)
            except ProfileError as error:
                raise ConfigError(f"{settings.config_label}: {path or 'stdin'}: {error}") from error
            self._prepared[bound_key] = replace(settings, rules=rules)
        return self._prepared[bound_key]

    def profile_for(self, config: Config) -> Profile | None:
        """`--profile`, else the config's `profile`."""
        name = self.command_line.profile or config.table.get("profile")
        if name is None:
            return None
        try:
            return load_profile(name)
        except ProfileError as error:
            raise ConfigError(f"{'--profile' if self.command_line.profile else config.label}: {error}") from error

    def _build(self, config: Config, override_indices: list[int], ignore_globs: list[str]) -> Settings:
        table = config.table
        profile = self.profile_for(config)
        rules = all_rules(config, profile)
        for index in override_indices:
            rules = _override_rules(rules, table["overrides"][index], config, index)
        rules = _with_command_line_eval_sets(rules, self.command_line)  # relative to the current folder
        layers = [table] + [table["overrides"][index] for index in override_indices]
        select = None
        extend: list[str] = []
        ignore: list[str] = []
        for layer in layers:
            if "select" in layer:
                select = list(layer["select"])
            extend += layer.get("extend-select", [])
            ignore += layer.get("ignore", [])
        for glob in ignore_globs:
            ignore += table["per-file-ignores"][glob]
        cli = self.command_line
        _check_command_line(cli, rules)
        if cli.select is not None:
            select = list(cli.select)
        extend += profile.select if profile is not None else ()
        extend += cli.extend_select
        ignore += cli.ignore
        enabled = [
            rule
            for rule in rules
            if (
                (rule.default if select is None else any(rule.matches(s) for s in select))
                or any(rule.matches(s) for s in extend)
            )
            and not any(rule.matches(s) for s in ignore)
        ]
        format_name, mapping_table = "auto", {}
        for layer in layers:
            format_name = layer.get("format", format_name)
            mapping_table = {**mapping_table, **layer.get("mapping", {})}
        # Rules are prepared (regexes compiled, models loaded) by the engine when first needed:
        # a run whose records all come from the cache loads nothing. See engine.RulePlan.
        return Settings(
            rules=tuple(enabled),
            format=format_name,
            mapping=Mapping_.from_config(mapping_table) if mapping_table else None,
            fail_on=cli.fail_on or table.get("fail-on", "error"),
            config_label=config.label,
        )
