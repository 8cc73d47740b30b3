"""What an instruction asks for (datalint/intent.py): words matched as words, in English and Chinese;
open requests, questions and text requests."""

from __future__ import annotations

import pytest

from datalint import intent
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


@pytest.mark.parametrize(
    ("ask", "prompt", "expected"),
    [
        (intent.asks_for_table, "Draw up a comparison chart of two phones.", True),
        (intent.asks_for_table, "Create a data set of the ten largest cities.", True),
        (intent.asks_for_table, "创建一个时间表", True),
        (intent.asks_for_table, "Tell me about the stable genius.", False),  # "table" inside a word
        (intent.asks_for_list, "Name five rivers in Europe.", True),
        (intent.asks_for_list, "What key details about jo can be extracted from the bio?", True),
        (intent.asks_for_list, "列出三种水果", True),
        (intent.asks_for_list, "Why is the sky blue?", False),
        (intent.asks_for_code, "Write a function that adds two numbers.", True),
        (intent.asks_for_code, "用for循环构建以下表达式", True),
        (intent.asks_for_code, "Describe a sunset.", False),
        (intent.asks_about_markup, "HTML的最基本元素是什么？", True),  # no word boundary before a CJK character
        (intent.asks_about_markup, "Make the word ravioli bold.", True),
        (intent.asks_about_markup, "Describe a sunset.", False),
        (intent.asks_for_composition, "Compose a reply to this email.", True),
        (intent.asks_for_composition, "What is the boiling point of water?", False),
        (intent.asks_for_role, "As Hagrid from Harry Potter, explain how to approach a hippogriff.", True),
        (intent.asks_for_role, "Pretend you are Ada Lovelace.", True),
        (intent.asks_for_role, "Explain photosynthesis.", False),
        (intent.asks_to_continue, "Create a sentence that completes this sentence: She packed", True),
        (intent.asks_to_continue, "Fill in the blank: I like ___", True),
        (intent.asks_to_continue, "Explain gravity.", False),
        (intent.asks_to_transform, "Rewrite this sentence in the passive voice.", True),
        (intent.asks_to_transform, "以相反的顺序返回给定的字符串。", True),
        (intent.asks_to_transform, "Who wrote Hamlet?", False),
        (intent.asks_for_words, "Give three synonyms for happy.", True),
        (intent.asks_for_words, "How far is the moon?", False),
        (intent.asks_for_poem, "Write a haiku about rain.", True),
        (intent.asks_for_poem, "Write a report about rain.", False),
        (intent.asks_for_headed_document, "Generate a CV for a developer.", True),
        (intent.asks_for_headed_document, "What is 2 + 2?", False),
    ],
)
def test_asks(ask, prompt, expected):
    assert ask(prompt) is expected
