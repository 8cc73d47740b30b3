"""The `datalint` group and the console script: process policy (cycle collector, fast exit) and
what a defect found during a command looks like to the user."""

from __future__ import annotations

import gc
import inspect
import os
import sys

import click

from datalint import __version__
from datalint.cli.errors import defect_message, fail


class _Commands(click.Group):
    """`datalint --help` lists each command with the whole first paragraph of its help: click
    would cut it to fit the terminal's width ("Check datasets (files, folders, or -...")."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if cmd.short_help is None and cmd.help:
            cmd.short_help = " ".join(inspect.cleandoc(cmd.help).split("\n\n")[0].split())
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context):
        """Every command: a defect datalint finds in itself while it runs is exit 2 with one sentence
        to report, not a traceback (usage errors are each command's to name)."""
        from datalint.feature_types import FeatureError

        try:
            return super().invoke(ctx)
        except FeatureError as error:
            fail(defect_message(error))


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="datalint")
def main() -> None:
    """Lint instruction-tuning datasets (JSONL) like code."""


def _tune_cycle_collector() -> None:
    """A run makes millions of small acyclic objects (tuples, lists, records) that reference
    counting frees; the cycle collector scanning them again and again cost a large share of a run
    and freed nothing. The objects alive now (imports) are frozen out of its scans and its collections
    made rare, for this process and the workers forked from it. Process policy: here only, never in
    the library (figures in bench/README.md)."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def run() -> None:
    """The `datalint` console script: `main`, then exit without the interpreter's teardown, which
    frees every object of the run one by one (noticeable in a warm run) when nothing is left to
    do: worker pools were closed by the run and the output is flushed here."""
    _tune_cycle_collector()
    try:
        main()
        code: int | str | None = 0
    except SystemExit as exit_:
        code = exit_.code
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`datalint check ... | head`) or stream
            pass
    os._exit(code or 0)
