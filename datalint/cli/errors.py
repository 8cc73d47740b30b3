"""How a command ends on an error: one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

EXIT_USAGE = 2


def fail(message: str) -> NoReturn:
    click.echo(f"datalint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def usage_errors() -> tuple[type[Exception], ...]:
    """Errors that mean the run could not start (exit 2), from the modules that raise them."""
    from datalint.baseline import BaselineError
    from datalint.config import ConfigError
    from datalint.diff_base import DiffBaseError
    from datalint.engine.executor import ExecutorError
    from datalint.sources import InputError

    return (ConfigError, InputError, BaselineError, DiffBaseError, ExecutorError)


def defect_message(error: Exception) -> str:
    """A defect of datalint found while it runs (a kind keeping a feature value its declaration does
    not allow: the FeatureError names the rule and the feature), in one sentence for the user."""
    return (
        f"{error}; this is a defect in datalint (or in the check kind of a user rule), not in the data: "
        "please report it with this message"
    )
