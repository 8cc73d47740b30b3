"""The worked example of docs/adoption.md, step by step, on a copy of sharegpt-v3-cleaned-first2k.jsonl."""

import json
import shutil
from pathlib import Path

import pytest

from tests.cli_helpers import DATASETS, run, working_directory

SHAREGPT = DATASETS / "sharegpt-v3-cleaned-first2k.jsonl"
NEW_BAD = {
    "id": "new-1",
    "conversations": [
        {"from": "human", "value": "Can you help me name my cat?"},
        {"from": "gpt", "value": "As an AI language model, I cannot have a cat.<|im_end|>"},
    ],
}


@pytest.mark.skipif(not SHAREGPT.exists(), reason="shared datasets are not beside the checkout")
def test_adopting_datalint_on_sharegpt(tmp_path: Path):
    (tmp_path / "data").mkdir()
    dataset = tmp_path / "data" / SHAREGPT.name
    shutil.copyfile(SHAREGPT, dataset)
    with working_directory(tmp_path):
        # 1. the first run is a wall of old problems
        first = run("check", "data/", "--statistics")
        assert first.exit_code == 1
        # 2. accept them in a baseline
        made = run("baseline", "data/", "--output", "datalint-baseline.json")
        assert made.exit_code == 0
        total = sum(int(line.split()[0].replace(",", "")) for line in first.stdout.splitlines())
        assert made.stderr.startswith(f"Wrote datalint-baseline.json: {total:,} violations in ")
        # 3. with the baseline the dataset passes
        passing = run("check", "data/", "--baseline", "datalint-baseline.json")
        assert (passing.exit_code, passing.stdout) == (0, "All checks passed: 2,000 records in 1 file.\n")
        # 4. an old bad record moved to the top still passes; a new bad record fails, alone
        lines = dataset.read_bytes().splitlines(keepends=True)
        old_bad = next(i for i, line in enumerate(lines) if b"my knowledge cutoff" in line)
        lines.insert(0, lines.pop(old_bad))
        lines.append((json.dumps(NEW_BAD) + "\n").encode())
        dataset.write_bytes(b"".join(lines))
        failing = run("check", "data/", "--baseline", "datalint-baseline.json", "--format", "concise")
        assert failing.exit_code == 1
        assert failing.stdout.splitlines() == [
            f"data/{SHAREGPT.name}:2001:121: P001 AI disclaimer: 'As an AI language model' in response",
            f"data/{SHAREGPT.name}:2001:166: P007 special token: '<|im_end|>' in response",
            "Found 2 violations (1 error, 1 warning) in 2,001 records in 1 file.",
            "1 fixable with `--fix --unsafe-fixes`.",
        ]
