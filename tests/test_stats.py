"""`datalint stats`: the dataset profile as text, JSON and a self-contained HTML page."""

import json
import re
import shutil
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datalint.profile import count_letters, dominant_script, length_histogram, percentile, share_text
from tests.cli_helpers import DATASETS, run, working_directory

SHAREGPT = DATASETS / "sharegpt-v3-cleaned-first2k.jsonl"
ZH_DEMO = DATASETS / "llamafactory-alpaca-zh-demo-1k.jsonl"
needs_datasets = pytest.mark.skipif(not SHAREGPT.exists(), reason="shared datasets are not beside the checkout")
RECORDS = [
    {"instruction": "Say hi", "input": "", "output": "Hi there", "type": "greeting", "difficulty": "easy"},
    {"instruction": "Say hi", "input": "", "output": "Hi there", "type": "greeting", "difficulty": "easy"},
    {"instruction": "用中文回答", "input": "", "output": "好的，我明白了。", "type": "chat", "difficulty": "hard"},
    {"instruction": "<script>alert(1)</script>", "input": "x", "output": "", "type": "<script>bad()</script>"},
]
# Records with known letters per script (counted by hand) and a long Latin one that makes the others small.
SCRIPT_RECORDS = [
    {"instruction": "Translate to Korean", "input": "", "output": "안녕하세요"},  # Latin 17, Hangul 5
    {"instruction": "Привет мир", "input": "", "output": "Hello"},  # Cyrillic 9, Latin 5
    {"instruction": "שלום", "input": "", "output": "مرحبا"},  # Hebrew 4, Arabic 5
    {"instruction": "你好", "input": "", "output": "こんにちは"},  # Han 2, Kana 5
    {"instruction": "12 + 30 = ?", "input": "", "output": "42"},  # no letters
    {"instruction": "Summarise", "input": "", "output": "lorem " * 2000},  # Latin 9 + 10,000
]
SCRIPT_LETTERS = {"Latin": 10_031, "Cyrillic": 9, "Arabic": 5, "Hangul": 5, "Kana": 5, "Hebrew": 4, "Han": 2}
SCRIPT_RECORD_COUNTS = {"Latin": 3, "Cyrillic": 1, "Arabic": 1, "Hangul": 1, "Kana": 1, "Hebrew": 1, "Han": 1}
MAIN_SCRIPT = {"Latin": 2, "Cyrillic": 1, "Arabic": 1, "Kana": 1}  # and one record with no letters


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "mixed.jsonl", RECORDS)


@pytest.fixture
def scripts_dataset(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "scripts.jsonl", SCRIPT_RECORDS)


class Element:
    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag, self.attrs, self.children, self.parts = tag, attrs, [], []

    @property
    def text(self) -> str:
        return "".join(part if isinstance(part, str) else part.text for part in self.parts)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag: str, css: str | None = None) -> list["Element"]:
        found = []
        for child in self.children:
            if child.tag == tag and (css is None or css in child.classes()):
                found.append(child)
            found += child.find_all(tag, css)
        return found


class TreeBuilder(HTMLParser):
    """The page as a tree of elements (stdlib only), to check its structure without a browser."""

    VOID = {"meta", "br", "img", "input", "link", "hr"}

    def __init__(self):
        super().__init__()
        self.root = Element("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        self.stack[-1].parts.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].parts.append(data)


def parse_page(html: str) -> Element:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


def axis_number(label: str) -> float:
    """An x tick label back to a number: 500, 1k, 1.5k, 2M."""
    scale = {"k": 1_000, "M": 1_000_000}.get(label[-1], 1)
    return float(label.rstrip("kM").replace(",", "")) * scale


def table_rows(table: Element) -> list[list[str]]:
    return [[" ".join(cell.text.split()) for cell in row.find_all("td")] for row in table.find_all("tr")[1:]]


def check_histograms(page: Element, fields: list[dict]) -> None:
    """Every field's histogram: both axes, a zero-based evenly stepped y axis above the tallest bar, x ticks in
    increasing order, and one bar per bin whose tooltips give disjoint, adjacent ranges."""
    svgs = page.find_all("svg", "histogram")
    assert len(svgs) == len(fields)
    for svg, field in zip(svgs, fields, strict=True):
        assert svg.find_all("line", "x-axis") and svg.find_all("line", "y-axis")
        assert svg.find_all("text", "x-title")[0].text.startswith("characters per record")
        assert svg.find_all("text", "y-title")[0].text == "records"
        y_ticks = [int(text.text.replace(",", "")) for text in svg.find_all("text", "y-tick")]
        assert y_ticks[0] == 0 and len(y_ticks) >= 2
        assert len({b - a for a, b in zip(y_ticks, y_ticks[1:], strict=False)}) == 1
        assert y_ticks[-1] >= max(count for _, _, count in field["length_histogram"])
        x_ticks = [(float(text.attrs["x"]), axis_number(text.text)) for text in svg.find_all("text", "x-tick")]
        assert len(x_ticks) >= 2
        assert [value for _, value in sorted(x_ticks)] == sorted({value for _, value in x_ticks})
        bars = svg.find_all("rect", "bin")
        assert len(bars) == len(field["length_histogram"])
        previous_high = None
        for bar in bars:
            span = re.match(r"([\d,]+)(?:–([\d,]+))? characters: ([\d,]+) records", bar.text)
            low, high = (int(value.replace(",", "")) for value in (span[1], span[2] or span[1]))
            assert low <= high and (previous_high is None or low == previous_high + 1)
            previous_high = high


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
    # 5, 6, 6, 25 characters: bins on a log scale of round numbers, each length in exactly one.
    assert fields["instruction"]["length_scale"] == "log"
    histogram = fields["instruction"]["length_histogram"]
    assert sum(count for _, _, count in histogram) == 4
    assert [count for low, high, count in histogram if low <= 6 <= high] == [2]
    assert [count for low, high, count in histogram if low <= 25 <= high] == [1]
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
    assert [(v["code"], v["count"], v["records"], v["record_share"]) for v in profile["top_violations"]] == [
        ("D001", 1, 1, 0.25),
        ("S205", 1, 1, 0.25),
    ]


def test_stats_text_has_histograms_and_bars(dataset):
    text = run("stats", dataset).stdout
    assert "exact: 1 records in 1 groups; near: 0 records" in text
    greeting = next(line for line in text.splitlines() if line.startswith("  greeting "))
    assert greeting.split() == ["greeting", "50.0%", "█" * 15, "2"]
    assert "top violations (share of records flagged: records with at least one, of all 4)" in text
    assert re.search(r"^  S205 empty-turn +25\.0% +1 +1$", text, re.MULTILINE)


def test_every_script_is_listed_with_its_share(scripts_dataset, tmp_path):
    page = tmp_path / "scripts.html"
    result = run("stats", scripts_dataset, "--format", "json", "--html", page, "-q")
    profile = json.loads(result.stdout)
    mix = {item["script"]: item for item in profile["script_mix"]}
    assert {script: item["letters"] for script, item in mix.items()} == SCRIPT_LETTERS
    assert {script: item["records"] for script, item in mix.items()} == SCRIPT_RECORD_COUNTS
    assert {script: item["dominant_in"] for script, item in mix.items() if item["dominant_in"]} == MAIN_SCRIPT
    assert profile["scripts"] == {**MAIN_SCRIPT, "no letters": 1}
    total = sum(SCRIPT_LETTERS.values())
    shown = {script: share_text(letters / total) for script, letters in SCRIPT_LETTERS.items()}
    assert shown == {"Latin": "99.7%", **{script: "<0.1%" for script in SCRIPT_LETTERS if script != "Latin"}}

    rows = table_rows(parse_page(page.read_text(encoding="utf-8")).find_all("table", "scripts")[0])
    expected = [
        [script, shown[script], str(SCRIPT_RECORD_COUNTS[script]), str(mix[script]["dominant_in"])]
        for script in SCRIPT_LETTERS
    ]
    no_letters = ["no letters (empty, or only digits, punctuation, symbols)", "no letters", "1", "1"]
    assert rows == [*expected, no_letters]

    text = run("stats", scripts_dataset).stdout
    for script in SCRIPT_LETTERS:
        columns = next(line for line in text.splitlines() if line.startswith(f"  {script} ")).split()
        assert columns == [script, shown[script], str(SCRIPT_RECORD_COUNTS[script]), str(mix[script]["dominant_in"])]
    assert "  1 records have no letter at all (empty, or only digits, punctuation, symbols)" in text


def test_html_is_self_contained_and_escapes_dataset_content(dataset, tmp_path):
    page = tmp_path / "report.html"
    assert run("stats", dataset, "--html", page, "-q").exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;bad()&lt;/script&gt;" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    parse_page(html)  # well formed: every element closed where it opened


@needs_datasets
def test_real_dataset_page_structure(tmp_path):
    """ShareGPT: Latin almost only, with Hangul, Han, Kana, Cyrillic and Greek letters in a few records."""
    page = tmp_path / "sharegpt.html"
    result = run("stats", SHAREGPT, "--format", "json", "--html", page, "-q")
    assert result.exit_code == 0
    profile = json.loads(result.stdout)
    tree = parse_page(page.read_text(encoding="utf-8"))
    check_histograms(tree, profile["fields"])

    # Records with a letter of these scripts, counted on the raw lines (ids and keys are ASCII).
    ranges = {"Hangul": "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f", "Cyrillic": "\u0400-\u04ff", "Kana": "\u3040-\u30ff"}
    raw = [json.dumps(json.loads(line), ensure_ascii=False) for line in SHAREGPT.open(encoding="utf-8")]
    mix = {item["script"]: item for item in profile["script_mix"]}
    for script, chars in ranges.items():
        assert mix[script]["records"] == sum(1 for line in raw if re.search(f"[{chars}]", line)) > 0
    assert mix["Han"]["records"] > 0 and mix["Greek"]["records"] > 0
    rows = {row[0]: row for row in table_rows(tree.find_all("table", "scripts")[0])}
    assert set(mix) <= set(rows)
    assert rows["Latin"][1] == ">99.9%"
    assert all(rows[script][1] == "<0.1%" for script in ("Hangul", "Han", "Kana", "Cyrillic", "Greek"))

    violations = table_rows(tree.find_all("table", "violations")[0])
    headers = [" ".join(th.text.split()) for th in tree.find_all("table", "violations")[0].find_all("th")]
    assert headers == ["rule", "share of records flagged", "records flagged", "violations"]
    by_code = {item["code"]: item for item in profile["top_violations"]}
    for name_cell, share, records, count in violations:
        code, name = name_cell.split(" ", 1)
        if code in by_code:
            assert name == by_code[code]["name"]  # the full name, never cut
            assert share == share_text(by_code[code]["records"] / profile["records"])
            assert (int(records.replace(",", "")), int(count.replace(",", ""))) == (
                by_code[code]["records"],
                by_code[code]["count"],
            )


@needs_datasets
def test_text_lists_every_script_of_a_chinese_dataset():
    text = run("stats", ZH_DEMO).stdout
    lines = text.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("scripts (")))
    section = lines[start + 2 : lines.index("", start)]
    listed = [line.split()[0] for line in section if not line[2].isdigit()]
    raw = ZH_DEMO.read_text(encoding="utf-8")
    assert listed[0] == "Han"
    assert "Latin" in listed
    assert ("Kana" in listed) == bool(re.search("[\u3040-\u30ff]", raw))
    assert ("Greek" in listed) == bool(re.search("[\u0370-\u03ff]", raw))


@needs_datasets
def test_docs_example_is_what_stats_prints(tmp_path):
    """docs/stats.md shows parts of the text profile of ShareGPT: each shown line is printed, in that order."""
    docs = (Path(__file__).resolve().parents[1] / "docs" / "stats.md").read_text(encoding="utf-8")
    shown = docs.split("```console\n$ datalint stats ")[1].split("```")[0].splitlines()[1:]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / SHAREGPT.name).symlink_to(SHAREGPT)
    with working_directory(tmp_path):
        printed = run("stats", f"data/{SHAREGPT.name}", "-q").stdout.splitlines()
    position = 0
    for line in (line for line in shown if line != "..."):
        position = printed.index(line, position) + 1


def test_script_detection_and_distribution_helpers():
    assert dominant_script("Hello, world") == "Latin"
    assert dominant_script("你好，世界 hi") == "Han"
    assert dominant_script("こんにちは世界") == "Kana"
    assert dominant_script("Привет") == "Cyrillic"
    assert dominant_script("123 !") == "no letters"
    assert count_letters("Ｈｅｌｌｏ ｶﾀｶﾅ 𝐱 ℓ ª") == {"Latin": 6, "Kana": 4, "other letters (math, symbols)": 2}
    assert share_text(0) == "0.0%" and share_text(0.0004) == "<0.1%" and share_text(0.9996) == ">99.9%"
    assert percentile([1, 2, 3, 4], 50) == 2 and percentile([1, 2, 3, 4], 100) == 4
    assert length_histogram([1, 10, 100, 1000]) == (
        "log",
        [(1, 1, 1), (2, 4, 0), (5, 9, 0), (10, 19, 1), (20, 49, 0), (50, 99, 0), (100, 199, 1), (200, 499, 0)]
        + [(500, 999, 0), (1000, 1999, 1)],
    )
    assert length_histogram([84, 84, 90]) == (
        "linear",
        [(84, 84, 2)] + [(n, n, 0) for n in range(85, 90)] + [(90, 90, 1)],
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=1, max_value=10_000_000), min_size=1, max_size=60))
def test_length_bins_are_disjoint_and_hold_every_value(values):
    scale, bins = length_histogram(sorted(values))
    assert scale in ("log", "linear")
    assert bins[0][0] <= min(values) and bins[-1][1] >= max(values)
    assert all(low <= high for low, high, _ in bins)
    assert all(bins[i][1] + 1 == bins[i + 1][0] for i in range(len(bins) - 1))  # adjacent, never overlapping
    assert [count for _, _, count in bins] == [sum(low <= v <= high for v in values) for low, high, _ in bins]
    assert len(bins) <= 40


def chromium(*args: str) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    flags += ["--disable-component-update", "--no-first-run", "--hide-scrollbars", "--window-size=1200,2400"]
    done = subprocess.run(["chromium", *flags, *args], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


# Run in a copy of the page (the page itself has no script): what a reader sees, measured by the browser.
MEASURE = """<script>
const boxes = (nodes) => [...nodes].map((node) => node.getBoundingClientRect());
const overlaps = (rects) => rects.some((a, i) => rects.slice(i + 1).some(
  (b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom));
const histograms = [...document.querySelectorAll("svg.histogram")].map((svg) => ({
  xLabels: [...svg.querySelectorAll("text.x-tick")].map((t) => t.textContent),
  yLabels: [...svg.querySelectorAll("text.y-tick")].map((t) => t.textContent),
  xOverlap: overlaps(boxes(svg.querySelectorAll("text.x-tick"))),
  yOverlap: overlaps(boxes(svg.querySelectorAll("text.y-tick"))),
  inside: boxes(svg.querySelectorAll("text")).every((r) => {
    const s = svg.getBoundingClientRect();
    return r.left >= s.left - 0.5 && r.right <= s.right + 0.5 && r.top >= s.top - 0.5 && r.bottom <= s.bottom + 0.5;
  }),
  axes: svg.querySelectorAll("line.x-axis, line.y-axis").length,
}));
const cut = [...document.querySelectorAll("td, th, figcaption, text")].filter(
  (el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow === "hidden").length;
const scripts = [...document.querySelectorAll("table.scripts tr")].slice(1).map((tr) => tr.cells[0].innerText);
const rules = [...document.querySelectorAll("table.violations tr")].slice(1).map((tr) => tr.cells[0].innerText);
const result = {histograms, cut, scripts, rules, pageWider: document.documentElement.scrollWidth > innerWidth};
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify(result);
document.body.append(out);
</script>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (apt-get install chromium)")
@needs_datasets
@pytest.mark.parametrize("dataset_path", [SHAREGPT, ZH_DEMO], ids=["sharegpt", "alpaca-zh"])
def test_report_renders_in_headless_chromium(dataset_path, tmp_path):
    """The documented check (docs/adoption.md): the browser lays the page out; labels do not collide."""
    page, shot = tmp_path / "report.html", tmp_path / "report.png"
    result = run("stats", dataset_path, "--html", page, "-q", "--format", "json")
    profile = json.loads(result.stdout)
    html = page.read_text(encoding="utf-8")
    measured_page = tmp_path / "measured.html"
    measured_page.write_text(
        html.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';").replace(
            "</body>", MEASURE + "</body>"
        ),
        encoding="utf-8",
    )
    dumped = chromium("--dump-dom", measured_page.as_uri())
    measured = json.loads(unescape(re.search(r'<pre id="measured">(.*?)</pre>', dumped, re.DOTALL)[1]))

    assert len(measured["histograms"]) == len(profile["fields"])
    for histogram in measured["histograms"]:
        assert histogram["axes"] == 2
        assert len(histogram["xLabels"]) >= 2 and len(set(histogram["xLabels"])) == len(histogram["xLabels"])
        assert histogram["yLabels"][0] == "0" and len(histogram["yLabels"]) >= 2
        assert not histogram["xOverlap"] and not histogram["yOverlap"]
        assert histogram["inside"], "a label runs out of its chart"
    assert measured["cut"] == 0 and not measured["pageWider"]
    scripts = [item["script"] for item in profile["script_mix"]]
    assert measured["scripts"][: len(scripts)] == scripts
    ranked = profile["top_violations"]
    assert [rule.replace("\n", " ") for rule in measured["rules"][: len(ranked)]] == [
        f"{item['code']} {item['name']}" for item in ranked
    ]

    chromium(f"--screenshot={shot}", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_stats_count_a_convention_on_every_record(tmp_path):
    path = tmp_path / "t0.jsonl"
    rows = [{"prompt": f"Add {n} and 1.", "completion": f" {n + 1}<|endoftext|>"} for n in range(20)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    profile = json.loads(run("stats", path, "--format", "json").stdout)
    top = {"code": "P007", "name": "leaked-special-token", "count": 20, "records": 20, "record_share": 1.0}
    assert top in profile["top_violations"]
