"""The dataset pass: dataset-wide rules over the run's feature tables, in one process or shared by forked ones."""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from time import perf_counter
from types import MappingProxyType

from datalint import forking
from datalint.checks import load_kind
from datalint.engine.executor import DatasetCheck, Executor, Progress
from datalint.engine.features import FeatureTable, FileResults, table_of
from datalint.engine.incremental import LastFindings
from datalint.engine.placing import place_dataset_violations
from datalint.rules import Rule
from datalint.sources import Source
from datalint.timings import Timings
from datalint.violation import DatasetFinding, Location, Violation


def dataset_findings(
    files: list[FileResults], sources: list[Source], run: Executor, meanwhile: Callable[[], None]
) -> list[Violation]:
    """The dataset pass over the run's files, its violations placed. A rule whose feature values
    are unchanged since the last run over these files (datalint/memo.py) reuses its findings; the
    others run. Findings on lines that did not change keep the column spans found last time."""
    rules: dict[str, Rule] = {}
    for features in files:
        for code, (_, rule) in features.rules.items():
            rules.setdefault(code, rule)
    last = LastFindings.load(files, rules)
    to_run = {code: rule for code, rule in rules.items() if code not in last.reused}
    run.stats["dataset rules reused"] = len(last.reused)
    # Rules the executor runs on its cluster (D005 on Ray) first, each from a forked child: their
    # tables are built there, never in this process, which holds every file's features.
    checks: dict[str, DatasetCheck] = {}
    for code, rule in to_run.items():
        check = run.dataset_check(rule, partial(_table_rows, files, code))
        if check is not None:
            checks[code] = check
    on_cluster = {code: to_run[code] for code in checks}
    progress = run.options.progress
    if on_cluster and forking.FORKABLE:
        found = _in_children(files, on_cluster, list(on_cluster), 1, lambda: None, run.timings, progress, checks)
    else:
        found = list(serial_dataset_pass(files, on_cluster, run.timings, progress, checks=checks))
    run.finish()
    found += run_dataset_pass(
        files,
        {code: rule for code, rule in to_run.items() if code not in on_cluster},
        run.options.jobs,
        run.timings,
        meanwhile=meanwhile,
        stats=run.stats,
        progress=run.options.progress,
    )
    found += last.reused_violations(files, rules)
    last.keep_spans(found)
    place_dataset_violations(found, sources, run.options.jobs, {f.name: f.rows for f in files if f.rows})
    last.save(files, rules, found)
    return found


def _table_rows(files: list[FileResults], code: str) -> int:
    return sum(features.rows_of(code) for features in files if code in features.rules)


# Fewer rows than this: forking costs more than sharing the rules saves.
FORK_MIN_ROWS = 5000

# Dataset-wide rules whose pass costs the most, started first when they are spread over processes.
_COSTLY_KINDS = ("near-duplicate", "contamination", "duplicate", "consistency", "language")


def run_dataset_pass(
    files: list[FileResults],
    rules: dict[str, Rule],
    jobs: int,
    timings: Timings | None = None,
    meanwhile: Callable[[], None] = lambda: None,
    stats: dict[str, int] | None = None,
    progress: Progress | None = None,
) -> list[Violation]:
    """The dataset pass of these rules over the run's files; `meanwhile` (writing the cache) runs
    here while it works. The last use of the files' features: shared by forked processes, they are
    let go of here once those hold them.

    With several jobs and many rows, the rules are shared by forked processes
    (datalint/forking.py), which inherit the files' features (nothing is copied to them), build
    the tables of their rules and send back only their violations; the rules are independent of
    each other, so the result is the same as one after the other. A child shares its parent's
    memory until it writes to it: the features it inherits are still encoded (bytes, which it
    reads without writing), so it copies little more than the tables it builds (memory figures:
    bench/README.md, "Why the engine is shaped so")."""
    # Costly rules first: spread over processes, they start soonest; in one process, the largest
    # temporaries (D005's) come before other rules' freed objects have scattered over the heap.
    ranks = {kind: rank for rank, kind in enumerate(_COSTLY_KINDS)}
    codes = sorted(rules, key=lambda code: ranks.get(rules[code].kind, len(ranks)))
    rows = sum(len(features.hashes) for features in files)
    if jobs <= 1 or rows < FORK_MIN_ROWS or len(rules) < 2 or not forking.FORKABLE:
        meanwhile()
        in_order = {code: rules[code] for code in codes}
        return list(serial_dataset_pass(files, in_order, timings, progress))  # sorted later
    processes = min(jobs, len(codes))
    if stats is not None:
        stats["dataset processes"] = processes

    def meanwhile_then_let_go() -> None:
        meanwhile()  # the cache is written from the features
        # The children hold the features now (forked, they keep their own pages of them): this
        # process drops them before it receives the findings, which then take their place.
        for features in files:
            features.let_go_of_features()
        _give_back_freed_memory()

    return _in_children(files, rules, codes, processes, meanwhile_then_let_go, timings, progress)


def _give_back_freed_memory() -> None:
    """Return the pages of freed memory to the system. glibc keeps what the features used inside
    the process, where the findings (Python's small objects live in arenas of their own) would not
    reuse it: without this, this process's size stays the features' plus the findings'."""
    try:
        malloc_trim = ctypes.CDLL(None).malloc_trim  # glibc's; other C libraries: nothing to do
    except (OSError, AttributeError):
        return
    malloc_trim(0)


def _in_children(
    files: list[FileResults],
    rules: dict[str, Rule],
    codes: list[str],
    processes: int,
    meanwhile: Callable[[], None],
    timings: Timings | None,
    progress: Progress | None,
    checks: Mapping[str, DatasetCheck] = MappingProxyType({}),
) -> list[Violation]:
    """The rules (taken in the order of `codes`) shared by forked children. Every rule runs in a
    child: this process holds every file's features, and a rule's tables and working memory
    (D005's: as much again) would add to its peak, which grows with the run."""
    work = partial(_dataset_rule, files, rules, progress, len(codes), checks)
    outcomes = forking.share(list(enumerate(codes, start=1)), work, processes, meanwhile, work_here=False)
    found: dict[str, list[Violation]] = {}
    for code, (violations, seconds) in zip(codes, outcomes, strict=True):
        found[code] = violations
        if timings is not None:
            timings.add(code, seconds)
    return [violation for code in rules for violation in found[code]]


def _dataset_rule(
    files: list[FileResults],
    rules: dict[str, Rule],
    progress: Progress | None,
    total: int,
    checks: Mapping[str, DatasetCheck],
    task: tuple[int, str],
) -> tuple[list[Violation], float]:
    number, code = task
    started = perf_counter()
    in_pass = serial_dataset_pass(files, {code: rules[code]}, progress=progress, numbers=(number, total), checks=checks)
    return list(in_pass), perf_counter() - started


def serial_dataset_pass(
    files: list[FileResults],
    rules: dict[str, Rule],
    timings: Timings | None = None,
    progress: Progress | None = None,
    numbers: tuple[int, int] | None = None,
    checks: Mapping[str, DatasetCheck] = MappingProxyType({}),
) -> Iterator[Violation]:
    """Each rule on its table, built just before and dropped after: one table in memory at a time.
    A rule's time includes building its table. `numbers`: (first rule's number, rules in the pass)
    for `progress`, when these rules are part of a pass shared by processes. `checks`: how the
    executor runs some rules' dataset pass, by code (the others: their kind's `check_dataset`)."""
    first, total = numbers or (1, len(rules))
    for number, (code, rule) in enumerate(rules.items(), start=first):
        locations: dict[tuple[int, str], Location] = {}  # one object per related record (copies share one)
        if progress is not None:
            progress.dataset_rule(rule, number, total, finished=False)
        started = perf_counter()
        table = table_of(files, code)
        check_dataset = checks.get(code) or load_kind(rule.kind).check_dataset
        found = list(check_dataset(rule, table)) if len(table) else []
        if timings is not None and len(table):
            timings.add(rule.code, perf_counter() - started)
        if progress is not None:
            progress.dataset_rule(rule, number, total, finished=True)
        for finding in found:
            yield _dataset_violation(rule, table, finding, locations)


def _dataset_violation(
    rule: Rule, table: FeatureTable, finding: DatasetFinding, locations: dict[tuple[int, str], Location]
) -> Violation:
    index = finding.index
    related = []
    for other in finding.related:
        location = locations.get((other, finding.pointer))
        if location is None:
            location = Location(table.paths[other], int(table.lines[other]), pointer=finding.pointer)
            locations[other, finding.pointer] = location
        related.append(location)
    related += finding.elsewhere
    return Violation(
        rule.code,
        rule.name,
        rule.severity,
        finding.message,
        table.paths[index],
        int(table.lines[index]),
        pointer=finding.pointer,
        related=related,
        record_hash=table.hash_text(index),
    )
