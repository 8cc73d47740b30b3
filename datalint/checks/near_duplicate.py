"""Near-duplicates: records whose chosen text fields are almost the same, by verified MinHash.

Record pass (in batches): the shingle hashes of the configured fields joined by a space,
normalised (NFKC, case folding, whitespace) as sorted uint64 arrays (`datalint.minhash`).
Dataset pass: MinHash signatures of every array, LSH candidates, and the exact Jaccard of
each candidate; only pairs at or above `threshold` exist. Pairs are grouped into clusters;
each extra member is reported once, at itself, with the earliest record it is verified similar
to as the related location (never a record it only reaches through a chain of others). Members
whose shingle sets equal an earlier member's are copies: the duplicate rules (D001-D004) report
those, so they are skipped here.

Different questions about one passage: T0 asks "who is mentioned first?" and "who is
mentioned last?" about the same 300-word article, and the prompts' Jaccard is above 0.95. When
both records have a short answer (a label, a number, yes/no: `duplicate.closed_answer`, or a
sentence of at most 25 words) and the answers differ, the words that changed changed the
question, and the pair is not reported. Likewise two Alpaca records whose instructions differ
over one input are two tasks. The record pass keeps both as 64-bit keys in front of the
shingle hashes.

Template text: a shingle found in more than `template-share` of the distinct texts (and in at
least `template-min-records` of them) is boilerplate shared by the whole file, such as a tool
description pasted before every question. It is dropped before comparing, otherwise every
record of the template is a "near-duplicate" of every other one while their questions differ.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from hashlib import blake2b

import numpy as np

from datalint.checks import Option, fields_option
from datalint.checks.duplicate import closed_answer_of
from datalint.feature_types import UINT64_ARRAY, scalar
from datalint.minhash.pairs import exact_groups, find_similar_pairs_arrays, groups
from datalint.minhash.ragged import Ragged, Trimmed, in_sorted
from datalint.minhash.shingles import jaccard, normalize, shingle_hashes_many
from datalint.minhash.signatures import LazySignatures
from datalint.records import Record
from datalint.violation import DatasetFinding

TEMPLATE_BUCKET_BITS = 20
MIN_TEMPLATE_SHINGLES = 20  # about 22 words of boilerplate: a pasted description, not a phrase
OPTIONS = {
    "fields": fields_option(["instruction", "input"], "text fields compared, joined"),
    "threshold": Option(
        float, 0.9, "lowest Jaccard similarity of the shingle sets that counts as near-duplicate", maximum=1
    ),
    "ngram": Option(int, 3, "shingle length, in units", minimum=1),
    "unit": Option(str, "word", "shingle unit: word (whitespace-separated) or char", ("word", "char")),
    "num-perm": Option(int, 128, "MinHash permutations (more: fewer missed pairs, slower)", minimum=8),
    "template-share": Option(
        float, 0.002, "ignore shingles found in more than this share of the distinct texts (1.0: ignore none)"
    ),
    "template-min-records": Option(int, 10, "... and in at least this many distinct texts"),
}


def check_options(options: dict) -> None:
    if options["threshold"] <= 0:
        raise ValueError("`threshold` must be above 0")


def prepare(options: dict) -> frozenset[str]:
    return frozenset(options["fields"])


def compared_text(fields: frozenset[str], record: Record) -> str:
    return " ".join(text.text for text in record.texts_of(fields))


# Each record's feature is one uint64 array: HEADER keys about its answer and task, then its
# sorted shingle hashes. One array per record is what the cache and the engine handle fastest.
# A long answer leaves no trace in it, so editing one does not rerun D005 (memo.py).
HEADER = 2  # short-answer key, task key
MAX_SHORT_ANSWER_WORDS = 25


FEATURE_COLUMNS = scalar("shingles", UINT64_ARRAY)  # HEADER keys, then the sorted shingle hashes


def record_features_batch(rule, records: list[Record]) -> list[np.ndarray | None]:
    """Per record: [short-answer key, task key, *sorted shingle hashes] (None: no text)."""
    texts = [compared_text(rule.state, record) for record in records]
    shingles = shingle_hashes_many(texts, ngram=rule.options["ngram"], unit=rule.options["unit"])
    compares_input = "input" in rule.state or "all" in rule.state
    # An empty text has no shingles and is never anyone's near-duplicate.
    return [
        np.concatenate((np.array(_header(record, compares_input), np.uint64), array)) if array.size else None
        for record, array in zip(records, shingles, strict=True)
    ]


def _header(record: Record, compares_input: bool) -> tuple[int, int]:
    return (answer_key(record), task_key(record) if compares_input else 0)


def _key(text: str) -> int:
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little") or 1


def answer_key(record: Record) -> int:
    """A 64-bit key of the record's answer words when the answer is short (a label, a number, a
    sentence), 0 when it is long or missing. Keys are compared for equality: "Will Kidman" and
    "Will Kidman, singer" answer different questions about one passage (who; who and what)."""
    response = record.response
    if not response or len(response) > 8 * MAX_SHORT_ANSWER_WORDS:
        return 0
    closed = closed_answer_of(record)
    if closed is not None:
        return _key("\x1f".join(closed))
    words = _ANSWER_WORD.findall(normalize(_END_OF_TEXT.sub(" ", response) if "<" in response else response))
    if not words or len(words) > MAX_SHORT_ANSWER_WORDS:
        return 0
    # A short worked solution ("She spends 18 + 25 = $43 ... $7 left.") answers with its last number.
    numbers = _NUMBER.findall(response)
    if numbers:
        return _key("number\x1f" + numbers[-1].replace(",", ""))
    return _key(" ".join(words))


_ANSWER_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_END_OF_TEXT = re.compile(r"<\|endoftext\|>|</s>|<\|im_end\|>|<\|eot_id\|>")


def task_key(record: Record) -> int:
    """A 64-bit key of the instruction of a record that keeps its material in a separate input
    field (Alpaca), 0 otherwise. "Cite the sources" and "Draft a tweet" about one abstract are
    two tasks however similar the joined texts are."""
    if record.format not in ("alpaca", "custom"):
        return 0
    instruction = material = ""
    for text in record.texts:
        if text.field == "instruction" and not instruction:
            instruction = text.text
        elif text.field == "input" and not material:
            material = text.text
    if not instruction.strip() or not material.strip():
        return 0
    return _key(normalize(instruction))


def without_template(
    shingles: Ragged, paths: list[str], share: float, min_records: int
) -> tuple[Ragged | Trimmed, np.ndarray, np.ndarray]:
    """The shingle arrays without template shingles, which records lost any, and the template.

    Templates are found per file (a file's boilerplate is rare among many files of a run) and
    removed from every record of the run, so a train record and its validation copy still meet.
    Only records holding at least MIN_TEMPLATE_SHINGLES of them are trimmed: common phrases
    ("a C++ function that", "of a given") are frequent too, and cutting a few of them from a
    short prompt would leave a remnant that matches other remnants. Records are read in slices
    of about CHUNK_SHINGLES hashes, so the temporaries stay small whatever the run's size, and
    the trimmed arrays are read through `Trimmed`, not copied.
    """
    by_file: dict[str, list[int]] = {}
    for index, path in enumerate(paths):
        by_file.setdefault(path, []).append(index)
    found = [_template_of(shingles, np.array(indices), share, min_records) for indices in by_file.values()]
    template = np.unique(np.concatenate(found))
    templated = np.zeros(len(shingles), bool)
    if not template.size:
        return shingles, templated, template
    in_template = np.zeros(len(shingles), np.int64)
    for part, flat, starts in _slices(shingles, np.arange(len(shingles))):
        # Template shingles per record, summed over each record's run of `flat`.
        in_template[part] = np.add.reduceat(in_sorted(flat, template), starts, dtype=np.int64)
    templated = in_template >= MIN_TEMPLATE_SHINGLES
    if not templated.any():
        return shingles, templated, template
    return Trimmed.of(shingles, templated, template, in_template), templated, template


CHUNK_SHINGLES = 1 << 21


def _slices(shingles: Ragged, indices: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The non-empty records among `indices` in slices: (their indices, their hashes end to end,
    where each record's run starts)."""
    sizes = shingles.sizes()[indices]
    indices = indices[sizes > 0]
    sizes = sizes[sizes > 0]
    cum = np.cumsum(sizes)
    start = 0
    while start < indices.size:
        base = cum[start - 1] if start else 0
        stop = max(int(np.searchsorted(cum, base + CHUNK_SHINGLES, side="right")), start + 1)
        part = indices[start:stop]
        flat, part_sizes = shingles.gather(part)
        yield part, flat, np.concatenate(([0], np.cumsum(part_sizes)[:-1]))
        start = stop


def _template_of(shingles: Ragged, indices: np.ndarray, share: float, min_records: int) -> np.ndarray:
    """The shingles found in more than `share` of the distinct texts among `indices` (and in at
    least `min_records` of them)."""
    distinct, empty = _distinct(shingles, indices)
    least = max(min_records - 1, share * (distinct.size + empty))
    # Counting every shingle means sorting them all. Shingles are hashes: counted first by their
    # top TEMPLATE_BUCKET_BITS bits, a shingle found more than `least` times lies in a bucket
    # counted more than `least` times, so only those buckets' shingles need an exact count.
    shift = np.uint64(64 - TEMPLATE_BUCKET_BITS)
    counts = np.zeros(1 << TEMPLATE_BUCKET_BITS, np.int64)
    for _, flat, _ in _slices(shingles, distinct):
        counts += np.bincount((flat >> shift).astype(np.int64), minlength=counts.size)
    crowded = counts > least
    candidates = [flat[crowded[(flat >> shift).astype(np.int64)]] for _, flat, _ in _slices(shingles, distinct)]
    values, counts = np.unique(np.concatenate(candidates or [np.empty(0, np.uint64)]), return_counts=True)
    return values[counts > least]


def _distinct(shingles: Ragged, indices: np.ndarray) -> tuple[np.ndarray, int]:
    """The first record of each distinct shingle set among `indices`, and 1 if some are empty
    (the empty set is one more distinct text): sets grouped by a 64-bit fingerprint, each grouping
    confirmed exactly (`pairs.exact_groups`)."""
    sizes = shingles.sizes()
    live = indices[sizes[indices] > 0]
    first = exact_groups(shingles, live, sizes, CHUNK_SHINGLES)
    return live[first == live], int(live.size < indices.size)


Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]  # (one, other, similarity) with one < other, sorted
PairSearch = Callable[[Sequence[np.ndarray], float, int], Pairs]


def local_pairs(shingles: Sequence[np.ndarray], threshold: float, num_perm: int) -> Pairs:
    """Verified similar pairs, found in this process."""
    # Signatures computed for the rows banding and verification ask for, never held for all records.
    lazy = LazySignatures(shingles, num_perm=num_perm)
    return find_similar_pairs_arrays(lazy, shingles, threshold=threshold, expand_duplicates=False)


def ray_pairs(shingles: Sequence[np.ndarray], threshold: float, num_perm: int) -> Pairs:
    """The same pairs, found by a Ray Data pipeline on the cluster this process is connected to."""
    from datalint.minhash.ray_pairs import find_similar_pairs_on_ray

    return find_similar_pairs_on_ray(shingles, threshold=threshold, num_perm=num_perm)


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    return check_dataset_with(rule, table, local_pairs)


def check_dataset_on_ray(rule, table) -> Iterator[DatasetFinding]:
    """`check_dataset` with the MinHash search on Ray (`--executor ray`, docs/ray.md): the same findings."""
    return check_dataset_with(rule, table, ray_pairs)


def check_dataset_with(rule, table, search: PairSearch) -> Iterator[DatasetFinding]:
    """The findings, from the search's pairs held as arrays (at 10M records, millions of pairs,
    most of them copies: as Python tuples and dicts they took gigabytes)."""
    options = rule.options
    threshold = options["threshold"]
    column = table.column("shingles")  # every record's HEADER keys, then its shingles
    offsets = column.offsets if column.offsets is not None else np.arange(len(column.values) + 1)
    starts, ends = offsets[:-1], offsets[1:]
    headers = np.stack([column.values[starts + key] for key in range(HEADER)], axis=1)
    originals = Ragged(column.values, starts + HEADER, ends)
    shingles, trimmed, template = without_template(
        originals, table.paths, options["template-share"], options["template-min-records"]
    )
    one, other, similarity = search(shingles, threshold, options["num-perm"])
    sizes = originals.sizes()
    same = ~_different_questions(headers[one], headers[other], np.minimum(sizes[one], sizes[other]))
    one, other = one[same], other[same]
    similarity = _similarities_beside_template(one, other, similarity[same], originals, trimmed, template)
    kept = similarity >= threshold
    one, other, similarity = one[kept], other[kept], similarity[kept]
    related, related_similarity = _related(len(shingles), one, other, similarity)
    fields = "+".join(options["fields"])
    shingle = f"{options['unit']} {options['ngram']}-grams"
    for group in groups(len(shingles), one, other):
        members = group.tolist()
        seen = {originals[members[0]].tobytes()}
        for member in members[1:]:
            text_key = originals[member].tobytes()
            if text_key in seen:
                continue  # a copy of an earlier member: the duplicate rules report it
            seen.add(text_key)
            linked, how_similar = int(related[member]), float(related_similarity[member])
            how = f"similarity {how_similar:.2f} on {fields} ({shingle})"
            if trimmed[linked] or trimmed[member]:
                whole = jaccard(originals[linked], originals[member])
                how += f" once the template text both share is set aside ({whole:.2f} with it)"
            size = f"; cluster of {len(members)} records" if len(members) > 2 else ""
            yield DatasetFinding(member, f"near-duplicate of {table.where(linked, member)}: {how}{size}", (linked,))


def _similarities_beside_template(
    one: np.ndarray,
    other: np.ndarray,
    similarity: np.ndarray,
    originals: Ragged,
    trimmed: np.ndarray,
    template: np.ndarray,
) -> np.ndarray:
    """The pairs' similarities, those of pairs with a trimmed record measured beside the template."""
    touched = np.flatnonzero(trimmed[one] | trimmed[other])
    if touched.size:
        similarity = similarity.astype(float)  # a copy: the search's array stays as it is
        for at, first, second in zip(touched.tolist(), one[touched].tolist(), other[touched].tolist(), strict=True):
            similarity[at] = _similarity_beside_template(originals[first], originals[second], template)
    return similarity


def _similarity_beside_template(one: np.ndarray, other: np.ndarray, template: np.ndarray) -> float:
    """Jaccard similarity with the template shingles *both* records hold set aside. Template text
    only one of them holds still counts as a difference: the same question under two different
    tool descriptions is two prompts, and two passages that each recur in the file (one article
    under many task templates) are still two passages."""
    both = np.intersect1d(one, other, assume_unique=True)
    shared_template = both[in_sorted(both, template)].size
    union = one.size + other.size - both.size - shared_template
    return (both.size - shared_template) / union if union else 0.0


# Below this many shingles two prompts at 0.9 differ by less than a word (a word changed at the
# end of n 3-grams leaves (n-1)/(n+1)): they are near-duplicates whatever their answers say.
MIN_QUESTION_SHINGLES = 19


def _different_questions(one: np.ndarray, other: np.ndarray, shortest: np.ndarray) -> np.ndarray:
    """Of pairs of similar prompts (their HEADER keys, rows of `one` and `other`), those that ask
    different things: both have a short answer and the answers differ, or both keep their
    material in a separate input and their instructions differ."""
    (short, task), (other_short, other_task) = one.T, other.T
    tasks_differ = (task != 0) & (other_task != 0) & (task != other_task)
    answers_differ = (short != 0) & (other_short != 0) & (short != other_short)
    return tasks_differ | (answers_differ & (shortest >= MIN_QUESTION_SHINGLES))


def _related(n: int, one: np.ndarray, other: np.ndarray, similarity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each record, the earliest record verified similar to it and the similarity; a later one
    when no earlier one is (the first of its cluster); -1 when it is in no pair."""
    related, related_similarity = np.full(n, -1, np.int64), np.zeros(n)
    for members, partners in ((one, other), (other, one)):  # the later links first: earlier ones win
        order = np.lexsort((partners, members))
        first = order[np.flatnonzero(np.diff(members[order], prepend=-1))]  # each member's lowest partner
        related[members[first]] = partners[first]
        related_similarity[members[first]] = similarity[first]
    return related, related_similarity
