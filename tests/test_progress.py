"""Progress on stderr: only on a terminal, only after a moment, cleared at the end."""

import io

import datalint.progress as progress
from datalint.sources import Source
from tests.cli_helpers import run


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
    with source.open() as stream:
        assert sum(1 for _ in stream) == 1000
    meter.close()
    text = screen.getvalue()
    assert f"\r\x1b[2Kdatalint: {path}: 100% of 0.0 MB" in text
    assert text.endswith("\r\x1b[2K")


def test_quick_runs_print_nothing():
    screen = Terminal()
    meter = progress.Meter(screen, 1)
    meter.update(1, "a.jsonl", 10, 100)
    meter.close()
    assert screen.getvalue() == ""
