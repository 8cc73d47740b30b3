"""Inferred instruction type and difficulty, for datasets that carry no `type` or `difficulty` label.

Both are cheap heuristics (a few µs per record) documented in docs/balance.md; they answer
"is 80% of this dataset one kind of task?", not "what exactly is this task?".

Type, from the first 300 characters of the instruction (or first user turn), lower-cased,
for instructions written in English (mostly ASCII letters; others get no inferred type):
1. polite openers are skipped ("please", "can you", "i want you to" ...);
2. `code` when a programming word appears (python, sql, function with a write-like verb ...);
3. `math` when digits meet an operator ("3 + 4", "x^2") or the verb is calculate/solve ...;
4. `list` for "list", "name five", "give three tips", "generate a list of";
5. `roleplay` for "you are ...", "act as ...", "pretend ...";
6. otherwise by the leading word: write, explain, question, classify, rewrite, summarize,
   translate, extract, compare (a leading "Given X," clause is skipped first);
7. no known leading word: `math` for a word problem ("... How many ...?" with digits),
   `question` when it ends with "?", else `other`.

Difficulty, from the response: `easy` up to 40 words and at most one step; `hard` from 250
words, from 6 steps (numbered or bulleted lines), or from 120 words with sentences averaging 25+
words; `medium` between.
"""

from __future__ import annotations

import re

from datalint.records import Record

TYPES = (
    "code",
    "math",
    "list",
    "write",
    "explain",
    "question",
    "classify",
    "rewrite",
    "summarize",
    "translate",
    "extract",
    "compare",
    "roleplay",
    "other",
)
_OPENER = re.compile(
    r"^(?:(?:please|kindly|now|hey|hi|hello|ok(?:ay)?|so|then)\b[,!.:]?\s*"
    r"|(?:can|could|would|will) you(?: please)?\s+"
    r"|i (?:want|need|would like) you to\s+|i'd like you to\s+|help me(?: to)?\s+)+"
)
_CODE = re.compile(
    r"\b(?:python|javascript|typescript|java|c\+\+|c#|golang|rust|php|ruby|swift|kotlin|sql|html|css|bash|"
    r"regex|regular expression|code|coding|programming|program|script|snippet|algorithm|pseudocode)\b"
)
_FUNCTION = re.compile(r"\b(?:function|class|method)\b")
_MATH = re.compile(r"\d\s*(?:[+*/^=×÷]|\*\*|\s-)\s*\(?\s*[\dx]|\b(?:equation|integral|derivative|probability)\b")
_LIST = re.compile(
    r"^(?:list|enumerate|name (?:\d+|two|three|four|five|six|seven|eight|nine|ten|some|several|a few)\b"
    r"|(?:give|provide|suggest|brainstorm|generate|create|make|write|come up with) (?:me )?(?:a list of|"
    r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|some|several|a few) ))"
)
_LEADING = {
    "write": "write compose draft create generate make produce design invent construct develop come brainstorm "
    "suggest propose imagine craft build plan give provide formulate recommend compile think output",
    "explain": "explain describe why discuss elaborate analyze analyse outline tell illustrate define clarify",
    "question": "what who whom whose when where which how is are do does did can could should would will was were "
    "has have name answer guess state",
    "classify": "classify categorize categorise label sort group determine decide detect rate evaluate assess judge "
    "predict rank assign match choose",
    "rewrite": "rewrite rephrase paraphrase edit revise correct fix improve reword shorten simplify expand convert "
    "transform change modify restructure reorder format arrange rearrange replace add insert delete remove "
    "combine reverse fill complete organize divide put re",
    "summarize": "summarize summarise condense",
    "translate": "translate",
    "extract": "extract find identify pick select locate highlight",
    "compare": "compare contrast distinguish differentiate",
    "math": "calculate compute solve estimate",
}
# A leading clause such as "Given a list of numbers, ..." names the input, not the task.
_PREAMBLE = re.compile(r"^(?:given|for|in|using|based on|from|with|take|read|use)\b[^,:.\n]{0,150}[,:]\s*")
_ROLEPLAY = re.compile(r"^(?:you are|you're|imagine you(?: are|'re)|pretend|act as|as an? |play the role|roleplay)")
_OPENER_INITIALS = frozenset("pknhostcwi")
_PREAMBLE_INITIALS = frozenset("gfiubwtr")
_DIGIT = re.compile(r"\d")
_WORD_PROBLEM = re.compile(r"\bhow (?:many|much|long|far|old)\b|\bwhat (?:is|was) the (?:total|sum|cost|average)\b")
_LEADING_WORD = {word: kind for kind, words in _LEADING.items() for word in words.split()}
_WORD = re.compile(r"[a-z]+")
_WRITE_VERBS = frozenset(_LEADING["write"].split()) | {"implement", "code", "debug", "fix", "complete", "refactor"}
_STEP = re.compile(r"^\s*(?:\d+[.)]|[-*•]|step \d+)", re.M | re.I)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def prompt_text(record: Record) -> tuple[str, str]:
    """The instruction (or the first user turn) and its pointer."""
    for text in record.texts:
        if text.field == "instruction":
            return text.text, text.pointer
    for turn in record.turns:
        if turn.role == "user" and turn.text:
            return turn.text, turn.pointer
    return "", ""


def is_english_like(text: str) -> bool:
    """Mostly ASCII letters in the first 40 characters: the type heuristic reads English."""
    head = text[:40]
    if head.isascii():  # every letter is ASCII: is there one? ASCII letters are the cased characters
        return head.lower() != head.upper()
    letters = [char for char in head if char.isalpha()]
    return bool(letters) and sum(char.isascii() for char in letters) >= 0.8 * len(letters)


def infer_type(instruction: str) -> str:
    head = _skip_openers(instruction[:300].lstrip().lower())
    if head[:1] in _PREAMBLE_INITIALS:
        head = _PREAMBLE.sub("", head, count=1)
    head = _skip_openers(head)
    first = _WORD.match(head)
    verb = first.group() if first else ""
    if _CODE.search(head) or (verb in _WRITE_VERBS and _FUNCTION.search(head)):
        return "code"
    if _may_be_math(head) and _MATH.search(head):
        return "math"
    if _LIST.match(head):
        return "list"
    if _ROLEPLAY.match(head):
        return "roleplay"
    found = _LEADING_WORD.get(verb)
    if found is not None:
        return found
    # The question of a word problem or a story prompt comes last: "Natalia sold 48 clips ... How many?"
    tail = instruction[-200:].lower()
    word_problem = ("how " in tail or "what " in tail) and _WORD_PROBLEM.search(tail) is not None
    if word_problem and any(char.isdigit() for char in instruction):
        return "math"
    return "question" if tail.rstrip().endswith("?") else "other"


def _skip_openers(head: str) -> str:
    # Every opener starts with one of these letters: other texts need no regex.
    return _OPENER.sub("", head) if head[:1] in _OPENER_INITIALS else head


def _may_be_math(head: str) -> bool:
    """False when `_MATH` cannot match: it needs a digit or one of its words (most instructions have neither)."""
    return (
        _DIGIT.search(head) is not None
        or "equation" in head
        or "integral" in head
        or "derivative" in head
        or "probability" in head
    )


def infer_difficulty(response: str) -> str:
    words = len(response.split())
    steps = len(_STEP.findall(response)) if "\n" in response else 0
    if words <= 40 and steps <= 1:
        return "easy"
    sentences = max(1, len(_SENTENCE_END.findall(response)))
    if words >= 250 or steps >= 6 or (words >= 120 and words / sentences >= 25):
        return "hard"
    return "medium"
