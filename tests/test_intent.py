"""What an instruction asks for (datalint/intent/): words matched as words, in English and Chinese;
open requests, questions, text requests, languages and changes."""

from __future__ import annotations

import pytest

from datalint.intent.change import accepts_unchanged, asks_for_change, asks_to_repeat, is_placeholder
from datalint.intent.form import (
    asks_about_markup,
    asks_for_code,
    asks_for_composition,
    asks_for_headed_document,
    asks_for_list,
    asks_for_poem,
    asks_for_role,
    asks_for_table,
    asks_for_words,
    asks_to_continue,
    asks_to_transform,
)
from datalint.intent.language import announces_language, asks_for_language, names_language
from datalint.intent.requests import asks_for_text, asks_open_answer, asks_question
from datalint.intent.size import asks_for_fragment, asks_for_short_answer


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
        (asks_for_table, "Draw up a comparison chart of two phones.", True),
        (asks_for_table, "Create a data set of the ten largest cities.", True),
        (asks_for_table, "创建一个时间表", True),
        (asks_for_table, "Tell me about the stable genius.", False),  # "table" inside a word
        (asks_for_list, "Name five rivers in Europe.", True),
        (asks_for_list, "What key details about jo can be extracted from the bio?", True),
        (asks_for_list, "列出三种水果", True),
        (asks_for_list, "Why is the sky blue?", False),
        (asks_for_code, "Write a function that adds two numbers.", True),
        (asks_for_code, "用for循环构建以下表达式", True),
        (asks_for_code, "Describe a sunset.", False),
        (asks_about_markup, "HTML的最基本元素是什么？", True),  # no word boundary before a CJK character
        (asks_about_markup, "Make the word ravioli bold.", True),
        (asks_about_markup, "Describe a sunset.", False),
        (asks_for_composition, "Compose a reply to this email.", True),
        (asks_for_composition, "What is the boiling point of water?", False),
        (asks_for_role, "As Hagrid from Harry Potter, explain how to approach a hippogriff.", True),
        (asks_for_role, "Pretend you are Ada Lovelace.", True),
        (asks_for_role, "Explain photosynthesis.", False),
        (asks_to_continue, "Create a sentence that completes this sentence: She packed", True),
        (asks_to_continue, "Fill in the blank: I like ___", True),
        (asks_to_continue, "Explain gravity.", False),
        (asks_to_transform, "Rewrite this sentence in the passive voice.", True),
        (asks_to_transform, "以相反的顺序返回给定的字符串。", True),
        (asks_to_transform, "Who wrote Hamlet?", False),
        (asks_for_words, "Give three synonyms for happy.", True),
        (asks_for_words, "How far is the moon?", False),
        (asks_for_poem, "Write a haiku about rain.", True),
        (asks_for_poem, "Write a report about rain.", False),
        (asks_for_headed_document, "Generate a CV for a developer.", True),
        (asks_for_headed_document, "What is 2 + 2?", False),
    ],
)
def test_asks(ask, prompt, expected):
    assert ask(prompt) is expected


@pytest.mark.parametrize(
    "prompt",
    [
        "Translate the sentence into German.",
        "Reply in Français",
        "Traduire ceci en anglais: bonjour",
        "terjemahkan kalimat diatas dalam bahasa indonesia",
        "Which language is this? Ciao a tutti",
        "Take this text and transcribe it into a different language.",
        "Answer in both English and Chinese: what is the biggest planet?",
        "把这句话翻译成英文：我爱你。",
        "你用英文回答我就可以了",
        "위 내용을 한국어로 번역해서 보여줘",
        "How do you say 'thank you' in Japanese?",
    ],
)
def test_asks_for_language(prompt):
    assert asks_for_language(prompt)


@pytest.mark.parametrize(
    "prompt",
    [
        "Explain the history of the printing press.",
        "Write a Python function that reverses a list.",
        "介绍一下长城的历史。",
        "Give three tips for staying healthy.",
        "In plain terms, what is inflation?",
    ],
)
def test_does_not_ask_for_language(prompt):
    assert not asks_for_language(prompt)


def test_change_requests_and_tasks_that_accept_the_text_unchanged():
    assert asks_for_change("Rewrite this sentence to remove ambiguity.")
    assert asks_for_change("将以下句子更改为过去时。")
    assert asks_for_change("Replace the adjective with an adverb.")
    assert not asks_for_change("Match the following countries with their capitals.")
    assert not asks_for_change("编辑以下句子：")  # a bare "edit" may find nothing to change
    for prompt in (
        "Find errors in grammar and correct them.",
        "Arrange the planets in order of their distance from the sun.",
        "Convert the text written in British English to American English.",
        "Remove the unnecessary commas from the list.",
        "纠正以下句子中的语法错误。",
    ):
        assert accepts_unchanged(prompt), prompt
    assert not accepts_unchanged("Rewrite this sentence in the passive voice.")
    assert not accepts_unchanged("Rewrite this sentence in order to make it shorter.")


def test_repeat_requests_and_placeholders():
    assert asks_to_repeat("Write 'I will not talk in class' ten times.")
    assert asks_to_repeat("把这句话重复三遍")
    assert not asks_to_repeat("Describe the weather in two sentences.")
    assert is_placeholder("N/A") and is_placeholder("<noinput>") and is_placeholder("不适用")
    assert not is_placeholder("Nothing compares to you")


def test_names_language():
    assert names_language("Here is the English original:")
    assert names_language("中文版本如下")
    assert not names_language("Here is the original poem:")


def test_announces_language():
    assert announces_language("Another English version:\nI wandered lonely as a cloud")
    assert announces_language("英文原文如下：")
    assert not announces_language("The French Revolution had several causes.")


@pytest.mark.parametrize(
    ("instruction", "short"),
    [
        ("Generate a 3 letter username.", True),
        ("Write a story in 30 words or less.", True),
        ("Answer in one word: is the sky blue?", True),
        ("Suggest a title for my blog post.", True),
        ("Write a six-word story.", True),
        ("Give me a number between 1 and 10.", True),
        ("Write a 500-word essay about trust.", False),
        ("Explain how rainbows form.", False),
    ],
)
def test_asks_for_short_answer(instruction, short):
    assert asks_for_short_answer(instruction) is short


@pytest.mark.parametrize(
    ("instruction", "fragment"),
    [
        ("Reverse the order of the words.", True),
        ("Sort the words alphabetically.", True),
        ("Fill in the blank: water boils at ___ degrees.", True),
        ("Write the opening line of a mystery novel.", True),
        ("Give an example of a sentence fragment.", True),
        ("Write an incomplete sentence about dogs.", True),
        ("Turn this incomplete sentence into a whole one.", False),
        ("Continue the story.", False),
        ("Explain how rainbows form.", False),
    ],
)
def test_asks_for_fragment(instruction, fragment):
    assert asks_for_fragment(instruction) is fragment
