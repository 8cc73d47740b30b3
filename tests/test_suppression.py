"""Config `[[suppress]]` entries: per-record false positives by record hash, with a reason."""

from pathlib import Path

from datalint.reader import record_hash
from tests.cli_helpers import finding_lines, run, working_directory

AI = '{"instruction": "What do chatbots say?", "output": "They often start with: As an AI language model."}'
TOKEN = '{"instruction": "Translate: chat", "output": "cat<|endoftext|>"}'


def setup(tmp_path: Path, suppress: str) -> None:
    (tmp_path / "train.jsonl").write_text(AI + "\n" + TOKEN + "\n")
    (tmp_path / "datalint.toml").write_text(suppress)


def test_a_suppressed_record_is_not_reported_and_other_rules_still_are(tmp_path):
    setup(
        tmp_path, f'[[suppress]]\nhash = "{record_hash(AI.encode())}"\nrules = ["ai-disclaimer"]\nreason = "quoted"\n'
    )
    with working_directory(tmp_path):
        result = run("check", "train.jsonl", "--format", "concise")
    assert [line.split(":")[1] + " " + line.split()[1] for line in finding_lines(result.stdout)] == ["2 P007"]


def test_a_suppression_that_matches_nothing_is_reported_at_the_config(tmp_path):
    setup(tmp_path, '\n[[suppress]]\nhash = "0123456789abcdef"\nrules = ["P001"]\nreason = "gone"\n')
    with working_directory(tmp_path):
        result = run("check", "train.jsonl", "--format", "concise")
    assert (
        f"{tmp_path / 'datalint.toml'}:3:1: DL002 unused suppression: P001 on record 0123456789abcdef "
        "matches no violation" in result.stdout.splitlines()
    )


def test_suppress_entries_are_validated(tmp_path):
    for entry, message in [
        ('hash = "xyz"\nrules = ["P001"]\nreason = "r"', "`suppress[0].hash` must be a record hash"),
        ('hash = "0123456789abcdef"\nrules = []\nreason = "r"', "`suppress[0].rules` must be a non-empty list"),
        ('hash = "0123456789abcdef"\nrules = ["P001"]', "`suppress[0].reason` must say why"),
        ('hash = "0123456789abcdef"\nrules = ["P001"]\nreason = "r"\nline = 3', "unknown key `suppress[0].line`"),
    ]:
        setup(tmp_path, "[[suppress]]\n" + entry + "\n")
        with working_directory(tmp_path):
            result = run("check", "train.jsonl")
        assert result.exit_code == 2
        assert message in result.stderr
