"""Settings per file: the enabled rules and the format of each linted file, from its config, the
`[[overrides]]` and `per-file-ignores` whose globs match it, and the command line, which wins.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from datalint.config.discovery import find_config
from datalint.config.keys import ConfigError
from datalint.config.loading import Config, all_rules, load_config, override_rules
from datalint.field_mapping import Mapping_
from datalint.rules import Rule
from datalint.trainer_profiles import Profile, ProfileError, bind_to_file, load_profile, needs_file


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
            rules = override_rules(rules, table["overrides"][index], config, index)
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
