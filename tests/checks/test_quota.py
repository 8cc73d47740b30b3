"""Balance rules (B001-B004): quotas from config, inferred types, dataset size against purpose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datalint import lint_paths
from datalint.config import ConfigError
from datalint.labels import infer_difficulty, infer_type, is_english_like

DATASETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
MT_BENCH = DATASETS / "mt-bench-questions-80.jsonl"  # 8 categories x 10 questions, in blocks of 10


def _lint(path, select, tmp_path, config_text=""):
    config = tmp_path / "datalint.toml"
    config.write_text(config_text)
    return lint_paths([str(path)], select=select, config=config).violations


def test_mt_bench_categories_are_balanced_by_default(tmp_path):
    assert _lint(MT_BENCH, ["B"], tmp_path) == []


def test_mt_bench_required_category_missing_is_reported_at_the_first_record(tmp_path):
    found = _lint(MT_BENCH, ["B001"], tmp_path, '[rules.B001]\nrequired = ["writing", "safety"]\n')
    assert [(v.line, v.pointer) for v in found] == [(1, "")]
    assert found[0].message == (
        "required type 'safety' has no records; observed: writing 12%, roleplay 12%, reasoning 12%, math 12%, "
        "coding 12%, extraction 12%, 2 more values (80 records)"
    )


def test_mt_bench_target_distribution_with_tolerance(tmp_path):
    config = "[rules.B001]\ntarget = {writing = 0.5, math = 0.5}\ntolerance = 0.1\n"
    found = _lint(MT_BENCH, ["B001"], tmp_path, config)
    # Every category is 12.5%: writing and math are 37.5 points short, the other six 12.5 over 0.
    assert len(found) == 8
    writing = next(v for v in found if "'writing'" in v.message)
    assert (writing.line, writing.pointer) == (1, "/category")
    assert writing.message.startswith(
        "type 'writing' is 12% of the records, target 50% ± 10% (target: writing 50%, math 50%); observed: "
    )
    roleplay = next(v for v in found if "'roleplay'" in v.message)
    assert roleplay.line == 11  # the first roleplay question


def test_mt_bench_max_share_and_min_count(tmp_path):
    found = _lint(MT_BENCH, ["B001"], tmp_path, "[rules.B001]\nmax-share = 0.1\nmin-count = 11\n")
    messages = [v.message.split(";")[0] for v in found]
    assert messages.count("type 'writing' is 12% of the records (at most 10%)") == 1
    assert messages.count("type 'math' has 10 records (at least 11)") == 1
    assert len(found) == 16


def test_alpaca_52k_inferred_types_stay_under_half_and_a_stricter_cap_names_the_dominant_type(tmp_path):
    alpaca = DATASETS / "alpaca-en-52k.jsonl"
    found = _lint(alpaca, ["B001", "B004"], tmp_path)
    assert [(v.code, v.line) for v in found] == [("B004", 1)]
    assert found[0].message.startswith("52,002 records: above 50,000")
    capped = _lint(alpaca, ["B001"], tmp_path, "[rules.B001]\nmax-share = 0.25\n")
    assert [(v.line, v.pointer) for v in capped] == [(8, "/instruction")]  # the first "Write ..." prompt
    assert capped[0].message.startswith(
        "type (inferred) 'write' is 28% of the records (at most 25%); observed: write 28%"
    )


def test_code_alpaca_is_mostly_code(tmp_path):
    """A code dataset is mostly code by design: nothing is reported until a quota is declared."""
    assert _lint(DATASETS / "code-alpaca-2k.jsonl", ["B001"], tmp_path) == []
    found = _lint(DATASETS / "code-alpaca-2k.jsonl", ["B001"], tmp_path, "[rules.B001]\nmax-share = 0.5\n")
    assert [(v.line, v.message.split(";")[0]) for v in found] == [
        (3, "type (inferred) 'code' is 73% of the records (at most 50%)")
    ]


def test_inferred_difficulty_against_a_target(tmp_path):
    config = "[rules.B002]\ninfer = true\ntarget = {easy = 0.3, medium = 0.4, hard = 0.3}\n"
    found = _lint(DATASETS / "alpaca-en-52k.jsonl", ["B002"], tmp_path, config)
    assert [v.message.split(" of the records")[0] for v in found] == [
        "difficulty (inferred) 'easy' is 53%",
        "difficulty (inferred) 'hard' is 5%",
    ]
    assert found[0].message.endswith("observed: easy 53%, medium 42%, hard 5% (51,953 records)")
    assert (found[0].line, found[0].pointer) == (2, "/output")  # the 49 empty outputs have no difficulty


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("Write a poem about the sea.", "write"),
        ("Please explain how vaccines work.", "explain"),
        ("Can you list five fruits?", "list"),
        ("Give three tips for staying healthy.", "list"),
        ("Given a list of numbers, classify them as odd or even.", "classify"),
        ("Rewrite the sentence in the passive voice.", "rewrite"),
        ("Summarize the article below.", "summarize"),
        ("Write a Python function that reverses a string.", "code"),
        ("Calculate 50% of 300.", "math"),
        ("What is 12 * 7?", "math"),
        ("Natalia sold 48 clips in April. How many clips did she sell?", "math"),
        ("What is the capital of France?", "question"),
        ("You are a pirate captain. Greet your crew.", "roleplay"),
        ("Translate 'good morning' into French.", "translate"),
        ("Compare cats and dogs as pets.", "compare"),
        ("Sing a children's song", "other"),
        ("Now, given the equation below, find its roots.", "extract"),
        ("Okay so can you please describe the probability of rain", "math"),
        ("Hello! I want you to act as a tour guide.", "roleplay"),
        ("For each word below, write a sentence.", "write"),
        ("Derive the integral of x squared.", "math"),
    ],
)
def test_inferred_instruction_type(instruction, expected):
    assert infer_type(instruction) == expected


@pytest.mark.parametrize(
    ("text", "english"),
    [("Write a poem", True), ("1234 !!", False), ("", False), ("写一首诗", False), ("Écris un poème", True)],
)
def test_english_like(text, english):
    assert is_english_like(text) is english


def test_inferred_difficulty():
    assert infer_difficulty("Paris.") == "easy"
    assert infer_difficulty("word " * 100) == "medium"
    assert infer_difficulty("\n".join(f"{n}. do step {n}" for n in range(1, 8))) == "hard"


def _records(path: Path, count: int) -> Path:
    rows = (json.dumps({"instruction": f"Say {n}.", "input": "", "output": str(n)}) for n in range(count))
    path.write_text("".join(row + "\n" for row in rows))
    return path


def test_dataset_size_against_declared_purpose(tmp_path):
    small = _records(tmp_path / "small.jsonl", 120)
    found = _lint(small, ["B003"], tmp_path, 'purpose = "style"\n')
    assert [(v.line, v.message) for v in found] == [
        (1, "120 records: a style dataset usually needs 500-2,000; fewer may not move the model")
    ]
    assert _lint(small, ["B003"], tmp_path) == []  # no purpose declared: nothing to judge
    with pytest.raises(ConfigError, match="`purpose` must be one of style, domain, specialisation"):
        _lint(small, ["B003"], tmp_path, 'purpose = "fun"\n')


def test_balance_is_judged_per_file(tmp_path):
    code = tmp_path / "code.jsonl"
    code.write_text(
        "".join(json.dumps({"instruction": f"Write Python code {n}", "output": "x"}) + "\n" for n in range(60))
    )
    mixed = _records(tmp_path / "mixed.jsonl", 60)
    config = tmp_path / "half.toml"
    config.write_text("[rules.B001]\nmax-share = 0.5\n")
    found = lint_paths([str(code), str(mixed)], select=["B001"], config=config).violations
    assert [(Path(v.path).name, v.line) for v in found] == [("code.jsonl", 1), ("mixed.jsonl", 1)]
    (tmp_path / "none.toml").write_text("")
    assert lint_paths([str(code), str(mixed)], select=["B001"], config=tmp_path / "none.toml").violations == []
