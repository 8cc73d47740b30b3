"""`datalint stats`: the dataset profile as text, JSON and a self-contained HTML page."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from datalint.profile import dominant_script, log_histogram, percentile
from tests.cli_helpers import DATASETS, run

ALPACA = DATASETS / "alpaca-en-52k.jsonl"
RECORDS = [
    {"instruction": "Say hi", "input": "", "output": "Hi there", "type": "greeting", "difficulty": "easy"},
    {"instruction": "Say hi", "input": "", "output": "Hi there", "type": "greeting", "difficulty": "easy"},
    {"instruction": "用中文回答", "input": "", "output": "好的，我明白了。", "type": "chat", "difficulty": "hard"},
    {"instruction": "<script>alert(1)</script>", "input": "x", "output": "", "type": "<script>bad()</script>"},
]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), encoding="utf-8")
    return path


def test_stats_json_profile(dataset):
    result = run("stats", dataset, "--format", "json")
    assert result.exit_code == 0
    profile = json.loads(result.stdout)
    assert (profile["records"], profile["format"]) == (4, "alpaca")
    fields = {item["field"]: item for item in profile["fields"]}
    assert fields["input"]["fill_rate"] == 0.25
    assert fields["response"]["fill_rate"] == 0.75
    assert fields["instruction"]["length_percentiles"] == {
        "p0": 5,
        "p5": 5,
        "p25": 5,
        "p50": 6,
        "p75": 6,
        "p95": 25,
        "p99": 25,
        "p100": 25,
    }
    assert profile["scripts"] == {"Latin": 3, "Han": 1}
    assert profile["labels"]["type"] == {
        "pointer": "/type",
        "values": {"greeting": 2, "chat": 1, "<script>bad()</script>": 1},
    }
    assert profile["labels"]["difficulty"]["values"] == {"easy": 2, "hard": 1}
    assert profile["duplicates"] == {
        "exact_duplicate_records": 1,
        "exact_duplicate_groups": 1,
        "near_duplicate_records": 0,
    }
    assert [(v["code"], v["count"]) for v in profile["top_violations"]] == [("D001", 1), ("S205", 1)]


def test_stats_text_has_histograms_and_bars(dataset):
    text = run("stats", dataset).stdout
    assert "exact: 1 records in 1 groups; near: 0 records" in text
    greeting = next(line for line in text.splitlines() if line.startswith("  greeting "))
    assert greeting.split() == ["greeting", "50.0%", "█" * 15, "2"]
    assert "  S205 empty-turn" in text


def test_html_is_self_contained_and_escapes_dataset_content(dataset, tmp_path):
    page = tmp_path / "report.html"
    assert run("stats", dataset, "--html", page, "-q").exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;bad()&lt;/script&gt;" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert html.count("<svg") >= 5


def test_script_detection_and_distribution_helpers():
    assert dominant_script("Hello, world") == "Latin"
    assert dominant_script("你好，世界 hi") == "Han"
    assert dominant_script("こんにちは世界") == "Japanese"
    assert dominant_script("Привет") == "Cyrillic"
    assert dominant_script("123 !") == "none"
    assert percentile([1, 2, 3, 4], 50) == 2 and percentile([1, 2, 3, 4], 100) == 4
    bins = log_histogram([1, 10, 100, 1000], bins=3)
    assert [count for _, _, count in bins] == [1, 1, 2]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.skipif(not ALPACA.exists(), reason="shared datasets are not beside the checkout")
def test_alpaca_report_renders_in_headless_chromium(tmp_path):
    """The documented check (docs/adoption.md): render the page and look at the screenshot."""
    page, shot = tmp_path / "alpaca.html", tmp_path / "alpaca.png"
    assert run("stats", ALPACA, "--html", page, "-q", "--format", "json").exit_code == 0
    dumped = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert dumped.count("<rect") > 60  # three length histograms and the bars were laid out
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1200,1900",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_stats_count_a_convention_on_every_record(tmp_path):
    path = tmp_path / "t0.jsonl"
    rows = [{"prompt": f"Add {n} and 1.", "completion": f" {n + 1}<|endoftext|>"} for n in range(20)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    profile = json.loads(run("stats", path, "--format", "json").stdout)
    assert {"code": "P007", "name": "leaked-special-token", "count": 20, "records": 20} in profile["top_violations"]
