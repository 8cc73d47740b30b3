"""The `datalint` command: thin click commands over the Python API."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from datalint import __version__
from datalint.formatters import FORMATTERS

EXIT_USAGE = 2


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """--select A,B --select C -> (A, B, C)."""
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


def _fail(message: str) -> None:
    click.echo(f"datalint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="datalint")
def main() -> None:
    """Lint instruction-tuning datasets (JSONL) like code."""


@main.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "output_format", type=click.Choice(list(FORMATTERS)), default="text", show_default=True)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--select", multiple=True, help="Rules to enable (codes, names or family letters; comma-separated).")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this config file.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), help="Lowest severity that fails the run.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when violations are found.")
@click.option("--statistics", is_flag=True, help="Print counts per rule instead of each violation.")
def check(
    paths: tuple[str, ...],
    output_format: str,
    output_file: Path | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config: Path | None,
    fail_on: str | None,
    exit_zero: bool,
    statistics: bool,
) -> None:
    """Check datasets (files, folders, or - for stdin; default: the current folder)."""
    from datalint.config import CommandLine, ConfigError, SettingsResolver
    from datalint.engine import InputError, collect_sources, lint_sources
    from datalint.formatters import render
    from datalint.formatters.text import statistics as statistics_table

    command_line = CommandLine(_split(select) or None, _split(extend_select), _split(ignore), fail_on)
    try:
        resolver = SettingsResolver(command_line, config)
        report = lint_sources(collect_sources(paths or (".",), resolver), resolver)
    except (ConfigError, InputError) as error:
        _fail(str(error))
        return
    color = output_file is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = (
        statistics_table(report)
        if statistics and output_format == "text"
        else render(output_format, report, color=color)
    )
    if output_file is not None:
        output_file.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    sys.exit(0 if exit_zero else report.exit_code)


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(output_format: str) -> None:
    """List every built-in rule: code, name, severity, summary."""
    import json

    from datalint.rules import builtin_rules

    rules = builtin_rules()
    if output_format == "json":
        fields = ("code", "name", "kind", "severity", "summary", "default")
        click.echo(json.dumps([{key: getattr(rule, key) for key in fields} for rule in rules], indent=2))
        return
    for rule in rules:
        marker = "" if rule.default else "  (off by default)"
        click.echo(f"{rule.code}  {rule.name:<28} {rule.severity:<8} {rule.summary}{marker}")


@main.command("rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Show a rule's documentation (by code or name)."""
    from datalint.docs import rule_markdown
    from datalint.rules import builtin_rules

    for rule in builtin_rules():
        if code in (rule.code, rule.name):
            click.echo(rule_markdown(rule))
            return
    _fail(f"no rule {code!r}; `datalint rules` lists them")
