"""The record pass as Ray tasks (extra `ray`): chunk specs go out, packed results come back.

A task gets a `ChunkSpec`: the file's path and the byte ranges of the lines to check (the cache
misses, found on the driver), so a worker on another machine reads them from the storage they
share; lines of stdin or of a gzip stream travel as bytes instead. Each task runs the same
`executor._work` a worker process runs and returns `codec.pack_results`. Results are put back in
the order the chunks were sent, whatever order they finish in. docs/ray.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from itertools import accumulate
from uuid import uuid4

import ray
from ray.exceptions import RayTaskError

from datalint.checks import load_kind
from datalint.config import Settings
from datalint.engine.executor import CHUNK_BYTES, DatasetCheck, Executor, ExecutorError, RunOptions, _work
from datalint.engine.plan import RulePlan
from datalint.engine.ray_dataset_rule import check_in_own_process
from datalint.engine.record_pass import BlockPlace
from datalint.reader import BLOCK_BYTES, record_hash
from datalint.rules import Rule

Lines = list[tuple[int, bytes, str]]  # (line number, bytes without the line ending, content hash)

CONNECT_TIMEOUT_SECONDS = 5.0


class ChunkChanged(Exception):
    """A worker read other bytes than the driver did: the file changed during the run."""


@dataclass(frozen=True, slots=True)
class ChunkSpec:
    """Where a task's lines are: runs of consecutive lines to check, each a byte range of `path`
    starting at a known line number. `digest` covers the lines' hashes as the driver read them."""

    path: str
    runs: tuple[tuple[int, int, int], ...]  # (byte offset, first line number, bytes), lines without the last "\n"
    strip_cr: bool
    digest: str

    def read(self) -> Lines:
        lines: Lines = []
        try:
            with open(self.path, "rb") as stream:
                for offset, first_line, size in self.runs:
                    stream.seek(offset)
                    for number, raw in enumerate(stream.read(size).split(b"\n"), start=first_line):
                        body = raw[:-1] if self.strip_cr and raw[-1:] == b"\r" else raw
                        lines.append((number, body, record_hash(body)))
        except OSError as error:
            raise ChunkChanged(
                f"a Ray worker on {socket.gethostname()} cannot read {self.path} ({error.strerror}): "
                "workers read the datasets themselves, at the same path (shared storage)"
            ) from None
        if hashes_digest(line[2] for line in lines) != self.digest:
            raise ChunkChanged(f"{self.path} changed while it was being checked: run again")
        return lines


def hashes_digest(hashes: Iterable[str]) -> str:
    return hashlib.blake2b("".join(hashes).encode(), digest_size=16).hexdigest()


def chunk_specs(chunks: list[Lines], place: BlockPlace) -> list[ChunkSpec]:
    """The specs of chunks of a block's lines: consecutive line numbers become one byte range."""
    assert place.path is not None
    path = str(place.path.resolve())
    starts = list(accumulate((len(raw) + 1 for raw in place.lines), initial=place.offset))  # of each line
    specs = []
    for chunk in chunks:
        runs = tuple(
            (starts[first], place.first_line + first, starts[last] + len(place.lines[last]) - starts[first])
            for first, last in _consecutive([number - place.first_line for number, _, _ in chunk])
        )
        specs.append(ChunkSpec(path, runs, place.strip_cr, hashes_digest(line[2] for line in chunk)))
    return specs


def _consecutive(indices: list[int]) -> Iterator[tuple[int, int]]:
    """(first, last) of each run of consecutive numbers in an increasing list."""
    first = previous = indices[0]
    for index in indices[1:]:
        if index != previous + 1:
            yield first, previous
            first = index
        previous = index
    yield first, previous


@ray.remote
def _check_chunk(key: str, payload: tuple, file_format: str, chunk: ChunkSpec | Lines, timed: bool):
    lines = chunk.read() if isinstance(chunk, ChunkSpec) else chunk
    return _work((key, payload, file_format, lines, timed))


class RayExecutor(Executor):
    """The record pass's chunks as Ray tasks; joins the cluster at `ray_address` (or RAY_ADDRESS),
    else starts a local one with `jobs` CPUs, and shuts down what it started when closed."""

    def __init__(self, options: RunOptions) -> None:
        super().__init__(options)
        address = options.ray_address or os.environ.get("RAY_ADDRESS")
        self._started = connect(address, options.jobs)
        # Where another process of this run joins the cluster: the address given, else the local
        # instance's.
        self._address = address if address not in (None, "local") else ray.get_runtime_context().gcs_address
        self._payloads: dict[int, tuple[str, ray.ObjectRef]] = {}
        self.blocks_in_flight = blocks_for(int(ray.cluster_resources().get("CPU", 1)), options.chunk_bytes)

    def checks_here(self, misses: Lines) -> bool:
        return len(misses) < self.pool_min_lines()

    def submit_chunks(
        self,
        plan: RulePlan,
        settings: Settings,
        file_format: str,
        misses: Lines,
        done: Callable[[int], None] | None,
        block: BlockPlace | None,
    ) -> Callable[[], tuple[None, list[tuple]]]:
        plan.prepare()  # here first: a configuration error is raised once, on the driver
        key, payload = self._payload(settings)
        timed = self.timings is not None
        chunks = self.chunks(misses)
        sent = chunk_specs(chunks, block) if block is not None and block.path is not None else chunks
        tasks = [_check_chunk.remote(key, payload, file_format, chunk, timed) for chunk in sent]
        self.stats["worker tasks"] += len(tasks)
        sizes = {task: sum(len(line[1]) + 1 for line in chunk) for task, chunk in zip(tasks, chunks, strict=True)}

        def results() -> tuple[None, list[tuple]]:
            try:
                if done is not None:  # progress as chunks finish, in any order
                    pending = list(tasks)
                    while pending:
                        finished, pending = ray.wait(pending, num_returns=1)
                        done(sizes[finished[0]])
                outputs = ray.get(tasks)  # in the order sent
            except RayTaskError as error:
                if isinstance(error.cause, ChunkChanged):
                    raise ExecutorError(str(error.cause)) from None
                raise
            packs = []
            for packed, chunk_timings in outputs:
                packs.append(packed)
                if self.timings is not None and chunk_timings:
                    self.timings.merge(chunk_timings)
            return None, packs

        return results

    def _payload(self, settings: Settings) -> tuple[str, ray.ObjectRef]:
        """The rules, put once in the object store; workers prepare them on first use, under a
        key no other plan of this run (or of an earlier run on the same workers) has."""
        entry = self._payloads.get(id(settings))
        if entry is None:
            payload = (tuple(replace(rule, state=None) for rule in settings.rules), settings.format, settings.mapping)
            entry = self._payloads[id(settings)] = (uuid4().hex, ray.put(payload))
        return entry

    def dataset_check(self, rule: Rule, rows: Callable[[], int]) -> DatasetCheck | None:
        """A kind's `check_dataset_on_ray` (D005's MinHash search as a Ray Data pipeline), if it has
        one, from a process of its own (ray_dataset_rule.py); a small table stays local, as few
        lines do in the record pass. Over Ray Client (a `ray://` address) the search stays local:
        Ray Data does not run there (ray-project/ray#42739)."""
        if self._address.startswith("ray://") or not hasattr(load_kind(rule.kind), "check_dataset_on_ray"):
            return None
        if rows() < self.pool_min_lines():
            return None
        self.stats["dataset rules on Ray"] = self.stats.get("dataset rules on Ray", 0) + 1
        return partial(check_in_own_process, self._address)

    def close(self, terminate: bool = False) -> None:
        """The record pass is over; Ray stays up for the dataset pass's rules (`finish` ends it),
        unless the run failed."""
        self._payloads.clear()
        if terminate:
            self.finish()

    def finish(self) -> None:
        if self._started:
            self._started = False
            ray.shutdown()


def blocks_for(cpus: int, chunk_bytes: int | None) -> int:
    """Blocks of lines in flight so the cluster's CPUs all have a chunk, plus the one being read."""
    chunks_per_block = max(1, BLOCK_BYTES // (chunk_bytes or CHUNK_BYTES))
    return max(2, 1 + -(-cpus // chunks_per_block))


def connect(address: str | None, cpus: int) -> bool:
    """Join the cluster at `address`, or start a local one; True if this run started Ray (and so
    shuts it down). A program that started Ray itself keeps its own."""
    if ray.is_initialized():
        return False
    quiet = {"logging_level": logging.ERROR, "log_to_driver": False}
    if address is None:  # a new local instance, even when a cluster was started on this machine
        ray.init(address="local", num_cpus=cpus, include_dashboard=False, **quiet)
        return True
    _check_reachable(address)
    try:
        ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise ExecutorError(f"cannot join the Ray cluster at {address!r}: {error}") from None
    return True


def _check_reachable(address: str) -> None:
    """A host:port nobody answers at is a clear error now, not Ray's minutes of retries."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        if address in ("auto", "local"):
            return
        raise ExecutorError(f"--ray-address {address!r} is not host:port (or ray://host:port, or auto)")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_SECONDS).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ExecutorError(f"no Ray cluster answers at {address} ({reason})") from None
