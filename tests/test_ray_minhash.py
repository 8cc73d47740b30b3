"""D005's MinHash search as a Ray Data pipeline (`--executor ray`) finds the local search's pairs and
gives the local report byte for byte, on the session's two-node cluster (tests/conftest.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import dataset, run, write_jsonl

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

import datalint  # noqa: E402
from datalint.formatters import render  # noqa: E402
from datalint.minhash.pairs import find_similar_pairs_arrays  # noqa: E402
from datalint.minhash.ray_pairs import find_similar_pairs_on_ray  # noqa: E402
from datalint.minhash.shingles import shingle_hashes_many  # noqa: E402
from datalint.minhash.signatures import LazySignatures  # noqa: E402

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
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = True  # the program's own Ray Data settings ...
    strategy = context.shuffle_strategy
    on_ray = datalint.lint_paths([path], select=["D005"], executor="ray", pool_min_lines=1)
    assert on_ray.stats["dataset rules on Ray"] == 1
    assert rendered(on_ray) == rendered(local)
    assert context.enable_progress_bars  # ... are put back after the pipeline
    assert context.shuffle_strategy == strategy != ray.data.context.ShuffleStrategy.SORT_SHUFFLE_PULL_BASED


def test_the_cli_runs_d005_on_ray_and_prints_the_local_bytes(cluster) -> None:
    path = str(dataset("t0-prompt-completion-sample.jsonl"))
    local = run("check", path, "--no-cache", "--select", "D005", "--format", "sarif")
    on_ray = run("check", path, "--no-cache", "--select", "D005", "--format", "sarif", "--executor", "ray")
    assert on_ray.exit_code == local.exit_code
    assert on_ray.stdout == local.stdout
    assert local.stdout.count('"ruleId": "D005"') == 609


def test_the_record_pass_leaves_d005s_column_in_the_cluster(cluster) -> None:
    """The driver gets every other feature, and only refs of D005's shingle sets: its table reads
    them as needed (a segment at a time), and they are the values the local record pass computes."""
    from datalint import settings_resolver
    from datalint.engine.executor import RunOptions, make_executor
    from datalint.engine.record_pass import file_record_pass
    from datalint.sources import Source

    path = dataset("code-alpaca-2k.jsonl")
    settings = settings_resolver(None, ["D005", "D001"], (), ()).settings_for(path)
    on_ray = make_executor(RunOptions(executor="ray", chunk_bytes=40_000, pool_min_lines=1))
    state = file_record_pass(Source(str(path), path), settings, on_ray, None)
    local = file_record_pass(Source(str(path), path), settings, make_executor(RunOptions()), None)
    on_ray.close()
    d005, d001 = state.rules["D005"][0], state.rules["D001"][0]
    assert len(state.entries.segments) > 10  # one per task
    for segment in state.entries.segments:
        assert hasattr(segment.encoded[d005][1], "fetch")  # a ref, not the blobs
        assert not hasattr(segment.encoded[d001][1], "fetch")  # D001's hashes came back
    values = state.table("D005").values
    assert not isinstance(values, list)  # read as needed, never decoded whole here
    expected = local.table("D005").values
    assert len(values) == len(expected) > 2000
    assert all(np.array_equal(got, want) for got, want in zip(values, expected, strict=True))


def test_a_warm_run_with_d005_half_cached_and_half_from_the_cluster(cluster, tmp_path: Path) -> None:
    """Records loaded from the cache (held by the driver) and records checked on Ray (their shingle
    sets in the object store) meet in one search: the local report, byte for byte; the cache this
    run writes (from both) then serves a run with every record cached."""
    (tmp_path / "datalint.toml").write_text("", encoding="utf-8")
    lines = dataset("t0-prompt-completion-sample.jsonl").read_bytes().splitlines(keepends=True)
    path = tmp_path / "t0.jsonl"
    path.write_bytes(b"".join(lines[:2500]))
    ray_run = {"select": ["D005"], "executor": "ray", "cache": True, "chunk_bytes": 200_000, "pool_min_lines": 1}
    datalint.lint_paths([path], **ray_run)  # the first 2,500 lines go in the cache
    path.write_bytes(b"".join(lines))
    warm = datalint.lint_paths([path], **ray_run)
    assert (warm.stats["cached"], warm.stats["checked"]) == (2500, len(lines) - 2500)
    assert warm.stats["dataset rules on Ray"] == 1
    local = datalint.lint_paths([path], select=["D005"])
    assert sum(violation.code == "D005" for violation in local.violations) > 500
    assert rendered(warm) == rendered(local)
    again = datalint.lint_paths([path], select=["D005"], cache=True)  # local, from the cache Ray wrote
    assert (again.stats["cached"], again.stats["checked"]) == (len(lines), 0)
    assert rendered(again) == rendered(local)


def test_d005_across_files_on_ray_gives_the_local_report(cluster, tmp_path: Path) -> None:
    """A train/validation split: near-duplicates across the files meet in one search whose sets
    come from both files' chunks in the cluster, and from a small third file checked on the driver."""
    lines = dataset("t0-prompt-completion-sample.jsonl").read_bytes().splitlines(keepends=True)
    paths = [tmp_path / "train.jsonl", tmp_path / "validation.jsonl", tmp_path / "test.jsonl"]
    paths[0].write_bytes(b"".join(lines[:3000]))
    paths[1].write_bytes(b"".join(lines[3000:5500]))
    paths[2].write_bytes(b"".join(lines[5500:]))  # fewer lines than pool_min_lines: checked here
    local = datalint.lint_paths(paths, select=["D005"])
    on_ray = datalint.lint_paths(paths, select=["D005"], executor="ray", chunk_bytes=200_000, pool_min_lines=200)
    assert on_ray.stats["dataset rules on Ray"] == 1
    assert any(".jsonl:" in violation.message for violation in local.violations)  # a pair across files
    assert rendered(on_ray) == rendered(local)
