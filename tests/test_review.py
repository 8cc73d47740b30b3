"""Sampling (reproducible, stratified, unreviewed first), the ledger, and the [review] config."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from datalint.config import ConfigError, load_config
from datalint.reader import record_hash
from datalint.review.ledger import Review, ReviewError, is_good, read_ledger
from datalint.review.sample import allocate, draw, read_candidates
from tests.conftest import dataset, run, write_jsonl


def first_lines(name: str, count: int, tmp_path: Path) -> Path:
    path = tmp_path / name
    with dataset(name).open("rb") as source:
        path.write_bytes(b"".join(next(source) for _ in range(count)))
    return path


def read_review(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_same_seed_same_sample_other_seed_other_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first_lines("alpaca-en-52k.jsonl", 1000, tmp_path)
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        result = run("sample", "alpaca-en-52k.jsonl", "--seed", seed, "--output", f"{name}.jsonl")
        assert result.exit_code == 0, result.output
        assert "sampled 50 of 1000 records" in result.output
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert (tmp_path / "a.jsonl").read_bytes() != (tmp_path / "c.jsonl").read_bytes()


def test_review_entries_point_at_the_record_by_line_and_engine_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = first_lines("alpaca-en-52k.jsonl", 200, tmp_path)
    assert run("sample", path.name, "--output", "r.jsonl").exit_code == 0
    raw = path.read_bytes().split(b"\n")
    for entry in read_review(tmp_path / "r.jsonl"):
        line = raw[entry["line"] - 1]
        assert entry["record_hash"] == record_hash(line)
        assert entry["record"] == json.loads(line)
        assert entry["source"] == path.name
        assert entry["rating"] == "" and entry["note"] == ""


def test_every_inferred_type_is_sampled_in_proportion(tmp_path: Path) -> None:
    path = first_lines("alpaca-en-52k.jsonl", 2000, tmp_path)
    candidates = read_candidates(path, path.name, "type")
    sizes = Counter(candidate.stratum for candidate in candidates)
    assert set(sizes) == {
        "classify",
        "compute",
        "explain",
        "generate",
        "list",
        "other",
        "question",
        "rewrite",
        "translate",
    }
    picked = Counter(candidate.stratum for candidate in draw(candidates, 0.05, 0, set()))
    assert sum(picked.values()) == 100
    assert set(picked) == set(sizes)  # every slice is seen
    for name, size in sizes.items():
        assert abs(picked[name] - 100 * size / 2000) <= 1.5


def test_declared_label_wins_over_inferred_type(tmp_path: Path) -> None:
    records = [
        {"instruction": f"Write poem {i}", "output": "ok", "difficulty": "hard" if i < 4 else "easy"} for i in range(40)
    ]
    path = write_jsonl(tmp_path / "d.jsonl", records)
    from datalint.field_mapping import Mapping_

    candidates = read_candidates(
        path, "d.jsonl", "difficulty", "alpaca", Mapping_.from_config({"difficulty": "difficulty"})
    )
    assert Counter(c.stratum for c in candidates) == {"hard": 4, "easy": 36}
    picked = draw(candidates, 0.05, 0, set())
    assert Counter(c.stratum for c in picked) == {"hard": 1, "easy": 1}
    # without a declared label, the first word decides
    assert {c.stratum for c in read_candidates(path, "d.jsonl", "type")} == {"generate"}


def test_records_already_in_the_ledger_come_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first_lines("alpaca-en-52k.jsonl", 100, tmp_path)
    (tmp_path / "datalint.toml").write_text('[review]\nledger = "reviews/*.jsonl"\n')
    hashes = []
    for round_ in range(4):  # 4 x 25% covers the file exactly once
        result = run("sample", "alpaca-en-52k.jsonl", "--fraction", "0.25", "--output", f"reviews/{round_}.jsonl")
        assert result.exit_code == 0, result.output
        hashes += [entry["record_hash"] for entry in read_review(tmp_path / "reviews" / f"{round_}.jsonl")]
    assert len(hashes) == len(set(hashes)) == 100
    result = run("sample", "alpaca-en-52k.jsonl", "--fraction", "0.1", "--output", "reviews/again.jsonl")
    assert "10 of them were reviewed before" in result.output


def test_sample_refuses_to_overwrite_a_review_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "d.jsonl", [{"instruction": "Say hi", "output": "Hi"}])
    (tmp_path / "r.jsonl").write_text('{"record_hash": "x", "rating": "good"}\n')
    result = run("sample", "d.jsonl", "--output", "r.jsonl")
    assert result.exit_code == 2
    assert "exists" in result.output
    assert (tmp_path / "r.jsonl").read_text() == '{"record_hash": "x", "rating": "good"}\n'


@pytest.mark.parametrize(
    ("sizes", "total", "expected"),
    [
        ({"a": 90, "b": 9, "c": 1}, 10, {"a": 8, "b": 1, "c": 1}),
        ({"a": 50, "b": 50}, 3, {"a": 2, "b": 1}),
        ({"a": 5, "b": 3, "c": 1}, 2, {"a": 1, "b": 1, "c": 0}),
        ({"a": 2, "b": 2}, 10, {"a": 2, "b": 2}),
    ],
)
def test_allocate(sizes: dict[str, int], total: int, expected: dict[str, int]) -> None:
    assert allocate(sizes, total) == expected


def review(rating: object, record_hash: str = "h", file_line: int = 1) -> Review:
    return Review(record_hash, "d.jsonl", 1, {}, rating, "", "r.jsonl", file_line)


def test_ratings_are_checked_against_the_scale() -> None:
    assert is_good(review("Good"), "good-bad", 4) and not is_good(review("bad"), "good-bad", 4)
    assert is_good(review(4), "1-5", 4) and not is_good(review("3"), "1-5", 4)
    with pytest.raises(ReviewError, match=r"r.jsonl:1: rating 'ok' must be \"good\" or \"bad\""):
        is_good(review("ok"), "good-bad", 4)
    with pytest.raises(ReviewError, match="must be a number from 1 to 5"):
        is_good(review(7), "1-5", 4)


def test_later_rating_wins_and_unrated_lines_do_not_erase_ratings(tmp_path: Path) -> None:
    old = write_jsonl(
        tmp_path / "1.jsonl", [{"record_hash": "a", "rating": "good"}, {"record_hash": "b", "rating": "bad"}]
    )
    new = write_jsonl(tmp_path / "2.jsonl", [{"record_hash": "a", "rating": "bad"}, {"record_hash": "b", "rating": ""}])
    ledger = read_ledger([old, new])
    assert (ledger["a"].rating, ledger["b"].rating) == ("bad", "bad")


def test_bad_review_line_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "d.jsonl", [{"instruction": "Say hi", "output": "Hi"}])
    (tmp_path / "reviews").mkdir()
    (tmp_path / "reviews" / "r.jsonl").write_text('{"record_hash": "x", "rating": "meh"}\n')
    (tmp_path / "datalint.toml").write_text('[review]\nledger = "reviews/*.jsonl"\n')
    result = run("check", "d.jsonl")
    assert result.exit_code == 2
    assert 'reviews/r.jsonl:1: rating \'meh\' must be "good" or "bad"' in result.output


def test_review_rules_are_inert_without_config(tmp_path: Path) -> None:
    path = first_lines("alpaca-en-52k.jsonl", 50, tmp_path)
    result = run("check", "--select", "Q9", "--format", "json", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["violations"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[review]\nledgr = 'x'\n", "unknown key `review.ledgr`"),
        ("[review]\nmin-share = 5\n", "`review.min-share` must be from 0 to 1, not 5"),
        ("[review]\nthreshold = 'high'\n", "`review.threshold` must be a number, not str"),
        ("[review]\nratings = 'stars'\n", "`review.ratings` must be one of 'good-bad', '1-5', not 'stars'"),
        ("[review]\ngood-cut = 9\n", "`review.good-cut` must be from 1 to 5, not 9"),
    ],
)
def test_review_config_is_validated(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "datalint.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(path)


def test_missing_model_file_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "d.jsonl", [{"instruction": "Say hi", "output": "Hi"}])
    (tmp_path / "datalint.toml").write_text('[review]\nmodel = "nope.json"\n')
    result = run("check", "d.jsonl")
    assert result.exit_code == 2
    assert "nope.json" in result.output


def test_rated_bad_on_the_1_to_5_scale_follows_good_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    records = [{"instruction": f"Say {word}", "output": word} for word in ("hi", "bye", "yes")]
    write_jsonl(tmp_path / "d.jsonl", records)
    hashes = [record_hash(line.encode()) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    (tmp_path / "reviews").mkdir()
    write_jsonl(
        tmp_path / "reviews" / "r.jsonl",
        [
            {"record_hash": h, "rating": rating, "note": "too short"}
            for h, rating in zip(hashes, (2, "3", 4), strict=True)
        ],
    )
    (tmp_path / "datalint.toml").write_text('[review]\nledger = "reviews/*.jsonl"\nratings = "1-5"\ngood-cut = 3\n')
    result = run("check", "--select", "Q9", "d.jsonl")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "d.jsonl:1:1: Q902 [rated-bad-record] rated 2 by human review (reviews/r.jsonl:1): too short"
    )
    assert "Q901" not in result.output and "d.jsonl:2" not in result.output


def test_review_lines_nested_too_deeply_or_with_a_huge_number_are_clear_errors(tmp_path: Path) -> None:
    from datalint.review.ledger import read_reviews

    for name, value in (("deep.jsonl", "[" * 5000), ("long.jsonl", "9" * 5000)):
        (tmp_path / name).write_text('{"record_hash": "h", "record": ' + value + "}\n")
        with pytest.raises(ReviewError, match=f"{name}:1: cannot be read"):
            list(read_reviews(tmp_path / name))
