"""The driver's per-line data held as arrays (line hashes, entries, record keys): repeated lines are
checked once and reported on every copy, line 1 keeps its own key, a warm run after edits reports
what a cold run does, and the hash text users see is unchanged."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import datalint
from datalint import cache
from datalint.engine.record_pass import line_entries
from datalint.reader import hash_text, hash_texts, hash_values, record_digests, record_hash
from datalint.record_keys import KeyIndex, RecordKeys
from tests.conftest import run

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
CODE_ALPACA = DATASETS / "code-alpaca-2k.jsonl"

BOM = b"\xef\xbb\xbf"
DISCLAIMER = b'{"instruction": "Say hi", "input": "", "output": "As an AI language model, hello"}'
PLAIN = b'{"instruction": "Say bye", "input": "", "output": "Goodbye now"}'
SELECT = 'select = ["S", "P", "D001"]\n'


def _dataset(tmp_path: Path, lines: list[bytes], select: str = SELECT) -> Path:
    (tmp_path / "datalint.toml").write_text(select, encoding="utf-8")
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _found(report) -> list[tuple]:
    return [
        (v.code, v.line, v.record_hash, [(Path(r.path).name, r.line) for r in v.related]) for v in report.violations
    ]


def test_repeated_lines_are_checked_once_and_reported_on_every_copy(tmp_path: Path) -> None:
    lines = [DISCLAIMER, PLAIN, DISCLAIMER, PLAIN, DISCLAIMER, DISCLAIMER]
    path = _dataset(tmp_path, lines)
    cold = datalint.lint_paths([path], cache=True)
    # Copies count as checked (they were not found in the cache), as before.
    assert cold.stats["checked"] == 6 and cold.stats["cached"] == 0
    disclaimer, plain = record_hash(DISCLAIMER), record_hash(PLAIN)
    assert [(code, line, hash_) for code, line, hash_, _ in _found(cold) if code == "P001"] == [
        ("P001", line, disclaimer) for line in (1, 3, 5, 6)
    ]
    duplicates = [(line, related) for code, line, _, related in _found(cold) if code == "D001"]
    assert [hash_ for code, line, hash_, _ in _found(cold) if code == "D001" and line == 4] == [plain]
    assert duplicates == [(3, [("data.jsonl", 1)]), (4, [("data.jsonl", 2)]), (5, [("data.jsonl", 1)]),
                          (6, [("data.jsonl", 1)])]  # fmt: skip
    # The cache holds one entry per distinct record key: line 1's own, then the others, in line order.
    (cache_path,) = sorted((tmp_path / ".datalint_cache").glob("*.bin"))
    header, _ = cache.container.read(cache_path, cache.MAGIC)
    assert header["entries"] == 3 and header["line_one"] == [0]
    warm = datalint.lint_paths([path], cache=True)
    assert warm.stats["checked"] == 0 and warm.stats["cached"] == 6
    assert _found(warm) == _found(cold) == _found(datalint.lint_paths([path], cache=False))


def test_line_one_keeps_its_own_key_apart_from_the_same_bytes_elsewhere(tmp_path: Path) -> None:
    """A byte order mark is allowed on line 1 only: the same bytes on line 3 are invalid JSON there."""
    path = _dataset(tmp_path, [BOM + DISCLAIMER, PLAIN, BOM + DISCLAIMER, PLAIN])
    for use_cache in (True, True, False):  # cold, warm, no cache
        report = datalint.lint_paths([path], cache=use_cache)
        codes = [(code, line) for code, line, _, _ in _found(report)]
        assert codes == [("S004", 1), ("P001", 1), ("S001", 3), ("D001", 4)]
        assert {v.record_hash for v in report.violations if v.line in (1, 3)} == {record_hash(BOM + DISCLAIMER)}
    # Line 1's content moved to line 2 (and the old line 2 to line 1): each line's key changes.
    path.write_bytes(b"\n".join([PLAIN, BOM + DISCLAIMER, PLAIN]) + b"\n")
    warm = datalint.lint_paths([path], cache=True)
    # Lines 2 and 3 are cached (as lines 3 and 2 were); line 1's key is new (PLAIN was never line 1).
    assert warm.stats["cached"] == 2 and warm.stats["checked"] == 1
    assert _found(warm) == _found(datalint.lint_paths([path], cache=False))
    assert [(code, line) for code, line, _, _ in _found(warm)] == [("S001", 2), ("D001", 3)]


@pytest.mark.skipif(not CODE_ALPACA.exists(), reason="real datasets not found beside the checkout")
def test_warm_runs_after_edits_report_what_a_cold_run_does(tmp_path: Path) -> None:
    """Edits that copy lines, delete lines and change line 1, over enough runs to write delta files
    and fold them in: every warm run reports what a run without the cache does."""
    (tmp_path / "datalint.toml").write_text('select = ["S", "P0", "D001", "L001", "L003"]\n', encoding="utf-8")
    path = tmp_path / "data.jsonl"
    lines = CODE_ALPACA.read_bytes().split(b"\n")[:600]
    path.write_bytes(b"\n".join(lines) + b"\n")
    datalint.lint_paths([path], cache=True)
    edits = (
        [
            lambda lines: [*lines, lines[10], lines[20]],  # copies of earlier lines at the end
            lambda lines: [lines[5], *lines[1:]],  # line 1 becomes a copy of line 6
            lambda lines: lines[:100] + lines[200:],  # a hundred lines deleted
            lambda lines: [*lines[:50], b'{"instruction": "x", "input": "", "output": ""}', *lines[50:]],
            lambda lines: lines[1:],  # line 1 deleted: the old line 2 is line 1 now
        ]
        * 2
    )  # ten runs: more than cache.MAX_DELTAS delta files, so they are folded into the cache file
    for edit in edits:
        lines = edit(lines)
        path.write_bytes(b"\n".join(lines) + b"\n")
        warm = datalint.lint_paths([path], cache=True)
        assert warm.stats["cached"] > len(lines) // 2
        cold = datalint.lint_paths([path], cache=False)
        assert [v.to_dict() for v in warm.violations] == [v.to_dict() for v in cold.violations]
    assert any(v.code == "D001" for v in cold.violations)


def test_hash_text_in_json_output_is_unchanged_for_a_known_line(tmp_path: Path) -> None:
    path = _dataset(tmp_path, [BOM + DISCLAIMER, PLAIN, BOM + DISCLAIMER, PLAIN])
    shutil.copyfile(path, tmp_path / "copy.jsonl")
    result = run("check", str(path), "--format", "json", "--select", "S,P,D001")
    found = {(v["code"], v["line"]): v["record_hash"] for v in json.loads(result.output)["violations"]}
    # The blake2b-8 hex digest of the line's bytes (its BOM included), as in every earlier release.
    assert found == {
        ("S004", 1): "31a32d4ce559554d",
        ("P001", 1): "31a32d4ce559554d",
        ("S001", 3): "31a32d4ce559554d",
        ("D001", 4): "16f6b57384b2c2f4",  # a dataset-wide finding: its hash from the table's uint64 column
    }
    assert hashlib.blake2b(PLAIN, digest_size=8).hexdigest() == "16f6b57384b2c2f4"


def test_hash_numbers_and_texts_convert_both_ways() -> None:
    lines = [b"", PLAIN, DISCLAIMER, BOM + DISCLAIMER]
    digests = record_digests(lines)
    assert digests.dtype == np.uint64
    texts = [record_hash(line) for line in lines]
    assert hash_texts(digests) == texts == [hash_text(value) for value in digests]
    assert hash_values(texts).tolist() == digests.tolist()
    with pytest.raises(ValueError):
        hash_values(["abc"])


def test_line_entries_number_new_keys_in_line_order_and_find_earlier_copies() -> None:
    known = RecordKeys(np.array([7, 9, 7], np.uint64), [2]).index()  # entry 2: line 1's key 7
    assert known.find(np.array([7, 9, 8], np.uint64)).tolist() == [0, 1, -1]
    assert known.get(7, line_one=True) == 2 and known.get(9, line_one=True) is None
    seen = KeyIndex()
    first = np.array([5, 7, 5, 3, 9, 3], np.uint64)
    entries, from_cache, to_check = line_entries(first, True, known, seen, 3)
    # Line 1 (key 5) is new and its own; 7 and 9 are cached; 5 elsewhere and 3 are new, in line order.
    assert entries.tolist() == [3, 0, 4, 5, 1, 5] and from_cache == 2 and to_check.tolist() == [0, 2, 3]
    entries, from_cache, to_check = line_entries(np.array([3, 5, 11, 11], np.uint64), False, known, seen, 6)
    assert entries.tolist() == [5, 4, 6, 6] and from_cache == 0 and to_check.tolist() == [2]


def test_key_index_finds_every_key_across_merged_runs() -> None:
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 2**63, 5000, dtype=np.uint64))
    rng.shuffle(keys)
    index = KeyIndex()
    start = 0
    for size in (1, 7, 300, 2, 1000, 50, 3000):
        part = keys[start : start + size]
        index.add(part, np.arange(start, start + len(part)))
        start += len(part)
    assert len(index.runs) < 7
    assert index.find(keys[:start]).tolist() == list(range(start))
    assert (index.find(keys[start:]) == -1).all()
