"""The `datalint` command: thin click commands over the Python API, one module per group of
commands (check.py; rules.py; data.py: stats, init, baseline, clean; review.py: sample,
train-quality; servers.py: mcp, server); entry.py holds the group and the console script `run`."""

from datalint.cli import check, data, review, rules, servers  # noqa: F401 - each adds its commands to `main`
from datalint.cli.entry import main, run
from datalint.cli.output import color_wanted

__all__ = ["color_wanted", "main", "run"]
