"""Benchmark datalint.minhash against datasketch and an exact all-pairs Jaccard join.

Run from the repository root (see bench/README-neardup.md):

    python bench/neardup.py                 # alpaca-52k + 10x scale-up (~520k records)
    python bench/neardup.py --quick         # first 5,000 source records only
    python bench/neardup.py --skip-datasketch-scaleup --million

Text compared: the `output` field (as in FACTS.md). Shingles: word 3-grams of the text after
NFKC + casefold + whitespace folding; a text with fewer than 3 words is one shingle; empty
texts are skipped by every method. Each timed method runs in its own subprocess so its peak
RSS (getrusage ru_maxrss) is its own. Timings include reading and parsing the JSONL.

Ground truth: exact all-pairs Jaccard >= threshold by prefix filtering (Bayardo et al.'s
All-Pairs): with tokens in a global rare-first order, two sets with Jaccard >= t must share a
token among the first |x| - ceil(t|x|) + 1 tokens of each, so joining on those prefix tokens
yields a candidate superset of all true pairs, every one of which is then counted exactly.
Shingles for the ground truth are hashed independently of datalint (blake2b, 64 bits).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time
import unicodedata
from fractions import Fraction
from pathlib import Path

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
SOURCE = DATASETS / "alpaca-en-52k.jsonl"
FIELD = "output"
NGRAM = 3
NUM_PERM = 128


def cpu_seconds() -> float:
    """User + system CPU time of this process: robust to other load on a shared machine."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def peak_rss_mb() -> float:
    """Peak RSS of this process image. VmHWM, not getrusage's ru_maxrss: Linux carries
    ru_maxrss over execve, so a worker forked from the (large) parent would report the
    parent's RSS at fork time."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def reference_shingles(text: str) -> list[str]:
    """The spec's shingles as strings (independent of datalint's implementation)."""
    toks = unicodedata.normalize("NFKC", text).casefold().split()
    if len(toks) < NGRAM:
        return [" ".join(toks)] if toks else []
    return [" ".join(toks[i : i + NGRAM]) for i in range(len(toks) - NGRAM + 1)]


def iter_texts(path: Path):
    with path.open("rb") as fh:
        for line in fh:
            yield orjson.loads(line).get(FIELD) or ""


# --------------------------------------------------------------------------- data


def make_scaleup(src: Path, dst: Path, copies: int, rate: float, limit: int | None, seed: int = 0) -> None:
    """`copies` copies of each record, copy-major order. In each copy max(1, round(rate*n))
    of the n words, chosen at random, are each dropped or replaced by a random corpus word
    (even odds), so no copy equals its source and short texts do not collapse into exact
    duplicates (which would make the benchmark easy)."""
    rows = [orjson.loads(line) for line in src.open("rb")][:limit]
    vocab = [w for r in rows for w in (r.get(FIELD) or "").split()]
    rng = random.Random(seed)
    tmp = dst.with_suffix(".tmp")
    with tmp.open("wb") as out:
        for _ in range(copies):
            for r in rows:
                words = (r.get(FIELD) or "").split()
                if words:
                    for k in sorted(rng.sample(range(len(words)), max(1, round(rate * len(words)))), reverse=True):
                        if rng.random() < 0.5:
                            del words[k]
                        else:
                            words[k] = rng.choice(vocab)
                out.write(orjson.dumps({"instruction": r.get("instruction", ""), FIELD: " ".join(words)}) + b"\n")
    tmp.rename(dst)


def source_file(out: Path, limit: int | None) -> Path:
    if limit is None:
        return SOURCE
    dst = out / f"alpaca-first{limit}.jsonl"
    if not dst.exists():
        with SOURCE.open("rb") as fh, dst.open("wb") as w:
            for _, line in zip(range(limit), fh, strict=False):
                w.write(line)
    return dst


# --------------------------------------------------------------------------- ground truth


def blake64(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "little")


def gt_features(path: Path, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """(flat sorted-per-record uint64 hashes, offsets) of the reference shingles."""
    if cache.exists():
        z = np.load(cache)
        return z["flat"], z["offsets"]
    parts, sizes = [], []
    for text in iter_texts(path):
        hs = np.unique(np.fromiter(map(blake64, reference_shingles(text)), np.uint64))
        parts.append(hs)
        sizes.append(hs.size)
    flat = np.concatenate(parts) if parts else np.empty(0, np.uint64)
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    np.savez(cache, flat=flat, offsets=offsets)
    return flat, offsets


def gt_exact_pairs(flat: np.ndarray, offsets: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, dict]:
    """All pairs (codes i*n+j, i<j) with exact Jaccard >= threshold, and their Jaccard."""
    n = offsets.size - 1
    sizes = np.diff(offsets)
    uniq, inv, counts = np.unique(flat, return_inverse=True, return_counts=True)
    order = np.lexsort((np.arange(uniq.size), counts))  # rare first, ties by value
    rank = np.empty(uniq.size, np.int64)
    rank[order] = np.arange(uniq.size)
    tok = rank[inv]
    rec = np.repeat(np.arange(n), sizes)
    o = np.lexsort((tok, rec))
    tok = tok[o]  # each record's tokens in global order; rec stays sorted
    t = Fraction(threshold).limit_denominator(10**6)
    need = -((-sizes * t.numerator) // t.denominator)  # ceil(t * |x|), exactly
    plen = sizes - need + 1
    pos = np.arange(tok.size) - np.repeat(offsets[:-1], sizes)
    pref = pos < np.repeat(plen, sizes)
    p_tok, p_rec = tok[pref], rec[pref]
    o = np.argsort(p_tok, kind="stable")
    p_tok, p_rec = p_tok[o], p_rec[o]
    starts = np.flatnonzero(np.r_[True, p_tok[1:] != p_tok[:-1]])
    lens = np.diff(np.r_[starts, p_tok.size])
    # Every pair of records sharing a prefix token (vectorised: element k of a run of
    # length L pairs with elements k+1 .. L-1 of the same run).
    run_of = np.repeat(np.arange(starts.size), lens)
    after = (starts + lens)[run_of] - np.arange(p_tok.size) - 1
    left = np.repeat(np.arange(p_tok.size), after)
    right = left + 1 + np.arange(after.sum()) - np.repeat(np.cumsum(after) - after, after)
    a, b = p_rec[left], p_rec[right]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    ok = np.minimum(sizes[lo], sizes[hi]) * t.denominator >= t.numerator * np.maximum(sizes[lo], sizes[hi])
    codes = [lo[ok] * n + hi[ok]]
    cand = np.unique(np.concatenate(codes)) if codes else np.empty(0, np.int64)
    inter = intersect_counts(tok, offsets, cand // n, cand % n)
    lo, hi = cand // n, cand % n
    union = sizes[lo] + sizes[hi] - inter
    ok = inter * t.denominator >= t.numerator * union
    jac = inter / union
    return cand[ok], jac[ok], {"gt_candidates": int(cand.size)}


def pair_keys(tok: np.ndarray, offsets: np.ndarray, recs: np.ndarray) -> np.ndarray:
    """(pair number << 32) | token for every token of recs[pair]: sorted, as tokens are."""
    ln = offsets[recs + 1] - offsets[recs]
    idx = np.repeat(offsets[recs] - np.cumsum(np.r_[0, ln[:-1]]), ln) + np.arange(ln.sum())
    return (np.repeat(np.arange(recs.size, dtype=np.int64), ln) << 32) | tok[idx]


def intersect_counts(tok: np.ndarray, offsets: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Exact |A_lo ∩ A_hi| on per-record sorted integer token ranks (< 2**32)."""
    out = np.zeros(lo.size, np.int64)
    step = 1 << 18
    for s in range(0, lo.size, step):
        bl, bh = lo[s : s + step], hi[s : s + step]
        ka, kb = pair_keys(tok, offsets, bl), pair_keys(tok, offsets, bh)
        idx = np.searchsorted(kb, ka)
        idx[idx == kb.size] = 0
        hit = kb[idx] == ka
        out[s : s + step] = np.bincount(ka[hit] >> 32, minlength=bl.size)
    return out


# --------------------------------------------------------------------------- workers


def worker_datalint(path: Path, result: Path, threshold: float) -> dict:
    sys.path.insert(0, str(ROOT))
    from datalint.minhash.pairs import find_similar_pairs_arrays
    from datalint.minhash.shingles import shingle_hashes_many
    from datalint.minhash.signatures import signatures

    t0 = time.perf_counter()
    c0 = cpu_seconds()
    n = 0
    with path.open("rb") as fh:
        n = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    sig = np.empty((n, NUM_PERM), np.uint32)
    shingles: list[np.ndarray] = []
    t_read = t_shingle = t_sig = 0.0
    chunk: list[str] = []

    def flush() -> None:
        nonlocal t_shingle, t_sig
        a = time.perf_counter()
        sh = shingle_hashes_many(chunk)
        b = time.perf_counter()
        sig[len(shingles) : len(shingles) + len(sh)] = signatures(sh, num_perm=NUM_PERM)
        t_shingle += b - a
        t_sig += time.perf_counter() - b
        shingles.extend(sh)
        chunk.clear()

    a = time.perf_counter()
    with path.open("rb") as fh:
        for line in fh:
            chunk.append(orjson.loads(line).get(FIELD) or "")
            if len(chunk) == 16384:
                t_read += time.perf_counter() - a
                flush()
                a = time.perf_counter()
    t_read += time.perf_counter() - a
    flush()
    t_features = time.perf_counter() - t0
    stats: dict = {}
    a = time.perf_counter()
    pi, pj, pv = find_similar_pairs_arrays(sig, shingles, threshold=threshold, stats=stats)
    t_pairs = time.perf_counter() - a
    total = time.perf_counter() - t0
    np.savez(result, pairs=np.stack((pi, pj), axis=1), jac=pv)
    shingle_bytes = sum(s.nbytes for s in shingles)
    return {
        "records": n,
        "wall_s": total,
        "cpu_s": cpu_seconds() - c0,
        "read_parse_s": t_read,
        "shingle_s": t_shingle,
        "signature_s": t_sig,
        "pairs_s": t_pairs,
        "features_s": t_features,
        "shingle_bytes_per_record": shingle_bytes / n,
        "signature_bytes_per_record": sig.nbytes / n,
        "array_object_overhead_per_record": sys.getsizeof(shingles[0]) + 8 if shingles else 0,
        "peak_rss_mb": peak_rss_mb(),
        **stats,
    }


def worker_datasketch(path: Path, result: Path, threshold: float) -> dict:
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    c0 = cpu_seconds()
    # Same shingles as the ground truth, with datalint's normalize (it skips NFKC on ASCII
    # text), so datasketch is not slowed by a slower tokeniser than datalint's.
    sys.path.insert(0, str(ROOT))
    from datalint.minhash.shingles import normalize

    def shingles(text: str) -> set[str]:
        toks = normalize(text).split()
        if len(toks) < NGRAM:
            return {" ".join(toks)} if toks else set()
        return {" ".join(toks[i : i + NGRAM]) for i in range(len(toks) - NGRAM + 1)}

    sets = [shingles(t) for t in iter_texts(path)]
    live = [i for i, s in enumerate(sets) if s]
    t_shingle = time.perf_counter() - t0
    mhs = MinHash.bulk([[s.encode() for s in sets[i]] for i in live], num_perm=NUM_PERM)
    t_mh = time.perf_counter() - t0 - t_shingle
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i, m in zip(live, mhs, strict=True):
            session.insert(i, m)
    found, jacs, n_cand = [], [], 0
    for i, m in zip(live, mhs, strict=True):
        a = sets[i]
        for j in lsh.query(m):
            if j > i:
                n_cand += 1
                b = sets[j]
                inter = len(a & b)
                jac = inter / (len(a) + len(b) - inter)
                if jac >= threshold:
                    found.append((i, j))
                    jacs.append(jac)
    total = time.perf_counter() - t0
    arr = np.array(sorted(found), np.int64).reshape(-1, 2)
    np.savez(result, pairs=arr, jac=np.array(jacs, float))
    return {
        "records": len(sets),
        "wall_s": total,
        "cpu_s": cpu_seconds() - c0,
        "read_shingle_sets_s": t_shingle,
        "minhash_bulk_s": t_mh,
        "lsh_query_verify_s": total - t_shingle - t_mh,
        "candidates": n_cand,
        "peak_rss_mb": peak_rss_mb(),
        "lsh_bands_rows": [lsh.b, lsh.r],
    }


def run_worker(kind: str, path: Path, out: Path, threshold: float) -> tuple[dict, np.ndarray, np.ndarray]:
    result = out / f"{path.stem}.{kind}.npz"
    cmd = [sys.executable, __file__, "--worker", kind, "--file", str(path), "--result", str(result)]
    cmd += ["--threshold", str(threshold)]
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    z = np.load(result)
    return info, z["pairs"], z["jac"]


# --------------------------------------------------------------------------- evaluation


def evaluate(name, pairs, jac, n, truth_codes, truth_jac, flat, offsets, threshold) -> dict:
    codes = pairs[:, 0] * n + pairs[:, 1] if pairs.size else np.empty(0, np.int64)
    in_truth = np.isin(codes, truth_codes)
    extra = codes[~in_truth]
    # Any reported pair outside the exact truth would be below threshold: count and show them.
    below = 0
    if extra.size:
        inter = np.array(
            [
                np.intersect1d(flat[offsets[i] : offsets[i + 1]], flat[offsets[j] : offsets[j + 1]]).size
                for i, j in zip(extra // n, extra % n, strict=True)
            ]
        )
        sizes = np.diff(offsets)
        union = sizes[extra // n] + sizes[extra % n] - inter
        below = int(np.sum(inter / union < threshold))
    band = (truth_jac >= threshold) & (truth_jac < 0.95)
    hit = np.isin(truth_codes, codes)
    # Reported Jaccard must equal the exact one.
    pos = np.searchsorted(truth_codes, codes[in_truth])
    max_err = float(np.max(np.abs(truth_jac[pos] - jac[in_truth]))) if pos.size else 0.0
    return {
        f"{name}_pairs": int(codes.size),
        f"{name}_recall": float(hit.mean()) if hit.size else 1.0,
        f"{name}_recall_090_095": float(hit[band].mean()) if band.any() else 1.0,
        f"{name}_reported_not_true": int(extra.size),
        f"{name}_reported_below_threshold": below,
        f"{name}_max_jaccard_error": max_err,
    }


def scenario(label: str, path: Path, out: Path, args, run_ds: bool) -> dict:
    print(f"\n== {label}: {path.name}", flush=True)
    a = time.perf_counter()
    flat, offsets = gt_features(path, out / f"{path.stem}.gt-features.npz")
    n = offsets.size - 1
    truth_codes, truth_jac, gt_info = gt_exact_pairs(flat, offsets, args.threshold)
    band = int(np.sum(truth_jac < 0.95))
    print(
        f"ground truth: {n:,} records, {truth_codes.size:,} pairs >= {args.threshold} "
        f"({band:,} in [0.90, 0.95)), {gt_info['gt_candidates']:,} prefix-filter candidates, "
        f"{time.perf_counter() - a:.1f} s",
        flush=True,
    )
    row = {"scenario": label, "records": n, "true_pairs": int(truth_codes.size), "true_pairs_090_095": band}
    dl, pairs, jac = run_worker("datalint", path, out, args.threshold)
    row.update({f"datalint_{k}": v for k, v in dl.items()})
    row.update(evaluate("datalint", pairs, jac, n, truth_codes, truth_jac, flat, offsets, args.threshold))
    print(
        f"datalint:   {dl['wall_s']:6.1f} s wall, {dl['cpu_s']:6.1f} s CPU  "
        f"(read {dl['read_parse_s']:.1f}, shingle {dl['shingle_s']:.1f}, "
        f"signature {dl['signature_s']:.1f}, pairs {dl['pairs_s']:.1f})  peak RSS {dl['peak_rss_mb']:.0f} MB",
        flush=True,
    )
    print(
        f"            features {dl['shingle_bytes_per_record']:.0f} B shingles + "
        f"{dl['signature_bytes_per_record']:.0f} B signature per record "
        f"(+{dl['array_object_overhead_per_record']} B array object); "
        f"{dl['distinct_sets']:,} distinct sets, {dl['candidates']:,} LSH candidates, "
        f"{dl['verified']:,} exactly verified",
        flush=True,
    )
    print(
        f"            recall {row['datalint_recall']:.4f}, in [0.90,0.95) {row['datalint_recall_090_095']:.4f}, "
        f"reported below threshold {row['datalint_reported_below_threshold']}, "
        f"max |Jaccard error| {row['datalint_max_jaccard_error']:.2g}",
        flush=True,
    )
    if run_ds:
        ds, pairs, jac = run_worker("datasketch", path, out, args.threshold)
        row.update({f"datasketch_{k}": v for k, v in ds.items()})
        row.update(evaluate("datasketch", pairs, jac, n, truth_codes, truth_jac, flat, offsets, args.threshold))
        row["speedup_vs_datasketch"] = ds["wall_s"] / dl["wall_s"]
        row["cpu_speedup_vs_datasketch"] = ds["cpu_s"] / dl["cpu_s"]
        row["rss_ratio_datasketch_over_datalint"] = ds["peak_rss_mb"] / dl["peak_rss_mb"]
        print(
            f"datasketch: {ds['wall_s']:6.1f} s wall, {ds['cpu_s']:6.1f} s CPU  (sets {ds['read_shingle_sets_s']:.1f}, "
            f"bulk {ds['minhash_bulk_s']:.1f}, lsh+verify {ds['lsh_query_verify_s']:.1f})  "
            f"peak RSS {ds['peak_rss_mb']:.0f} MB, "
            f"bands x rows {ds['lsh_bands_rows']}",
            flush=True,
        )
        print(
            f"            recall {row['datasketch_recall']:.4f}, in [0.90,0.95) {row['datasketch_recall_090_095']:.4f}",
            flush=True,
        )
        print(
            f"ratio: datalint is {row['speedup_vs_datasketch']:.1f}x faster in wall time, "
            f"{row['cpu_speedup_vs_datasketch']:.1f}x in CPU time (target >= 5x), "
            f"{row['rss_ratio_datasketch_over_datalint']:.1f}x less peak RSS",
            flush=True,
        )
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="use the first 5,000 source records")
    ap.add_argument("--skip-datasketch-scaleup", action="store_true")
    ap.add_argument("--million", action="store_true", help="also run datalint on a 20-copy scale-up")
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--rate", type=float, default=0.05, help="share of words dropped/replaced per copy")
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--worker", choices=["datalint", "datasketch"], help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        fn = worker_datalint if args.worker == "datalint" else worker_datasketch
        print(json.dumps(fn(args.file, args.result, args.threshold)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    limit = 5000 if args.quick else None
    src = source_file(args.out, limit)
    tag = f"first{limit}" if limit else "52k"
    rows = [scenario("alpaca original", src, args.out, args, run_ds=True)]
    plan = [(args.copies, not args.skip_datasketch_scaleup)]
    if args.million:
        plan.append((2 * args.copies, False))
    for copies, run_ds in plan:
        dst = args.out / f"alpaca-{tag}-x{copies}-k{args.rate}.jsonl"
        if not dst.exists():
            a = time.perf_counter()
            make_scaleup(SOURCE, dst, copies, args.rate, limit)
            print(f"\nbuilt {dst.name} in {time.perf_counter() - a:.1f} s", flush=True)
        rows.append(scenario(f"{copies}x scale-up", dst, args.out, args, run_ds=run_ds))
    summary = args.out / f"neardup-{tag}-k{args.rate}.json"
    summary.write_text(json.dumps({"machine": {"cpus": os.cpu_count()}, "rows": rows}, indent=1))
    print(f"\nwrote {summary}")


if __name__ == "__main__":
    main()
