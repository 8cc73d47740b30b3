"""Answers that switch language for a sentence or a paragraph (Q007): an answer is split into
sentences, and passages in another script than the question's (or the answer's own), or in
another Latin-script language, are reported when they read as language, not as names, terms,
quotes, glosses or code."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

from datalint.intent.language import announces_language
from datalint.language.identify import ENGLISH_WORDS, looks_english, named_script_language
from datalint.language.model import detect, load_model
from datalint.language.prose import without_code
from datalint.language.scripts import (
    DOMINANT_SCRIPT,
    NAMED_LATIN,
    NON_LATIN_SCRIPTS,
    QUOTED,
    SCRIPT_DISPLAY,
    ascii_letters,
    display,
    main_script,
    quotes_script_words,
    script_weights,
)

_LETTER = re.compile(r"[A-Za-z]")
# Sentences: ends of sentences in either script, and line breaks.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？；।؟۔])|\n+")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
# An English sentence, not a list of names or terms: enough lower-case words, some of them
# function words (names and terms are capitalised nouns).
MIN_SWITCH_WORDS = 6


def script_switch(answer: str, question: str, options: dict[str, Any]) -> str | None:
    """A message when the answer, written in its question's script, has a sentence or a
    paragraph in another script (an English answer that goes on in Chinese or Russian, a Chinese
    answer with whole English sentences); None otherwise. Code, links, quotes, glosses in
    brackets, names and terms are not sentences of a language."""
    if answer.isascii():
        return None  # nearly every English answer: no other script, and no CJK to leave
    min_letters = options["min-switch-letters"]
    # The question's script when it has one clearly (a Chinese question naming "Google Home" has
    # none), else the answer's own.
    main = main_script(question, 6, DOMINANT_SCRIPT) or main_script(answer, min_letters, 0.5)
    if main is None:
        return None
    if main == "latin":
        if sum(script_weights(answer).values()) - ascii_letters(answer) < min_letters:
            return None  # accents and curly quotes, not a passage in another script
    elif ascii_letters(answer) < MIN_SWITCH_WORDS * 3:
        return None  # a CJK answer with too few Latin letters for an English sentence
    prose = QUOTED.sub(" ", without_code(_LINKS.sub(" ", answer)))
    foreign: Counter = Counter()
    passages: dict[str, list[str]] = defaultdict(list)
    own = 0  # letters of the answer's own script
    for sentence in _SENTENCE_END.split(prose):
        weights = script_weights(sentence)
        letters = sum(weights.values())
        own += weights.get(main, 0)
        other = _other_script(sentence, weights, letters, main)
        if other is not None and not _in_prompt(sentence, question):
            foreign[other] += letters
            passages[other].append(sentence)
        elif weights.get(main, 0) > 0.5 * letters:
            passages[main].append(sentence)
    if not foreign:
        return None
    script, letters = foreign.most_common(1)[0]
    total = own + letters
    # A whole answer in another language is Q002's: here the answer also has a real part (twice
    # the passage's minimum, a fifth of the text) in its own script.
    if letters < min_letters or own < 2 * min_letters or letters > 0.8 * total:
        return None
    # The question quotes words of that script (explain "lay" and "lie"), or the answer says which
    # language its passage is in ("the English original:"): the passage is meant.
    if quotes_script_words(question, script) or announces_language(answer):
        return None
    share = letters / total
    named_main = _script_language(main, " ".join(passages[main]), options)
    named_other = _script_language(script, " ".join(passages[script]), options)
    return f"answer in {named_main} switches to {named_other} for {share:.0%} of its text"


def _script_language(script: str, text: str, options: dict[str, Any]) -> str:
    """The language a script stands for in a message: Chinese characters with kana are Japanese,
    Latin text with frequent English words is English, Cyrillic text the model calls Russian is
    Russian; else the script's family ("a Cyrillic-script language")."""
    if script == "latin":
        return "English" if looks_english(text) else SCRIPT_DISPLAY[script]
    if script == "han":
        return "Japanese" if _KANA.search(text) else "Chinese"
    if script in NON_LATIN_SCRIPTS and text:
        return display(named_script_language(script, text, options, load_model))
    return SCRIPT_DISPLAY[script]


_KANA = re.compile("[\u3040-\u30ff]")


# Frequent words of other Latin-script languages that English prose does not use (French,
# Spanish, German, Italian, Portuguese, Dutch, Indonesian): three of them in an answer are worth
# a closer look at its sentences.
_OTHER_LATIN_WORDS = frozenset(
    "les des est une dans pour avec sont nous vous mais pas très être cette aussi qui aux ces leur elle ils "
    "los las por para una está pero muy también más esta que con sus "
    "der das und ist nicht eine mit auf für von sich auch werden wird dem zu oder aber wenn noch nach bei über sind "
    "haben kann dass "
    "che della delle sono gli degli nella questo anche più essere "
    "não uma são com mais você muito pelo pela é "
    "het een zijn niet ook maar worden voor "
    "dengan untuk dari ini itu tidak akan pada".split()
)


def latin_switch(answer: str, question: str, options: dict[str, Any]) -> str | None:
    """A message when an answer in one Latin-script language has a sentence or a paragraph in
    another (an English answer that goes on in Spanish, a French answer with English sentences).
    Cheap set tests first: most answers hold no frequent word of another language."""
    words = answer.lower().split()
    if len(_OTHER_LATIN_WORDS.intersection(words)) < 2 and not _asked_in_other_latin(question):
        return None  # an English answer to an English (or unknown) question: nothing to look at
    min_letters = options["min-switch-letters"]
    prose = QUOTED.sub(" ", without_code(_LINKS.sub(" ", answer)))
    letters_by_language: Counter = Counter()
    for sentence in _SENTENCE_END.split(prose):
        language = _sentence_language(sentence, options)
        if language is not None and not _in_prompt(sentence, question):
            letters_by_language[language] += len(_LETTER.findall(sentence)) + _accented_letters(sentence)
    if len(letters_by_language) < 2:
        return None
    # The question's language, else the one most of the answer is in.
    asked = "en" if looks_english(question) else _model_label(question, options)
    main = asked or letters_by_language.most_common(1)[0][0]
    own = letters_by_language.pop(main, 0)
    foreign = letters_by_language
    if not foreign:
        return None
    language, letters = foreign.most_common(1)[0]
    if letters < 2 * min_letters or own < 2 * min_letters or letters > 0.8 * (own + letters):
        return None
    if announces_language(answer):
        return None  # "the Spanish version:" announces its passage
    share = letters / (own + letters)
    return f"answer in {display(main)} switches to {display(language)} for {share:.0%} of its text"


def _asked_in_other_latin(question: str) -> bool:
    return len(_OTHER_LATIN_WORDS.intersection(question.lower().split())) >= 2


def _model_label(text: str, options: dict[str, Any]) -> str | None:
    """The model's name for a Latin-script text, if it is sure and the language well known."""
    if len(text) < 40:
        return None
    model = load_model()
    if model is None:
        return None
    best = detect(model, text)
    if best["score"] < options["min-confidence"] or best["lang"] not in NAMED_LATIN:
        return None
    return best["lang"]


def _sentence_language(sentence: str, options: dict[str, Any]) -> str | None:
    """`en` for a sentence of running English, another language for a sentence the model names
    with confidence and that holds that language's frequent words, None for anything else
    (short, names, mixed, code)."""
    words = sentence.lower().split()
    if len(words) < MIN_SWITCH_WORDS:
        return None
    english = sum(map(ENGLISH_WORDS.__contains__, words))
    other = sum(map(_OTHER_LATIN_WORDS.__contains__, words))
    accents = _accented_letters(sentence)
    if english >= max(2, 0.12 * len(words)) and english > 2 * other and accents <= 1:
        return "en"  # running English: its function words are frequent ("do" alone is Portuguese too)
    if english > 2 * other and not accents:
        return None  # English words, too few to be sure: a heading, a list item
    return _model_label(sentence, options)


def _accented_letters(text: str) -> int:
    return len(_ACCENTED.findall(text))


# Markdown links (their titles are names of sources) and bare domains, paths and file names.
_LINKS = re.compile(r"\[[^\]\n]*\]\([^)\s]*\)|\S*\w[./]\w\S*")


def _other_script(sentence: str, weights: dict[str, int], letters: int, main: str) -> str | None:
    """The script of a sentence written in another script than `main`, if it reads as a sentence
    of a language there: for Latin text, words of running English or another language (not a
    name, a term or a list of them); for other scripts, enough letters."""
    if not letters:
        return None
    script = max(weights, key=weights.__getitem__)
    if script == main or weights[script] < DOMINANT_SCRIPT * letters:
        return None
    if script == "latin":
        words = _LATIN_WORD.findall(sentence)
        lower = [word for word in words if word[0].islower()]
        if len(words) < MIN_SWITCH_WORDS or len(lower) < 0.5 * len(words):
            return None
        if sum(word.lower() in ENGLISH_WORDS for word in words) < 2 and not _ACCENTED.search(sentence):
            return None
        return script
    return script if weights[script] >= 12 else None


_ACCENTED = re.compile(r"[\u00c0-\u024f]")


def _in_prompt(sentence: str, question: str) -> bool:
    """The sentence repeats the question's words (a quote of the text it was asked about)."""
    if not question:
        return False
    if sentence.strip() in question:
        return True
    words = _LATIN_WORD.findall(sentence.lower())
    if len(words) >= 3:
        asked = set(_LATIN_WORD.findall(question.lower()))
        return sum(word in asked for word in words) >= 0.7 * len(words)
    # Other scripts: the share of the sentence's character pairs found in the question.
    chars = [char for char in sentence if char.isalpha()]
    pairs = [a + b for a, b in zip(chars, chars[1:], strict=False)]
    return bool(pairs) and sum(pair in question for pair in pairs) >= 0.7 * len(pairs)
