"""datalint sample: a stratified spot-check sample of a dataset, written as a review file.

Sampling is stratified by a label (`type`, `difficulty`: declared through the record's labels)
or, when the record declares none, by an instruction type inferred from the first word of the
instruction (table `INSTRUCTION_TYPES`). Order inside a stratum is a seeded hash of the record's
content, so the same seed picks the same records, and adding records elsewhere in the file does
not reshuffle the sample. Records already in the ledger come last.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

from datalint.field_mapping import Mapping_, build_record
from datalint.presets import detect_format
from datalint.reader import is_array_path
from datalint.records import Record
from datalint.source_reader import SourceReader
from datalint.sources import Source

OTHER = "other"
MAX_LINE_BYTES = 10_000_000

# First word of the instruction -> inferred instruction type. Deliberately small: a stratum
# must be big enough to be sampled; anything not listed is "other".
INSTRUCTION_TYPES: dict[str, str] = {
    **dict.fromkeys(
        "what who whom whose why how when where which is are was were do does did can could should would will".split(),
        "question",
    ),
    **dict.fromkeys(
        "write generate create compose design make produce construct develop draft invent brainstorm suggest".split(),
        "generate",
    ),
    **dict.fromkeys(
        "rewrite edit rephrase paraphrase correct convert change transform reword revise improve format".split(),
        "rewrite",
    ),
    **dict.fromkeys(
        "classify categorize categorise identify determine detect evaluate analyze analyse assess find".split(),
        "classify",
    ),
    **dict.fromkeys("explain describe discuss compare summarize summarise outline".split(), "explain"),
    **dict.fromkeys("list name give provide enumerate".split(), "list"),
    **dict.fromkeys("translate".split(), "translate"),
    **dict.fromkeys("calculate compute solve add subtract multiply divide sort".split(), "compute"),
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A record that can be sampled."""

    source: str
    line: int
    hash: str
    record: dict
    stratum: str


def inferred_type(record: Record) -> str:
    """The instruction type from the first word of the prompt (see INSTRUCTION_TYPES)."""
    for word in record.prompt.split(maxsplit=1)[:1]:
        return INSTRUCTION_TYPES.get(word.strip(".,:;!?\"'()*#").lower(), OTHER)
    return OTHER


def stratum_of(record: Record, field: str) -> str:
    """The declared label `field` when the record has one, else the inferred instruction type."""
    label = record.labels.get(field)
    if label is not None and label[0] not in (None, ""):
        return str(label[0])
    return inferred_type(record)


def read_candidates(
    path: Path, name: str, stratify: str, file_format: str = "auto", mapping: Mapping_ | None = None
) -> list[Candidate]:
    """Every parseable record of one dataset file, each once (by content hash), with its stratum."""
    seen: set[str] = set()
    out: list[Candidate] = []
    fixed = file_format if file_format != "auto" else None
    for line in SourceReader(Source(name, path, array=is_array_path(path))).lines(max_line_bytes=MAX_LINE_BYTES):
        if not isinstance(line.value, dict) or line.hash in seen:
            continue
        seen.add(line.hash)
        if fixed is None:
            detected = detect_format(line.value)
            fixed = detected if detected != "unknown" else None
        record = build_record(line.number, line.hash, line.value, fixed or "unknown", mapping)
        out.append(Candidate(name, line.number, line.hash, line.value, stratum_of(record, stratify)))
    return out


def sample_order_key(seed: int, record_hash: str) -> bytes:
    return hashlib.blake2b(f"{seed}:{record_hash}".encode(), digest_size=8).digest()


def allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """How many to draw per stratum: proportional to its size, but at least one from each.

    Strata whose proportional share is below one get exactly one; the rest share what is left
    in proportion, by largest remainder (ties broken by name), so the result is deterministic.
    When there are more strata than draws, the biggest strata get one each.
    """
    total = min(total, sum(sizes.values()))
    strata = sorted(name for name, size in sizes.items() if size)
    counts = dict.fromkeys(sizes, 0)
    if total <= 0 or not strata:
        return counts
    if total < len(strata):
        for name in sorted(strata, key=lambda name: (-sizes[name], name))[:total]:
            counts[name] = 1
        return counts
    free, left = list(strata), total
    while True:  # fix the small strata at one draw until every other share is at least one
        pool = sum(sizes[name] for name in free)
        small = [name for name in free if left * sizes[name] / pool < 1]
        if not small:
            break
        for name in small:
            counts[name] = 1
        free = [name for name in free if name not in small]
        left -= len(small)
    pool = sum(sizes[name] for name in free)
    shares = {name: min(sizes[name], left * sizes[name] / pool) for name in free}
    for name in free:
        counts[name] = math.floor(shares[name])
    remaining = left - sum(counts[name] for name in free)
    while remaining > 0:
        for name in sorted(free, key=lambda name: (-(shares[name] - counts[name]), name)):
            if remaining and counts[name] < sizes[name]:
                counts[name] += 1
                remaining -= 1
    return counts


def draw(candidates: list[Candidate], fraction: float, seed: int, reviewed: set[str]) -> list[Candidate]:
    """A stratified sample of ceil(fraction * n) records, in file order.

    Records not in the ledger are drawn first (stratified among themselves); only when too few
    are left do already-reviewed records fill the sample (stratified the same way).
    """
    total = math.ceil(fraction * len(candidates))
    fresh = [candidate for candidate in candidates if candidate.hash not in reviewed]
    seen = [candidate for candidate in candidates if candidate.hash in reviewed]
    from_fresh = min(total, len(fresh))
    picked = _stratified(fresh, from_fresh, seed) + _stratified(seen, total - from_fresh, seed)
    return sorted(picked, key=lambda c: (c.source, c.line))


def _stratified(candidates: list[Candidate], total: int, seed: int) -> list[Candidate]:
    by_stratum: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_stratum.setdefault(candidate.stratum, []).append(candidate)
    counts = allocate({name: len(items) for name, items in by_stratum.items()}, total)
    picked: list[Candidate] = []
    for name, items in by_stratum.items():
        picked.extend(sorted(items, key=lambda c: sample_order_key(seed, c.hash))[: counts[name]])
    return picked


def review_line(candidate: Candidate) -> str:
    entry = {
        "record_hash": candidate.hash,
        "source": candidate.source,
        "line": candidate.line,
        "stratum": candidate.stratum,
        "record": candidate.record,
        "rating": "",
        "note": "",
    }
    return json.dumps(entry, ensure_ascii=False)
