"""A dataset-wide rule's Ray side, driven from a process of its own (`--executor ray`, extra `ray`).

D005's search on Ray keeps a driver side: it reads the whole shingle column, finds the copies and
the template, and puts the shingle blocks in the object store. Run in the process that holds every
file's features, that side's working memory added to the run's largest process (at 10M records,
bench/README.md). So the dataset pass calls this check in a forked child, where the rule's table
is built; the child writes the table to a temporary file and starts a fresh process (spawned: a
forked copy of a Ray driver cannot use Ray) that joins the same cluster as a second driver, reads
the table and runs the kind's `check_dataset_on_ray`. Its findings come back to the child, which
turns them into violations as it does every dataset rule's.
"""

from __future__ import annotations

import logging
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
        stored = Path(folder) / "table.pickle"
        with stored.open("wb") as stream:  # written from the columns, never held twice here
            pickle.dump(table.with_columns(names), stream, protocol=pickle.HIGHEST_PROTOCOL)
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=spawn) as process:
            return process.submit(_check_on_cluster, address, replace(rule, state=None), str(stored)).result()


def _check_on_cluster(address: str, rule: Rule, stored: str) -> list[DatasetFinding]:
    import ray

    with open(stored, "rb") as stream:
        table = pickle.load(stream)
    ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
    try:
        return list(load_kind(rule.kind).check_dataset_on_ray(rule, table))
    finally:
        ray.shutdown()  # this driver leaves; the cluster stays up for the run
