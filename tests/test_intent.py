"""What an instruction asks for (datalint/intent.py): literal prompts in several languages."""

from __future__ import annotations

import pytest

from datalint import intent


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
    assert intent.asks_for_language(prompt)


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
    assert not intent.asks_for_language(prompt)


def test_change_requests_and_tasks_that_accept_the_text_unchanged():
    assert intent.asks_for_change("Rewrite this sentence to remove ambiguity.")
    assert intent.asks_for_change("将以下句子更改为过去时。")
    assert intent.asks_for_change("Replace the adjective with an adverb.")
    assert not intent.asks_for_change("Match the following countries with their capitals.")
    assert not intent.asks_for_change("编辑以下句子：")  # a bare "edit" may find nothing to change
    for prompt in (
        "Find errors in grammar and correct them.",
        "Arrange the planets in order of their distance from the sun.",
        "Convert the text written in British English to American English.",
        "Remove the unnecessary commas from the list.",
        "纠正以下句子中的语法错误。",
    ):
        assert intent.accepts_unchanged(prompt), prompt
    assert not intent.accepts_unchanged("Rewrite this sentence in the passive voice.")
    assert not intent.accepts_unchanged("Rewrite this sentence in order to make it shorter.")


def test_repeat_requests_and_placeholders():
    assert intent.asks_to_repeat("Write 'I will not talk in class' ten times.")
    assert intent.asks_to_repeat("把这句话重复三遍")
    assert not intent.asks_to_repeat("Describe the weather in two sentences.")
    assert intent.is_placeholder("N/A") and intent.is_placeholder("<noinput>") and intent.is_placeholder("不适用")
    assert not intent.is_placeholder("Nothing compares to you")


def test_names_language():
    assert intent.names_language("Here is the English original:")
    assert intent.names_language("中文版本如下")
    assert not intent.names_language("Here is the original poem:")


def test_announces_language():
    assert intent.announces_language("Another English version:\nI wandered lonely as a cloud")
    assert intent.announces_language("英文原文如下：")
    assert not intent.announces_language("The French Revolution had several causes.")
