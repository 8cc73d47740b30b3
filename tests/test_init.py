"""`datalint init`: a starter config tuned to the dataset, never overwriting one without --force."""

import shutil
from collections import Counter
from pathlib import Path

import pytest

from datalint.config import load_config
from tests.cli_helpers import DATASETS, finding_lines, run

BELLE = DATASETS / "belle-eval-set-1k.jsonl"


@pytest.fixture
def belle(tmp_path: Path) -> Path:
    if not BELLE.exists():
        pytest.skip("shared datasets are not beside the checkout")
    shutil.copyfile(BELLE, tmp_path / BELLE.name)
    return tmp_path


def test_init_on_a_question_answer_dataset(belle):
    # question / std_answer / class: read as the "qa" preset, so no mapping is needed
    result = run("init", belle)
    assert result.exit_code == 0
    assert result.stderr == f"Wrote {belle / 'datalint.toml'}: format qa, 2 noisy rules ignored for now.\n"
    text = (belle / "datalint.toml").read_text()
    table = load_config(belle / "datalint.toml").table
    assert table["format"] == "qa"
    assert "mapping" not in table
    assert table["ignore"] == ["S205", "F004"]
    assert '  "S205",  # empty-turn: 369 of 1,000 records (36.9%)\n' in text
    assert '  "F004",  # no-break-space: 123 of 1,000 records (12.3%)\n' in text
    assert "# Most text is in Han script" in text
    # the first run with the starter config is short, and the detected `class` label finds the 52
    # "closed\u00a0qa" labels the datasets README lists; those and the final newline have safe fixes
    check = run("check", belle, "--format", "concise")
    assert check.exit_code == 0
    codes = Counter(line.split()[1] for line in finding_lines(check.stdout))
    assert codes["F202"] == 52 and codes["S007"] == 1
    assert sum(codes.values()) < 0.07 * 1000
    run("check", belle, "--fix", "--select", "F202,S007")
    left = Counter(line.split()[1] for line in finding_lines(run("check", belle, "--format", "concise").stdout))
    assert left == codes - Counter({"F202": 52, "S007": 1})


def test_init_never_overwrites_without_force(belle):
    config = belle / "datalint.toml"
    config.write_text("# mine\n")
    result = run("init", belle / BELLE.name)
    assert result.exit_code == 2
    assert "exists; use --force to overwrite it" in result.stderr
    assert config.read_text() == "# mine\n"
    assert run("init", belle, "--force").exit_code == 0
    assert config.read_text().startswith("# datalint.toml: starter config")


def test_init_on_a_clean_dataset_ignores_nothing_and_suggests_fixes_for_noisy_fixable_rules(tmp_path):
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.jsonl").write_text(
        "".join(f'{{"prompt": "Add {i} and 1.", "completion": " {i + 1}"}}\n' for i in range(20))
    )
    run("init", clean)
    assert "ignore" not in load_config(clean / "datalint.toml").table
    noisy = tmp_path / "noisy"
    noisy.mkdir()
    (noisy / "a.jsonl").write_text(
        "".join(f'{{"prompt": "Add {i} and 1.", "completion": " {i + 1}<|endoftext|>"}}\n' for i in range(20))
    )
    run("init", noisy)
    text = (noisy / "datalint.toml").read_text()
    assert load_config(noisy / "datalint.toml").table["format"] == "prompt-completion"
    assert (
        '  "P007",  # leaked-special-token: 20 of 20 records (100.0%); unsafe fix: '
        "`datalint check --fix --unsafe-fixes --select P007`, then remove this line\n" in text
    )


def test_init_reads_bad_lines_as_the_linter_does(tmp_path):
    # a line nested 5,000 deep raised RecursionError from init's own sampling, before any lint ran
    lines = ['{"instruction": "Say hi", "output": "Hi", "type": "greet"}'] * 3
    lines += [
        '{"instruction": "x", "output": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"instruction": "\\ud800", "output": "y"}',
    ]
    (tmp_path / "d.jsonl").write_text("\n".join(lines) + "\n")
    result = run("init", tmp_path)
    assert result.exit_code == 0, result.output
    assert load_config(tmp_path / "datalint.toml").table["format"] == "alpaca"
