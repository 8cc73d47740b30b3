"""What an instruction asks for, read from its words: small pure functions shared by the checks.

Rules use them to tell a finding that is the point of the task (a table the instruction asked for,
a phone number it asked to make up, a translation, a fragment by design) from a defect the data
merely carries. Each function is pure and cheap (a lower-cased `in` test gates every regex), and
errs on the side of "yes": a check uses it to *not* report something the instruction asked for.
"""

from __future__ import annotations

import re

# --- short answers and fragments the instruction asks for (length rules) ---

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


# --- values the instruction asks to make up or check (PII rules) ---

# Verbs (and nouns standing for them) of exercises on a kind of value: make one up, reshape it,
# check it, pull it out of a text, or describe its pattern.
_EXERCISE_VERBS = (
    r"generat\w*|creat\w*|invent\w*|make up|made[- ]up|come up with|choose|pick|suggest|"
    r"(?:re)?format\w*|extract\w*|pull out|valid\w*|verif\w*|check\w*|match\w*|pars\w*|convert\w*|"
    r"classif\w*|categori[sz]\w*|correct\w*|fix\w*|clean\w*|filter\w*|mask\w*|anonymi[sz]\w*|redact\w*|"
    r"regex\w*|regular expressions?|pattern|hypothetical|random|fake|dummy|sample|example|identify|"
    r"detect\w*|recogni[sz]\w*|binary|octets?|subnet\w*|is (?:this|that|it|the following) an?"
)


# The same in Chinese, where words are not separated by spaces.
_EXERCISE_VERBS_ZH = r"生成|创建|编造|虚构|假设|随机|格式|提取|验证|有效|正则|匹配|选择|转换|识别|检查|示例|例子"


def value_exercise(nouns: str, nouns_zh: str = "") -> re.Pattern[str]:
    """A pattern, for lower-cased instructions, of an exercise on values named by `nouns` (a regex
    alternation such as `phone numbers?|telephone`): "Generate a hypothetical phone number",
    "Write a regex that matches e-mail addresses", "Is 59.187.84.127 a valid IPv4 address?".
    `nouns_zh` names them in Chinese. The verb and the noun must sit in one sentence, the verb
    first or the noun followed by a check ("phone numbers in the format ..."); the data such a
    task carries is made up or is the subject, not somebody's personal data."""
    chinese = (
        rf"|(?:{_EXERCISE_VERBS_ZH})[^。！？\n]{{0,30}}(?:{nouns_zh})|(?:{nouns_zh})[^。！？\n]{{0,20}}(?:有效|格式|正则)"
        if nouns_zh
        else ""
    )
    return re.compile(
        rf"\b(?:{_EXERCISE_VERBS})\b[^.!?\n]{{0,60}}\b(?:{nouns})\b"
        rf"|\b(?:{nouns})\b[^.!?\n]{{0,40}}\b(?:valid\w*|in the format|format\w*|regex\w*|regular expressions?)"
        + chinese
    )


def asks_for_exercise(instruction: str, exercise: re.Pattern[str]) -> bool:
    """Whether the (raw) instruction is an exercise `exercise` (from `value_exercise`) describes."""
    return exercise.search(instruction.lower()) is not None
