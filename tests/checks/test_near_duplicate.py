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
ANSWER = " ".join(["Sunlight is scattered by the molecules of the air, and blue light most of all."] * 3)


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def _lint(paths, config=None):
    return lint_paths([str(path) for path in paths], select=["D005"], config=config).violations


def test_one_word_changed_is_reported_with_its_similarity(tmp_path):
    path = _write(
        tmp_path / "train.jsonl",
        [
            {"instruction": QUESTION + ".", "input": "", "output": ANSWER},
            {"instruction": "Write a haiku about autumn leaves falling on a quiet pond.", "input": "", "output": "b"},
            {"instruction": QUESTION + " please.", "input": "", "output": ANSWER + " Ask if unclear."},
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
    records.append({"instruction": template + questions[7].rsplit(" ", 1)[0] + " thunder", "output": "x"})
    path = _write(tmp_path / "tools.jsonl", records)
    found = _lint([path])
    # The template's 3-grams are in all 61 records and dropped; the questions share 22 of 24.
    assert [(v.line, v.related[0].line, v.message) for v in found] == [
        (
            61,
            8,
            "near-duplicate of line 8: similarity 0.92 on instruction+input (word 3-grams) "
            "once the template text both share is set aside (1.00 with it)",
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


def test_different_tasks_on_one_input_are_not_near_duplicates():
    # alpaca-en-52k has one abstract under five instructions (cite the sources, classify it,
    # draft a tweet, state its arguments ...): 0.9 similar joined, five different tasks.
    assert _lint([DATASETS / "alpaca-en-52k.jsonl"]) == []


def test_a_near_copy_of_instruction_and_input_is_reported(tmp_path):
    material = QUESTION.replace("Explain", "Text:")
    records = [
        {"instruction": "Summarise the text.", "input": material + ".", "output": ANSWER},
        {"instruction": "Summarise the text.", "input": material + "!", "output": ANSWER + " More."},
        {"instruction": "Translate the text into French.", "input": material + ".", "output": "Expliquez..."},
    ]
    found = _lint([_write(tmp_path / "tasks.jsonl", records)])
    assert [(v.line, v.related[0].line) for v in found] == [(2, 1)]


def test_the_same_question_under_another_tool_description_is_another_prompt():
    # Template text only one record holds counts as a difference: before, 129 pairs here were
    # one question asked under two tools (0.19 similar with the descriptions).
    assert _lint([DATASETS / "gpteacher-toolformer.jsonl"]) == []


def test_t0_questions_about_one_passage_are_not_near_duplicates():
    found = _lint([DATASETS / "t0-prompt-completion-sample.jsonl"])
    pairs = {(v.line, v.related[0].line) for v in found}
    # "Who is the second leader mentioned?" / "...first..." about one passage: Alexander, Napoleon.
    assert (289, 288) not in pairs
    # The Ghosts of Mars plot in two versions under one question template (0.05 similar whole).
    assert (1784, 1603) not in pairs
    # Entity names under one classification template: "Q-workshop" and "Schwan-Stabilo" are companies.
    assert (1443, 1442) not in pairs
    # One article with the same summary under two instructions ("Summarize:", "TL;DR:") is one lesson.
    assert (5327, 5267) in pairs


def test_a_member_is_reported_against_a_record_it_is_similar_to(tmp_path):
    # A chain: 1 ~ 2 ~ 3, but 1 and 3 are below the threshold. 3 names 2, not 1.
    words = QUESTION.split()
    second = words[:-1] + ["grasp"]
    third = ["Describe", "briefly", *second[2:]]  # 0.91 similar to the second, 0.87 to the first
    records = [{"instruction": " ".join(text), "output": ANSWER} for text in (words, second, third)]
    found = _lint([_write(tmp_path / "chain.jsonl", records)])
    assert [(v.line, v.related[0].line) for v in found] == [(2, 1), (3, 2)]
    assert all(float(v.message.split("similarity ")[1][:4]) >= 0.9 for v in found)
