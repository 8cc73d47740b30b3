"""Behaviour of datalint.minhash: shingles, signatures, verified near-duplicate pairs."""

import itertools
import json
import random
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from datalint.minhash.pairs import choose_bands, clusters, find_similar_pairs
from datalint.minhash.ragged import Ragged, Trimmed, gather, in_sorted, sizes_of
from datalint.minhash.shingles import jaccard, normalize, shingle_hashes, shingle_hashes_many
from datalint.minhash.signatures import LazySignatures, signature, signatures

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def pairs_of(texts, threshold=0.9, **kw):
    sh = shingle_hashes_many(texts)
    return find_similar_pairs(signatures(sh), sh, threshold=threshold, **kw)


def words(n, prefix="w"):
    return [f"{prefix}{i}" for i in range(n)]


def reference_shingles(text, n=3):
    """Independent reference: the spec's shingles as a Python set of strings."""
    toks = unicodedata.normalize("NFKC", text).casefold().split()
    if not toks:
        return set()
    if len(toks) < n:
        return {" ".join(toks)}
    return {" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)}


def reference_jaccard(a, b):
    sa, sb = reference_shingles(a), reference_shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def test_shingles_are_sorted_unique_uint64():
    h = shingle_hashes("a b c a b c a b c")  # 3 distinct 3-grams, repeated
    assert h.dtype == np.uint64
    assert h.size == 3
    assert np.all(h[1:] > h[:-1])


def test_normalisation_nfkc_casefold_whitespace():
    assert normalize("  Stra\u00dfe\tIS\u00a0\uff26\uff35\uff2e \n") == "strasse is fun"
    assert np.array_equal(shingle_hashes("The  QUICK\nbrown fox"), shingle_hashes("the quick brown FOX"))


def test_whitespace_table_matches_str_isspace():
    from datalint.minhash.shingles import _WHITESPACE

    assert set(_WHITESPACE) == {c for c in range(0x110000) if chr(c).isspace()}


@pytest.mark.parametrize("unit", ["word", "char"])
def test_whitespace_variants_fold_to_the_same_shingles(unit):
    rng = random.Random(5)
    spaces = [" ", "  ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\x1c", "\u2029 "]
    base = "Alpha beta, gamma DELTA épsilon 日本 zeta eta"
    toks = base.split()
    expected = shingle_hashes(base, unit=unit, ngram=4)
    variants = []
    for _ in range(30):
        edge = [rng.choice(["", *spaces]) for _ in range(2)]
        variants.append(edge[0] + "".join(t + rng.choice(spaces) for t in toks[:-1]) + toks[-1] + edge[1])
    for got in shingle_hashes_many(["", *variants, "  "], unit=unit, ngram=4)[1:-1]:
        assert np.array_equal(got, expected)


def test_char_shingles_match_reference_strings():
    rng = random.Random(9)
    alphabet = "ab c\tD\u00e9\u3000"
    for _ in range(100):
        a = "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
        b = "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
        na, nb = normalize(a), normalize(b)
        ra = {na[i : i + 3] for i in range(len(na) - 2)} or ({na} if na else set())
        rb = {nb[i : i + 3] for i in range(len(nb) - 2)} or ({nb} if nb else set())
        want = len(ra & rb) / len(ra | rb) if ra | rb else 0.0
        got = jaccard(shingle_hashes(a, unit="char"), shingle_hashes(b, unit="char"))
        assert got == pytest.approx(want)
        assert shingle_hashes(a, unit="char").size == len(ra)


def test_known_jaccard_at_threshold_is_reported():
    # 21 words -> 19 shingles; changing the last word changes 1 -> 18/20 = 0.9 exactly.
    a = " ".join(words(21))
    b = " ".join(words(20) + ["other"])
    assert jaccard(shingle_hashes(a), shingle_hashes(b)) == pytest.approx(0.9)
    assert pairs_of([a, b]) == [(0, 1, pytest.approx(0.9))]


def test_pair_just_below_threshold_is_never_reported():
    # 20 words -> 18 shingles, 17 shared, union 19: J = 0.8947 < 0.9.
    a = " ".join(words(20))
    b = " ".join(words(19) + ["other"])
    j = jaccard(shingle_hashes(a), shingle_hashes(b))
    assert j == pytest.approx(17 / 19)
    assert pairs_of([a, b], threshold=0.9) == []
    assert pairs_of([a, b], threshold=0.85) == [(0, 1, pytest.approx(17 / 19))]


def test_jaccard_matches_reference_on_random_texts():
    rng = random.Random(7)
    vocab = words(30, "v")
    for _ in range(200):
        a = " ".join(rng.choices(vocab, k=rng.randint(0, 25)))
        b = " ".join(rng.choices(vocab, k=rng.randint(0, 25)))
        got = jaccard(shingle_hashes(a), shingle_hashes(b))
        assert got == pytest.approx(reference_jaccard(a, b))


def test_batch_equals_single_for_word_and_char_units():
    texts = ["", "   ", "x", "two words", "Hello, World! How are you?", "日本語 の テキスト", "a\x00b c"]
    for unit, n in (("word", 3), ("char", 5), ("word", 1)):
        batch = shingle_hashes_many(texts, ngram=n, unit=unit)
        for text, got in zip(texts, batch, strict=True):
            assert np.array_equal(got, shingle_hashes(text, ngram=n, unit=unit))


def test_char_shingles_known_jaccard():
    a = shingle_hashes("abcdefghij", unit="char", ngram=3)  # 8 trigrams
    b = shingle_hashes("abcdefghiX", unit="char", ngram=3)  # shares 7 of them
    assert a.size == 8
    assert jaccard(a, b) == pytest.approx(7 / 9)


def test_hashes_are_stable_across_runs():
    # Pinned values: features may be cached on disk, so the hash must never drift silently.
    assert shingle_hashes("What is up?").tolist() == [3179164134882408197]
    assert signature(shingle_hashes("What is up?"))[:3].tolist() == [
        293135773,
        2622794519,
        709730885,
    ]


def test_short_and_empty_texts():
    assert shingle_hashes("").size == 0
    assert shingle_hashes(" \n\t ").size == 0
    assert shingle_hashes("hi").size == 1
    assert signature(np.empty(0, np.uint64)).min() == np.iinfo(np.uint32).max
    texts = ["", "", "  ", "yes", "yes", "yes please", "What is up?"]
    # Empty records are never paired; "yes" == "yes"; "yes" vs "yes please" share nothing.
    assert pairs_of(texts) == [(3, 4, 1.0)]
    assert pairs_of([]) == []
    assert pairs_of([""]) == []


def test_exact_duplicates_have_jaccard_one():
    text = "Give three tips for staying healthy: eat well, sleep, exercise."
    got = pairs_of(["other text entirely here", text, "noise words", text.upper()])
    assert got == [(1, 3, 1.0)]


def test_duplicate_groups_expand_across_near_duplicate_pairs():
    a = " ".join(words(21))
    b = " ".join(words(20) + ["other"])  # J(a, b) = 0.9
    texts = [a, "unrelated words here", b, a, b, a]
    j = pytest.approx(0.9)
    assert pairs_of(texts) == [
        (0, 2, j), (0, 3, 1.0), (0, 4, j), (0, 5, 1.0), (2, 3, j), (2, 4, 1.0),
        (2, 5, j), (3, 4, j), (3, 5, 1.0), (4, 5, j),
    ]  # fmt: skip
    star = pairs_of(texts, expand_duplicates=False)
    assert star == [(0, 2, j), (0, 3, 1.0), (0, 5, 1.0), (2, 4, 1.0)]
    assert clusters(len(texts), star) == clusters(len(texts), pairs_of(texts)) == [[0, 2, 3, 4, 5]]


def test_deterministic_output():
    rng = random.Random(3)
    base = [" ".join(rng.choices(words(200), k=40)) for _ in range(50)]
    texts = base + [t.replace("w1 ", "w2 ", 1) for t in base]
    first = pairs_of(texts, threshold=0.8)
    assert first == pairs_of(texts, threshold=0.8)
    assert first == sorted(first)
    assert all(i < j for i, j, _ in first)


def test_matches_brute_force_on_mutated_corpus():
    rng = random.Random(11)
    vocab = words(500)
    texts = []
    for _ in range(60):
        src = rng.choices(vocab, k=rng.randint(3, 60))
        for _ in range(4):
            copy = [w for w in src if rng.random() > 0.03]
            copy = [rng.choice(vocab) if rng.random() < 0.02 else w for w in copy]
            texts.append(" ".join(copy))
    rng.shuffle(texts)
    ref = [reference_shingles(t) for t in texts]
    truth = {
        (i, j): len(ref[i] & ref[j]) / len(ref[i] | ref[j])
        for i, j in itertools.combinations(range(len(texts)), 2)
        if not ref[i].isdisjoint(ref[j])
    }
    for threshold in (0.9, 0.8):
        expected = {p for p, jac in truth.items() if jac >= threshold}
        assert len(expected) >= 20  # the corpus really has near-duplicates at this threshold
        got = pairs_of(texts, threshold=threshold)
        assert {(i, j) for i, j, _ in got} == expected
        for i, j, jac in got:
            assert jac == pytest.approx(truth[i, j])
            assert jac >= threshold


def test_167_copies_cluster_without_quadratic_verification():
    rows = [json.loads(line) for line in (DATASETS / "fastchat-dummy-conversation.jsonl").open()]
    firsts = [r["conversations"][0]["value"] for r in rows]
    copies = [i for i, t in enumerate(firsts) if t == "What is up?"]
    assert len(copies) == 167
    sh = shingle_hashes_many(firsts)
    sig = signatures(sh)
    stats: dict[str, int] = {}
    pairs = find_similar_pairs(sig, sh, stats=stats)
    found = {(i, j) for i, j, jac in pairs if jac == 1.0}
    assert set(itertools.combinations(copies, 2)) <= found
    assert stats["distinct_sets"] < len(rows) - 160
    assert stats["verified"] < 1000  # all 13,861 copy pairs come from one exact group
    star = find_similar_pairs(sig, sh, expand_duplicates=False)
    assert [p for p in star if p[0] == copies[0]][:3] == [(copies[0], c, 1.0) for c in copies[1:4]]
    groups = clusters(len(firsts), pairs)
    assert groups == clusters(len(firsts), star)
    assert copies in groups


def test_real_data_exact_duplicates_are_found():
    path = DATASETS / "llamafactory-alpaca-en-demo-1k.jsonl"
    rows = [json.loads(line) for line in path.open()]
    texts = ["\n".join((r["instruction"], r["input"], r["output"])) for r in rows]
    seen: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        seen.setdefault(t, []).append(i)
    exact = {p for g in seen.values() for p in itertools.combinations(g, 2)}
    assert len(exact) == 15  # 14 duplicate records: 12 pairs and one triple
    pairs = pairs_of(texts)
    got = {(i, j): jac for i, j, jac in pairs}
    assert exact <= got.keys()
    assert all(got[p] == 1.0 for p in exact)
    for i, j, jac in pairs:
        assert jac >= 0.9
        assert jac == pytest.approx(reference_jaccard(texts[i], texts[j]))


def test_lazy_signatures_find_the_same_pairs_as_the_matrix():
    """Signatures computed for the rows asked for (no matrix held) give exactly the same pairs, on
    a real dataset with copies and near-copies, with and without the duplicate expansion."""
    path = DATASETS / "gsm8k-alpaca-train.jsonl"
    texts = [json.loads(line)["instruction"] for line in path.open()][:4000]
    texts += [text + " Answer briefly." for text in texts[:300]]  # near-copies: one more word
    sh = shingle_hashes_many(texts)
    lazy = LazySignatures(sh)
    assert lazy.shape == (len(sh), 128)
    assert np.array_equal(lazy[np.array([5, 0, 4299])], signatures([sh[5], sh[0], sh[4299]]))
    for expand in (True, False):
        expected = find_similar_pairs(signatures(sh), sh, expand_duplicates=expand)
        assert len(expected) >= 250
        assert find_similar_pairs(lazy, sh, expand_duplicates=expand) == expected


def test_clusters_union_find():
    pairs = [(5, 7, 0.9), (1, 2, 1.0), (7, 9, 0.95), (2, 4, 0.91)]
    assert clusters(10, pairs) == [[1, 2, 4], [5, 7, 9]]
    assert clusters(3, []) == []


def test_clusters_are_the_components_of_random_graphs():
    """Components over arrays equal a breadth-first search's, on chains built backwards (each
    round hooks one more record), stars and random sparse graphs."""
    rng = np.random.default_rng(11)
    graphs = [[(i, i + 1) for i in range(50)][::-1], [(0, i) for i in range(1, 40)] + [(41, 45), (45, 43)]]
    for _ in range(30):
        n = int(rng.integers(2, 200))
        edges = rng.integers(0, n, (int(rng.integers(0, 2 * n)), 2))
        graphs.append([(min(a, b), max(a, b)) for a, b in edges.tolist() if a != b])
    for edges in graphs:
        n = 1 + max((b for _, b in edges), default=1)
        neighbours = {i: set() for i in range(n)}
        for a, b in edges:
            neighbours[a].add(b)
            neighbours[b].add(a)
        want, placed = [], set()
        for start in range(n):
            if start in placed or not neighbours[start]:
                continue
            group, pending = {start}, [start]
            while pending:
                for other in neighbours[pending.pop()] - group:
                    group.add(other)
                    pending.append(other)
            placed |= group
            want.append(sorted(group))
        assert clusters(n, edges) == want


def test_choose_bands_recall_at_threshold():
    bands, rows = choose_bands(128, 0.9)
    assert bands * rows <= 128
    assert 1 - (1 - 0.9**rows) ** bands >= 0.999
    # The S-curve midpoint sits well below the threshold: banding for a lower similarity.
    assert (1 - 0.5 ** (1 / bands)) ** (1 / rows) < 0.8


def test_ragged_arrays_gather_as_a_list_of_arrays_does():
    """One flat array with starts and ends (how D005 reads its typed column) gives every batch of
    rows, sizes and signatures exactly as the list of arrays does, gaps and empty arrays included."""
    texts = [json.loads(line)["instruction"] for line in (DATASETS / "gsm8k-alpaca-train.jsonl").open()][:500]
    texts[7] = ""
    arrays = shingle_hashes_many(texts)
    header = np.array([11, 12], np.uint64)  # D005 keeps two keys before each record's shingles
    flat = np.concatenate([np.concatenate((header, array)) for array in arrays])
    ends = np.cumsum([array.size + 2 for array in arrays])
    ragged = Ragged(flat, ends - np.array([array.size for array in arrays]), ends)
    assert len(ragged) == len(arrays) and all(np.array_equal(a, b) for a, b in zip(ragged, arrays, strict=True))
    rows = np.array([499, 7, 0, 0, 250])
    for got, want in zip(gather(ragged, rows), gather(arrays, rows), strict=True):
        assert np.array_equal(got, want)
    assert np.array_equal(sizes_of(ragged), sizes_of(arrays))
    assert np.array_equal(signatures(ragged), signatures(arrays))
    assert find_similar_pairs(LazySignatures(ragged), ragged) == find_similar_pairs(signatures(arrays), arrays)


def test_trimmed_arrays_read_as_the_filtered_arrays():
    """D005's template trim, read through `Trimmed` from one flat array (headers between the arrays
    or not), equals filtering each marked record's array: one at a time, gathered, and by size."""
    rng = np.random.default_rng(5)
    arrays = [np.unique(rng.integers(0, 400, rng.integers(0, 40)).astype(np.uint64)) for _ in range(300)]
    template = np.arange(0, 400, 3, dtype=np.uint64)
    templated = rng.random(300) < 0.5
    sizes = np.array([array.size for array in arrays])
    counts = np.array([np.isin(array, template).sum() for array in arrays])
    want = [array[~np.isin(array, template)] if templated[index] else array for index, array in enumerate(arrays)]
    header = np.array([1, 2], np.uint64)  # as D005's column: two keys before each record's shingles
    with_headers = np.concatenate([np.concatenate((header, array)) for array in arrays])
    ends = np.cumsum(sizes + 2)
    rows = np.array([299, 3, 3, 0, 150, 7])
    for ragged in (Ragged.of_sizes(np.concatenate(arrays), sizes), Ragged(with_headers, ends - sizes, ends)):
        trimmed = Trimmed.of(ragged, templated, template, counts)
        assert all(np.array_equal(got, array) for got, array in zip(trimmed, want, strict=True))
        assert np.array_equal(sizes_of(trimmed), [array.size for array in want])
        for got, expected in zip(gather(trimmed, rows), gather(want, rows), strict=True):
            assert np.array_equal(got, expected)
    assert not in_sorted(np.arange(5, dtype=np.uint64), np.empty(0, np.uint64)).any()
