"""Near-duplicate rule (D005): verified MinHash pairs on literal records and real datasets."""

from __future__ import annotations

import json
import random
from pathlib import Path

from datalint import lint_paths

DATASETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
# 44 words: 42 word 3-grams. Changing the last word changes one of them: Jaccard 41/43 = 0.95.
QUESTION = (
    "Explain in three short paragraphs why the sky looks blue on a clear day and red at sunset, "
    "and say what the scattering of light by molecules in the air has to do with it, "
    "using words a ten year old child would understand"
)


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def _lint(paths, config=None):
    return lint_paths([str(path) for path in paths], select=["D005"], config=config).violations


def test_one_word_changed_is_reported_with_its_similarity(tmp_path):
    path = _write(
        tmp_path / "train.jsonl",
        [
            {"instruction": QUESTION + ".", "input": "", "output": "a"},
            {"instruction": "Write a haiku about autumn leaves falling on a quiet pond.", "input": "", "output": "b"},
            {"instruction": QUESTION + " please.", "input": "", "output": "c"},
            {"instruction": QUESTION + ".", "input": "", "output": "d"},  # a copy: D004's, not D005's
            {"instruction": "Explain why the sea looks blue.", "input": "", "output": "e"},
        ],
    )
    found = _lint([path])
    assert [(v.line, v.related[0].line) for v in found] == [(3, 1)]
    # "understand." -> "understand please.": 41 shared 3-grams, 1 + 2 of their own: 41/44. The cluster
    # counts the copy on line 4, which D005 leaves to D004.
    assert found[0].message == (
        "near-duplicate of line 1: similarity 0.93 on instruction+input (word 3-grams); cluster of 3 records"
    )


def test_threshold_is_an_option(tmp_path):
    records = [{"instruction": QUESTION + suffix, "input": "", "output": "x"} for suffix in (".", " please.")]
    path = _write(tmp_path / "train.jsonl", records)
    strict = tmp_path / "strict.toml"
    strict.write_text("[rules.D005]\nthreshold = 0.94\n")
    loose = tmp_path / "loose.toml"
    loose.write_text("[rules.near-duplicate]\nthreshold = 0.8\n")
    assert _lint([path], strict) == []
    assert [v.line for v in _lint([path], loose)] == [2]


def test_template_text_shared_by_the_file_is_ignored(tmp_path):
    # A long tool description before every question, as in gpteacher-toolformer.
    template = " ".join(f"tool-word-{n}" for n in range(600)) + " "
    words = "sun rain wind snow cloud storm fog heat cold frost hail mist dew ice breeze gale".split()
    questions = [" ".join(random.Random(seed).choices(words, k=25)) for seed in range(60)]
    records = [{"instruction": template + question, "output": "x"} for question in questions]
    records.append({"instruction": template + questions[7].rsplit(" ", 1)[0] + " thunder", "output": "y"})
    path = _write(tmp_path / "tools.jsonl", records)
    found = _lint([path])
    # The template's 3-grams are in all 61 records and dropped; the questions share 22 of 24.
    assert [(v.line, v.related[0].line, v.message) for v in found] == [
        (
            61,
            8,
            "near-duplicate of line 8: similarity 0.92 on instruction+input (word 3-grams) "
            "once template text is set aside (1.00 with it)",
        )
    ]
    no_template = tmp_path / "all.toml"
    no_template.write_text("[rules.D005]\ntemplate-share = 1.0\n")
    # Unfiltered, any two records share 598 of about 644 3-grams: all 60 others look like record 1.
    assert len(_lint([path], no_template)) == 60


def test_near_copy_in_the_validation_file_points_at_the_training_file(tmp_path):
    train = _write(tmp_path / "train.jsonl", [{"instruction": QUESTION + ".", "input": "", "output": "a"}])
    validation = _write(tmp_path / "validation.jsonl", [{"instruction": QUESTION + "!", "input": "", "output": "a"}])
    found = _lint([train, validation])
    assert [(Path(v.path).name, v.line, Path(v.related[0].path).name) for v in found] == [
        ("validation.jsonl", 1, "train.jsonl")
    ]
    assert found[0].message == f"near-duplicate of {train}:1: similarity 0.95 on instruction+input (word 3-grams)"


def test_alpaca_52k_has_one_cluster_of_five():
    found = _lint([DATASETS / "alpaca-en-52k.jsonl"])
    assert [(v.line, v.related[0].line) for v in found] == [
        (46065, 15465),
        (46066, 15465),
        (46069, 15465),
        (46071, 15465),
    ]
    assert found[0].message.endswith("; cluster of 5 records")


def test_toolformer_questions_repeated_under_another_tool():
    found = _lint([DATASETS / "gpteacher-toolformer.jsonl"])
    assert len(found) == 129  # 1.7% of 7,673; without template removal 2,015 (26%)
    assert (found[0].line, found[0].related[0].line) == (165, 117)
