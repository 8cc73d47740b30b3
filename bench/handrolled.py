"""The hand-rolled pipeline datalint is compared with: the same libraries called per record.

orjson parse + datasketch MinHash (128 permutations, word 3-grams) and MinHashLSH (threshold 0.9)
+ langdetect (seeded) + textstat Flesch-Kincaid grade + one regex alternation of datalint's
built-in phrases, over the response (`output`) of every record. Run by bench/run.py in its own
process: `python bench/handrolled.py FILE [LIMIT]`; prints one JSON line with the records done.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import orjson
import textstat
from datasketch import MinHash, MinHashLSH
from langdetect import DetectorFactory, detect
from langdetect.lang_detect_exception import LangDetectException

RULES = Path(__file__).resolve().parents[1] / "rules" / "patterns.toml"


def phrase_pattern() -> re.Pattern[str]:
    rules = tomllib.loads(RULES.read_text(encoding="utf-8"))["rule"]
    phrases = [phrase for rule in rules for phrase in rule.get("phrases", [])]
    regexes = [regex for rule in rules for regex in rule.get("regex", [])]
    return re.compile("|".join([*(re.escape(phrase) for phrase in phrases), *regexes]), re.I)


def main(path: str, limit: int | None) -> None:
    DetectorFactory.seed = 0
    pattern = phrase_pattern()
    lsh = MinHashLSH(threshold=0.9, num_perm=128)
    # Permutations made once and shared, as a careful hand-rolled pipeline would (datasketch
    # otherwise draws them again for every MinHash object, which alone costs ~1 ms per record).
    template = MinHash(num_perm=128, seed=1)
    permutations, scheme = template.permutations, template.scheme
    counts = {"records": 0, "near_duplicates": 0, "not_english": 0, "pattern_hits": 0, "grade_sum": 0.0}
    with open(path, "rb") as handle:
        for index, line in enumerate(handle):
            if limit is not None and index >= limit:
                break
            record = orjson.loads(line)
            text = record.get("output") or record.get("response") or ""
            prompt = (record.get("instruction") or "") + "\n" + (record.get("input") or "")
            words = text.lower().split()
            signature = MinHash(num_perm=128, seed=1, permutations=permutations, scheme=scheme)
            signature.update_batch(
                [s.encode("utf-8") for s in {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}]
            )
            if lsh.query(signature):
                counts["near_duplicates"] += 1
            lsh.insert(str(index), signature)
            try:
                if detect(text) != "en":
                    counts["not_english"] += 1
            except LangDetectException:
                counts["not_english"] += 1
            counts["grade_sum"] += textstat.flesch_kincaid_grade(text) if text.strip() else 0.0
            if pattern.search(prompt) or pattern.search(text):
                counts["pattern_hits"] += 1
            counts["records"] += 1
    print(json.dumps(counts))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)
