"""The dataset pass's memo: a dataset-wide rule whose feature values did not change on the edited
lines reuses its last findings, and the run reports exactly what a run without any cache does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import datalint
from datalint.engine import dataset_pass
from datalint.report import Report

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
DEMO = DATASETS / "llamafactory-alpaca-en-demo-1k.jsonl"
DATASET_RULES = ["D001", "D002", "D005", "F108", "F109", "L003"]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A real alpaca dataset (duplicates, unusual endings, a lower-case start) plus a near copy of
    one of its long instructions, so that D005 has a finding too."""
    target = tmp_path / "data.jsonl"
    shutil.copyfile(DEMO, target)
    records = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()]
    long = next(record for record in records if len(record["instruction"].split()) >= 25)
    # One word more at the end of the compared text (instruction + input): Jaccard ~0.97.
    near = {**long, "input": long["input"] + " Please.", "output": "A different answer."}
    with target.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(near, ensure_ascii=False) + "\n")
    (tmp_path / "datalint.toml").write_text(f"select = {json.dumps(DATASET_RULES)}\n", encoding="utf-8")
    return target


class DatasetPasses:
    """Records which rules' dataset pass runs (wrapping each kind's real `check_dataset`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ran: set[str] = set()
        real_load_kind = dataset_pass.load_kind

        def load_kind(name: str):
            kind = real_load_kind(name)
            if not hasattr(kind, "check_dataset"):
                return kind
            ran = self.ran

            class Recorded:
                def __getattr__(self, attribute):
                    return getattr(kind, attribute)

                @staticmethod
                def check_dataset(rule, table):
                    ran.add(rule.code)
                    return kind.check_dataset(rule, table)

            return Recorded()

        monkeypatch.setattr(dataset_pass, "load_kind", load_kind)


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> DatasetPasses:
    return DatasetPasses(monkeypatch)


def run(path: Path, *, use_cache: bool = True) -> Report:
    return datalint.lint_paths([path], cache=use_cache)


def shapes(report) -> list[dict]:
    return [violation.to_dict() for violation in report.violations]


def rerun(passes: DatasetPasses, path: Path) -> tuple[set[str], Report]:
    """The rules whose dataset pass ran in a run over `path`, and the run's report."""
    passes.ran.clear()
    report = run(path)
    return set(passes.ran), report


def edit(path: Path, line: int, field: str, change) -> None:
    lines = path.read_bytes().split(b"\n")
    record = json.loads(lines[line - 1])
    record[field] = change(record[field])
    lines[line - 1] = json.dumps(record, ensure_ascii=False).encode()
    path.write_bytes(b"\n".join(lines))


def test_an_edited_response_reruns_only_the_rules_whose_features_changed(dataset: Path, passes) -> None:
    ran, cold = rerun(passes, dataset)
    assert ran == set(DATASET_RULES)
    assert len(cold.violations) > 10 and {v.code for v in cold.violations} >= {"D001"}
    # A lower-case first word: the record's hash, normalised response, first letter and length
    # change; its instruction (D005's text) and its ending (F108) do not.
    edit(dataset, 7, "output", lambda text: "and " + text)
    ran, warm = rerun(passes, dataset)
    assert warm.stats["checked"] == 1
    assert ran == {"D001", "D002", "F109", "L003"}
    assert warm.stats["dataset rules reused"] == 2
    assert shapes(warm) == shapes(run(dataset, use_cache=False))
    assert any(v["code"] == "F109" and v["line"] == 7 for v in shapes(warm))
    # Nothing changed since: every rule reuses its findings, columns included.
    ran, again = rerun(passes, dataset)
    assert ran == set() and again.stats["dataset rules reused"] == len(DATASET_RULES)
    assert shapes(again) == shapes(warm)


def test_an_edited_instruction_reruns_the_near_duplicate_search(dataset: Path, passes) -> None:
    near = next(v for v in run(dataset).violations if v.code == "D005")
    edit(dataset, near.line, "instruction", lambda text: "Completely different question about tides?")
    ran, warm = rerun(passes, dataset)
    assert "D005" in ran
    assert shapes(warm) == shapes(run(dataset, use_cache=False))
    assert not any(v.code == "D005" and v.line == near.line for v in warm.violations)


def test_an_added_line_reruns_every_rule(dataset: Path, passes) -> None:
    run(dataset)
    with dataset.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps({"instruction": "Name a colour.", "input": "", "output": "blue"}) + "\n")
    ran, warm = rerun(passes, dataset)
    assert warm.stats["dataset rules reused"] == 0 and ran == set(DATASET_RULES)
    assert shapes(warm) == shapes(run(dataset, use_cache=False))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1] + bytes([data[-1] ^ 0x01]),
        lambda data: b"",
    ],
)
def test_a_damaged_memo_is_ignored(dataset: Path, damage) -> None:
    expected = shapes(run(dataset))
    (memo_file,) = (dataset.parent / ".datalint_cache").glob("memo-*.memo")
    memo_file.write_bytes(damage(memo_file.read_bytes()))
    report = run(dataset)
    assert report.stats["dataset rules reused"] == 0 and shapes(report) == expected
    assert run(dataset).stats["dataset rules reused"] == len(DATASET_RULES)  # written again


def test_other_settings_do_not_reuse_the_memo(dataset: Path) -> None:
    run(dataset)
    (dataset.parent / "datalint.toml").write_text(
        f"select = {json.dumps(DATASET_RULES)}\n[rules.L003]\nthreshold = 2.5\n", encoding="utf-8"
    )
    report = run(dataset)
    assert report.stats["dataset rules reused"] == 0
    assert shapes(report) == shapes(run(dataset, use_cache=False))


@pytest.mark.parametrize("slice_size", [1, 3])
def test_findings_written_a_slice_at_a_time_read_back_whole(dataset: Path, passes, monkeypatch, slice_size) -> None:
    from datalint import memo

    monkeypatch.setattr(memo, "_SLICE", slice_size)  # a large run's slices, on a small dataset
    ran, cold = rerun(passes, dataset)
    assert ran == set(DATASET_RULES) and sum(v.code == "D001" for v in cold.violations) > slice_size
    ran, again = rerun(passes, dataset)
    assert ran == set() and again.stats["dataset rules reused"] == len(DATASET_RULES)
    assert shapes(again) == shapes(cold)
