"""Evaluation-set contamination: training text that overlaps a record of an evaluation set.

Evaluation sets come from `--against PATH` on the command line or `eval-sets` in config (both
end up in the rule's `eval-sets` option); they are read once, when the rule is prepared, into
two sorted arrays of shingle hashes (word 13-grams and word 3-grams, normalised as in
`datalint.minhash`) with the evaluation text each came from.

Every text in `fields` of every training record is then checked, in batches:

- 13-gram overlap, as the decontamination literature does (GPT-3, Llama 2 ...): a training text
  sharing any word 13-gram with an evaluation text (a text shorter than 13 words is one
  shingle, so it counts only when equal);
- similarity: the exact Jaccard of the word 3-gram sets with the closest evaluation text is at
  least `threshold`, which catches copies with small edits that break every 13-gram.

Evaluation texts under `min-words` words (labels such as "writing", answers such as "4") are
left out: they would match ordinary training text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datalint.checks import Option, fields_option
from datalint.feature_types import CATEGORY, FLOAT64, INT64, rows
from datalint.field_mapping import build_record
from datalint.minhash.shingles import shingle_hashes_many
from datalint.presets import detect_format
from datalint.records import Record
from datalint.source_reader import SourceReader
from datalint.sources import InputError, Source
from datalint.violation import DatasetFinding, Location

OPTIONS = {
    "eval-sets": Option(
        list,
        [],
        "evaluation set files (JSONL); set by `--against` and config `eval-sets`",
        items=str,
        is_path=True,
        must_exist=True,
    ),
    "fields": fields_option(["instruction", "input", "response"], "training text fields checked"),
    "ngram": Option(int, 13, "word n-gram length of the overlap check", minimum=1),
    "threshold": Option(
        float, 0.8, "lowest 3-gram Jaccard similarity with an evaluation text that is reported", minimum=0, maximum=1
    ),
    "min-words": Option(int, 8, "evaluation texts with fewer words are ignored"),
}
MAX_EVAL_LINE_BYTES = 100_000_000


@dataclass(frozen=True)
class EvalText:
    path: str
    line: int
    pointer: str


@dataclass(frozen=True)
class ShingleIndex:
    """Sorted shingle hashes of the evaluation texts and, per hash, the text it came from."""

    keys: np.ndarray  # uint64, sorted, with repeats (a shingle may occur in several texts)
    owners: np.ndarray  # int64, parallel to keys
    unique: np.ndarray  # np.unique(keys), for the batch prefilter
    sizes: np.ndarray  # shingles per evaluation text

    @staticmethod
    def build(shingles: list[np.ndarray]) -> ShingleIndex:
        sizes = np.fromiter((array.size for array in shingles), np.int64, len(shingles))
        keys = np.concatenate(shingles) if shingles else np.empty(0, np.uint64)
        owners = np.repeat(np.arange(len(shingles)), sizes)
        order = np.argsort(keys, kind="stable")
        return ShingleIndex(keys[order], owners[order], np.unique(keys), sizes)

    def owner_counts(self, shingles: np.ndarray) -> np.ndarray:
        """How many of `shingles` each evaluation text holds."""
        left = np.searchsorted(self.keys, shingles, "left")
        right = np.searchsorted(self.keys, shingles, "right")
        runs = right - left
        if not runs.any():
            return np.zeros(self.sizes.size, np.int64)
        starts = np.repeat(left, runs)
        offsets = np.arange(runs.sum()) - np.repeat(np.cumsum(runs) - runs, runs)
        return np.bincount(self.owners[starts + offsets], minlength=self.sizes.size)


@dataclass(frozen=True)
class EvalIndex:
    fields: frozenset[str]
    texts: list[EvalText]
    long_grams: ShingleIndex
    short_grams: ShingleIndex


def prepare(options: dict) -> EvalIndex | None:
    if not options["eval-sets"]:
        return None
    texts: list[EvalText] = []
    strings: list[str] = []
    for name in options["eval-sets"]:
        for eval_text, string in _eval_texts(Path(name), options["min-words"]):
            texts.append(eval_text)
            strings.append(string)
    return EvalIndex(
        frozenset(options["fields"]),
        texts,
        ShingleIndex.build(shingle_hashes_many(strings, ngram=options["ngram"])),
        ShingleIndex.build(shingle_hashes_many(strings, ngram=3)),
    )


def _eval_texts(path: Path, min_words: int) -> Iterator[tuple[EvalText, str]]:
    """Every text of an evaluation set long enough to compare; any format, every string field."""
    file_format = None
    try:
        for line in SourceReader(Source(str(path), path)).lines(max_line_bytes=MAX_EVAL_LINE_BYTES):
            if not isinstance(line.value, dict):
                continue
            detected = detect_format(line.value)
            file_format = file_format or (detected if detected != "unknown" else None)
            record = build_record(line.number, line.hash, line.value, file_format or "unknown")
            for text in record.texts:
                if len(text.text.split()) >= min_words:
                    yield EvalText(str(path), line.number, text.pointer), text.text
    except InputError as error:  # the reader's sentence: the file cannot be read
        raise ValueError(f"evaluation set {error}") from error


# A row per text with shingles in the evaluation set: the closest evaluation text, the 13-grams
# they share (0: only similar), their Jaccard similarity.
FEATURE_COLUMNS = rows(pointer=CATEGORY, eval=INT64, shared=INT64, similarity=FLOAT64)


def record_features_batch(rule, records: list[Record]) -> list[tuple | None]:
    index: EvalIndex | None = rule.state
    if index is None or not index.texts:
        return [None] * len(records)
    owners, pointers, strings = [], [], []
    for position, record in enumerate(records):
        for text in record.texts_of(index.fields):
            owners.append(position)
            pointers.append(text.pointer)
            strings.append(text.text)
    found: list[list] = [[] for _ in records]
    long_hits = _texts_with_hits(shingle_hashes_many(strings, ngram=rule.options["ngram"]), index.long_grams, 1e-9)
    short = shingle_hashes_many(strings, ngram=3)
    similar = _texts_with_hits(short, index.short_grams, rule.options["threshold"])
    for text_index in sorted(set(long_hits) | set(similar)):
        counts = index.short_grams.owner_counts(short[text_index])
        jaccards = counts / (short[text_index].size + index.short_grams.sizes - counts)
        shared = long_hits.get(text_index)
        best = int(np.argmax(jaccards)) if shared is None else shared[0]
        similarity = float(jaccards[best])
        if shared is None and similarity < rule.options["threshold"]:
            continue
        found[owners[text_index]].append((pointers[text_index], best, 0 if shared is None else shared[1], similarity))
    return [tuple(items) if items else None for items in found]


def _texts_with_hits(shingles: list[np.ndarray], eval_index: ShingleIndex, share: float) -> dict[int, tuple]:
    """Texts holding at least `share` of their shingles somewhere in the evaluation set.

    For 13-grams (share ~0: any hit) the value is (closest evaluation text, shared 13-grams).
    """
    sizes = np.fromiter((array.size for array in shingles), np.int64, len(shingles))
    if not sizes.sum() or not eval_index.unique.size:
        return {}
    flat = np.concatenate(shingles)
    hit = np.isin(flat, eval_index.unique)
    hits = np.bincount(np.repeat(np.arange(len(shingles)), sizes)[hit], minlength=len(shingles))
    result: dict[int, tuple] = {}
    for text_index in np.flatnonzero((hits > 0) & (hits >= share * sizes)).tolist():
        counts = eval_index.owner_counts(shingles[text_index])
        best = int(np.argmax(counts))
        result[text_index] = (best, int(counts[best]))
    return result


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    index: EvalIndex = rule.state
    ngram = rule.options["ngram"]
    for position, items in enumerate(table.values):
        for pointer, eval_position, shared, similarity in items:
            eval_text = index.texts[eval_position]
            name = f"{Path(eval_text.path).name}:{eval_text.line}"
            overlap = f"shares {shared} word {ngram}-gram{'s' * (shared != 1)}" if shared else ""
            close = f"similarity {similarity:.2f}" if similarity >= rule.options["threshold"] or not shared else ""
            evidence = " and ".join(part for part in (overlap, close) if part)
            yield DatasetFinding(
                position,
                f"{pointer.lstrip('/') or 'text'} overlaps evaluation set {name} ({eval_text.pointer}): {evidence}",
                pointer=pointer,
                elsewhere=(Location(eval_text.path, eval_text.line, pointer=eval_text.pointer),),
            )
