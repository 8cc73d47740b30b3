"""Precision and recall of the default rules on the labelled evaluation set (bench/quality/).

The judgements are real records of ../shared/datasets judged as a strict dataset maintainer would,
and planted records of the defect classes the rules must find. Every default rule with hits must be
judged on enough of them and stay above the precision floor; every planted class above the recall
floor. `python bench/quality/measure.py` prints the same numbers as a table.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import datalint

MEASURE = Path(__file__).resolve().parents[1] / "bench" / "quality" / "measure.py"
MIN_JUDGED = 30  # judged hits per default rule (all of them where a rule has fewer hits)


def _load_measure():
    spec = importlib.util.spec_from_file_location("quality_measure", MEASURE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


measure = _load_measure()


@pytest.fixture(scope="module")
def scored(corpus_per_record):
    judgements = measure.load_judgements()
    hits = measure.hits_of(corpus_per_record.violations)
    for path in sorted((measure.HERE / "planted").glob("*.jsonl")):
        name = f"planted/{path.name}"
        violations = datalint.lint_paths([path], conventions=False).violations
        hits.update(measure.hits_of(violations, name) or {name: {}})
    return judgements, measure.measure(judgements, hits)


def test_judgements_name_real_lines(scored):
    judgements, _ = scored
    lines: dict[str, int] = {}
    for judgement in judgements:
        path = measure.dataset_path(judgement.file)
        if judgement.file not in lines:
            assert path.is_file(), f"{judgement.source}: no such dataset {judgement.file}"
            lines[judgement.file] = path.read_bytes().count(b"\n") + 1
        assert 1 <= judgement.line <= lines[judgement.file], f"{judgement.source}: no line {judgement.line}"


def test_every_default_rule_with_hits_is_judged_on_enough_of_them(scored):
    _, measurement = scored
    defaults = measure.default_rules()
    short = [
        f"{rule}: {score.judged_hits} of {score.hits} hits judged (needs {min(MIN_JUDGED, score.hits)})"
        for rule, score in sorted(measurement.scores.items())
        if rule in defaults and score.judged_hits < min(MIN_JUDGED, score.hits)
    ]
    assert not short, "judge more hits (bench/quality/measure.py --unjudged):\n" + "\n".join(short)


def test_every_default_rule_is_precise_on_judged_records(scored):
    _, measurement = scored
    defaults = measure.default_rules()
    low = [
        f"{rule}: precision {score.precision:.2f} ({score.real_hits} real, {score.noise_hits} noise)"
        for rule, score in sorted(measurement.scores.items())
        if rule in defaults and score.precision is not None and score.precision < measure.PRECISION_FLOOR
    ]
    assert not low, "\n".join(low)


def test_planted_defect_classes_are_found(scored):
    _, measurement = scored
    assert measurement.planted, "no planted records in bench/quality/planted"
    low = [
        f"{name}: {found} of {total} planted defects found"
        for name, (found, total) in measurement.planted.items()
        if found < measure.RECALL_FLOOR * total
    ]
    assert not low, "\n".join(low)
