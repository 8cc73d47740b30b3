"""Format consistency F101-F112: the minority of a file against the file's own norm."""

from __future__ import annotations

import pytest

from datalint.checks import consistency
from datalint.checks.consistency_features import _FENCED, FEATURES, SCANNED, scan
from datalint.field_mapping import build_record
from datalint.records import Text
from datalint.rules import builtin_rules, prepared

PROSE = "The answer is simple and short."


def dataset(odd: str | None, at: int = 10, total: int = 60, normal: str = PROSE) -> list[dict]:
    records = [{"instruction": f"Question {i}?", "input": "", "output": normal} for i in range(total)]
    if odd is not None:
        records[at - 1]["output"] = odd
    return records


@pytest.mark.parametrize(
    ("code", "odd"),
    [
        ("F101", "# Title\nThe answer."),
        ("F102", "Points:\n- one\n- two"),
        ("F103", "Steps:\n1. one\n2. two"),
        ("F104", "Here:\n```\nx = 1\n```"),
        ("F105", "| a | b |\n|---|---|\n| 1 | 2 |"),
        ("F106", "Sure! The answer is simple."),
        ("F107", "The answer is simple. Hope this helps!"),
        ("F108", "The answer is simple and short,"),
        ("F109", "the answer is simple and short."),
        ("F110", "The answer is 70 m<sup>2</sup>."),
        ("F111", "The answer is simple. "),
        ("F112", "The answer  is simple."),
    ],
)
def test_minority_is_reported_at_its_line(lint, code, odd):
    found = lint(dataset(odd), code)
    assert [(c, line) for c, line, _, _ in found] == [(code, 10)]


@pytest.mark.parametrize(
    ("code", "odd"), [("F101", "# Title\nThe answer."), ("F106", "Sure! The answer."), ("F110", "A <b>bold</b> one.")]
)
def test_feature_shared_by_many_is_the_norm(lint, code, odd):
    records = dataset(None)
    for record in records[:30]:
        record["output"] = odd
    assert lint(records, code) == []


def test_small_files_have_no_norm(lint):
    assert lint(dataset("# Title\nThe answer.", total=20), "F101") == []


def test_code_answers_are_not_prose(lint):
    code = "def f(x):\n    # double it\n    return x * 2"
    assert lint(dataset(code), "F101") == []
    assert lint(dataset(code), "F109") == []
    assert lint(dataset("<html><body>Hi</body></html>"), "F110") == []


def test_missing_option_reports_the_few_without(lint):
    records = dataset("Plain answer.", normal="Steps:\n1. one\n2. two")
    assert lint(records, "F103") == []
    found = lint(records, "F103", "[rules.F103]\nmissing = true\n")
    assert [(c, line) for c, line, _, _ in found] == [("F103", 10)]
    assert "has no numbered list" in found[0][3]


def test_edge_whitespace_convention_is_not_reported(lint):
    records = dataset(None)
    for record in records:
        record["instruction"] += "\n"
    records[4]["output"] = " " + PROSE
    assert [(c, line) for c, line, _, _ in lint(records, "F111")] == [("F111", 5)]


def test_ending_in_quotes_counts_as_its_inner_punctuation(lint):
    assert lint(dataset('He said "the answer is simple."'), "F108") == []


TRICKY = [
    "１. a one-line list in full-width digits",
    "٣) an Arabic-Indic numbered item",
    "Intro\n  12) item\n123. not an item",
    "# Title\n#no heading\n####### seven",
    "text\n\t- tabbed bullet\n• dot item",
    "| a | b |\n|:---:|---|\n| 1 | 2 |",
    "a  b",
    "a   b",
    "  leading runs",
    "x  \ny",
    "col  | aligned",
    "```py\nx  = 1\n# comment\n```\nThen prose  here.",
    "```unclosed\n- not a bullet",
    "Sure! Here it is.",
    "İstanbul is big. I hope this helps!",
    "Ok\u2019 then. Don\u2019t hesitate to ask",
    "Paris." + " filler" * 40 + " Let me know if you need more.",
    "Hope this helps! " + "x" * 90,
    " " * 200 + "Sure! After a long indent.",
    "Thanks. Hope this helps!" + " " * 300,
    "<p>Hi</p>",
    "a < b and c > d",
    "<br/>",
    "iPhone is a phone.",
    "rain falls on the plain.",
    "x = 5",
    "",
]


@pytest.mark.parametrize("text", TRICKY)
def test_one_scan_finds_what_each_feature_regex_finds(text):
    """The shared scan looks for the line-start features in one regex, for space runs and sign-offs
    behind cheaper tests: each must answer as the feature's own regex does."""
    values = dict(zip(SCANNED, scan(Text("response", text, "/output"), skip_code=True), strict=True))
    prose = _FENCED.sub("", text) if "```" in text else text
    for feature in ("heading", "bullet-list", "numbered-list", "table", "html"):
        assert values[feature] == (FEATURES[feature][0].search(prose) is not None), feature
    assert values["code-fence"] == (FEATURES["code-fence"][0].search(text) is not None)
    runs = "|" not in text and "\t" not in text and FEATURES["space-runs"][0].search(prose) is not None
    assert values["space-runs"] == runs
    lowered = prose.lower().replace("\u2019", "'")
    assert values["stock-opener"] == (FEATURES["stock-opener"][0].search(lowered.lstrip()[:60]) is not None)
    assert values["sign-off"] == (FEATURES["sign-off"][0].search(lowered.rstrip()[-200:]) is not None)


def test_rules_sharing_a_profile_answer_as_alone():
    """Each record's texts are scanned once for all features; the answer must not depend on which rule asked first."""
    rules = [prepared(rule) for rule in builtin_rules() if rule.kind == "consistency"]
    data = {
        "conversations": [
            {"from": "human", "value": "Q?"},
            {"from": "gpt", "value": "Sure! - a\n- b"},
            {"from": "human", "value": "More?"},
            {"from": "gpt", "value": "x = 1;\ny = 2"},
        ]
    }
    alone = [consistency.record_features(rule, build_record(1, "h", data, "sharegpt")) for rule in rules]
    shared = build_record(1, "h", data, "sharegpt")
    backwards = consistency.prepare_features_set(rules[::-1])
    together = consistency.record_features_set(backwards, shared)[::-1]
    assert together == alone
    assert alone[[rule.options["feature"] for rule in rules].index("bullet-list")] == (
        ("response", True, "/conversations/1/value", None),  # no task type: None in the task column
    )


@pytest.mark.parametrize(
    ("code", "instruction", "odd"),
    [
        ("F105", "Create a table of three planets and their moons.", "| a | b |\n|---|---|\n| 1 | 2 |"),
        ("F102", "List three fruits.", "Fruits:\n- apple\n- pear"),
        ("F103", "Explain the steps to boil an egg.", "Steps:\n1. boil\n2. wait"),
        ("F101", "Write a CV for a nurse.", "# Jane Doe\nNurse with ten years of practice."),
        ("F101", "Suggest a hashtag for this post.", "# morningmotivation"),
        ("F104", "Write Python code that prints one.", "Here:\n```\nprint(1)\n```"),
        ("F110", "What does the <div> tag do in HTML?", "The <div> tag groups content on a page."),
        ("F110", "Question 9?", "Use `<br>` to break a line, it is simple."),
        ("F107", "Write an email to a customer about a delay.", "The parcel is late. Hope this helps!"),
        ("F106", "Write a line of dialogue agreeing to a drive.", '"Sure, I will get the keys!"'),
        ("F106", "Schedule a meeting for 10 AM.", "OK, I have scheduled the meeting for 10 AM."),
        ("F106", "Reverse the words: Learning to code is great.", "Great, code to learning is."),
        ("F109", "Complete the sentence: She packed her bag and", "set off on her long journey alone."),
        ("F109", "Give three words that rhyme with light.", "bright, night, sight, tight, might."),
        ("F109", "Question 9?", "weather('weather in Paris today, please')"),
        ("F109", "Question 9?", "yes, the text is about technology today."),
        ("F108", "Create a signup form.", "Please sign up below.\nName:\nEmail:"),
        ("F112", "Make a table of scores.", "Alice has  ninety points in total."),
    ],
)
def test_form_the_instruction_asks_for_is_not_reported(lint, code, instruction, odd):
    records = dataset(odd)
    records[9]["instruction"] = instruction
    assert lint(records, code) == []


@pytest.mark.parametrize(
    ("code", "odd"),
    [
        ("F106", "Certainly there is a link between the two."),
        ("F106", "Great food, slow service, and a nice view."),
        ("F108", "The answer is simple and short;"),
        ("F108", "The answer is simple and short and"),
        ("F112", "The answer is simple.  Short too."),
        ("F112", "Name   Age\nAlice  30"),
    ],
)
def test_content_that_only_looks_like_the_feature_is_not_reported(lint, code, odd):
    assert lint(dataset(odd), code) == []


def test_a_table_asked_for_still_counts_in_the_norm(lint):
    """Answers whose instruction asks for a table are not reported, but they show the file uses tables:
    one more table among 60 answers, 4 in all, is not a rare style (2% at most)."""
    table = "| a | b |\n|---|---|\n| 1 | 2 |"
    records = dataset(table, at=10)
    for index in (20, 30, 40):
        records[index] = {"instruction": "Make a table of two numbers.", "input": "", "output": table}
    assert lint(records, "F105") == []


def test_a_multi_task_file_is_judged_per_task_type(lint):
    """Bullets are the norm of the list task and rare in the QA task: the QA answer with bullets is reported."""
    records = [{"instruction": f"Q{i}?", "output": "- a\n- b", "category": "list"} for i in range(40)]
    records += [{"instruction": f"Q{i}?", "output": PROSE, "category": "qa"} for i in range(60)]
    records[70]["output"] = "Two points:\n- one\n- two"
    found = lint(records, "F102")
    assert [(c, line) for c, line, _, _ in found] == [("F102", 71)]
    assert "(task type 'qa')" in found[0][3]


def test_edge_whitespace_of_code_and_given_data(lint):
    records = dataset(None)
    records[2]["input"] = "name,age\nann,3\nbob,4\ncid,5\n"  # a CSV block's final newline
    records[3]["output"] = "    return x * 2"  # a snippet's indentation
    records[4]["output"] = "The answer is simple.\n"  # a trained trailing newline
    for record in records:
        record.setdefault("input", "")
    assert [(c, line) for c, line, _, _ in lint(records, "F111")] == [("F111", 5)]


def test_the_instructions_asks_are_read_in_chinese(lint):
    records = dataset("昨晚吃了<b>馄饨</b>和沙拉。")
    records[9]["instruction"] = "在给定的句子中搜索单词“馄饨”并使其加粗。"
    assert lint(records, "F110") == []
    records[9]["instruction"] = "昨晚吃了什么？"
    assert [(c, line) for c, line, _, _ in lint(records, "F110")] == [("F110", 10)]


def test_prose_wrapped_in_paragraph_tags_is_scraped_text(lint):
    assert [(c, line) for c, line, _, _ in lint(dataset("<p>The answer is simple and short.</p>"), "F110")] == [
        ("F110", 10)
    ]
    page = "<html>\n<body>\n<p>The answer.</p>\n</body>\n</html>"
    assert lint(dataset(page), "F110") == []


def test_an_opener_word_elsewhere_in_the_prompt_explains_nothing(lint):
    """ "Of course!" is filler even when the question mentions the migration *of* birds."""
    records = dataset("Of course! The answer is simple and short.")
    records[9]["instruction"] = "Explain the migration of birds."
    assert [(c, line) for c, line, _, _ in lint(records, "F106")] == [("F106", 10)]
