"""Executors of the record pass: in this process, a pool of worker processes fed chunks of lines,
or Ray tasks (ray_executor.py, chosen by `RunOptions.executor`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

from datalint import cache, codec
from datalint.config import Settings
from datalint.config.keys import EXECUTORS
from datalint.engine.plan import RulePlan
from datalint.engine.record_pass import BlockPlace, check_lines, parse_lines
from datalint.reader import (
    LineParser,
)
from datalint.report import NO_STATS
from datalint.results import Results
from datalint.rules import Rule, prepared
from datalint.timings import Timings

# Lines go to worker processes in tasks of about CHUNK_BYTES. Fewer than POOL_MIN_LINES records to
# check (small files, warm caches) are checked in this process: starting workers would cost more.
CHUNK_BYTES = 1 << 20
POOL_MIN_LINES = 5000
RAY_EXTRA = "pip install 'datalint[ray]'"


class ExecutorError(Exception):
    """The executor cannot run (its extra is missing, a cluster cannot be joined, a worker cannot
    read a file): exit code 2 with one clear sentence."""


# How an executor runs one dataset-wide rule over its table elsewhere (on the Ray executor, a kind's
# `check_dataset_on_ray` from a process joined to the cluster): the kind's `check_dataset` findings.
DatasetCheck = Callable[[Rule, Any], Iterable[Any]]


class Progress(Protocol):
    """What a run tells a progress display as it goes (datalint/progress.py draws one). Called in
    the process doing the work: a forked dataset-pass process too."""

    def checked(self, name: str, size: int) -> None: ...  # `size` more bytes of file `name` checked

    def dataset_rule(self, rule: Rule, number: int, total: int, finished: bool) -> None: ...


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run: worker processes for the record pass, the cache, per-rule timings, progress.

    `executor`: "local" (this process and a pool of `jobs` processes) or "ray" (Ray tasks, on the
    cluster at `ray_address` or RAY_ADDRESS, else on a local one of `jobs` CPUs). `chunk_bytes`
    and `pool_min_lines` (None: CHUNK_BYTES, POOL_MIN_LINES) size the tasks, for tests and benches."""

    jobs: int = 1
    cache: bool = False
    timings: bool = False
    progress: Progress | None = None
    executor: str = "local"
    ray_address: str | None = None
    chunk_bytes: int | None = None
    pool_min_lines: int | None = None


def make_executor(options: RunOptions) -> Executor:
    """The executor `options.executor` names; Ray is imported only when asked for."""
    if options.executor not in EXECUTORS:
        raise ExecutorError(f"unknown executor {options.executor!r} (known: {', '.join(EXECUTORS)})")
    if options.executor == "local":
        return Executor(options)
    try:
        from datalint.engine.ray_executor import RayExecutor
    except ImportError as error:
        if error.name is None or error.name.split(".")[0] != "ray":
            raise
        raise ExecutorError(f"--executor ray needs Ray: {RAY_EXTRA}") from error
    return RayExecutor(options)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Executor:
    """State of one lint run: prepared plans, the worker pool (started only when worth it), timings."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.timings = Timings() if options.timings else None
        self.stats = dict(NO_STATS)
        self._plans: dict[int, tuple[str, RulePlan, tuple]] = {}
        self._digests: dict[int, str] = {}
        self._fingerprint: str | None = None
        self._pool = None
        # Blocks whose chunks may be checked at once: the one being read and the one before keep
        # a pool of this machine's cores busy; a cluster is given more (ray_executor.py).
        self.blocks_in_flight = 2

    def plan(self, settings: Settings) -> RulePlan:
        return self._plan_entry(settings)[1]

    def _plan_entry(self, settings: Settings) -> tuple[str, RulePlan, tuple]:
        entry = self._plans.get(id(settings))
        if entry is None:
            plan = RulePlan(settings)
            key = f"{os.getpid()}-{len(self._plans)}"
            payload = (tuple(replace(rule, state=None) for rule in settings.rules), settings.format, settings.mapping)
            entry = self._plans[id(settings)] = (key, plan, payload)
            _WORKER_PLANS[key] = plan  # inherited by workers forked after this
        return entry

    def digest(self, settings: Settings) -> str:
        if id(settings) not in self._digests:
            if self._fingerprint is None:
                self._fingerprint = cache.code_fingerprint()
            self._digests[id(settings)] = cache.settings_digest(
                settings.rules, settings.format, settings.mapping, self._fingerprint
            )
        return self._digests[id(settings)]

    def submit(
        self,
        plan: RulePlan,
        settings: Settings,
        file_format: str,
        misses: list[tuple[int, bytes, str]],
        done: Callable[[int], None] | None = None,
        block: BlockPlace | None = None,
    ) -> Callable[[], tuple[Results | None, list[tuple] | None]]:
        """Start checking these lines (`misses`: number, bytes, hash, of one block, in order); the
        returned function gives their results, in order: checked here, as Results; by workers, as
        they packed them there (`codec.pack_results`). `done(size)` is told the bytes of the lines
        whose results are in, as they come. `block`: where the block is in its file, for workers
        that read the lines themselves."""
        if not misses:
            return lambda: (None, [])
        if self.checks_here(misses):
            results = check_lines(
                plan, file_format, parse_lines(LineParser(plan.max_line_bytes), misses, self.timings), self.timings
            )
            if done is not None:
                done(sum(len(miss[1]) + 1 for miss in misses))
            return lambda: (results, None)
        return self.submit_chunks(plan, settings, file_format, misses, done, block)

    def checks_here(self, misses: list[tuple[int, bytes, str]]) -> bool:
        """Few lines (small files, warm caches) are checked in this process: workers would cost more."""
        return self._pool is None and (self.options.jobs <= 1 or len(misses) < self.pool_min_lines())

    def pool_min_lines(self) -> int:
        return self.options.pool_min_lines or POOL_MIN_LINES

    def chunks(self, misses: list[tuple[int, bytes, str]]) -> list[list[tuple[int, bytes, str]]]:
        return list(_chunks(misses, self.options.chunk_bytes or CHUNK_BYTES))

    def submit_chunks(
        self,
        plan: RulePlan,
        settings: Settings,
        file_format: str,
        misses: list[tuple[int, bytes, str]],
        done: Callable[[int], None] | None,
        block: BlockPlace | None,
    ) -> Callable[[], tuple[None, list[tuple]]]:
        """The lines in chunks to the pool of worker processes (forked: they get the bytes)."""
        key, _, payload = self._plan_entry(settings)
        plan.prepare()  # here first: a configuration error is raised once, and forked workers inherit the state
        pool = self._start_pool()
        timed = self.timings is not None
        chunks = self.chunks(misses)
        tasks = [pool.apply_async(_work, ((key, payload, file_format, chunk, timed),)) for chunk in chunks]
        self.stats["worker tasks"] += len(tasks)

        def results() -> tuple[None, list[tuple]]:
            packs = []
            for task, chunk in zip(tasks, chunks, strict=True):
                packed, chunk_timings = task.get()
                packs.append(packed)
                if done is not None:
                    done(sum(len(miss[1]) + 1 for miss in chunk))
                if self.timings is not None and chunk_timings:
                    self.timings.merge(chunk_timings)
            return None, packs

        return results

    def _start_pool(self):
        if self._pool is None:
            import multiprocessing

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self._pool = context.Pool(self.options.jobs)
        return self._pool

    def dataset_check(self, rule: Rule, rows: Callable[[], int]) -> DatasetCheck | None:
        """How this executor runs the rule's dataset pass elsewhere (on its cluster), given how to
        count the rows of its table; None: as every other rule, by its kind's `check_dataset`."""
        return None

    def finish(self) -> None:
        """The record pass and the executor's dataset rules are done: what the run still holds
        of a cluster is let go (the record pass's workers were stopped by `close`)."""

    def close(self, terminate: bool = False) -> None:
        if self._pool is not None:
            if terminate:
                self._pool.terminate()
            else:
                self._pool.close()
            self._pool.join()
            self._pool = None


def _chunks(misses: list[tuple[int, bytes, str]], chunk_bytes: int) -> Iterator[list[tuple[int, bytes, str]]]:
    chunk: list[tuple[int, bytes, str]] = []
    size = 0
    for item in misses:
        chunk.append(item)
        size += len(item[1]) + 64
        if size >= chunk_bytes:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


# Plans in worker processes by key: inherited from the parent when forked, else prepared on first use.
_WORKER_PLANS: dict[str, RulePlan] = {}


def _work(task: tuple) -> tuple[tuple, dict | None]:
    key, payload, file_format, lines, timed = task
    plan = _WORKER_PLANS.get(key)
    if plan is None:
        rules, format_name, mapping = payload
        plan = _WORKER_PLANS[key] = RulePlan(Settings(tuple(prepared(rule) for rule in rules), format_name, mapping))
    timings = Timings() if timed else None
    results = check_lines(plan, file_format, parse_lines(LineParser(plan.max_line_bytes), lines, timings), timings)
    return codec.pack_results(results), (timings.seconds if timings is not None else None)
