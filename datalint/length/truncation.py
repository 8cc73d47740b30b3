"""Whether an answer looks cut off mid-sentence: a final comma, an open bracket, an empty list item,
or a last word that cannot end a clause, in prose; not code, keyword lists, labels, names, verse,
letter closings or fragments the prompt asked for."""

from __future__ import annotations

import re

from datalint.checks.consistency import looks_like_code
from datalint.intent.size import asks_for_fragment

# Words a clause cannot end on: the text stopped in the middle of one ("... and then I will",
# "... because the", "... such as"). Word classes, each named in the message.
_DANGLING_CLASSES = {
    "article": "a an the",
    "determiner": "my your our their its every several various",
    "conjunction": "and or but nor because although whereas unless whether than if",
    "relative pronoun": "which whose",
    "auxiliary": "is are was were am be been will would could should shall must might can may has have had",
    "preposition": "of to as between among amongst amid during including via per into onto toward towards such "
    "despite regarding concerning unlike versus",
}
_DANGLING = {word: kind for kind, words in _DANGLING_CLASSES.items() for word in words.split()}
# Prepositions that also end complete clauses ("something to look forward to", "what they are
# struggling with"): dangling only after a word that does not take them (a noun, a number: "the team at").
_STRANDABLE = frozenset(
    "to for with from in on at by about through without within upon across like after against".split()
)
_WEAK_DANGLING = frozenset(_STRANDABLE) | {"of", "as"}
# A preposition may end a clause after a verb form ("rolling in", "cared for"), or after a verb
# that follows "to", a subject pronoun or a contraction ("to connect with", "you rely on", "it's made of").
_STRANDING_PREVIOUS = re.compile(r"\w+(?:ing|ed|en)$")
_STRANDING_BEFORE = frozenset("to i you we they he she".split())
_MODALS = frozenset("can could will would should must might may".split())
# "look forward to", "look up to", "get along with": a particle before the preposition.
_PARTICLES = frozenset("forward up along together apart away back".split())
# Endings that are complete phrases: "and so on", "and the like", "in between", "as such", "later on".
_COMPLETE_ENDINGS = frozenset(("so on", "the like", "in between", "as such", "later on", "now on", "and on"))
# "on" and "in" as the adverb of a verb that needs no object: "move on", "carry on", "log in", "fill in".
_ADVERB_VERBS = frozenset(
    "go goes going went gone come comes came move moves moved carry carries carried hold holds held keep keeps "
    "kept log logs logged sign signs signed check checks checked fill fills filled give gives gave given turn "
    "turns turned switch switches switched join joins joined plug plugs plugged drop drops dropped chip chips "
    "tune tunes tuned hang hangs hung settle settles settled dive dives jump jumps sleep sleeps slept stay "
    "stays stayed read reads".split()
)
_SUBJECTS = frozenset("i you we they he she it".split())
_COPULAS = frozenset("is are was were am".split())
_WORDS = re.compile(r"[A-Za-z'’]+|[0-9]+")
_KEYWORD_SEPARATORS = re.compile(r"\s*[,|;/]\s*")
_LAST_WORD = re.compile(r"(\w+)\W*$")
# A list of single words ("10. a") ends with a word that is an item, not a dangling article.
_ONE_WORD_ITEM = re.compile(r"(?:^|\n)[ \t]*(?:[-*•]|\d{1,3}[.)])[ \t]*\w+[ \t]*$")
_EMPTY_ITEM = re.compile(r"(?:^|\n)[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]*$")
# The short last line of a letter: its closing ("Sincerely,", "Best regards,"), or a greeting
# ("Dear Professor Lee,"), which ends only an answer that is nothing but the greeting.
_GREETING = re.compile(r"^(?:dear|hi|hello|hey|greetings|to)\b", re.I)
_LETTER_LINE = re.compile(
    r"^(?:dear|hi|hello|hey|greetings|to|sincerely|best|kind|warm|warmest|yours|regards|cheers|thanks|thank|"
    r"respectfully|cordially|faithfully|gratefully|love|with|all|many|fondly|truly|take care)\b",
    re.I,
)
# "Subject: jar", "Subject: I, Verb: had": a label and a one- or two-word value.
_LABEL_LINE = re.compile(r"\w:\s*\S+(?:\s+\S+)?$")
_NOUN_MARKERS = frozenset("a an the per each every my your our their his her its".split())
# "6:00 am", "25 sq in": a unit after a number.
_UNITS = frozenset(("am", "in"))
_FENCE = re.compile(r"(?m)^[ \t]*```")


def truncation(text: str, prompt: str = "") -> str | None:
    """Why `text` looks cut off mid-sentence, or None. `prompt` is what it answers: an answer that
    is a fragment by design (reversed words, a filled blank, a first line) is not cut off."""
    stripped = text.rstrip()
    if len(stripped) < 20 or stripped.endswith("```"):
        return None  # short answers are judged by other rules
    # The ending decides first (a look at the last characters); the costly exemptions (an open
    # fence, code, the prompt) are tested only for the few texts whose ending looks cut off.
    reason = _cut_off_ending(stripped)
    if reason is None or len(_FENCE.findall(stripped)) % 2:
        return None  # an open fence is F007's
    if looks_like_code(stripped):
        return None  # code ends with `;`, `{`, `(` and keywords
    if prompt and _fragment_by_design(stripped, prompt):
        return None
    return reason


def _cut_off_ending(stripped: str) -> str | None:
    last = stripped[-1]
    if last == ",":  # not `;`: one-line code answers end with it
        line = _last_line(stripped).strip()
        if _LETTER_LINE.match(line) and len(line.split()) <= 5 and ("\n" not in stripped or not _GREETING.match(line)):
            return None  # "Sincerely,": a letter's closing; a greeting ("Dear Joe,") ends only a one-line answer
        return "ends with a comma"
    if last in "([{":
        return f"ends with an open {last!r}"
    # an empty item ends with its marker: the text is right-stripped
    if last in "-*•.)" and _EMPTY_ITEM.match(_last_line(stripped)):
        return "ends with an empty list item"
    if last.isalpha():
        return _dangling_word(stripped)
    return None


def _dangling_word(stripped: str) -> str | None:
    """The clause the text ends in stops on a word that cannot end one, in prose (not a one-word
    list item, a `label: value` line or a list of keywords)."""
    tail = stripped[-40:]
    word = _LAST_WORD.search(tail)
    if word is None or word.group(0) != word.group(1):
        return None
    last = word.group(1)
    if not last.islower() and not (last.istitle() and _starts_sentence(tail, word.start())):
        return None  # "Company A", "AND", "Part | Our": a name or a title, not a clause
    last = last.lower()
    kind = _DANGLING.get(last)
    if kind is None and last in _STRANDABLE:
        kind = "preposition"
    if kind is None:
        return None
    line = _last_line(stripped).strip()
    if _ONE_WORD_ITEM.match(line) or _is_keyword_list(line):
        return None
    if kind in ("auxiliary", "preposition") and _LABEL_LINE.search(line):
        return None  # "Verb: had", "Preposition: on"
    words = _WORDS.findall(line)
    if len(words) < (2 if "\n" in stripped else 3):
        return None
    if last in _UNITS and (words[-2].isdigit() or words[-2].lower() in ("sq", "cu", "square", "cubic")):
        return None
    previous = words[-2].lower()
    if kind == "auxiliary" and previous in _NOUN_MARKERS:
        return None  # "$0.50 a can", "per can", "the will": a noun
    if last in _COPULAS and previous in _SUBJECTS:
        return None  # "the way it is", "who you are"; not "and then I will"
    if f"{previous} {last}" in _COMPLETE_ENDINGS or (last in ("on", "in") and previous in _ADVERB_VERBS):
        return None
    if kind not in ("article", "determiner", "conjunction") and _is_verse(stripped):
        return None  # "Nature's endless might": verse lines end where the poet wants
    if last in _WEAK_DANGLING and _may_strand(words):
        return None
    return f"ends mid-clause with the {kind} {last!r}"


def _may_strand(words: list[str]) -> bool:
    """A preposition after a verb form or a particle, or after a verb that follows "to", a pronoun
    or a contraction, ends a clause: "struggling with", "look forward to", "to connect with",
    "you can rely on", "I'd love to". Not "to"
    after a participle: "what happened to", "compared to" still wait for their object."""
    previous = words[-2].lower()
    if previous in _PARTICLES or (words[-1].lower() != "to" and _STRANDING_PREVIOUS.match(previous)):
        return True
    before = words[-3].lower() if len(words) >= 3 else ""
    if before in _MODALS:  # "someone you can count on", not "it can lead to"
        return len(words) >= 4 and words[-4].lower() in _STRANDING_BEFORE
    return before in _STRANDING_BEFORE or "'" in before or "’" in before


def _starts_sentence(text: str, start: int) -> bool:
    """The word at `start` opens a sentence: "... reduction. For" stopped after one word."""
    return text[:start].rstrip()[-1:] in (".", "!", "?")


def _is_verse(stripped: str) -> bool:
    """Three or more short lines, at most one of them ending a sentence: a poem or lyrics."""
    lines = [line for line in stripped.splitlines() if line.strip()]
    if len(lines) < 3 or any(len(line.split()) > 10 for line in lines):
        return False
    return sum(line.rstrip()[-1] in ".!?" for line in lines) <= 1


def _is_keyword_list(line: str) -> bool:
    """ "edit, here, the, a" or "Art | Part | Our": items of one or two words."""
    items = _KEYWORD_SEPARATORS.split(line)
    return len(items) >= 3 and all(len(item.split()) <= 2 for item in items)


def _fragment_by_design(stripped: str, prompt: str) -> bool:
    """The instruction asks for a fragment, or the answer copies the end of the prompt's own text
    (an input that ends with a comma), or rearranges the words of a prompt that is itself a
    fragment ("bigger than elephant the" -> "The elephant is bigger than")."""
    if len(stripped) > 300:
        return False  # fragments by design are short; a long answer must end its sentences
    if asks_for_fragment(prompt):
        return True
    lowered = prompt.lower()
    if stripped[-12:].lower() in lowered:
        return True
    if prompt.rstrip()[-1:] in ".!?":
        return False  # a whole sentence was given: a rewrite of it must be whole too
    words = _WORDS.findall(stripped.lower())
    given = set(_WORDS.findall(lowered))
    return len(words) <= 15 and sum(word in given for word in words) >= 0.8 * len(words)


def _last_line(stripped: str) -> str:
    """The last line with the newline before it: all that `_EMPTY_ITEM` and `_ONE_WORD_ITEM` can match,
    from its start (they match no newline but the one they start at, and end at the end)."""
    start = stripped.rfind("\n")
    return stripped if start < 0 else stripped[start:]
