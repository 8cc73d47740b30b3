"""Independent tasks shared by this process and forked children: the dataset pass's rules.

The children are forked once the tasks' inputs exist, so they read them without copying (until
they write to them). The queue is a pipe holding each task's number as two bytes, which every
process reads two bytes at a time: the tasks queued first (the costly ones) are taken first, and a
process that finishes early takes the next. Each child sends its results back pickled through a
pipe of its own and exits without the interpreter's teardown. Beside a large heap this costs about
one fork, less than starting and stopping a multiprocessing.Pool (bench/README.md), which would
also leave this process idle while it waits.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Task = TypeVar("Task")
_TASK_BYTES = 2
FORKABLE = hasattr(os, "fork") and sys.platform != "win32"  # where `share` can fork children
MAX_TASKS = 1 << 14  # the queue is written at once: it must fit in a pipe's buffer (64 KB on Linux)


class ChildFailed(RuntimeError):
    """A forked child could not finish its tasks: its traceback, or how it died."""


def share(
    tasks: Sequence[Task],
    work: Callable[[Task], Any],
    children: int,
    meanwhile: Callable[[], None],
    work_here: bool = True,
) -> list:
    """`work(task)` for every task, here and in `children` forked processes; results in task order.
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


def _fork(queue: int, tasks: Sequence[Task], work: Callable[[Task], Any]) -> tuple[int, int]:
    channel, channel_input = os.pipe()
    pid = os.fork()
    if pid:
        os.close(channel_input)
        return pid, channel
    os.close(channel)
    status = 0
    try:
        outcome: tuple[str, Any] = ("done", _drain(queue, tasks, work))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which raises it
        outcome = ("failed", "".join(traceback.format_exception(error)))
        status = 1
    try:
        # Pickled into the pipe as it is made, and read back the same way: millions of findings
        # are never held once more as one message by either process.
        with os.fdopen(channel_input, "wb") as stream:
            pickle.dump(outcome, stream, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        os._exit(status)


def _drain(queue: int, tasks: Sequence[Task], work: Callable[[Task], Any]) -> dict[int, Any]:
    done = {}
    while True:
        taken = os.read(queue, _TASK_BYTES)
        if not taken:
            return done
        number = int.from_bytes(taken, "little")
        done[number] = work(tasks[number])


def _collect(pid: int, channel: int) -> dict[int, Any]:
    failure: Exception | None = None
    with os.fdopen(channel, "rb") as stream:
        try:
            outcome, value = pickle.load(stream)
        except Exception as error:  # noqa: BLE001 - nothing or half a message: the child died
            failure = error
    _, status = os.waitpid(pid, 0)  # after the pipe is closed: a child still writing to it stops
    if failure is not None:
        raise ChildFailed(f"a dataset-pass process ended without its results (wait status {status})") from failure
    if outcome != "done":
        raise ChildFailed(f"a dataset-pass process failed:\n{value}")
    return value


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
