"""Length rules L001-L006: bounds, outliers, too short for the task, truncation, ratio."""

from __future__ import annotations

from pathlib import Path

import pytest

from datalint.checks.length import _LONG_FORM, _may_ask_long_form, approximate_tokens, measure
from datalint.length.truncation import truncation


def test_token_and_word_counts():
    assert approximate_tokens("abcdefgh") == 2
    assert approximate_tokens("你好世界") == 4
    assert measure("Hello, big world", "words") == 3
    assert measure("你好 world", "words") == 3


def test_bounds(lint):
    records = [
        {"instruction": "Q", "input": "", "output": "x" * 80_000},
        {"instruction": "Q", "input": "", "output": "ok"},
    ]
    found = lint(records, "L001")
    assert [(c, line) for c, line, _, _ in found] == [("L001", 1)]
    assert "20,000 approximate tokens" in found[0][3]
    found = lint(records, "L002", "[rules.L002]\nmin = 3\n")
    assert [(c, line) for c, line, _, _ in found] == [("L002", 2)]


def test_outlier(lint):
    records = [{"instruction": "Q", "input": "", "output": "word " * (20 + i % 7)} for i in range(60)]
    records[7]["output"] = "word " * 5000
    found = lint(records, "L003")
    assert [(c, line) for c, line, _, _ in found] == [("L003", 8)]
    records[7]["output"] = "word " * 30
    assert lint(records, "L003") == []


def _template_file(short_prompts: int, long_prompts: int) -> list[dict]:
    """Two templates, as in T0: one-word labels and news articles (long by design)."""
    records = [
        {"prompt": f"Review: item {n} is fine.\nIs this review positive or negative?\n", "completion": "Positive"}
        for n in range(short_prompts)
    ]
    records += [
        {
            "prompt": f"Write a news article with this headline.\nHeadline: Story {n}\nArticle:\n",
            "completion": "News. " * 300,
        }
        for n in range(long_prompts)
    ]
    return records


def test_runaway_is_judged_against_its_template(lint):
    records = _template_file(30, 30)
    assert lint(records, "L003") == []  # the articles are long against the file, not against their template
    records[4]["completion"] = "Positive. " * 500
    found = lint(records, "L003")
    assert [(c, line) for c, line, _, _ in found] == [("L003", 5)]
    assert "times the median of prompts" in found[0][3]


def test_one_off_prompt_in_a_template_file_must_beat_the_longest_template(lint):
    records = _template_file(30, 30)
    records.append(
        {"prompt": "Tell me a joke.\n", "completion": "Ha. " * 1000}
    )  # 4,000 characters: an article's length
    assert lint(records, "L003") == []
    records[-1]["completion"] = "Ha. " * 10_000
    assert [(c, line) for c, line, _, _ in lint(records, "L003")] == [("L003", 61)]


def test_free_form_file_is_one_task(lint):
    records = [
        {"instruction": f"Question {n} about topic {n * 7}?", "input": "", "output": "An answer of a few words. " * 8}
        for n in range(60)
    ]
    records[10]["output"] = "An answer that is long but asked for. " * 40  # ~1,500 characters: about 7x
    assert lint(records, "L003") == []
    records[20]["output"] = "Loop. " * 4000
    assert [(c, line) for c, line, _, _ in lint(records, "L003")] == [("L003", 21)]


def test_runaway_in_a_small_file():
    """OpenAI's toy chat file: 5 records, one answer is 'Eat a banana!' repeated to 26,000 characters."""
    import datalint

    path = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "openai-toy-chat-fine-tuning.jsonl"
    if not path.is_file():
        pytest.skip("../shared/datasets not present")
    found = datalint.lint_file(path, select=["L003"])
    assert [(v.line, v.pointer) for v in found] == [(5, "/messages/2/content")]


def test_small_file_needs_a_far_larger_runaway(lint):
    records = [{"instruction": f"Q{n}", "input": "", "output": "An answer. " * 10} for n in range(10)]
    records[3]["output"] = "An answer. " * 300  # 30 times the median: not enough without a spread
    assert lint(records, "L003") == []
    records[3]["output"] = "An answer. " * 600
    assert [(c, line) for c, line, _, _ in lint(records, "L003")] == [("L003", 4)]


def test_runaway_within_a_type(lint):
    records = [{"instruction": f"Q{n}", "input": "", "output": "w " * 10, "type": "short"} for n in range(30)]
    records += [{"instruction": f"E{n}", "input": "", "output": "w " * 900, "type": "essay"} for n in range(30)]
    assert lint(records, "L003") == []
    records[5]["output"] = "w " * 900  # an essay's length, 90 times its own type's median
    found = lint(records, "L003")
    assert [(c, line) for c, line, _, _ in found] == [("L003", 6)]
    assert "the median of type 'short'" in found[0][3]


def test_outlier_is_judged_per_type(lint):
    records = [{"instruction": "Q", "input": "", "output": "w " * 10, "type": "short"} for _ in range(60)]
    records += [{"instruction": "Q", "input": "", "output": "w " * 900, "type": "long"} for _ in range(60)]
    assert lint(records, "L003") == []


def test_too_short_for_task(lint):
    records = [
        {"instruction": "Write an essay about rivers.", "input": "", "output": "Rivers are wet."},
        {"instruction": "Write a title for an article about rivers.", "input": "", "output": "Rivers"},
        {"instruction": "Name a river.", "input": "", "output": "Nile"},
        {"instruction": "Generate a 3 letter username for the name.", "input": "Abdul", "output": "Abl"},
        {"instruction": "Write a story in 30 words or less about a fox.", "input": "", "output": "The fox ran."},
        {"instruction": "Generate a creative story starter.", "input": "", "output": "Once, a door opened."},
        {"instruction": "Rewrite the input.", "input": "Task: Prepare a speech", "output": "Prepare a speech."},
        {
            "instruction": "Compose a letter to a landlord about a leak.",
            "input": "",
            "output": "Which leak do you mean?",
        },
        {"instruction": "Draft a cover letter for a nurse.", "input": "", "output": "Dear Sir, I am a nurse."},
    ]
    found = lint(records, "L004")
    assert [(c, line) for c, line, _, _ in found] == [("L004", 1), ("L004", 9)]


def test_too_short_reads_the_turn_each_answer_replies_to(lint):
    """In a chat, the long-form request of an earlier turn does not judge a later short answer."""
    turns = [
        {"from": "human", "value": "Write an essay about tides."},
        {"from": "gpt", "value": "Tides rise. " * 40},
        {"from": "human", "value": "Now give it a title."},
        {"from": "gpt", "value": "The Pull of the Moon"},
    ]
    assert lint([{"conversations": turns}], "L004") == []
    turns[1]["value"] = "Tides rise and fall."
    found = lint([{"conversations": turns}], "L004")
    assert [(c, line) for c, line, _, _ in found] == [("L004", 1)]
    assert "'Write an essay'" in found[0][3]


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("First, preheat the oven to 180C and", True),
        ("The three colours are red, green,", True),
        ("The steps are:\n1. Mix the flour\n2.", True),
        ("Call the function like this: print(", True),
        ("The answer is 42", False),
        ("Red, green and blue are the primary colours", False),
        ("- apples\n- pears\n- plums", False),
        ("for (int i = 0; i < n; i++) {\n  sum += i;", False),
        ("Short, and", False),
        ("Here are the steps:\n1. Mix\n-", True),
        ("Here is a long list of words:\n10. a", False),
        ("A first line that is long\nand then a second line ending with the", True),
        ("- one item that is long\n- another item and", True),
        # mid-clause endings: auxiliary, article, determiner, conjunction, preposition
        ("First I will find a teacher, and then I will", True),
        ("The museum is closed on Mondays because the", True),
        ("Try the local dishes, for example such as", True),
        ("Cats mark the blanket with scent from their", True),
        ("The old coils heat much more slowly than", True),
        ("Heat moves from the warm air into the body of", True),
        ("The plan depends on a storm that cuts the power during", True),
        ("The work was slow that week. For", True),
        # clauses that may end so, and endings that are no clause
        ("A quiet morning is something I always look forward to", False),
        ("Find someone with a task they are struggling with", False),
        ("Goals for the company to strive for", False),
        ("The museum opens every day at 10 am", False),
        ("The shelf is exactly 36 in", False),
        ("Carrots give the body plenty of vitamin A", False),
        ("Pick Plan B, it costs less than Plan A", False),
        ("Word: of\nPart of speech: preposition\nSentence: What are you afraid of", False),
        ("Sentence 2: Subject: I, Verb: had", False),
        ("edit, here, the, this, a", False),
        ("Thank you for everything you did this year.\n\nWarm regards,", False),
        (
            "The tide comes in without a sound\nIt takes the sand it has not found\n"
            "And leaves the shells where they have been",
            False,
        ),
        ("The people who knew her best say that", False),
        ("The grocery store charges $0.50 per can", False),
        ("Here is an example of how this command can", True),
        ("The table stores the leave policies that are", True),
        ("We discussed prices, delivery times, warranties and so on", False),
        ("Bring snacks, drinks, blankets and the like", False),
        ("Accept the situation; that is just the way it is", False),
        ("After a hard year it is time to move on", False),
        ("Once the form is ready, click Submit and then I will", True),
        ("The specific implementation will depend on", True),
    ],
)
def test_truncation(text, cut):
    assert (truncation(text) is not None) is cut


@pytest.mark.parametrize(
    ("prompt", "text", "cut"),
    [
        ("Reverse the words: 'We went for a walk in the'", "the in walk a for went We and", False),
        ("Write only the first line of a sonnet about snow.", "When winter lays its silver on the", False),
        ("Sort these words alphabetically: the, river, and, flows", "and flows river the and the", False),
        (
            "Complete the line.\n\nI love to watch the ___ dance in the night sky,",
            "I love to watch the stars dance in the night sky,",
            False,
        ),
        ("Arrange the words into a sentence: bigger than elephant the", "The elephant is bigger than", False),
        (
            "Rewrite it to begin with 'despite'.\n\nThe party argued their point relentlessly.",
            "Despite the party arguing their point relentlessly,",
            True,
        ),
        ("Explain tides.", "Tides rise and fall twice a day because the", True),
    ],
)
def test_fragments_by_design(prompt, text, cut):
    assert (truncation(text, prompt) is not None) is cut


def test_truncated_turn_of_a_chat_is_reported_with_its_pointer(lint):
    turns = [
        {"from": "human", "value": "Describe the water cycle."},
        {"from": "gpt", "value": "Water evaporates, condenses into clouds and falls again as rain or"},
        {"from": "human", "value": "continue"},
        {"from": "gpt", "value": "snow. Then it flows back to the sea."},
    ]
    found = lint([{"id": "a", "conversations": turns}], "L005")
    assert [(c, line, message) for c, line, _, message in found] == [
        ("L005", 1, "response looks cut off: ends mid-clause with the conjunction 'or'")
    ]


def test_truncated_reported_at_last_character(lint):
    found = lint([{"instruction": "Q", "input": "", "output": "First, preheat the oven to 180C and"}], "L005")
    prefix = '{"instruction": "Q", "input": "", "output": "'
    assert [(c, line, col) for c, line, col, _ in found] == [("L005", 1, len(prefix) + 35)]


def test_ratio(lint):
    records = [{"instruction": "Q " * 20, "input": "", "output": "A " * (20 + i % 5)} for i in range(60)]
    records[3]["instruction"] = "Q " * 3000
    found = lint(records, "L006")
    assert [(c, line) for c, line, _, _ in found] == [("L006", 4)]


@pytest.mark.parametrize(
    "instruction",
    [
        "Write an essay about rivers.",
        "Compose a cover letter for a nurse.",
        "Generate a short story about a cat.",
        "Give a detailed explanation of rivers.",
        "Describe rivers in at least 300 words.",
        "Draft a 1000-word report.",
        "WRITE A BLOG POST ABOUT TEA.",
        "Write a review",
        "Find a word that rhymes with cat.",
        "Create a list of 300 names.",
        "Name a river.",
    ],
)
def test_long_form_gate_never_hides_a_match(instruction):
    """L004 runs its regex only when the instruction has the words it needs."""
    if _LONG_FORM.search(instruction):
        assert _may_ask_long_form(instruction)


def test_the_median_is_numpys_to_the_last_bit() -> None:
    """The outlier rules take medians from a partition (numpy.median's first call imports
    numpy.ma): the value must be numpy.median's, for odd and even sizes, on lengths and on noise."""
    import numpy

    from datalint.length.outliers import _median

    generator = numpy.random.default_rng(7)
    for size in [*range(1, 40), 1000, 1001, 52002]:
        lengths = numpy.log(generator.integers(0, 5000, size).astype(float) + 1)
        noise = generator.standard_normal(size) * 1e3
        for values in (lengths, noise, numpy.abs(lengths - _median(lengths))):
            assert _median(values) == float(numpy.median(values))
