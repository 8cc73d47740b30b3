"""What an instruction asks for (datalint/intent.py): open requests, questions, text requests."""

from __future__ import annotations

import pytest

from datalint.intent import asks_for_text, asks_open_answer, asks_question


@pytest.mark.parametrize(
    ("text", "open_"),
    [
        ("Write a haiku about rain.", True),
        ("Come up with a name for a bakery.", True),
        ("Name a primary color.", True),
        ("Give me a random number between 1 and 10.", True),
        ("From now on, act as a Linux terminal.", True),
        ("Produce a Shakespearean insult.", True),
        ("What is up?", True),
        ("Thanks a lot!", True),
        ("continue", True),
        ("谢谢", True),
        ("给我推荐几部电影。", True),
        ("What is the capital of Australia?", False),
        ("Is 7 a prime number?", False),
        ("Pick a colour for the logo.", True),
        ("Choose the correct answer: (A) 3 (B) 4", False),
        ("Which option is right? Pick one of the following.", False),
        ("Convert 4 km to miles.", False),
        ("You are a helpful assistant. Is the shop open on Sundays?", False),
    ],
)
def test_open_requests(text, open_):
    assert asks_open_answer(text) is open_


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Capital of Australia?", True),
        ("Classify the review as positive or negative.", True),
        ("Review: cold food.\nSentiment:", True),
        ("鲸鱼是鱼吗", True),
        ("Reverse the word 'stop'.", False),
        ("Shorten this sentence.", False),
    ],
)
def test_questions(text, question):
    assert asks_question(text) is question


def test_text_requests():
    assert asks_for_text("Explain photosynthesis.")
    assert asks_for_text("用三句话介绍长城。")
    assert not asks_for_text("How many legs does a snake have?")
    assert not asks_for_text("Replace 'not anything' with one word.")
