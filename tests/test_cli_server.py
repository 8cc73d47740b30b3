"""`datalint server` from the base install: the command exists, its extra is imported only when it
runs, and a missing extra is a clear error (exit 2), not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENVIRONMENT = {**os.environ, "PYTHONPATH": str(REPO)}


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENVIRONMENT, timeout=60)


def test_the_command_line_does_not_import_the_language_server():
    done = python("import sys, datalint.cli; print(sorted({'pygls', 'lsprotocol'} & set(sys.modules)))")
    assert done.stdout.strip() == "[]"


def test_without_the_extra_the_server_names_it():
    # None in sys.modules makes `import pygls` fail as it does where the package is not installed.
    done = python(
        "import sys; sys.modules['pygls'] = sys.modules['lsprotocol'] = None\n"
        "from datalint.cli import run; sys.argv = ['datalint', 'server']; run()"
    )
    assert done.returncode == 2
    assert "pip install 'datalint[lsp]'" in done.stderr
    assert "Traceback" not in done.stderr
