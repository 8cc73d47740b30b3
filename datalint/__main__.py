"""`python -m datalint`: the console script."""

from datalint.cli import run

run()
