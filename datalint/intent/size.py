"""Short answers and fragments the instruction asks for (the length rules)."""

from __future__ import annotations

import re

_HEAD = 400
_NUMBER = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|single)"
# A size the answer must fit: "a 3 letter username", "in 30 words or less", "a one-sentence summary",
# "a six-word story", "under 50 words", "two lines".
_SMALL_SIZE = re.compile(
    rf"\b(?:\d{{1,3}}|{_NUMBER})[- ](?:letters?|characters?|syllables?|digits?)\b"
    rf"|\b(?:\d{{1,2}}|{_NUMBER})[- ](?:words?|sentences?|lines?)\b"
    r"|\b(?:in|within|under|below|at most|no more than|fewer than|less than|maximum of|max(?:imum)?)\s+"
    r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty)\s+"
    r"(?:words?|characters?|sentences?|lines?)\b"
    r"|\b(?:\d{1,2}|one|two|three|four|five|ten|twenty|thirty|fifty)\s+(?:words?|characters?|sentences?)\s+or\s+(?:less|fewer)\b"
    r"|\bone[- ]liner?\b|\bin (?:a|one) (?:single )?(?:word|sentence|line|phrase)\b"
)
# Answers that are short by nature, named as what to produce: "generate a title", "suggest a name".
_SHORT_THING = (
    r"(?:title|headline|heading|name|username|nickname|slogan|tagline|motto|hashtag|tweet|caption|phrase|"
    r"word|synonym|antonym|number|password|url|subject line|opening line|first line|closing line|sentence|"
    r"quote|greeting|closing|sign-off|key ?phrase|keyword|acronym|pun|idea|prompt|starter|"
    r"label|category|emoji|rhyme|haiku|limerick|riddle|joke|term|metaphor|simile|"
    r"table of contents|citation|bibliography|reference|lead|hook|premise|logline|summary)"
)
_SHORT_ANSWER = re.compile(
    rf"\b(?:an?|one|single|short|brief|catchy|new|creative|good|unique|suitable|appropriate|possible|"
    rf"random|sample|single-word|one-word)\s+(?:[\w-]+\s+){{0,2}}?{_SHORT_THING}s?\b"
    r"|\b(?:one|a single|1) word\b|\byes or no\b|\btrue or false\b"
)
_SHORT_GATE = ("word", "letter", "character", "sentence", "line", "syllable", "digit", "one", "title", "name")
# Instructions whose answer is a fragment by design: reorder or reverse given words, fill a blank,
# give the opening words of something, give an example of a sentence fragment. ("Continue the
# text" is not: the continuation must end.)
_FRAGMENT = re.compile(
    r"\b(?:revers\w*|scrambl\w*|unscrambl\w*|shuffl\w*|jumbl\w*|sort\w*|alphabeti[sz]\w*|(?:re)?arrang\w*|reorder\w*|"
    r"put (?:the|these) words)\b"
    r"|\bfill (?:in )?(?:the )?(?:blanks?|gaps?|missing)|\b_{3,}|\[blank\]|\bblank\b"
    r"|\b(?:first|opening|starting|initial) (?:line|sentence|words?|phrase|clause|half|part|verse)\b"
    r"|\b(?:truncate|cut) (?:the|this|it)\b|\bprefix\b"
    r"|\ban? (?:sentence |clause )?fragment\b|\ban? (?:incomplete|unfinished|dangling) (?:sentence|phrase|clause)\b"
)
_FRAGMENT_GATE = (
    "revers",
    "scrambl",
    "shuffl",
    "jumbl",
    "sort",
    "alphabeti",
    "arrang",
    "reorder",
    "words",
    "blank",
    "fill",
    "___",
    "first",
    "opening",
    "starting",
    "initial",
    "truncate",
    "cut",
    "prefix",
    "fragment",
    "incomplete",
    "unfinished",
    "dangling",
)


def asks_for_short_answer(instruction: str) -> bool:
    """The instruction sets a small size (a word, a 3-letter name, 30 words or less, one sentence)
    or names something short by nature (a title, a name, a slogan, a number, a tweet ...)."""
    head = instruction[:_HEAD].lower()
    if not _contains_any(head, _SHORT_GATE) and " a " not in head and " an " not in head:
        return False
    return _SMALL_SIZE.search(head) is not None or _SHORT_ANSWER.search(head) is not None


def asks_for_fragment(instruction: str) -> bool:
    """The answer is a fragment by design: reversed, sorted or rearranged words, a filled blank,
    the first line of something, an example of a fragment or an incomplete sentence."""
    head = instruction[:_HEAD].lower()
    return _contains_any(head, _FRAGMENT_GATE) and _FRAGMENT.search(head) is not None


def _contains_any(text: str, needles: tuple[str, ...]) -> bool:
    for needle in needles:  # a plain loop: any() over a generator costs more than the `in` tests
        if needle in text:
            return True
    return False
