"""Review files and the ledger they form: what reviewers said about which records.

A review file is JSONL, one object per sampled record:
`{"record_hash", "source", "line", "record", "rating", "note"}`. Reviewers fill `rating`
(`good`/`bad`, or 1-5) and commit the file. The ledger is every review file matching a glob;
records are matched by `record_hash` (the engine's `Line.hash`, blake2b of the line's bytes),
so editing a record makes its review stale.
"""

from __future__ import annotations

import glob as globbing
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datalint.field_mapping import Mapping_, build_record
from datalint.presets import detect_format

RATING_SCALES = ("good-bad", "1-5")
DEFAULT_GOOD_CUT = 4


class ReviewError(ValueError):
    """A review file or rating is wrong; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Review:
    """One line of a review file."""

    record_hash: str
    source: str
    line: int
    record: Any
    rating: Any  # "" or None while not yet rated
    note: str
    file: str
    file_line: int

    @property
    def rated(self) -> bool:
        return self.rating not in ("", None)


def shown_path(path: str) -> str:
    """A path as messages show it: relative to the current folder when it is inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path


def ledger_files(pattern: str) -> list[Path]:
    """Review files matching a glob (`**` allowed), sorted, so later files win on conflicts."""
    if not pattern:
        return []
    return sorted(Path(item) for item in globbing.glob(pattern, recursive=True) if Path(item).is_file())


def read_reviews(path: Path) -> Iterator[Review]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ReviewError(f"{path}: cannot read review file ({error})") from error
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ReviewError(f"{path}:{number}: not valid JSON ({error.msg})") from error
        except (ValueError, RecursionError) as error:  # a number too long for Python, or nesting too deep
            raise ReviewError(f"{path}:{number}: cannot be read ({error})") from error
        if not isinstance(entry, dict) or not isinstance(entry.get("record_hash"), str):
            raise ReviewError(f"{path}:{number}: a review line needs a `record_hash` string")
        yield Review(
            entry["record_hash"],
            str(entry.get("source", "")),
            entry.get("line", 0) if isinstance(entry.get("line"), int) else 0,
            entry.get("record"),
            entry.get("rating", ""),
            str(entry.get("note") or ""),
            str(path),
            number,
        )


def read_ledger(paths: Iterable[Path]) -> dict[str, Review]:
    """record hash -> its latest review (rated or not); a later file or line wins."""
    ledger: dict[str, Review] = {}
    for path in paths:
        for review in read_reviews(path):
            if review.rated or review.record_hash not in ledger:
                ledger[review.record_hash] = review
    return ledger


def is_good(review: Review, scale: str, good_cut: float) -> bool:
    """The reviewer's verdict; raises ReviewError for a rating the scale does not allow."""
    rating = review.rating
    where = f"{shown_path(review.file)}:{review.file_line}"
    if scale == "good-bad":
        word = rating.strip().lower() if isinstance(rating, str) else None
        if word not in ("good", "bad"):
            raise ReviewError(f'{where}: rating {rating!r} must be "good" or "bad" (review.ratings = good-bad)')
        return word == "good"
    try:
        value = float(rating) if not isinstance(rating, bool) else math.nan
    except (TypeError, ValueError):
        value = math.nan
    if not 1 <= value <= 5:
        raise ReviewError(f"{where}: rating {rating!r} must be a number from 1 to 5 (review.ratings = 1-5)")
    return value >= good_cut


def review_example(review: Review, file_format: str = "auto", mapping: Mapping_ | None = None) -> tuple[str, str]:
    """The (prompt, response) of a reviewed record, read through the same view as the rules."""
    record_format = file_format if file_format != "auto" else detect_format(review.record)
    record = build_record(review.line, review.record_hash, review.record, record_format, mapping)
    return record.prompt, record.response
