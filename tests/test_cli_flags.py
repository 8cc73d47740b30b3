"""The flags a ruff or ESLint user reaches for, tried through the real CLI (docs/cli.md)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import click
from click.testing import CliRunner

from datalint.cli import color_wanted, main
from tests.cli_helpers import finding_lines
from tests.conftest import REPO, dataset, run, write_jsonl

# One record, three findings: P007 (error), P001 (warning), F004 (info).
MIXED = {"instruction": "Say\u00a0hi", "output": "As an AI, I say hi.<|im_end|>"}
# One record, a warning and an info, no error.
NO_ERROR = {"instruction": "Say\u00a0hello", "output": "As an AI, I say hello."}


def codes(result) -> list[str]:
    """Rule codes of a concise output's violation lines."""
    return [line.split()[1] for line in finding_lines(result.output) if not line.startswith("...")]


def summary(result) -> str:
    """The "Found ..." line (a fixable count may follow it)."""
    return next(line for line in result.output.splitlines() if line.startswith(("Found ", "All checks passed")))


def test_output_format_is_rufs_name_and_format_stays(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [MIXED])
    new = run("check", str(path), "--output-format", "json")
    old = run("check", str(path), "--format", "json")
    assert new.exit_code == old.exit_code == 1
    assert json.loads(new.output)["violations"] == json.loads(old.output)["violations"]
    assert {v["code"] for v in json.loads(new.output)["violations"]} == {"P007", "P001", "F004"}
    assert "--output-format, --format" in run("check", "--help").output


def test_show_source_is_the_full_output(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [MIXED])
    shown = run("check", str(path), "--show-source")
    assert shown.output == run("check", str(path), "--output-format", "full").output
    assert "     1 | " in shown.output and "^^^" in shown.output
    hidden = run("check", str(path), "--output-format", "full", "--no-show-source")
    assert hidden.output == run("check", str(path)).output
    refused = run("check", str(path), "--output-format", "json", "--show-source")
    assert refused.exit_code == 2
    assert "--show-source applies to text output, not --output-format json" in refused.stderr


def test_quiet_hides_info_and_qq_warnings_too(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [MIXED])
    every = run("check", str(path), "--format", "concise")
    assert sorted(codes(every)) == ["F004", "P001", "P007"]
    quiet = run("check", str(path), "--format", "concise", "-q")
    assert sorted(codes(quiet)) == ["P001", "P007"]
    assert summary(quiet) == "Found 2 violations (1 error, 1 warning) in 1 record in 1 file."
    very = run("check", str(path), "--format", "concise", "-qq")
    assert codes(very) == ["P007"]
    assert run("check", str(path), "--format", "json", "--quiet").exit_code == 1
    assert [v["code"] for v in json.loads(run("check", str(path), "--format", "json", "-qq").output)["violations"]] == [
        "P007"
    ]


def test_quiet_exit_code_follows_what_is_reported(tmp_path):
    """As ESLint's --quiet: hidden findings do not fail the run, even under --fail-on info."""
    path = write_jsonl(tmp_path / "d.jsonl", [NO_ERROR])
    assert run("check", str(path), "--fail-on", "info").exit_code == 1
    assert run("check", str(path), "--fail-on", "info", "-q").exit_code == 1  # the warning is still reported
    very = run("check", str(path), "--fail-on", "info", "-qq")
    assert (very.exit_code, very.output) == (0, "All checks passed: 1 record in 1 file.\n")


def test_max_violations_caps_what_is_printed_and_the_summary_counts_all(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [MIXED, NO_ERROR, MIXED | {"instruction": "Say\u00a0bye"}])
    every = run("check", str(path), "--format", "concise")
    assert len(codes(every)) == 8
    capped = run("check", str(path), "--format", "concise", "--max-violations", "3")
    lines = capped.output.splitlines()
    assert lines[:3] == every.output.splitlines()[:3]
    assert lines[3] == "... 5 more violations not shown (--max-violations 3)"
    assert lines[4] == summary(every) == "Found 8 violations (2 errors, 3 warnings, 3 infos) in 3 records in 1 file."
    assert lines[5:] == every.output.splitlines()[9:]  # the fixable count, of every finding
    assert capped.exit_code == every.exit_code == 1
    full = run("check", str(path), "--show-source", "--max-violations", "1").output
    assert full.count("^") and full.count("[ai-disclaimer]") + full.count("[no-break-space]") == 1
    assert "... 7 more violations not shown (--max-violations 1)\nFound 8 violations" in full
    refused = run("check", str(path), "--format", "json", "--max-violations", "3")
    assert refused.exit_code == 2 and "--max-violations applies to text" in refused.stderr


def test_color_always_never_and_the_environment(tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "d.jsonl", [MIXED])
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    always = run("check", str(path), "--color", "always").output
    assert "\x1b[31m\x1b[1mP007\x1b[0m" in always
    assert click.unstyle(always) == run("check", str(path)).output == run("check", str(path), "--color", "never").output
    assert "\x1b[" not in run("check", str(path)).output  # auto: not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert run("check", str(path)).output == always
    assert "\x1b[" not in run("check", str(path), "--color", "never").output
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run("check", str(path)).output
    assert run("check", str(path), "--color", "always").output == always


def test_color_auto_on_a_terminal():
    class Terminal:
        def isatty(self) -> bool:
            return True

    assert color_wanted("auto", None, {}, Terminal())
    assert not color_wanted("auto", None, {"NO_COLOR": "1"}, Terminal())
    assert color_wanted("auto", None, {"NO_COLOR": ""}, Terminal())  # no-color.org: set and not empty
    assert not color_wanted("auto", REPO / "out.txt", {}, Terminal())
    assert not color_wanted("auto", None, {"FORCE_COLOR": "0"}, open(os.devnull))  # noqa: SIM115


def test_help_lists_whole_command_descriptions():
    result = CliRunner().invoke(main, ["--help"], terminal_width=80)
    listed = "".join(result.output.split())  # wrapped lines (and words cut at a hyphen) joined again
    for command in main.commands.values():
        first_paragraph = "".join(command.help.split("\n\n")[0].split())
        assert command.name + first_paragraph in listed, command.name


def test_github_output_and_step_summary(tmp_path, monkeypatch):
    t0 = dataset("t0-prompt-completion-sample.jsonl")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    select = ["--select", "P007,F004,D001", "--every-record"]  # 5,448 errors, 77 warnings, 84 infos
    result = run("check", str(t0), "--output-format", "github", *select)
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert [line.split(" ", 1)[0] for line in lines] == ["::error"] * 10 + ["::warning"] * 10 + ["::notice"]
    assert "5,589 more violations not annotated (5,438 errors, 67 warnings, 84 infos)" in lines[-1]
    text = summary.read_text()
    assert text.startswith("earlier step\n### datalint: ")
    assert "| `P007` leaked-special-token | error |" in text
    assert f"datalint check {t0} --select P007,F004,D001 --every-record\n```" in text
    fewer = run("check", str(t0), "--output-format", "github", *select, "--max-violations", "2")
    kinds = [line.split(" ", 1)[0] for line in fewer.output.splitlines()]
    assert kinds == ["::error"] * 2 + ["::warning"] * 2 + ["::notice"]
    assert summary.read_text().count("### datalint: ") == 2  # appended, as each step's summary is


def test_watch_checks_again_when_a_file_changes(tmp_path):
    """`check --watch` as a real process: first report, an edit, a second report, then stopped."""
    path = write_jsonl(tmp_path / "d.jsonl", [{"instruction": "Say hi", "output": "Hi"}])
    out = tmp_path / "out.txt"
    command = [sys.executable, "-c", "from datalint.cli import run; run()", "check", str(path), "--watch"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    with out.open("wb") as stdout:
        process = subprocess.Popen(
            command,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
            # Ctrl-C as on a terminal, even when the test run itself ignores SIGINT (a run started in
            # the background by a shell without job control does; the child would inherit it)
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            wait_for(lambda: "Watching for file changes." in out.read_text(), process)
            assert "All checks passed: 1 record in 1 file." in out.read_text()
            write_jsonl(path, [{"instruction": "Say hi", "output": "Hi<|im_end|>"}])
            wait_for(lambda: out.read_text().count("Watching for file changes.") == 2, process)
        finally:
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=60)
    text = out.read_text()
    assert "Starting datalint in watch mode..." in text
    assert f"1 file changed ({path}), checking again..." in text
    assert f"{path}:1:40: P007 [leaked-special-token]" in text.split("checking again...")[1]
    assert code == 0


def wait_for(condition, process: subprocess.Popen, limit: float = 120) -> None:
    """Poll until `condition()` holds; fail if the process ends first or nothing happens for long."""
    deadline = time.monotonic() + limit
    while not condition():
        assert process.poll() is None, "the watching process ended"
        assert time.monotonic() < deadline, "no new output"
        time.sleep(0.1)


def test_watch_refuses_stdin_and_writing_modes(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"instruction": "Say hi", "output": "Hi"}])
    for extra in (["-"], [str(path), "--fix"], [str(path), "--diff"]):
        result = run("check", *extra, "--watch")
        assert result.exit_code == 2 and "--watch checks files and folders and writes nothing" in result.stderr


def test_cache_goes_beside_the_config_or_in_the_current_folder(tmp_path):
    """As README and docs/performance.md say: `.datalint_cache/` beside the config that applies,
    in the current folder when none does."""
    from tests.cli_helpers import working_directory

    data = tmp_path / "data" / "sub"
    data.mkdir(parents=True)
    path = write_jsonl(data / "d.jsonl", [{"instruction": "Say hi", "output": "Hi"}])
    here = tmp_path / "elsewhere"
    here.mkdir()
    with working_directory(here):
        assert run("check", str(path)).exit_code == 0
        assert (here / ".datalint_cache").is_dir() and not (data / ".datalint_cache").exists()
        (tmp_path / "data" / "datalint.toml").write_text('select = ["S"]\n')
        assert run("check", str(path)).exit_code == 0
    assert (tmp_path / "data" / ".datalint_cache").is_dir()
