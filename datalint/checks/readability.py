"""Readability: answers whose Flesch-Kincaid grade level falls outside a declared band.

Scored with textstat 0.7.8 (~100 µs per text; later versions fetch nltk data from the network,
so the optional extra `datalint[readability]` pins it). Short texts are not scored: a one-word
or numeric answer gets grades below 0 or above 20 that mean nothing (FACTS.md). With a
difficulty label (`difficulty`/`level` field, or `mapping.difficulty`), `bands` gives each
value its own band.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from datalint.checks import Option, fields_option
from datalint.records import Record
from datalint.violation import Finding

OPTIONS = {
    "fields": fields_option(["response"], "text fields to score"),
    "min-grade": Option((int, float), 0, "lowest acceptable Flesch-Kincaid grade level"),
    "max-grade": Option((int, float), 20, "highest acceptable Flesch-Kincaid grade level"),
    "bands": Option(dict, {}, "difficulty value -> [min-grade, max-grade], e.g. {easy = [0, 6], hard = [10, 18]}"),
    "min-words": Option(int, 30, "shorter texts are not scored"),
}
INSTALL_HINT = "pip install 'datalint[readability]'"
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Grader:
    fields: frozenset[str]
    grade: Any  # textstat.flesch_kincaid_grade
    bands: dict[str, tuple[float, float]]


def check_options(options: dict[str, Any]) -> None:
    for value, band in options["bands"].items():
        if not (isinstance(band, list) and len(band) == 2 and all(isinstance(x, (int, float)) for x in band)):
            raise ValueError(f"`bands.{value}` must be [min-grade, max-grade]")


def prepare(options: dict[str, Any]) -> Grader:
    bands = {str(value): (float(band[0]), float(band[1])) for value, band in options["bands"].items()}
    try:
        from textstat import textstat
    except ImportError as error:
        raise ValueError(f"the readability rule needs textstat 0.7.8: {INSTALL_HINT}") from error
    return Grader(frozenset(options["fields"]), textstat.flesch_kincaid_grade, bands)


def check_record(rule, record: Record):
    grader: Grader = rule.state
    low, high = rule.options["min-grade"], rule.options["max-grade"]
    difficulty = record.labels.get("difficulty")
    where = ""
    if difficulty is not None and str(difficulty[0]) in grader.bands:
        low, high = grader.bands[str(difficulty[0])]
        where = f" for difficulty {difficulty[0]!r}"
    for text in record.texts_of(grader.fields):
        if len(_WORD.findall(text.text, 0, 4000)) < rule.options["min-words"]:
            continue
        grade = grader.grade(text.text)
        if not low <= grade <= high:
            side = "below" if grade < low else "above"
            message = f"{text.field} reads at grade {grade:.1f}, {side} the band {low:g}-{high:g}{where}"
            yield Finding(message, text.pointer)
