"""`python -m datalint.cli`: the console script."""

from datalint.cli import run

run()
