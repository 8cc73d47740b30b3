"""Near-duplicates: records whose chosen text fields are almost the same, by verified MinHash.

Record pass (in batches): the shingle hashes of the configured fields joined by a space,
normalised (NFKC, case folding, whitespace) as sorted uint64 arrays (`datalint.minhash`).
Dataset pass: MinHash signatures of every array, LSH candidates, and the exact Jaccard of
each candidate; only pairs at or above `threshold` exist. Pairs are grouped into clusters;
each extra member is reported once, at itself, with the cluster's first record as the related
location and the similarity to it. Members whose shingle sets equal an earlier member's are
copies: the duplicate rules (D001-D004) report those, so they are skipped here.

Template text: a shingle found in more than `template-share` of the distinct texts (and in at
least `template-min-records` of them) is boilerplate shared by the whole file, such as a tool
description pasted before every question. It is dropped before comparing, otherwise every
record of the template is a "near-duplicate" of every other one while their questions differ.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from datalint.checks import Option
from datalint.minhash import LazySignatures, clusters, find_similar_pairs, jaccard, shingle_hashes_many
from datalint.records import TEXT_FIELDS, Record
from datalint.violation import DatasetFinding

TEMPLATE_BUCKET_BITS = 20
MIN_TEMPLATE_SHINGLES = 20  # about 22 words of boilerplate: a pasted description, not a phrase
OPTIONS = {
    "fields": Option(list, ["instruction", "input"], f"text fields compared, joined: {', '.join(TEXT_FIELDS)}, or all"),
    "threshold": Option(float, 0.9, "lowest Jaccard similarity of the shingle sets that counts as near-duplicate"),
    "ngram": Option(int, 3, "shingle length, in units"),
    "unit": Option(str, "word", "shingle unit: word (whitespace-separated) or char", ("word", "char")),
    "num-perm": Option(int, 128, "MinHash permutations (more: fewer missed pairs, slower)"),
    "template-share": Option(
        float, 0.01, "ignore shingles found in more than this share of the distinct texts (1.0: ignore none)"
    ),
    "template-min-records": Option(int, 50, "... and in at least this many distinct texts"),
}


def prepare(options: dict) -> frozenset[str]:
    unknown = set(options["fields"]) - {*TEXT_FIELDS, "all"}
    if unknown:
        raise ValueError(f"unknown field {sorted(unknown)[0]!r} in `fields` (fields: {', '.join(TEXT_FIELDS)}, all)")
    if not 0.0 < options["threshold"] <= 1.0:
        raise ValueError("`threshold` must be above 0 and at most 1")
    if options["ngram"] < 1 or options["num-perm"] < 8:
        raise ValueError("`ngram` must be at least 1 and `num-perm` at least 8")
    return frozenset(options["fields"])


def compared_text(fields: frozenset[str], record: Record) -> str:
    return " ".join(text.text for text in record.texts_of(fields))


def record_features_batch(rule, records: list[Record]) -> list[np.ndarray | None]:
    texts = [compared_text(rule.state, record) for record in records]
    shingles = shingle_hashes_many(texts, ngram=rule.options["ngram"], unit=rule.options["unit"])
    # An empty text has no shingles and is never anyone's near-duplicate.
    return [array if array.size else None for array in shingles]


def without_template(
    shingles: list[np.ndarray], paths: list[str], share: float, min_records: int
) -> tuple[list[np.ndarray], np.ndarray]:
    """The shingle arrays without template shingles, and which records lost any.

    Templates are found per file (a file's boilerplate is rare among many files of a run) and
    removed from every record of the run, so a train record and its validation copy still meet.
    Only records holding at least MIN_TEMPLATE_SHINGLES of them are trimmed: common phrases
    ("a C++ function that", "of a given") are frequent too, and cutting a few of them from a
    short prompt would leave a remnant that matches other remnants.
    """
    by_file: dict[str, list[int]] = {}
    for index, path in enumerate(paths):
        by_file.setdefault(path, []).append(index)
    found = [_template_of([shingles[index] for index in indices], share, min_records) for indices in by_file.values()]
    template = np.unique(np.concatenate(found))
    if not template.size:
        return shingles, np.zeros(len(shingles), bool)
    flat = np.concatenate(shingles)
    sizes = np.fromiter(map(len, shingles), np.int64, len(shingles))
    starts = np.cumsum(sizes) - sizes
    # Template shingles per record, summed over each record's run of `flat` (no per-shingle owner array).
    in_template = np.zeros(len(shingles), np.int64)
    nonempty = sizes > 0
    if flat.size:
        in_template[nonempty] = np.add.reduceat(_in_sorted(flat, template), starts[nonempty], dtype=np.int64)
    del flat
    templated = in_template >= MIN_TEMPLATE_SHINGLES
    kept = list(shingles)
    for index in np.flatnonzero(templated).tolist():  # usually few records: trim only those
        kept[index] = shingles[index][~_in_sorted(shingles[index], template)]
    return kept, templated


def _in_sorted(values: np.ndarray, members: np.ndarray) -> np.ndarray:
    """`np.isin(values, members)` for sorted unique `members`: one binary search per value, where
    isin sorts both together (several copies of `values`)."""
    at = np.searchsorted(members, values)
    at[at == members.size] = 0
    return members[at] == values


def _template_of(shingles: list[np.ndarray], share: float, min_records: int) -> np.ndarray:
    distinct = list({array.tobytes(): array for array in shingles}.values())
    flat = np.concatenate(distinct)
    least = max(min_records - 1, share * len(distinct))
    # Counting every shingle means sorting them all. Shingles are hashes: counted first by their
    # top TEMPLATE_BUCKET_BITS bits, a shingle found more than `least` times lies in a bucket
    # counted more than `least` times, so only those buckets' shingles need an exact count.
    buckets = (flat >> np.uint64(64 - TEMPLATE_BUCKET_BITS)).astype(np.uint32)
    crowded = np.bincount(buckets, minlength=1 << TEMPLATE_BUCKET_BITS) > least
    candidates = flat[crowded[buckets]]
    values, counts = np.unique(candidates, return_counts=True)
    return values[counts > least]


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    originals = table.values
    threshold = rule.options["threshold"]
    options = rule.options
    shingles, trimmed = without_template(
        originals, table.paths, options["template-share"], options["template-min-records"]
    )
    # Signatures computed for the rows banding and verification ask for, never held for all records.
    lazy = LazySignatures(shingles, num_perm=rule.options["num-perm"])
    pairs = find_similar_pairs(lazy, shingles, threshold=threshold, expand_duplicates=False)
    best_link: dict[int, tuple[float, int]] = {}
    for one, other, similarity in pairs:
        for member, neighbour in ((one, other), (other, one)):
            if similarity > best_link.get(member, (0.0, -1))[0]:
                best_link[member] = (similarity, neighbour)
    fields = "+".join(rule.options["fields"])
    shingle = f"{rule.options['unit']} {rule.options['ngram']}-grams"
    for members in clusters(len(shingles), pairs):
        first = members[0]
        seen = {originals[first].tobytes()}
        for member in members[1:]:
            text_key = originals[member].tobytes()
            if text_key in seen:
                continue  # a copy of an earlier member: the duplicate rules report it
            seen.add(text_key)
            similarity = jaccard(shingles[first], shingles[member])
            how = f"similarity {similarity:.2f} on {fields} ({shingle})"
            if trimmed[first] or trimmed[member]:
                whole = jaccard(originals[first], originals[member])
                how += f" once template text is set aside ({whole:.2f} with it)"
            if similarity < threshold:
                link_similarity, link = best_link[member]
                how += f", joined through {table.where(link, member)} at {link_similarity:.2f}"
            size = f"; cluster of {len(members)} records" if len(members) > 2 else ""
            yield DatasetFinding(member, f"near-duplicate of {table.where(first, member)}: {how}{size}", (first,))
