"""Language: fields written in another language than the dataset's (Q001), answers in another
language than their question (Q002), and answers that switch script for a sentence or more (Q007).

Each text gets a language label in the record pass (datalint/language/identify.py: code removed,
letters counted per script, English words, then fastText's lite model for other Latin text).

The dataset pass then compares each file's labels with the language declared in the rule's
options, or else with the dominant language of that field across the file, so a Chinese
dataset is judged as Chinese and a translation dataset (English prompts, French answers) as
what it is. A file with no clearly dominant language (a multilingual dataset) is left alone.
Texts whose language may differ by design (inputs, answers to a language request, answers in
the language of their input or of words their question quotes) are marked in the record pass.

The switch check is a record check: it splits an answer into sentences and reports passages in
another language than the question's (or the answer's own) that read as language, not as names,
terms, quotes, glosses or code (datalint/language/switch.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from datalint.checks import Option, fields_option
from datalint.feature_types import BOOL, CATEGORY, NO_FEATURES, Features, row, rows
from datalint.intent.language import asks_for_language
from datalint.language.identify import ENGLISH_WORDS, language_of
from datalint.language.model import load_model
from datalint.language.scripts import NAMED_LATIN, display, quotes_script, same_language, script_class
from datalint.language.switch import latin_switch, script_switch
from datalint.records import Record
from datalint.typed_columns import distinct_records, first_seen
from datalint.violation import DatasetFinding, Finding

CHECKS = ("field", "pair", "switch")
LABEL_OPTIONS = ("min-letters", "min-chars-statistical", "min-confidence")
OPTIONS = {
    "check": Option(
        str,
        "field",
        "field: a field in another language; pair: answer and question differ; "
        "switch: an answer that changes script for a sentence or more",
        CHECKS,
    ),
    "language": Option(str, "", "the dataset's language (ISO 639-1 like en, zh); empty: the dominant one per file"),
    "fields": fields_option(["instruction", "input", "response"], "text fields whose language is checked"),
    "min-letters": Option(int, 20, "texts with fewer letters (a CJK character counts 3) get no language"),
    "min-chars-statistical": Option(int, 100, "Latin texts shorter than this are not given to the language model"),
    "min-confidence": Option(float, 0.8, "language-model score needed to name a Latin-script language"),
    "min-dominant-share": Option(
        float, 0.8, "without a declared language, the dominant one must label this share of the texts"
    ),
    "max-mismatch-share": Option(
        float, 0.2, "pair check: above this share of mismatched pairs the dataset is cross-lingual by design"
    ),
    "min-switch-letters": Option(
        int, 15, "switch check: letters a passage in the other script needs (a CJK character counts 3)"
    ),
}


@dataclass(frozen=True, slots=True)
class Detector:
    fields: frozenset[str]
    options: dict[str, Any]
    settings: tuple  # what the labels depend on: rules with equal settings share them per record
    key: str  # the labels' key among a record's shared labels: a string, whose hash Python keeps


def check_options(options: dict[str, Any]) -> None:
    if options["check"] != "field" and options["language"]:
        raise ValueError("`language` applies to the field check; the others compare question and answer")


def prepare(options: dict[str, Any]) -> Detector:
    fields = frozenset(options["fields"])
    settings = (tuple(sorted(fields)), *(options[name] for name in LABEL_OPTIONS))
    return Detector(fields, options, settings, f"language {settings!r}")


class RecordLanguages(NamedTuple):
    """What the language rules need of one record, computed once for all of them (a NamedTuple:
    made for every record, and a frozen dataclass costs several times more to make)."""

    labels: dict[str, str]  # pointer -> label, for the texts that have one
    expected_elsewhere: frozenset[str]  # pointers of texts whose language may differ by design


def record_languages(record: Record, detector: Detector, shared: dict[str, RecordLanguages]) -> RecordLanguages:
    """The record's labels for these settings, from `shared` when another rule computed them."""
    found = shared.get(detector.key)
    if found is None:
        options = detector.options
        labels = {}
        for text in record.texts_of(detector.fields):
            label = language_of(text, options, load_model)
            if label is not None:
                labels[text.pointer] = label
        # Without a label the record has no feature, and what it asks for is moot.
        expected = _expected_elsewhere(record, labels) if labels else frozenset()
        found = shared[detector.key] = RecordLanguages(labels, expected)
    return found


def _expected_elsewhere(record: Record, labels: dict[str, str]) -> frozenset[str]:
    """The texts whose language may rightly differ from the dataset's and from their question's.

    An input is material (a French text to summarise, a sentence whose language is asked); an
    answer with no question before it (a conversation cut in parts) answers something unseen;
    any text may differ when the prompt asks for a language or a translation; and an answer may
    differ from its question when it works on an input in its own language or on words the
    question quotes ("use 'opulent' in a sentence")."""
    turns = record.turns
    if _asks_for_language(turns):
        return frozenset(labels)
    inputs = {text.pointer for text in record.texts if text.field == "input" and text.pointer in labels}
    expected = set(inputs)
    input_labels = [labels[pointer] for pointer in inputs]
    for index, turn in enumerate(turns):
        answered = labels.get(turn.pointer) if turn.role == "assistant" else None
        if answered is None:
            continue
        question = record.user_turn_before(index)
        if question is None or not question.text:
            expected.add(turn.pointer)
            continue
        asked = labels.get(question.pointer)
        if asked is not None and asked != "latin" and answered != "latin" and same_language(answered, asked):
            continue  # `latin` proves no agreement: a short English question may ask for Spanish
        on_input = any(same_language(answered, label) for label in input_labels)
        # The instruction alone: an Alpaca user turn also holds the input, whose language is judged above.
        asked_text = next((text.text for text in record.texts if text.pointer == question.pointer), question.text)
        if on_input or quotes_script(asked_text or "", answered):
            expected.add(turn.pointer)
            if asked is not None:
                expected.add(question.pointer)
    return frozenset(expected)


def _asks_for_language(turns: list) -> bool:
    return any(turn.role in ("user", "system") and turn.text and asks_for_language(turn.text) for turn in turns)


def features(rule) -> Features:
    """`pair`: the question's and the answer's language and the answer's pointer ("" when they
    agree); the norm checks: a row per labelled text (field, pointer, label, whether its language
    may differ by design)."""
    check = rule.options["check"]
    if check == "switch":
        return NO_FEATURES
    if check == "pair":
        return row(asked=CATEGORY, answered=CATEGORY, answer=CATEGORY)
    return rows(field=CATEGORY, pointer=CATEGORY, label=CATEGORY, expected=BOOL)


def prepare_features_set(rules: list) -> tuple:
    return tuple(rules)


def record_features_set(rules: tuple, record: Record) -> list[tuple | None]:
    """Every language rule's features of the record: rules with the same settings share one
    label per text, the costly part."""
    shared: dict[str, RecordLanguages] = {}
    return [_features(rule, record, shared) for rule in rules]


def record_features(rule, record: Record) -> tuple | None:
    return _features(rule, record, {})


def _features(rule, record: Record, shared: dict[str, RecordLanguages]) -> tuple | None:
    if rule.options["check"] == "switch":
        return None
    detector: Detector = rule.state
    languages = record_languages(record, detector, shared)
    if not languages.labels:
        return None
    if rule.options["check"] == "pair":
        return _pair_features(record, languages)
    # Texts whose language may differ by design are marked, not dropped: they still count
    # towards the norm of the other records.
    labels, expected = languages.labels, languages.expected_elsewhere
    return tuple(
        [
            (text.field, text.pointer, labels[text.pointer], text.pointer in expected)
            for text in record.texts
            if text.pointer in labels
        ]
    )


# The feature of a record whose pair agrees or cannot be told: it still counts in the share.
_NO_MISMATCH = ("", "", "")


def _pair_features(record: Record, languages: RecordLanguages) -> tuple:
    question, answer = _last_exchange(record)
    if question is None or answer is None or answer in languages.expected_elsewhere:
        return _NO_MISMATCH
    asked, answered = languages.labels.get(question), languages.labels.get(answer)
    if asked in (None, "latin") and answered in NAMED_LATIN and answered != "en":
        # A question too short for a label is still English when it reads as English ("What is
        # the capital of France?"): its answer in French is a mismatch.
        asked_text = next((text.text for text in record.texts if text.pointer == question), "")
        asked = "en" if _short_english(asked_text) else asked
    # `latin` is a Latin text too short or unclear to name: it proves no mismatch.
    if asked is None or answered is None or "latin" in (asked, answered) or same_language(answered, asked):
        return _NO_MISMATCH
    return (asked, answered, answer)


def _short_english(text: str) -> bool:
    """A short ASCII question of four words or more, two of them English function words."""
    if not text.isascii():
        return False
    words = text.lower().split()
    return len(words) >= 4 and sum(map(ENGLISH_WORDS.__contains__, words)) >= 2


def _last_exchange(record: Record) -> tuple[str | None, str | None]:
    """Pointers of the last assistant turn and of the user turn before it.

    For Alpaca the question is the instruction alone (its user turn points at it): an input in
    another language (a text to summarise) does not change the language the answer should be in.
    """
    turns = record.turns
    answer_index = len(turns) - 1
    while answer_index >= 0 and turns[answer_index].role != "assistant":
        answer_index -= 1
    if answer_index < 0:
        return None, None
    for index in range(answer_index - 1, -1, -1):
        question = turns[index]
        if question.role == "user" and question.text:
            return question.pointer, turns[answer_index].pointer
    return None, turns[answer_index].pointer


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    if rule.options["check"] == "switch":
        return  # a record check: it has no dataset pass
    check = _check_fields if rule.options["check"] == "field" else _check_pairs
    declared = features(rule)
    # Rows repeat a few values ((field, pointer, label, flag) tuples): read as distinct values and
    # a number per row from the typed columns, so each is judged once, with no tuple per row.
    values, value_of_rows = distinct_records([table.column(name) for name in declared.names], declared.layout)
    for indices in _files(table):
        yield from check(rule.options, _Distinct(values, value_of_rows, indices))


def _files(table) -> list[np.ndarray]:
    """The row indices of each file, in order; one when the table holds one file (the usual case)."""
    paths = table.paths
    if not paths or paths.count(paths[0]) == len(paths):
        return [np.arange(len(paths))]
    by_file: dict[str, list[int]] = defaultdict(list)
    for index, path in enumerate(paths):
        by_file[path].append(index)
    return [np.array(indices, np.int64) for indices in by_file.values()]


class _Distinct:
    """The distinct values of a file's rows, in order of first row, with how many rows hold each,
    and the rows holding some of them."""

    def __init__(self, values: list, value_of_rows: np.ndarray, indices: np.ndarray) -> None:
        self.indices = indices
        self.numbers, firsts = first_seen(value_of_rows[indices])  # each of the file's rows: its value's number
        self.values = [values[number] for number in value_of_rows[indices[firsts]].tolist()]
        self.counts = Counter(dict(zip(self.values, np.bincount(self.numbers).tolist(), strict=True)))

    def rows_with(self, wanted: set) -> Iterator[tuple[int, Any]]:
        """(row index, value) of the rows holding a wanted value, in order."""
        numbers = np.array([number for number, value in enumerate(self.values) if value in wanted], np.int64)
        for at in np.flatnonzero(np.isin(self.numbers, numbers)).tolist():
            yield int(self.indices[at]), self.values[self.numbers[at]]


def dominant(labels: list[str], min_share: float) -> str | None:
    """The language most texts are in, if it clearly dominates; `latin` defers to a named Latin language."""
    return dominant_of_counts(Counter(labels), min_share)


def dominant_of_counts(counts: Counter, min_share: float) -> str | None:
    """`dominant` of the labels counted in `counts` (in order of first occurrence, which breaks ties)."""
    total = sum(counts.values())
    if not total:
        return None
    scripts: Counter = Counter()
    for label, count in counts.items():
        scripts[script_class(label)] += count
    script, count = scripts.most_common(1)[0]
    if count < min_share * total:
        return None
    named = Counter(
        {label: count for label, count in counts.items() if script_class(label) == script and label != "latin"}
    )
    if script == "latin":
        if not named:
            return "latin"
        language, language_count = named.most_common(1)[0]
        return language if language_count >= min_share * sum(named.values()) else "latin"
    return named.most_common(1)[0][0] if named else script


def _check_fields(options: dict[str, Any], rows: _Distinct) -> Iterator[DatasetFinding]:
    # Each distinct value is judged once, then only the rows that hold a flagged one are found.
    distinct = rows.counts
    declared = options["language"].lower()
    expected: dict[str, str | None] = {}
    if not declared:
        per_field: dict[str, Counter] = defaultdict(Counter)
        for value, count in distinct.items():
            for field, _, label, _ in value:
                per_field[field][label] += count
        expected = {
            field: dominant_of_counts(labels, options["min-dominant-share"]) for field, labels in per_field.items()
        }
    source = "declared" if declared else None
    flagged: dict[tuple, list[tuple[str, str]]] = {}
    for value in distinct:
        # The fields of one record in one other language make one finding, at the first of them.
        off: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for field, pointer, label, expected_elsewhere in value:
            norm = declared or expected.get(field)
            # `latin` names no language (a list of names, SQL, a short phrase): it proves nothing.
            if norm is None or expected_elsewhere or label == "latin" or same_language(label, norm):
                continue
            off[label].append((field, pointer, norm))
        messages = []
        for label, fields in off.items():
            names = list(dict.fromkeys(field for field, _, _ in fields))
            field, pointer, norm = fields[0]
            where = source or f"most {field} values in this file"
            subject = " and ".join(names) + (" is" if len(names) == 1 else " are")
            messages.append((f"{subject} in {display(label)}, not {display(norm)} ({where})", pointer))
        if messages:
            flagged[value] = messages
    if not flagged:
        return
    for index, value in rows.rows_with(set(flagged)):
        for message, pointer in flagged[value]:
            yield DatasetFinding(index, message, pointer=pointer)


def _check_pairs(options: dict[str, Any], rows: _Distinct) -> Iterator[DatasetFinding]:
    distinct = rows.counts
    mismatched_values = {value for value in distinct if not same_language(value[1], value[0])}
    mismatched_rows = sum(distinct[value] for value in mismatched_values)
    if not mismatched_rows or mismatched_rows > options["max-mismatch-share"] * len(rows.indices):
        return
    for index, (asked, answered, pointer) in rows.rows_with(mismatched_values):
        yield DatasetFinding(
            index, f"answer is in {display(answered)} but the question is in {display(asked)}", pointer=pointer
        )


def check_record(rule, record: Record) -> list | tuple[()]:
    if rule.options["check"] != "switch":
        return ()
    found = None
    turns = record.turns
    for index, turn in enumerate(turns):
        if turn.role != "assistant" or not turn.text:
            continue
        question = record.user_turn_before(index)
        asked = question.text if question is not None and question.text else ""
        finding = script_switch(turn.text, asked, rule.options) or latin_switch(turn.text, asked, rule.options)
        if finding is None:
            continue
        if _asks_for_language(turns):
            return ()  # a translation, a bilingual answer or a language lesson was asked for
        if found is None:
            found = []
        found.append(Finding(finding, turn.pointer))
    return found or ()
