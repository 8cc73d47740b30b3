"""D005's MinHash search as a Ray Data pipeline (`--executor ray`) finds the local search's pairs and
gives the local report byte for byte, on the session's two-node cluster (tests/conftest.py)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import dataset, run, write_jsonl

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

import datalint  # noqa: E402
from datalint.checks import near_duplicate  # noqa: E402
from datalint.config import CommandLine, SettingsResolver  # noqa: E402
from datalint.engine import dataset_pass  # noqa: E402
from datalint.engine.features import table_of  # noqa: E402
from datalint.engine.ray_dataset_rule import read_mapped, write_mappable  # noqa: E402
from datalint.engine.record_pass import memory_record_pass  # noqa: E402
from datalint.formatters import render  # noqa: E402
from datalint.minhash.pairs import find_similar_pairs_arrays  # noqa: E402
from datalint.minhash.ray_pairs import find_similar_pairs_on_ray  # noqa: E402
from datalint.minhash.shingles import shingle_hashes_many  # noqa: E402
from datalint.minhash.signatures import LazySignatures  # noqa: E402
from datalint.reader import read_jsonl  # noqa: E402

pytestmark = pytest.mark.ray

FORMATS = ("json", "sarif", "text")


def rendered(report) -> dict[str, str]:
    return {name: render(name, report) for name in FORMATS}


def prompts(name: str) -> list[str]:
    texts = []
    for line in dataset(name).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        texts.append(" ".join(str(record.get(key, "")) for key in ("instruction", "input", "inputs", "prompt")))
    return texts


def test_the_pipeline_finds_the_local_pairs_on_real_prompts(cluster) -> None:
    """T0's prompts (templates, one passage asked about many times) and code-alpaca's, at 0.7 (more
    candidates to reject than at 0.9, which the real datasets' D005 runs below use), in blocks
    small enough that the first stage has many tasks on both nodes."""
    texts = prompts("t0-prompt-completion-sample.jsonl") + prompts("code-alpaca-2k.jsonl")
    shingles = shingle_hashes_many(texts, ngram=3, unit="word")
    shingles += shingles[:50]  # copies: collapsed before the search, put back as (first, copy, 1.0)
    stats: dict[str, int] = {}
    local = find_similar_pairs_arrays(
        LazySignatures(shingles), shingles, threshold=0.7, expand_duplicates=False, stats=stats
    )
    on_ray = find_similar_pairs_on_ray(shingles, threshold=0.7, block_shingles=1 << 15)
    assert stats["candidates"] > stats["pairs"] > 500  # banding proposed pairs verification rejected
    for expected, got in zip(local, on_ray, strict=True):
        assert got.dtype == expected.dtype
        assert np.array_equal(got, expected)  # the same pairs, the same similarities, in order
    assert len(ray.nodes()) == 2


def test_the_pipeline_puts_the_programs_own_ray_data_settings_back(cluster, monkeypatch) -> None:
    context = ray.data.DataContext.get_current()
    monkeypatch.setattr(context, "enable_progress_bars", True)  # the test's own setting, undone after it
    strategy = context.shuffle_strategy
    shingles = shingle_hashes_many(prompts("code-alpaca-2k.jsonl")[:300], ngram=3, unit="word")
    find_similar_pairs_on_ray(shingles, threshold=0.7)
    assert context.enable_progress_bars
    assert context.shuffle_strategy == strategy != ray.data.context.ShuffleStrategy.SORT_SHUFFLE_PULL_BASED


def test_the_pipeline_on_nothing_to_compare(cluster) -> None:
    empty = [np.empty(0, np.uint64)] * 3
    assert all(column.size == 0 for column in find_similar_pairs_on_ray(empty))
    same = [np.arange(5, 40, dtype=np.uint64)] * 3  # copies only: no candidate to verify
    i, j, similarity = find_similar_pairs_on_ray(same)
    assert (i.tolist(), j.tolist(), similarity.tolist()) == ([0, 0], [1, 2], [1.0, 1.0])


@pytest.mark.parametrize(
    ("name", "select"),
    [
        ("t0-prompt-completion-sample.jsonl", ["D005"]),  # 609 findings: templates, clusters, passages
        ("sharegpt-v3-cleaned-first2k.jsonl", ["D005"]),
        ("gpteacher-roleplay.jsonl", None),  # every default rule
    ],
)
def test_d005_on_ray_gives_the_local_report_on_real_datasets(cluster, name: str, select: list[str] | None) -> None:
    path = dataset(name)
    local = datalint.lint_paths([path], select=select)
    on_ray = datalint.lint_paths([path], select=select, executor="ray", pool_min_lines=1)
    assert on_ray.stats["dataset rules on Ray"] == 1
    assert any(violation.code == "D005" for violation in local.violations)
    assert rendered(on_ray) == rendered(local)


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(count))


VOCABULARY = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ra", "si", "tu") for b in "bdgmnr"]


def planted_records() -> list[dict]:
    """Filler, a tool description pasted before 30 different questions (two of them the same
    question but for one word), a near-duplicate pair, a cluster of three with a copy, and two
    different questions about one passage (short answers that differ). Answers are long (over 25
    words) where a pair must be reported: two short answers that differ make two questions."""
    rng = random.Random(17)

    def record(instruction: str, output: str | None = None) -> dict:
        return {"instruction": instruction, "input": "", "output": output or _words(rng, 30)}

    records = [record(_words(rng, 30)) for _ in range(120)]
    tool = "You can call the tool search_flights(origin, destination, date) " + _words(rng, 40)
    questions = [_words(rng, 30) for _ in range(30)]
    questions[7] = questions[3].rsplit(" ", 1)[0] + " lodge"
    records += [record(f"{tool} Question: {question}") for question in questions]  # lines 121-150
    pair = _words(rng, 45)
    records += [record(pair), record(pair + " again")]  # 151, 152
    three = _words(rng, 50)
    records += [record(three), record(three.replace(" ", " also ", 1)), record(three + " please")]  # 153-155
    records.append(records[-1])  # 156, a copy: D001's, not D005's
    passage = _words(rng, 60)
    records += [record(f"{passage} Who is mentioned first?", "Anna"), record(f"{passage} Who came last?", "Bob")]
    return records


def test_planted_near_duplicates_and_a_template(cluster, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "planted.jsonl", planted_records())
    local = datalint.lint_paths([path], select=["D005"])
    messages = {violation.line: violation.message for violation in local.violations}
    # Not the other templated questions, nor the copy (156), nor the two questions about a passage.
    assert sorted(messages) == [128, 152, 154, 155]
    assert "near-duplicate of line 124" in messages[128] and "template text both share is set aside" in messages[128]
    assert "near-duplicate of line 151" in messages[152]
    assert "near-duplicate of line 153" in messages[155] and "cluster of 4 records" in messages[155]
    on_ray = datalint.lint_paths([path], select=["D005"], executor="ray", pool_min_lines=1)
    assert on_ray.stats["dataset rules on Ray"] == 1
    assert rendered(on_ray) == rendered(local)


def test_d005_on_ray_runs_outside_the_process_holding_the_features(cluster, monkeypatch) -> None:
    """Its table is built in a forked child and its search driven by a process joined to the
    cluster: the run's own process, which holds every file's features, does neither."""
    path = dataset("t0-prompt-completion-sample.jsonl")
    local = datalint.lint_paths([path], select=["D005"])
    run_here = os.getpid()

    def elsewhere(real):
        def guarded(*args, **kwargs):
            if os.getpid() == run_here:
                raise AssertionError(f"{real.__name__} ran in the process holding the features")
            return real(*args, **kwargs)

        return guarded

    monkeypatch.setattr(dataset_pass, "table_of", elsewhere(dataset_pass.table_of))
    monkeypatch.setattr(near_duplicate, "check_dataset_on_ray", elsewhere(near_duplicate.check_dataset_on_ray))
    on_ray = datalint.lint_paths([path], select=["D005"], executor="ray", pool_min_lines=1)
    assert on_ray.stats["dataset rules on Ray"] == 1
    assert rendered(on_ray) == rendered(local)


def test_the_process_beside_the_driver_maps_the_table_it_searches(tmp_path: Path) -> None:
    """D005's table reaches the spawned process as a file it maps: the shingle column arrives as
    read-only views of that file, not a copy in its memory, and D005 reports over it, template
    trim included, exactly what it reports over the table it was written from."""
    settings = SettingsResolver(CommandLine(select=["D005"])).settings_for(None)
    with dataset("t0-prompt-completion-sample.jsonl").open("rb") as stream:
        results = memory_record_pass("t0.jsonl", read_jsonl(stream, max_line_bytes=1 << 20), settings)
    table = table_of([results], "D005").with_columns(["shingles"])
    write_mappable(table, tmp_path)
    mapped = read_mapped(tmp_path)
    column, original = mapped.column("shingles"), table.column("shingles")
    assert not column.values.flags.writeable and not column.offsets.flags.writeable
    assert np.array_equal(column.values, original.values) and np.array_equal(column.offsets, original.offsets)
    assert (tmp_path / "table.arrays").stat().st_size >= original.values.nbytes
    (rule,) = [rule for _, rule in results.rules.values()]
    found = list(near_duplicate.check_dataset(rule, table))
    assert len(found) >= 5
    assert list(near_duplicate.check_dataset(rule, mapped)) == found


def test_the_cli_runs_d005_on_ray_and_prints_the_local_bytes(cluster) -> None:
    path = str(dataset("t0-prompt-completion-sample.jsonl"))
    local = run("check", path, "--no-cache", "--select", "D005", "--format", "sarif")
    on_ray = run("check", path, "--no-cache", "--select", "D005", "--format", "sarif", "--executor", "ray")
    assert on_ray.exit_code == local.exit_code
    assert on_ray.stdout == local.stdout
    assert local.stdout.count('"ruleId": "D005"') == 609
