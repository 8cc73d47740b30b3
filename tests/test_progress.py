"""Progress on stderr: only on a terminal, only after a moment, cleared at the end, and true: the
record pass by bytes checked, then the dataset pass by rule (docs/cli.md)."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys

import datalint.progress as progress
from datalint.source_reader import SourceReader
from datalint.sources import Source
from tests.cli_helpers import run
from tests.conftest import REPO, dataset


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_silent_when_stderr_is_not_a_terminal(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"instruction": "Say hi", "output": "Hi"}\n')
    result = run("check", path)
    assert result.stderr == ""
    assert not progress.wants_progress(False, io.StringIO())
    assert progress.wants_progress(False, Terminal())
    assert not progress.wants_progress(True, Terminal())


def test_metered_source_reports_bytes_read_and_clears_the_line(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n' * 1000)
    screen = Terminal()
    meter = progress.Meter(screen, 1)
    (source,) = progress.metered([Source(str(path), path)], meter)
    assert sum(1 for _ in SourceReader(source).lines(max_line_bytes=1000)) == 1000
    meter.close()
    text = screen.getvalue()
    assert "a.jsonl: 100% of 0.0 MB checked\r" in text  # (the path is cut on the left to fit 80 columns)
    assert all(len(line) <= 80 for line in text.split("\r\x1b[2K"))
    assert text.endswith("\r\x1b[2K")


def test_quick_runs_print_nothing():
    screen = Terminal()
    meter = progress.Meter(screen, 1)
    meter.file_opened(1, "a.jsonl", 100)
    meter.checked("a.jsonl", 10)
    meter.close()
    assert screen.getvalue() == ""


def run_on_a_terminal(*args: str) -> tuple[int, str, str]:
    """The real `datalint` with stderr on a pseudo-terminal (stdout to a file): (exit code, stdout, stderr)."""
    controller, terminal = pty.openpty()
    command = [sys.executable, "-c", "from datalint.cli import run; run()", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    with open(os.devnull, "wb") as devnull:
        process = subprocess.Popen(command, stdout=devnull, stderr=terminal, env=env)
    os.close(terminal)
    received = []
    while True:
        try:
            data = os.read(controller, 65536)
        except OSError:  # the other end closed (Linux raises EIO)
            break
        if not data:
            break
        received.append(data)
    os.close(controller)
    return process.wait(timeout=600), "", b"".join(received).decode("utf-8", "replace")


# 7,473 records, 3.9 MB, sent to workers in chunks of 1 MB; a few families keep the test short
GSM8K_RUN = ("--no-cache", "--jobs", "2", "--exit-zero", "--select", "S,D,L,F")


def test_progress_on_a_terminal_covers_the_record_pass_and_the_dataset_pass():
    gsm8k = dataset("gsm8k-alpaca-train.jsonl")
    code, _, screen = run_on_a_terminal("check", str(gsm8k), *GSM8K_RUN)
    assert code == 0
    frames = [frame.removeprefix("\x1b[2K") for frame in screen.split("\r") if frame]
    checked = [int(m.group(1)) for f in frames if (m := re.search(r": (\d+)% of 3\.9 MB checked$", f))]
    rules = [f for f in frames if f.startswith("datalint: dataset rules: ")]
    assert checked and checked == sorted(checked) and checked[-1] == 100
    assert len(set(checked)) > 1  # moved as chunks came back, not 0 then 100
    assert rules, frames
    numbers = [
        int(m.group(1)) for f in rules if (m := re.match(r"datalint: dataset rules: (\d+) of (\d+), [A-Z]+\d+ ", f))
    ]
    total = int(re.search(r" of (\d+)", rules[0]).group(1))
    assert total > 10 and set(numbers) <= set(range(1, total + 1))
    # the record pass comes first, the dataset pass after it, the line is cleared at the end
    first_rule = frames.index(rules[0])
    assert all("checked" not in frame for frame in frames[first_rule:])
    assert screen.endswith("\r\x1b[2K")


def test_no_progress_and_quiet_turn_it_off():
    """The run above, which shows progress, with either flag shows none."""
    gsm8k = dataset("gsm8k-alpaca-train.jsonl")
    for flag in ("--no-progress", "-q"):
        code, _, screen = run_on_a_terminal("check", str(gsm8k), *GSM8K_RUN, flag)
        assert (code, screen) == (0, ""), flag
