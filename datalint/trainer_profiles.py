"""Trainer profiles: `rules/profiles/NAME.toml`, each a declaration of what one trainer accepts.

A profile adds to the default rules, never replaces them: it enables its own trainer rules
(family T, off by default) as `extend-select` would, may change the severity or options of any
rule (`[rules.CODE]`, applied before the user's own `[rules.CODE]`, which wins), and declares the
trainer settings a user may give in config under `[profile-options]` (`[options]` in the profile,
with their defaults). A user's `ignore` still removes any rule the profile enables.

Chosen by `profile = "NAME"` in config or `datalint check --profile NAME` (the command line wins).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from datalint.rules import RULES_DIR, Rule, RuleError, builtin_rules, validate_options

PROFILES_DIR = RULES_DIR / "profiles"
PROFILE_KEYS = {
    "name": str,
    "summary": str,
    "expects": str,
    "silent": str,
    "notes": str,
    "select": list,
    "rules": dict,
    "options": dict,
    "source": list,
}
SOURCE_KEYS = ("repository", "path", "what")


class ProfileError(ValueError):
    """A profile is unknown or its declaration or options are wrong."""


@dataclass(frozen=True)
class Source:
    repository: str
    path: str
    what: str


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str
    expects: str  # the record format the trainer reads
    silent: str  # what the trainer does without an error
    select: tuple[str, ...]  # the trainer rules it enables
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # severity and options per rule
    options: dict[str, Any] = field(default_factory=dict)  # trainer settings and their defaults
    sources: tuple[Source, ...] = ()
    notes: str = ""  # where the trainer's source differs from what one would expect

    def selected_rules(self) -> list[Rule]:
        return [rule for rule in builtin_rules() if any(rule.matches(selector) for selector in self.select)]


def profile_names() -> list[str]:
    return sorted(path.stem for path in PROFILES_DIR.glob("*.toml"))


@cache
def load_profile(name: str) -> Profile:
    path = PROFILES_DIR / f"{name}.toml"
    if not path.is_file():
        raise ProfileError(f"unknown profile {name!r} (profiles: {', '.join(profile_names())})")
    with path.open("rb") as handle:
        table = tomllib.load(handle)
    return parse_profile(table, path.name)


def parse_profile(table: dict[str, Any], where: str) -> Profile:
    for key, value in table.items():
        if key not in PROFILE_KEYS:
            raise ProfileError(f"{where}: unknown key `{key}` (known: {', '.join(PROFILE_KEYS)})")
        if not isinstance(value, PROFILE_KEYS[key]):
            raise ProfileError(f"{where}: `{key}` must be a {PROFILE_KEYS[key].__name__}")
    for key in ("name", "summary", "expects", "silent", "select"):
        if key not in table:
            raise ProfileError(f"{where}: missing `{key}`")
    rules = builtin_rules()
    for selector in table["select"]:
        if not any(rule.matches(selector) for rule in rules):
            raise ProfileError(f"{where}: `select` entry {selector!r} matches no rule")
    for selector in table.get("rules", {}):
        if not any(selector in (rule.code, rule.name) for rule in rules):
            raise ProfileError(f"{where}: `rules.{selector}` names no rule")
    sources = []
    for entry in table.get("source", []):
        if not isinstance(entry, dict) or set(entry) != set(SOURCE_KEYS):
            raise ProfileError(f"{where}: each `[[source]]` needs exactly {', '.join(SOURCE_KEYS)}")
        sources.append(Source(entry["repository"], entry["path"], entry["what"]))
    profile = Profile(
        name=table["name"],
        summary=table["summary"],
        expects=table["expects"],
        silent=table["silent"],
        select=tuple(table["select"]),
        rules=table.get("rules", {}),
        options=table.get("options", {}),
        sources=tuple(sources),
        notes=table.get("notes", ""),
    )
    for rule in profile.selected_rules():  # the defaults must be valid options of every rule they reach
        _validate(rule, _options_for(rule, profile.options), where)
    return profile


def _options_for(rule: Rule, options: dict[str, Any]) -> dict[str, Any]:
    """The trainer settings that are options of this rule's kind."""
    from datalint.checks import load_kind

    declared = load_kind(rule.kind).OPTIONS
    return {key: value for key, value in options.items() if key in declared}


def _validate(rule: Rule, options: dict[str, Any], where: str) -> None:
    try:
        validate_options(rule.kind, {**rule.options, **options}, f"{where}: {rule.code}")
    except RuleError as error:
        raise ProfileError(str(error)) from error


def apply_profile(rules: list[Rule], profile: Profile, user_options: dict[str, Any], label: str) -> list[Rule]:
    """The rules with the profile's `[rules.X]` tables and its trainer settings (the profile's
    defaults under the user's `[profile-options]`) applied; the user's own `[rules.X]` come after."""
    from datalint.rules import with_overrides

    unknown = sorted(set(user_options) - set(profile.options))
    if unknown:
        known = ", ".join(profile.options) or "none"
        raise ProfileError(
            f"{label}: unknown key `profile-options.{unknown[0]}` for profile {profile.name} (known: {known})"
        )
    settings = {**profile.options, **user_options}
    selected = {rule.code for rule in profile.selected_rules()}
    updated = []
    for rule in rules:
        try:
            table = profile.rules.get(rule.code) or profile.rules.get(rule.name)
            if table:
                rule = with_overrides(rule, table, f"profile {profile.name}: rules.{rule.code}")
            trainer = _options_for(rule, settings) if rule.code in selected else {}
            if trainer:
                rule = with_overrides(rule, trainer, f"{label}: profile-options")
        except RuleError as error:
            raise ProfileError(str(error)) from error
        updated.append(rule)
    return updated


def bind_to_file(rules: tuple[Rule, ...], path: Path | None) -> tuple[Rule, ...]:
    """Rules whose kind reads something beside the linted file (LLaMA-Factory's dataset_info.json)
    get it as an option here, per file, so their record checks stay pure and the cache key
    includes it. A kind opts in with `for_file(options, path) -> options`."""
    from dataclasses import replace

    from datalint.checks import load_kind

    bound = []
    for rule in rules:
        for_file = getattr(load_kind(rule.kind), "for_file", None) if rule.kind != "reading" else None
        if for_file is not None:
            try:
                rule = replace(rule, options=for_file(rule.options, path), state=None)
            except ValueError as error:
                raise ProfileError(f"rule {rule.code}: {error}") from error
        bound.append(rule)
    return tuple(bound)


def needs_file(rules: tuple[Rule, ...]) -> bool:
    from datalint.checks import load_kind

    return any(rule.kind != "reading" and hasattr(load_kind(rule.kind), "for_file") for rule in rules)


def profile_markdown(profile: Profile) -> str:
    """`datalint profile NAME`, and the profile's section of docs/profiles.md."""
    parts = [f"## {profile.name}", "", f"{profile.summary}.", ""]
    parts += [f"Expects: {profile.expects}.", ""]
    parts += ["What the trainer does without an error:", "", profile.silent.strip(), ""]
    parts += ["Rules it enables (on top of the default rules; `ignore` still removes them):", ""]
    for rule in profile.selected_rules():
        parts.append(f"- {rule.code} `{rule.name}` ({rule.severity}): {rule.summary}")
    parts.append("")
    if profile.rules:
        parts += ["Severities and options it changes:", ""]
        for code, table in profile.rules.items():
            shown = ", ".join(f"{key} = {value!r}" for key, value in table.items())
            parts.append(f"- {code}: {shown}")
        parts.append("")
    if profile.options:
        parts += ["Trainer settings (`[profile-options]` in config), with their defaults:", ""]
        for key, value in profile.options.items():
            parts.append(f"- `{key}` = `{_shown(value)}`")
        parts.append("")
    if profile.notes:
        parts += ["Notes:", "", profile.notes.strip(), ""]
    parts += ["Sources read:", ""]
    for source in profile.sources:
        parts.append(f"- `{source.repository}` `{source.path}`: {source.what}")
    return "\n".join(parts) + "\n"


def _shown(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


DOCS_ORDER = ("mistral", "llamafactory", "axolotl", "trl-sft", "trl-dpo", "trl-kto", "trl-grpo", "together", "openai")
DOCS_START, DOCS_END = "<!-- profiles:start -->", "<!-- profiles:end -->"


def refresh_docs(page: Path) -> None:
    """Rewrite the generated part of docs/profiles.md: `python -m datalint.trainer_profiles docs/profiles.md`."""
    names = [name for name in DOCS_ORDER if name in profile_names()]
    names += [name for name in profile_names() if name not in names]
    sections = "\n".join(profile_markdown(load_profile(name)) for name in names)
    text = page.read_text(encoding="utf-8")
    head, rest = text.split(DOCS_START, 1)
    tail = rest.split(DOCS_END, 1)[1]
    page.write_text(f"{head}{DOCS_START}\n{sections}{DOCS_END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    import sys

    refresh_docs(Path(sys.argv[1]))
