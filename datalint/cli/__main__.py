"""`python -m datalint.cli`: the console script."""

from datalint.cli import run

# Guarded: a process spawned by the run (multiprocessing's spawn) imports the main module again.
if __name__ == "__main__":
    run()
