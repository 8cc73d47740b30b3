"""Shared test helpers: where the real datasets are, and a way to run the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from datalint.cli import main

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"


def dataset(name: str) -> Path:
    path = DATASETS / name
    if not path.exists():
        pytest.skip(f"real dataset {name} not found beside the checkout")
    return path


@pytest.fixture(scope="session")
def corpus_per_record():
    """The default rules over each of the 27 real datasets, each linted on its own (as its maintainer
    would: cross-file duplicates between unrelated datasets are not its noise), one finding per
    record (as rules are judged), in one report shared by every real-data test."""
    if not DATASETS.is_dir():
        pytest.skip("real datasets not found beside the checkout")
    import datalint

    reports = [datalint.lint_paths([path], jobs=2, conventions=False) for path in sorted(DATASETS.glob("*.jsonl"))]
    merged = reports[0]
    for report in reports[1:]:
        merged.files.extend(report.files)
        merged.violations.extend(report.violations)
        merged.failing += report.failing
    return merged.with_violations(merged.violations)


@pytest.fixture(scope="session")
def corpus(corpus_per_record):
    """The same run as the default report shows it: a file's conventions once (conventions.py)."""
    from datalint.conventions import collapse

    return collapse(corpus_per_record)


def flagged_lines(report) -> dict[tuple[str, str], list[int]]:
    """(dataset file name, rule code) -> sorted lines flagged."""
    lines: dict[tuple[str, str], set[int]] = {}
    for violation in report.violations:
        lines.setdefault((Path(violation.path).name, violation.code), set()).add(violation.line)
    return {key: sorted(value) for key, value in lines.items()}


def run(*args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def run_json(*args: str) -> dict:
    result = run("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def cluster():
    """Two Ray nodes on this machine, shared by the Ray tests of a session (a start costs ~5 s), this
    process connected as the driver: the executor joins the running Ray instead of starting its
    own (and leaves it running)."""
    ray = pytest.importorskip("ray")
    cluster_utils = pytest.importorskip("ray.cluster_utils")
    nodes = cluster_utils.Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    nodes.add_node(num_cpus=1)
    nodes.wait_for_nodes()
    ray.init(address=nodes.address, logging_level="ERROR", log_to_driver=False)
    yield nodes
    ray.shutdown()
    nodes.shutdown()
