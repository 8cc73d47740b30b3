"""A dataset-wide rule's Ray side, driven from a process of its own (`--executor ray`, extra `ray`).

D005's search on Ray keeps a driver side: it reads the whole shingle column, finds the copies and
the template, and puts the shingle blocks in the object store. Run in the process that holds every
file's features, that side's working memory added to the run's largest process (at 10M records,
bench/README.md). So the dataset pass calls this check in a forked child, where the rule's table
is built; the child writes the table to a temporary file and starts a fresh process (spawned: a
forked copy of a Ray driver cannot use Ray) that joins the same cluster as a second driver, reads
the table and runs the kind's `check_dataset_on_ray`. Its findings come back to the child, which
turns them into violations as it does every dataset rule's.

The table's arrays are written out of band (pickle protocol 5) to a file of their own, which the
spawned process maps: it reads the column's pages as the search needs them, and the system can
drop them again, where an unpickled copy would hold the whole column in that process's memory.
"""

from __future__ import annotations

import logging
import mmap
import multiprocessing
import pickle
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from datalint.checks import load_kind
from datalint.engine.features import FeatureTable
from datalint.feature_types import features_of
from datalint.rules import Rule
from datalint.violation import DatasetFinding


def check_in_own_process(address: str, rule: Rule, table: FeatureTable) -> list[DatasetFinding]:
    """The rule's findings over `table` from its kind's `check_dataset_on_ray`, run by a spawned
    process connected to the Ray cluster at `address`. The kind reads its declared columns."""
    names = [name for name, _ in features_of(rule).columns]
    with tempfile.TemporaryDirectory(prefix="datalint-") as folder:
        write_mappable(table.with_columns(names), Path(folder))
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=spawn) as process:
            return process.submit(_check_on_cluster, address, replace(rule, state=None), folder).result()


def write_mappable(value: object, folder: Path) -> None:
    """`value` pickled to `folder`, its arrays' bytes out of band in a file of their own (each
    aligned to 64 bytes, as numpy allocates), written from the arrays, never copied here."""
    buffers: list[pickle.PickleBuffer] = []
    head = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    spans = []
    with (folder / _ARRAYS).open("wb") as stream:
        for buffer in buffers:
            raw = buffer.raw()
            stream.write(bytes(-stream.tell() % 64))
            spans.append((stream.tell(), raw.nbytes))
            stream.write(raw)
    (folder / _HEAD).write_bytes(pickle.dumps((head, spans), protocol=5))


def read_mapped(folder: Path) -> object:
    """The value `write_mappable` wrote, its arrays read-only views of the mapped file."""
    head, spans = pickle.loads((folder / _HEAD).read_bytes())
    mapped: mmap.mmap | bytes = b""
    with (folder / _ARRAYS).open("rb") as stream:
        if any(size for _, size in spans):  # an empty file cannot be mapped
            mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)  # stays open while viewed
    view = memoryview(mapped)
    return pickle.loads(head, buffers=[view[offset : offset + size] for offset, size in spans])


_HEAD, _ARRAYS = "table.pickle", "table.arrays"


def _check_on_cluster(address: str, rule: Rule, folder: str) -> list[DatasetFinding]:
    import ray

    table = read_mapped(Path(folder))
    ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
    try:
        return list(load_kind(rule.kind).check_dataset_on_ray(rule, table))
    finally:
        ray.shutdown()  # this driver leaves; the cluster stays up for the run
