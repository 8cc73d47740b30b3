"""The record pass as Ray tasks on a real two-node cluster gives the local executor's output, byte
for byte, in every format (`-m ray` selects these tests; they run in the default suite too)."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, dataset, run

ray = pytest.importorskip("ray")

import datalint  # noqa: E402
from datalint.engine.executor import ExecutorError, RunOptions, make_executor  # noqa: E402
from datalint.engine.ray_executor import ChunkChanged, ChunkSpec, chunk_specs  # noqa: E402
from datalint.engine.record_pass import BlockPlace  # noqa: E402
from datalint.formatters import render  # noqa: E402
from datalint.reader import read_blocks, record_hashes  # noqa: E402

pytestmark = pytest.mark.ray

FORMATS = ("json", "sarif", "text")
# Small tasks, so every dataset of a few hundred KB goes to Ray in many chunks.
SMALL_TASKS = {"chunk_bytes": 40_000, "pool_min_lines": 1}


def rendered(report) -> dict[str, str]:
    return {name: render(name, report) for name in FORMATS}


@pytest.mark.parametrize(
    "name",
    [
        "code-alpaca-2k.jsonl",
        "belle-eval-set-1k.jsonl",  # no final newline
        "llamafactory-glaive-toolcall-en-demo.jsonl",
        "oasst-en-100-trees.jsonl",
        "llamafactory-dpo-en-demo.jsonl",
    ],
)
def test_ray_output_is_the_local_output_in_every_format(cluster, name: str) -> None:
    path = dataset(name)
    local = datalint.lint_paths([path])
    on_ray = datalint.lint_paths([path], executor="ray", **SMALL_TASKS)
    assert on_ray.stats["worker tasks"] >= 5  # the lines went to Ray, in many chunks
    assert len(ray.nodes()) == 2
    assert rendered(on_ray) == rendered(local)
    assert on_ray.exit_code == local.exit_code


def test_lines_that_travel_as_bytes_and_crlf_lines_give_the_local_output(cluster, tmp_path: Path) -> None:
    """gzip streams and stdin have no byte offsets a worker could read: their lines are sent.
    CRLF lines are read back from the file by offset and cut as the driver cuts them."""
    original = dataset("code-alpaca-2k.jsonl").read_bytes()
    gz = tmp_path / "code.jsonl.gz"
    gz.write_bytes(gzip.compress(original))
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes(original.replace(b"\n", b"\r\n"))
    for path in (gz, crlf):
        local = datalint.lint_paths([path])
        on_ray = datalint.lint_paths([path], executor="ray", **SMALL_TASKS)
        assert on_ray.stats["worker tasks"] >= 5
        assert rendered(on_ray) == rendered(local)
    assert [v.line for v in local.violations if v.code == "S010"] == [1]
    stdin_local = datalint.lint_paths(["-"], stdin=original)
    stdin_ray = datalint.lint_paths(["-"], stdin=original, executor="ray", **SMALL_TASKS)
    assert stdin_ray.stats["worker tasks"] >= 5
    assert rendered(stdin_ray) == rendered(stdin_local)


def test_a_warm_cache_sends_only_the_edited_lines_to_ray(cluster, tmp_path: Path) -> None:
    (tmp_path / "datalint.toml").write_text('fail-on = "warning"\n', encoding="utf-8")
    path = tmp_path / "code.jsonl"
    path.write_bytes(dataset("code-alpaca-2k.jsonl").read_bytes())
    cold = datalint.lint_paths([path], executor="ray", cache=True, **SMALL_TASKS)
    assert cold.stats["checked"] == 2017 and rendered(cold) == rendered(datalint.lint_paths([path]))
    lines = path.read_bytes().split(b"\n")
    for number in (10, 900, 1800):  # new answers: these three records are not in the cache
        record = json.loads(lines[number - 1])
        record["output"] = "As an AI language model, I cannot write code for you."
        lines[number - 1] = json.dumps(record).encode()
    path.write_bytes(b"\n".join(lines))
    warm = datalint.lint_paths([path], executor="ray", cache=True, **SMALL_TASKS)
    assert (warm.stats["checked"], warm.stats["cached"], warm.stats["worker tasks"]) == (3, 2014, 1)
    assert rendered(warm) == rendered(datalint.lint_paths([path]))
    assert {10, 900, 1800} <= {v.line for v in warm.violations if v.code in ("P001", "P002")}


def test_the_cli_with_executor_ray_prints_the_local_bytes(cluster) -> None:
    """The real CLI, default task sizes: gsm8k's 7,473 records are enough to go to workers."""
    path = str(dataset("gsm8k-alpaca-train.jsonl"))
    local = run("check", path, "--no-cache")
    on_ray = run("check", path, "--no-cache", "--executor", "ray")
    assert on_ray.exit_code == local.exit_code
    assert on_ray.stdout == local.stdout
    assert "in 7473 records" in local.stdout or "in 7,473 records" in local.stdout


def test_chunk_specs_read_back_the_lines_the_driver_read(tmp_path: Path) -> None:
    """What a worker reads from a spec (byte runs skipping cached lines) is what the driver sent."""
    data = dataset("oasst-en-100-trees.jsonl").read_bytes().replace(b"\n", b"\r\n")
    path = tmp_path / "trees.jsonl"
    path.write_bytes(data)
    with path.open("rb") as stream:
        block = next(read_blocks(stream))
    bodies = [raw[:-1] for raw in block.lines]
    hashes = record_hashes(bodies)
    misses = [(n + 1, bodies[n], hashes[n]) for n in range(len(bodies)) if n % 7 not in (2, 3)]
    place = BlockPlace(path, 0, 1, block.lines, strip_cr=True)
    chunks = [misses[:20], misses[20:]]
    specs = chunk_specs(chunks, place)
    assert [run[1:] for run in specs[0].runs[:3]] == [(1, 11153), (5, 44064), (12, 41927)]  # lines 1-2, 5-9, 12-16
    assert len(specs[0].runs) == 5
    assert [spec.read() for spec in specs] == chunks
    path.write_bytes(data.replace(b"assistant", b"ASSISTANT", 1))
    with pytest.raises(ChunkChanged, match="changed while it was being checked"):
        [spec.read() for spec in specs]
    missing = ChunkSpec(str(tmp_path / "gone.jsonl"), specs[0].runs, True, specs[0].digest)
    with pytest.raises(ChunkChanged, match="shared storage"):
        missing.read()


def test_a_worker_that_reads_other_bytes_than_the_driver_stops_the_run(cluster, tmp_path: Path) -> None:
    """Workers read the lines from the file: when it changed after the driver read it, the digest
    differs and the run stops with a clear error (exit 2), never a report of other records."""
    path = tmp_path / "code.jsonl"
    data = dataset("code-alpaca-2k.jsonl").read_bytes()
    path.write_bytes(data)
    run_ = make_executor(RunOptions(executor="ray", **SMALL_TASKS))
    settings = datalint.settings_resolver(None, None, (), ()).settings_for(path)
    plan = run_.plan(settings)
    lines = data.split(b"\n")[:-1]
    misses = list(zip(range(1, len(lines) + 1), lines, record_hashes(lines), strict=True))
    path.write_bytes(data.replace(b"Java", b"Kotlin"))  # same path, other bytes, before the workers read
    results = run_.submit(plan, settings, "alpaca", misses, None, BlockPlace(path, 0, 1, lines, False))
    with pytest.raises(ExecutorError, match="code.jsonl changed while it was being checked"):
        results()
    path.write_bytes(data)
    _, packs = run_.submit(plan, settings, "alpaca", misses, None, BlockPlace(path, 0, 1, lines, False))()
    assert len(packs) == run_.stats["worker tasks"] // 2 > 1
    run_.close()


def _cli(*args: str, env: dict[str, str] | None = None, prelude: str = "") -> subprocess.CompletedProcess:
    """The real `datalint` console script in a new process (its own Ray driver, or none)."""
    code = f"import sys; {prelude}sys.argv[0] = 'datalint'; from datalint.cli import run; run()"
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    environment.pop("RAY_ADDRESS", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=environment, timeout=600, check=False
    )


def test_joining_a_running_cluster_by_address(cluster) -> None:
    path = str(dataset("gsm8k-alpaca-train.jsonl"))
    local = run("check", path, "--no-cache", "--format", "json")
    address = cluster.address
    joined = _cli("check", path, "--no-cache", "--format", "json", "--executor", "ray", "--ray-address", address)
    assert joined.returncode == local.exit_code, joined.stderr
    assert joined.stdout == local.stdout
    assert joined.stderr == ""  # Ray's logs stay quiet


def test_a_ray_client_address_runs_the_record_pass_there_and_d005_here() -> None:
    """Through Ray Client (`ray://`, a driver on another machine) the record pass runs on the
    cluster; D005's search stays in the dataset pass (Ray Data does not run over Ray Client), so
    the report is still the local one, where the pipeline used to fail with a traceback."""
    cluster_utils = pytest.importorskip("ray.cluster_utils")
    port = _free_port()
    head = {"num_cpus": 1, "include_dashboard": False, "ray_client_server_port": port}
    nodes = cluster_utils.Cluster(initialize_head=True, head_node_args=head)
    try:
        nodes.add_node(num_cpus=1)
        nodes.wait_for_nodes()
        # Over 5,000 records each: gsm8k's lines go to Ray's workers, and D005 would go to Ray.
        paths = [str(dataset(name)) for name in ("t0-prompt-completion-sample.jsonl", "gsm8k-alpaca-train.jsonl")]
        wanted = ["--no-cache", "--select", "D001,D005,S205", "--format", "json", "--timings"]
        local = _cli("check", *paths, *wanted)
        remote = _cli("check", *paths, *wanted, "--executor", "ray", "--ray-address", f"ray://127.0.0.1:{port}")
    finally:
        nodes.shutdown()
    assert remote.returncode == local.returncode, remote.stderr
    # Chunks went to workers (Ray's: a cluster it cannot join is exit 2), and no traceback.
    assert "Traceback" not in remote.stderr and " 0 worker tasks" not in remote.stderr, remote.stderr
    assert remote.stdout == local.stdout
    codes = [violation["code"] for violation in json.loads(remote.stdout)["violations"]]
    assert codes.count("D005") >= 100


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_bad_ray_address_is_a_clear_usage_error(tmp_path: Path) -> None:
    path = str(dataset("mt-bench-questions-80.jsonl"))
    refused = _cli("check", path, "--executor", "ray", "--ray-address", "127.0.0.1:1")
    assert refused.returncode == 2
    assert refused.stderr.startswith("datalint: error: no Ray cluster answers at 127.0.0.1:1")
    assert "Traceback" not in refused.stderr
    garbled = _cli("check", path, "--executor", "ray", "--ray-address", "head-node")
    assert garbled.returncode == 2 and "is not host:port" in garbled.stderr
    # The config's `executor` and RAY_ADDRESS lead to the same cluster look-up.
    (tmp_path / "datalint.toml").write_text('executor = "ray"\n', encoding="utf-8")
    target = tmp_path / "questions.jsonl"
    target.write_bytes(Path(path).read_bytes())
    configured = _cli("check", str(target), env={"RAY_ADDRESS": "127.0.0.1:1"})
    assert configured.returncode == 2 and "no Ray cluster answers at 127.0.0.1:1" in configured.stderr
    (tmp_path / "datalint.toml").write_text('executor = "spark"\n', encoding="utf-8")
    wrong = run("check", str(target))
    assert wrong.exit_code == 2 and "`executor` must be one of local, ray" in wrong.output


def test_without_the_extra_the_error_names_it() -> None:
    path = str(dataset("mt-bench-questions-80.jsonl"))
    result = _cli("check", path, "--executor", "ray", prelude="sys.modules['ray'] = None; ")
    assert result.returncode == 2
    assert result.stderr == "datalint: error: --executor ray needs Ray: pip install 'datalint[ray]'\n"
    assert _cli("check", path, "--format", "json", prelude="sys.modules['ray'] = None; ").returncode in (0, 1)
