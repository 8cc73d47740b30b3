"""Independent tasks shared by this process and forked children: the dataset pass's rules.

The children are forked once the tasks' inputs exist, so they read them without copying (until
they write to them). The queue is a pipe holding each task's number as two bytes, which every
process reads two bytes at a time: the tasks queued first (the costly ones) are taken first, and a
process that finishes early takes the next. Each child sends its results back pickled through a
pipe of its own and exits without the interpreter's teardown. Beside a large heap this costs about
one fork, less than starting and stopping a multiprocessing.Pool (bench/README.md), which would
also leave this process idle while it waits.

A task's result is a pair (items, extra): `items`, a list (violations, spans), travels in parts of
PART_ITEMS, each pickled on its own. An unpickler keeps every object it has read until the end of
its pickle, and the state of each (a dict per violation) is as large as the violation again: one
pickle of a million violations cost the receiving process twice their memory until it ended.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO, TypeVar

Task = TypeVar("Task")
_TASK_BYTES = 2
FORKABLE = hasattr(os, "fork") and sys.platform != "win32"  # where `share` can fork children
MAX_TASKS = 1 << 14  # the queue is written at once: it must fit in a pipe's buffer (64 KB on Linux)
PART_ITEMS = 10_000  # items of a result's list per pickle


class ChildFailed(RuntimeError):
    """A forked child could not finish its tasks: its traceback, or how it died."""


def share(
    tasks: Sequence[Task],
    work: Callable[[Task], tuple[list, Any]],
    children: int,
    meanwhile: Callable[[], None],
    work_here: bool = True,
) -> list[tuple[list, Any]]:
    """`work(task)` for every task, here and in `children` forked processes; results, (items,
    extra) pairs, in task order.
    `meanwhile` runs here first, while the children already work; then this process takes tasks
    too, unless `work_here` is false (its memory then never holds what a task builds)."""
    if len(tasks) > MAX_TASKS:
        raise ValueError(f"at most {MAX_TASKS} tasks")
    queue, queue_input = os.pipe()
    os.write(queue_input, b"".join(number.to_bytes(_TASK_BYTES, "little") for number in range(len(tasks))))
    os.close(queue_input)  # readers see the end of the queue once it is empty
    forked: list[tuple[int, int]] = []  # (process id, the read end of its results pipe)
    results: dict[int, Any] = {}
    try:
        for _ in range(children):
            forked.append(_fork(queue, tasks, work))
        meanwhile()
        if work_here:
            results.update(_drain(queue, tasks, work))
        while forked:
            pid, channel = forked.pop()  # popped first: a child that failed is not stopped again
            results.update(_collect(pid, channel))
    finally:
        os.close(queue)
        for pid, channel in forked:  # an error or an interrupt here: the children are stopped
            os.close(channel)
            _stop(pid)
    return [results[number] for number in range(len(tasks))]


def _fork(queue: int, tasks: Sequence[Task], work: Callable[[Task], tuple[list, Any]]) -> tuple[int, int]:
    channel, channel_input = os.pipe()
    pid = os.fork()
    if pid:
        os.close(channel_input)
        return pid, channel
    os.close(channel)
    status = 0
    try:
        done, failure = _drain(queue, tasks, work), None
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which raises it
        done, failure = {}, "".join(traceback.format_exception(error))
        status = 1
    try:
        # Pickled into the pipe as it is made, and read back the same way: millions of findings
        # are never held once more as one message by either process.
        with os.fdopen(channel_input, "wb") as stream:
            _send(stream, done, failure)
    finally:
        os._exit(status)


def _send(stream: BinaryIO, done: dict[int, tuple[list, Any]], failure: str | None) -> None:
    """A header (the failure, or each result's number, item count and extra), then the items."""
    header = {number: (len(items), extra) for number, (items, extra) in done.items()}
    pickle.dump((failure, header), stream, protocol=pickle.HIGHEST_PROTOCOL)
    for items, _ in done.values():  # in the header's order
        for start in range(0, len(items), PART_ITEMS):
            pickle.dump(items[start : start + PART_ITEMS], stream, protocol=pickle.HIGHEST_PROTOCOL)


def _receive(stream: BinaryIO) -> tuple[str | None, dict[int, tuple[list, Any]]]:
    failure, header = pickle.load(stream)
    results = {}
    for number, (count, extra) in header.items():
        items: list = []
        while len(items) < count:
            items += pickle.load(stream)
        results[number] = (items, extra)
    return failure, results


def _drain(queue: int, tasks: Sequence[Task], work: Callable[[Task], tuple[list, Any]]) -> dict[int, tuple[list, Any]]:
    done = {}
    while True:
        taken = os.read(queue, _TASK_BYTES)
        if not taken:
            return done
        number = int.from_bytes(taken, "little")
        done[number] = work(tasks[number])


def _collect(pid: int, channel: int) -> dict[int, tuple[list, Any]]:
    broken: Exception | None = None
    with os.fdopen(channel, "rb") as stream:
        try:
            failure, results = _receive(stream)
        except Exception as error:  # noqa: BLE001 - nothing or half a message: the child died
            broken = error
    _, status = os.waitpid(pid, 0)  # after the pipe is closed: a child still writing to it stops
    if broken is not None:
        raise ChildFailed(f"a dataset-pass process ended without its results (wait status {status})") from broken
    if failure is not None:
        raise ChildFailed(f"a dataset-pass process failed:\n{failure}")
    return results


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
