"""Options several commands share: which rules run, which config, lists given comma-separated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

Command = TypeVar("Command", bound=Callable)


def split(values: tuple[str, ...]) -> tuple[str, ...]:
    """--select A,B --select C -> (A, B, C)."""
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


def selection_options(function: Command) -> Command:
    """--select, --extend-select, --ignore, --config and --profile, as `check` and `baseline` take them."""
    for option in reversed(
        [
            click.option(
                "--select",
                multiple=True,
                help="Rules to enable: codes, names, families (D: not DL) or code prefixes (P0); comma-separated.",
            ),
            click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection."),
            click.option("--ignore", multiple=True, help="Rules to disable."),
            click.option(
                "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this config file."
            ),
            click.option("--profile", metavar="NAME", help="Check against a trainer (`datalint profiles` lists them)."),
        ]
    ):
        function = option(function)
    return function


def config_option(function: Command) -> Command:
    """--config of a command that runs no lint (`rules`, `rule`): the config whose rules it shows."""
    return click.option(
        "--config",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Use this config file (default: the one found from the current folder, as `check` does).",
    )(function)


def config_file_option(function: Command) -> Command:
    """--config of the commands that read one config (stats, sample, train-quality, clean)."""
    return click.option(
        "--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this config file."
    )(function)
