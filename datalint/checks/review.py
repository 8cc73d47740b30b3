"""Review checks: human review coverage, records rated bad, and a trained quality model's score.

The settings come from the config's `[review]` table (fed into these rules' options, paths
resolved against the config's folder). Each check is inert, and costs nothing, until what it
needs is configured: `ledger` for coverage and rated-bad, `model` for score (scoring costs
~0.8 ms per record, so it is never on by default).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from datalint.checks import Option
from datalint.feature_types import INT64, scalar
from datalint.reader import hash_texts
from datalint.records import Record
from datalint.review.ledger import RATING_SCALES, Review, is_good, ledger_files, read_ledger, shown_path
from datalint.violation import DatasetFinding, Finding

CHECKS = ("coverage", "rated-bad", "score")
READS_RECORD_HASHES = True  # coverage counts the records whose hash has a review
OPTIONS = {
    "check": Option(str, "coverage", "what to check", choices=CHECKS),
    "ledger": Option(str, "", "glob of review files (relative to the config file)", is_path=True),
    "min-share": Option(float, 0.05, "share of records that must have a current human review", minimum=0, maximum=1),
    "model": Option(str, "", "quality model JSON written by `datalint train-quality`", is_path=True),
    "threshold": Option(float, 0.5, "report records the model scores below this (0..1)", minimum=0, maximum=1),
    "ratings": Option(str, "good-bad", "rating scale of the review files", choices=RATING_SCALES),
    "good-cut": Option((int, float), 4, "on the 1-5 scale, ratings at or above this are good", minimum=1, maximum=5),
}


@dataclass(frozen=True, slots=True)
class State:
    check: str
    reviewed: frozenset[str] = frozenset()  # hashes with a rating
    bad: dict[str, Review] | None = None  # hash -> the review that rated it bad
    model: Any = None
    threshold: float = 0.5
    min_share: float = 0.05


def prepare(options: dict[str, Any]) -> State | None:
    check = options["check"]
    if check == "score":
        if not options["model"]:
            return None
        from datalint.review import quality_model

        # a human rating outranks the model: records already rated are not scored
        return State(
            check,
            reviewed=frozenset(_rated(options)),
            model=quality_model.load(options["model"]),
            threshold=options["threshold"],
        )
    if not options["ledger"]:
        return None
    rated = _rated(options)
    if check == "coverage":
        return State(check, reviewed=frozenset(rated), min_share=options["min-share"])
    bad = {key: review for key, review in rated.items() if not is_good(review, options["ratings"], options["good-cut"])}
    return State(check, bad=bad)


def _rated(options: dict[str, Any]) -> dict[str, Review]:
    ledger = read_ledger(ledger_files(options["ledger"])) if options["ledger"] else {}
    return {key: review for key, review in ledger.items() if review.rated}


def check_record(rule: Any, record: Record) -> Iterator[Finding]:
    state: State | None = rule.state
    if state is None:
        return
    if state.check == "rated-bad" and record.hash in state.bad:
        review = state.bad[record.hash]
        note = f": {review.note}" if review.note.strip() else ""
        yield Finding(f"rated {review.rating} by human review ({shown_path(review.file)}:{review.file_line}){note}", "")
    elif state.check == "score" and record.hash not in state.reviewed:
        score = state.model.score(record.prompt, record.response)
        if score < state.threshold:
            yield Finding(f"quality score {score:.2f} is below {state.threshold:g}", "")


FEATURE_COLUMNS = scalar("present", INT64)  # 1 per record: coverage reads the rows' hashes


def record_features(rule: Any, record: Record) -> int | None:
    state: State | None = rule.state
    return 1 if state is not None and state.check == "coverage" else None


def check_dataset(rule: Any, table: Any) -> Iterator[DatasetFinding]:
    """One finding per file, at its first record, when too few of its records have a current review."""
    state: State = rule.state
    first: dict[str, int] = {}
    totals: dict[str, int] = {}
    reviewed: dict[str, int] = {}
    for index, (path, record_hash) in enumerate(zip(table.paths, hash_texts(table.hashes), strict=True)):
        first.setdefault(path, index)
        totals[path] = totals.get(path, 0) + 1
        reviewed[path] = reviewed.get(path, 0) + (record_hash in state.reviewed)
    for path, total in totals.items():
        share = reviewed[path] / total
        if share < state.min_share:
            needed = -(-state.min_share * total // 1)
            yield DatasetFinding(
                first[path],
                f"{reviewed[path]} of {total} records ({share:.1%}) have a current human review; "
                f"at least {state.min_share:.1%} ({int(needed)}) should: run `datalint sample`",
            )
