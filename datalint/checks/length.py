"""Length: absolute bounds, runaway answers, answers too short for the task, truncated answers.

Each answer is read with the prompt it answers (the user turn before it; an Alpaca record's
instruction). `check` chooses what is reported:
- `bounds` (record pass): a field longer than `max` or shorter than `min`, counted in `unit`
  (chars, words, or approximate tokens: one per CJK/non-ASCII character plus one per four ASCII
  characters, close to BPE tokenizers on English and Chinese);
- `outlier` (dataset pass): a text `min-ratio` times longer than the texts of the same kind of
  task and `threshold` robust deviations (MADs of log length) above them: the same `type` label,
  else the same prompt template (first or last words), else the whole file when its prompts are
  mostly one-off;
- `ratio` (dataset pass): log(response length / prompt length) far from the file's median;
- `too-short` (record pass): the prompt asks for long-form writing ("write an essay about ...")
  as its task, not for something short, and the response has fewer than `min` words;
- `truncated` (record pass): the response stops mid-clause: a final comma, an open bracket, an
  empty list item, or a last word that cannot end a clause (article, determiner, conjunction,
  auxiliary, a preposition with nothing after it), in prose; not code, keyword lists, labels,
  names, verse, or fragments the prompt asked for. An unclosed code fence is F007.
"""

from __future__ import annotations

import copy
import math
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

import numpy

from datalint.checks import Option
from datalint.checks.consistency_features import looks_like_code
from datalint.intent.size import asks_for_fragment, asks_for_short_answer
from datalint.records import TEXT_FIELDS, Record, Text
from datalint.violation import DatasetFinding, Finding

CHECKS = ("bounds", "outlier", "ratio", "too-short", "truncated")
UNITS = ("chars", "words", "tokens")
OPTIONS = {
    "check": Option(str, "bounds", "what to check", CHECKS),
    "fields": Option(
        list,
        ["response"],
        f"text fields measured: {', '.join(TEXT_FIELDS)}, or all",
        items=str,
        item_choices=(*TEXT_FIELDS, "all"),
    ),
    "unit": Option(str, "tokens", "bounds: what is counted", UNITS),
    "min": Option(int, 0, "bounds: fewest units (0: no minimum); too-short: fewest words for long-form tasks"),
    "max": Option(int, 0, "bounds: most units (0: no maximum)"),
    "threshold": Option(float, 5.0, "outlier, ratio: robust z-score (distance from the median in MADs) to report"),
    "side": Option(str, "both", "ratio: which side to report (outlier reports long texts)", ("both", "high", "low")),
    "min-records": Option(
        int, 50, "ratio: files (or type groups) with fewer are not judged; outlier: fewer have no spread"
    ),
    "by-type": Option(bool, True, "outlier, ratio: judge each `type` label value against its own rows"),
    "min-length": Option(int, 1000, "outlier: a long outlier must also have at least this many characters"),
    "min-ratio": Option(float, 10.0, "outlier: a long outlier is this many times its task's median length"),
    "min-group": Option(int, 20, "outlier: fewest texts of one template (or `type`) to judge together"),
}
_WORD = re.compile(r"\w+")
_WIDE = re.compile("[\u2e80-\U0010ffff]")  # ord(char) >= 0x2E80: CJK and beyond
# A request for long-form writing, as the task itself: at the start of a sentence (after polite
# openers), the verb, at most two modifiers, then the noun, followed by what it is about ("Write a
# short story about ..."), not by another noun ("a story starter", "a story prompt").
_LONG_FORM = re.compile(
    r"(?:^|[.!?:\n]\s*|\band\s+)"
    r"(?:(?:please|kindly|now|also|then|can you|could you|would you|will you|i want you to|i need you to|"
    r"i'd like you to|help me)\s+)*"
    r"(?:write|compose|draft|create|produce|generate|prepare)\s+(?:me\s+|us\s+)?(?:(?:a|an|the|one|my|our|this)\s+)?"
    r"(?:(?!(?:for|of|to|about|on|with|from|the|a|an|and|or)\b)[\w'-]+\s+){0,2}?"
    r"(?<!user )(?:essay|article|blog post|story|report|speech|letter|narrative|chapter|sermon|eulogy|paragraphs)"
    r"(?=\s*$|\s*[.,;:!?)]|\s+(?:about|on|for|that|which|describing|explaining|discussing|exploring|arguing|"
    r"comparing|to|in|of|based|from|with|regarding|using|where|set|titled|called|entitled|aimed|targeted|"
    r"introducing|persuading|convincing|analy[sz]ing|summari[sz]ing|highlighting|detailing|addressing|"
    r"outlining|telling|asking|thanking|apologi[sz]ing|inviting|requesting)\b)"
    r"|\b(?:write|compose|draft|create|produce|generate)\b[^.?!\n]{0,60}?\b\d{3,4}[- ]words?\b"
    r"|\bin (?:at least |about |around |approximately )?\d{3,4} words\b|\bat least \d{3,4} words\b"
    r"|\bdetailed explanation\b",
    re.I,
)
# What a match of _LONG_FORM needs (lower-cased): a verb and a noun, or the words of its other branches.
_LONG_FORM_VERBS = ("write", "generate", "create", "compose", "produce", "draft", "prepare")
_LONG_FORM_NOUNS = (
    "essay",
    "article",
    "blog post",
    "story",
    "report",
    "speech",
    "letter",
    "narrative",
    "chapter",
    "sermon",
    "eulogy",
    "paragraphs",
)
_THREE_DIGITS = re.compile(r"[0-9]{3}")
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
MAD_TO_SIGMA = 1.4826
# A file with fewer texts than `min-records` (but at least SMALL_FILE_TEXTS) has a median but no
# reliable spread: a runaway there must be SMALL_FILE_FACTOR times `min-ratio` above the median.
SMALL_FILE_TEXTS = 5
SMALL_FILE_FACTOR = 5


def check_options(options: dict[str, Any]) -> None:
    if options["check"] == "bounds" and not options["min"] and not options["max"]:
        raise ValueError("a bounds rule needs `min` or `max`")


def prepare(options: dict[str, Any]) -> frozenset[str]:
    return frozenset(options["fields"])


def measure(text: str, unit: str) -> int:
    if unit == "chars":
        return len(text)
    if unit == "words":
        return len(_WORD.findall(text)) if text.isascii() else _cjk_aware_words(text)
    return approximate_tokens(text)


def _cjk_aware_words(text: str) -> int:
    # Chinese and Japanese have no spaces: each ideograph counts as a word.
    words = 0
    for word in _WORD.findall(text):
        if word.isascii():
            words += 1
        else:
            wide = len(_WIDE.findall(word))
            words += wide + (1 if wide < len(word) else 0)
    return words


def approximate_tokens(text: str) -> int:
    if text.isascii():
        return (len(text) + 3) // 4
    wide = sum(1 for char in text if ord(char) > 0x7F)
    return wide + (len(text) - wide + 3) // 4


def check_record(rule, record: Record) -> Iterable[Finding]:
    # Lists, not generators: most records have no finding, and an empty generator costs more.
    check = rule.options["check"]
    if check == "bounds":
        return _bounds(rule, record)
    if check == "too-short":
        return _too_short(rule, record)
    if check == "truncated":
        return _truncated(rule, record)
    return ()  # outlier and ratio are dataset-wide


def _bounds(rule, record: Record) -> list[Finding]:
    unit, low, high = rule.options["unit"], rule.options["min"], rule.options["max"]
    findings = []
    for text in record.texts_of(rule.state):
        size = measure(text.text, unit)
        if high and size > high:
            findings.append(
                Finding(f"{text.field} is {size:,} {_shown(unit)} long, over the maximum of {high:,}", text.pointer)
            )
        elif low and size < low and text.text.strip():
            findings.append(
                Finding(f"{text.field} is {size:,} {_shown(unit)} long, under the minimum of {low:,}", text.pointer)
            )
    return findings


def _shown(unit: str) -> str:
    return "approximate tokens" if unit == "tokens" else unit


def _too_short(rule, record: Record) -> list[Finding]:
    minimum = rule.options["min"] or 30
    findings = []
    for text in record.texts_of(rule.state):
        prompt = _task_of(record, text.pointer)[:500]
        if not prompt or not _may_ask_long_form(prompt):
            continue  # the cheap test first: most prompts lack the words a long-form request needs
        words = measure(text.text, "words")
        if not 0 < words < minimum or text.text.rstrip().endswith("?"):
            continue  # a clarifying question is a fair short answer
        match = _LONG_FORM.search(prompt)
        if match is None or asks_for_short_answer(prompt):
            continue  # "a 6-word story", "a title for an article": the short answer was asked for
        findings.append(
            Finding(
                f"{text.field} has {words} word{'s' if words != 1 else ''} but the instruction asks for "
                f"long-form writing ({match.group().strip(' .!?:,')!r})",
                text.pointer,
            )
        )
    return findings


def _prompt_of(record: Record, pointer: str) -> str:
    """The user turn a response answers: the last one before it (an Alpaca record's instruction
    and input together), or "" when there is none."""
    prompt = ""
    for turn in record.turns:
        if turn.pointer == pointer:
            return prompt
        if turn.role == "user" and turn.text:
            prompt = turn.text
    return prompt


def _task_of(record: Record, pointer: str) -> str:
    """What a response was asked: its prompt, or an Alpaca record's instruction alone (the input is data)."""
    prompt = _prompt_of(record, pointer)
    for text in record.texts:
        if text.pointer == "/instruction" and prompt.startswith(text.text):
            return text.text
    return prompt


def _truncated(rule, record: Record) -> list[Finding]:
    findings = []
    for text in record.texts_of(rule.state):
        reason = truncation(text.text)
        if reason:  # the prompt is looked up only for the few texts that look cut off
            reason = truncation(text.text, _prompt_of(record, text.pointer))
        if reason:
            findings.append(Finding(f"{text.field} looks cut off: {reason}", text.pointer, _tail_span(text.text)))
    return findings


def _may_ask_long_form(head: str) -> bool:
    """False when `_LONG_FORM` cannot match: it lacks the words the regex needs. Only for ASCII
    text: re.I also folds a few non-ASCII letters (ſ, K) that lower() keeps apart."""
    if not head.isascii():
        return True
    lowered = head.lower()  # ASCII: the same as lower-casing the whole text, then cutting
    if "detailed explanation" in lowered or ("word" in lowered and _THREE_DIGITS.search(lowered)):
        return True
    return _contains_any(lowered, _LONG_FORM_VERBS) and _contains_any(lowered, _LONG_FORM_NOUNS)


def _contains_any(text: str, needles: tuple[str, ...]) -> bool:
    for needle in needles:  # a plain loop: any() over a generator costs more than the `in` tests
        if needle in text:
            return True
    return False


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


def _tail_span(text: str) -> tuple[int, int]:
    end = len(text.rstrip())
    return (max(0, end - 1), end)


def record_features(rule, record: Record) -> tuple | None:
    check = rule.options["check"]
    if check not in ("outlier", "ratio"):
        return None
    label = record.labels.get("type")
    group = str(label[0])[:50] if label is not None and rule.options["by-type"] else None
    if check == "ratio":
        prompt = 0
        for text in record.texts:
            if text.field == "instruction" or text.field == "input":
                prompt += len(text.text)
        response = [text for text in record.texts_of(rule.state) if not _blank(text.text)]
        if not response or not prompt:
            return None
        size = sum(len(text.text) for text in response) if len(response) > 1 else len(response[0].text)
        return (("ratio", group, math.log((size + 1) / (prompt + 1)), response[0].pointer, size, prompt),)
    values = [_length_feature(record, text, group) for text in record.texts_of(rule.state) if not _blank(text.text)]
    return tuple(values) or None


def _blank(text: str) -> bool:
    return not text or text.isspace()  # not text.strip(), without the copy


def _length_feature(record: Record, text: Text, group: str | None) -> tuple:
    size = len(text.text)
    template = _template(_task_of(record, text.pointer))
    return (text.field, group, math.log(size + 1), text.pointer, size, 0, *template)


def _template(prompt: str) -> tuple[int, int]:
    """The prompt's first and last words: records rendered from one template share one or the other
    ("Summarize the following article: ...", "...\nIs this review positive or negative?"). Kept as
    CRC-32 checksums: small features, the same in every worker process (unlike hash())."""
    head = _LETTERS.findall(prompt[:120].lower())[:4]
    tail = _LETTERS.findall(prompt[-120:].lower())[-4:]
    return (zlib.crc32(" ".join(head).encode()), zlib.crc32(" ".join(tail).encode()))


_LETTERS = re.compile(r"[a-z]+")


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    features = _Features(table)
    groups = features.positions_by_key()
    if rule.options["check"] == "outlier":
        yield from _runaways(rule, features, groups)
        return
    minimum = rule.options["min-records"]
    # A type with too few rows is judged with its whole file instead.
    judged: dict[tuple, list[int]] = defaultdict(list)
    for (path, field, group), members in groups.items():
        key = (path, field, group) if group is not None and len(members) >= minimum else (path, field, None)
        judged[key].extend(members)
    findings: dict[int, DatasetFinding] = {}
    for (_, field, group), members in judged.items():
        if len(members) < minimum:
            continue
        for finding in _outliers(rule, field, group, features, members):
            findings.setdefault(finding.index, finding)
    yield from (findings[index] for index in sorted(findings))


def _runaways(rule, features: _Features, groups: dict[tuple, list[int]]) -> Iterator[DatasetFinding]:
    """Texts far longer than the texts of the same kind of task: the same `type` label (20+
    texts), else the same prompt template (first or last words). A file that is mostly one-off
    prompts is one kind; in a file of templates, a one-off prompt is judged against the template
    with the longest answers."""
    findings: dict[int, DatasetFinding] = {}
    by_file: dict[tuple, list[int]] = defaultdict(list)
    for (path, field, group), members in groups.items():
        if group is None or len(members) < rule.options["min-group"]:
            by_file[(path, field)].extend(members)  # a type with too few texts is judged as untyped
        else:
            norm = _Norm(features, members, f"type {group!r}")
            for position in members:
                if norm.far_above(rule, features, position):
                    findings.setdefault(position, norm.finding(features, position))
    for members in by_file.values():
        for position, norm in _judged_by_template(rule, features, members):
            findings.setdefault(position, norm.finding(features, position))
    for position in sorted(findings, key=features.rows.__getitem__):
        yield findings[position]


def _judged_by_template(rule, features: _Features, members: list[int]) -> Iterator[tuple[int, _Norm]]:
    minimum = rule.options["min-group"]
    heads: dict[int, list[int]] = defaultdict(list)
    tails: dict[int, list[int]] = defaultdict(list)
    for position in members:
        heads[features.heads[position]].append(position)
        tails[features.tails[position]].append(position)
    one_off = sum(len(heads[features.heads[p]]) < minimum and len(tails[features.tails[p]]) < minimum for p in members)
    if len(members) < rule.options["min-records"]:
        yield from _judged_in_a_small_file(rule, features, members)
        return
    whole = _Norm(features, members, "the file")
    # Mostly one-off prompts: the file is one kind of task, and a shared opening ("Given the
    # following sentence, ...") is too weak a sign of a task to judge by alone.
    free_form = 2 * one_off >= len(members)
    norms: dict[tuple[str, int], _Norm] = {}
    for position in members:
        if features.sizes[position] < rule.options["min-length"]:
            continue
        references = [whole] if free_form else []
        for key, group, kind in (
            (("head", features.heads[position]), heads[features.heads[position]], "prompts starting like this one"),
            (("tail", features.tails[position]), tails[features.tails[position]], "prompts ending like this one"),
        ):
            if len(group) >= minimum:
                if key not in norms:
                    norms[key] = _Norm(features, group, kind)
                references.append(norms[key])
        if not references:
            # A one-off prompt in a file of templates: its task is unknown, so it must be far above
            # the template with the longest answers (the file's own spread is that of its templates).
            longest = max(_template_norms(features, heads, tails, minimum, norms), default=None)
            references = [whole if longest is None else longest.named("the template with the longest answers")]
        # Long against every task it belongs to: a template of long answers keeps its own.
        if all(norm.far_above(rule, features, position) for norm in references):
            yield position, references[0]


def _judged_in_a_small_file(rule, features: _Features, members: list[int]) -> Iterator[tuple[int, _Norm]]:
    """Too few texts for a spread: only a text SMALL_FILE_FACTOR times further above the median
    than `min-ratio` asks is a runaway (OpenAI's 5-record example with a 26,000-character answer)."""
    if len(members) < SMALL_FILE_TEXTS:
        return
    whole = _Norm(features, members, "the file")
    floor = math.log(rule.options["min-ratio"] * SMALL_FILE_FACTOR)
    for position in members:
        if features.sizes[position] >= rule.options["min-length"] and features.values[position] - whole.centre >= floor:
            yield position, whole


def _template_norms(features: _Features, heads: dict, tails: dict, minimum: int, norms: dict) -> list[_Norm]:
    """The norms of every template group (computed once, kept in `norms`)."""
    for name, groups, kind in (
        ("head", heads, "prompts starting like this one"),
        ("tail", tails, "prompts ending like this one"),
    ):
        for value, group in groups.items():
            if len(group) >= minimum and (name, value) not in norms:
                norms[(name, value)] = _Norm(features, group, kind)
    return list(norms.values())


class _Norm:
    """The typical log length of a group of texts: its median and its spread (MAD, with a floor:
    a template whose answers all have one length still has a norm)."""

    def __init__(self, features: _Features, members: list[int], kind: str) -> None:
        values = features.values[members]
        self.centre = _median(values)
        self.spread = max(_median(numpy.abs(values - self.centre)) * MAD_TO_SIGMA, 0.1)
        self.kind = kind
        self.count = len(members)

    def named(self, kind: str) -> _Norm:
        """The same norm, described as `kind` in messages."""
        norm = copy.copy(self)
        norm.kind = kind
        return norm

    def __lt__(self, other: _Norm) -> bool:
        return self.centre < other.centre

    def far_above(self, rule, features: _Features, position: int) -> bool:
        """At least `min-ratio` times the median length, `threshold` spreads above it, `min-length` long."""
        excess = features.values[position] - self.centre
        return (
            features.sizes[position] >= rule.options["min-length"]
            and excess >= math.log(rule.options["min-ratio"])
            and excess / self.spread >= rule.options["threshold"]
        )

    def finding(self, features: _Features, position: int) -> DatasetFinding:
        typical = math.exp(self.centre) - 1
        size = features.sizes[position]
        message = (
            f"{features.fields[position]} is {size:,} characters, {size / max(typical, 1):,.0f} times the median "
            f"of {self.kind} ({typical:,.0f} characters, {self.count:,} texts)"
        )
        return DatasetFinding(features.rows[position], message, pointer=features.pointers[position])


class _Features:
    """The table's length features one by one (a record has one per text), as columns."""

    def __init__(self, table) -> None:
        values = table.values
        if set(map(len, values)) == {1}:  # the usual case: one text per record
            self.rows: list[int] | range = range(len(values))
            self.paths = table.paths
            flat = list(map(itemgetter(0), values))
        else:
            self.rows = [index for index, row in enumerate(values) for _ in row]
            self.paths = [table.paths[index] for index in self.rows]
            flat = [feature for row in values for feature in row]
        columns = list(zip(*flat, strict=True))
        self.fields, self.groups, values_, self.pointers, self.sizes, self.prompts = columns[:6]
        # Outlier features end with the prompt template's head and tail; ratio features have none.
        self.heads, self.tails = (columns[6], columns[7]) if len(columns) > 6 else ((), ())
        self.values = numpy.array(values_, dtype=float)

    def positions_by_key(self) -> dict[tuple, list[int]]:
        """(file, field, type) -> positions of its features, in order."""
        columns = (self.paths, self.fields, self.groups)
        if all(len(set(column)) == 1 for column in columns):  # the usual case: one file, one field, no types
            return {(self.paths[0], self.fields[0], self.groups[0]): list(range(len(self.fields)))}
        groups: dict[tuple, list[int]] = {}
        for position, key in enumerate(zip(*columns, strict=True)):
            members = groups.get(key)
            if members is None:
                groups[key] = [position]
            else:
                members.append(position)
        return groups


def _outliers(rule, field: str, group: str | None, features: _Features, members: list[int]) -> Iterator[DatasetFinding]:
    """The members whose robust z-score reaches the threshold. numpy computes the medians and the
    scores with the same float64 operations as Python would, so the same members are found."""
    values = features.values[members]
    centre = _median(values)
    spread = _median(numpy.abs(values - centre)) * MAD_TO_SIGMA
    if spread == 0:
        return
    threshold, side = rule.options["threshold"], rule.options["side"]
    where = f" {group!r}" if group is not None else ""
    typical = math.exp(centre) - 1
    scores = (values - centre) / spread
    for member in numpy.flatnonzero(numpy.abs(scores) >= threshold).tolist():
        position = members[member]
        score = float(scores[member])
        if (side == "high" and score < 0) or (side == "low" and score > 0):
            continue
        size, prompt = features.sizes[position], features.prompts[position]
        if score > 0 and field != "ratio" and size < rule.options["min-length"]:
            continue
        direction = "long" if score > 0 else "short"
        if field == "ratio":
            message = (
                f"response/prompt length ratio {size / max(prompt, 1):.3g} ({size:,} / {prompt:,} characters) is "
                f"unusually {'high' if score > 0 else 'low'}: the median{where} ratio is {typical + 1:.3g} "
                f"(robust z {score:+.1f})"
            )
        else:
            message = (
                f"{field} is unusually {direction}: {size:,} characters, the median{where} is {typical:,.0f} "
                f"(robust z {score:+.1f})"
            )
        yield DatasetFinding(features.rows[position], message, pointer=features.pointers[position])


def _median(values: numpy.ndarray) -> float:
    """numpy.median's value, from a partition as numpy computes it (the middle value, or the
    mean of the two middle ones): numpy.median's first call imports numpy.ma, ~20 ms of a warm run."""
    middle = len(values) // 2
    if len(values) % 2:
        return float(numpy.partition(values, middle)[middle])
    parted = numpy.partition(values, (middle - 1, middle))
    return float((parted[middle - 1] + parted[middle]) / 2)
