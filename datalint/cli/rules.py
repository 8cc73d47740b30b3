"""The rules and trainer profiles datalint knows: `rules`, `rule`, `profiles`, `profile`."""

from __future__ import annotations

from pathlib import Path

import click

from datalint.cli.entry import main
from datalint.cli.errors import fail
from datalint.cli.options import config_option


def _known_rules(config: Path | None):
    """The built-in rules and those the config declares, with its `[rules.X]` tables applied."""
    from datalint.config import ConfigError, find_config, load_config

    try:
        return load_config(config or find_config(Path.cwd())).rules
    except ConfigError as error:
        fail(str(error))


@main.command("rules")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True
)
@config_option
def list_rules(output_format: str, config: Path | None) -> None:
    """List every rule, built-in and declared in the config: code, name, severity, summary."""
    import json

    from datalint.docs import rules_table

    rules = _known_rules(config)
    if output_format == "markdown":
        click.echo(rules_table(rules))
        return
    if output_format == "json":
        fields = ("code", "name", "kind", "severity", "summary", "default")
        click.echo(json.dumps([{key: getattr(rule, key) for key in fields} for rule in rules], indent=2))
        return
    for rule in rules:
        marker = "" if rule.default else "  (off by default)"
        click.echo(f"{rule.code}  {rule.name:<28} {rule.severity:<8} {rule.summary}{marker}")


@main.command("rule")
@click.argument("code")
@config_option
def show_rule(code: str, config: Path | None) -> None:
    """Show a rule's documentation (by code, in any case, or name)."""
    from datalint.docs import rule_markdown

    for rule in _known_rules(config):
        if code.upper() == rule.code or code.lower() == rule.name:
            click.echo(rule_markdown(rule))
            return
    fail(f"no rule {code!r}; `datalint rules` lists them")


@main.command("profiles")
def list_profiles() -> None:
    """List the trainer profiles (`--profile NAME`, or `profile = "NAME"` in config)."""
    from datalint.trainer_profiles import load_profile, profile_names

    for name in profile_names():
        click.echo(f"{name:<14} {load_profile(name).summary}")


@main.command("profile")
@click.argument("name")
def show_profile(name: str) -> None:
    """Show a trainer profile: what it checks, what the trainer does silently, its sources."""
    from datalint.trainer_profiles import ProfileError, load_profile, profile_markdown

    try:
        click.echo(profile_markdown(load_profile(name)), nl=False)
    except ProfileError as error:
        fail(str(error))
