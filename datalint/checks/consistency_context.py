"""Rare formatting values that the record's own task explains: a table the instruction asks for, a
sign-off in the letter it asks for, a lower-case start of the sentence it asks to complete. Such a
value counts in its file's norm but is never reported (with datalint/py)."""

from __future__ import annotations

import re
from typing import Any

from datalint.checks.consistency_features import (
    BULLET_LINE,
    CODE_LINE,
    HEADING_LINE,
    HTML,
    NUMBERED_LINE,
    OPENER,
    SCANNED,
    TABLE_LINE,
    USUAL_ENDING,
    WORD,
    has_sign_off_needle,
    looks_like_code,
)
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
from datalint.records import Record


def in_context(record: Record, profile: list[tuple | None], rare: list[int]) -> list[tuple | None]:
    """The profile with the rare-side values that the record's own task explains marked EXPLAINED: a
    table the instruction asked for, a bullet list in a list of steps, HTML in an answer about HTML, a
    sign-off in the letter it asked for. Only the records with a value on a rare side (at `rare`
    positions) are read this way."""
    context = _Context(record)
    for position in rare:
        feature = SCANNED[position]
        explained = _EXPLAINED[feature]
        profile[position] = tuple(
            (entry[0], EXPLAINED, entry[2])
            if _is_rare(feature, entry[1]) and explained(context.prompt, context.text(entry[2]), entry[1])
            else entry
            for entry in profile[position]
        )
    return profile


# The value of a feature the instruction asked for: it counts in the file's norm (the file does use
# tables, where asked) but is never reported.
EXPLAINED = "explained by the instruction"


def _is_rare(feature: str, value: Any) -> bool:
    return value != USUAL_ENDING if feature == "ending" else bool(value)


def on_rare_side(feature: str, entries: tuple | None) -> bool:
    return entries is not None and any(_is_rare(feature, entry[1]) for entry in entries)


class _Context:
    """The record's prompt (lower-cased: every turn but the answers) and its texts by pointer,
    computed once and only for records with a value on a rare side."""

    __slots__ = ("record", "_prompt")

    def __init__(self, record: Record) -> None:
        self.record = record
        self._prompt: str | None = None

    @property
    def prompt(self) -> str:
        if self._prompt is None:
            turns = self.record.turns
            self._prompt = "\n".join(turn.text for turn in turns if turn.role != "assistant" and turn.text).lower()
        return self._prompt

    def text(self, pointer: str) -> str:
        return next((text.text for text in self.record.texts if text.pointer == pointer), "")


def _mirrors(line_regex: re.Pattern[str], prompt: str) -> bool:
    """The prompt itself uses the structure: an answer that keeps it follows the input, not a habit."""
    return line_regex.search("\n" + prompt) is not None


def _heading_explained(prompt: str, text: str, value: Any) -> bool:
    only_headings = all(HEADING_LINE.match("\n" + line) for line in text.strip().splitlines() if line.strip())
    return (
        only_headings  # "# morningmotivation": hashtags or a bare title, not a document's sections
        or "hashtag" in prompt
        or asks_for_code(prompt)
        or asks_for_headed_document(prompt)
        or _mirrors(HEADING_LINE, prompt)
    )


def _list_explained(prompt: str, text: str, value: Any) -> bool:
    return (
        asks_for_list(prompt)
        or asks_for_headed_document(prompt)
        or asks_for_code(prompt)  # a line-by-line explanation of code
        or _mirrors(BULLET_LINE, prompt)
        or _mirrors(NUMBERED_LINE, prompt)
    )


def _fence_explained(prompt: str, text: str, value: Any) -> bool:
    return asks_for_code(prompt) or "```" in prompt or looks_like_code(prompt)


def _table_explained(prompt: str, text: str, value: Any) -> bool:
    return asks_for_table(prompt) or _mirrors(TABLE_LINE, prompt) or "|" in prompt


def _html_explained(prompt: str, text: str, value: Any) -> bool:
    return (
        _only_table_breaks(text)
        or _tags_on_code_lines(text)
        or asks_about_markup(prompt)
        or asks_for_code(prompt)
        or HTML.search(prompt) is not None
        # code, or an HTML page; prose wrapped in <p> or <li> tags is scraped text, not code
        or (looks_like_code(text) and (CODE_LINE.search("\n" + text) is not None or _PAGE_TAG.search(text) is not None))
    )


_PAGE_TAG = re.compile(r"<(?:!doctype|html|head|body|div|table|form|script|style|meta|input|button|section)\b", re.I)


def _only_table_breaks(text: str) -> bool:
    """`<br>` inside markdown table cells: the one way to break a line in a cell, not scraped markup."""
    return all(
        match.group().lower().startswith("<br") and "|" in _line_at(text, match.start())
        for match in HTML.finditer(text)
    )


def _tags_on_code_lines(text: str) -> bool:
    """Every tag sits in code: on a line with code punctuation (an attribute's `=` aside), on a line of
    tags only (`</body>`), or inside a quoted string (`attribution: '<a href=...>'`)."""
    return all(_tag_in_code(text, match.start()) for match in HTML.finditer(text))


def _tag_in_code(text: str, index: int) -> bool:
    line = _line_at(text, index)
    bare = HTML.sub("", line)
    before = text[text.rfind("\n", 0, index) + 1 : index]
    return (
        not bare.strip()
        or any(char in bare for char in "=;{}(")
        or before.count("'") % 2 == 1
        or before.count('"') % 2 == 1
    )


def _line_at(text: str, index: int) -> str:
    end = text.find("\n", index)
    return text[text.rfind("\n", 0, index) + 1 : end if end >= 0 else len(text)]


def _opener_explained(prompt: str, text: str, value: Any) -> bool:
    stripped = text.lstrip()
    opener = OPENER.match(stripped[:60].lower())
    words = opener.group().strip(" !,.:\"'“‘«") if opener is not None else ""
    return (
        _ACKNOWLEDGEMENT.match(stripped.lower()) is not None  # "OK, I have scheduled the meeting": the reply itself
        or stripped[:1] in _QUOTES  # a quoted line of dialogue
        # a reply, story or role asked for opens in its own voice; "Sure, here is the story:" is still filler
        or ((asks_for_composition(prompt) or asks_for_role(prompt)) and _ASSISTANT_TALK.match(stripped.lower()) is None)
        # a rewrite or continuation of given text that opens with the same words
        or (words != "" and re.search(rf"(?<!\w){re.escape(words)}(?!\w)", prompt) is not None)
    )


def _sign_off_explained(prompt: str, text: str, value: Any) -> bool:
    return asks_for_composition(prompt) or has_sign_off_needle(prompt)


def _lowercase_explained(prompt: str, text: str, value: Any) -> bool:
    stripped = text.lstrip()
    first_line = stripped.split("\n", 1)[0]
    words = WORD.findall(first_line.lower())
    first_token = first_line.split(None, 1)[0] if first_line.strip() else ""
    return (
        asks_for_words(prompt)
        or asks_for_poem(prompt)
        or asks_for_code(prompt)
        or asks_to_continue(prompt)  # the answer starts mid-sentence by design
        or asks_to_transform(prompt)  # the given text's own casing, reversed, copied
        or _CALL_START.match(stripped) is not None  # a tool call or a shell command
        or not first_token.isalpha()  # dy/dx, x=1, strong/weak: a formula or a term, not a sentence
        or first_line.rstrip().endswith((";", ":", "{"))  # a line of code
        or first_token in _SHELL_COMMANDS
        or " : " in first_line
        or "->" in first_line  # a relation or mapping: poodle : dog
        or words[:1] in (["yes"], ["no"], ["true"], ["false"])  # a label, then its reason
        or ("\n" in stripped and len(words) <= 3)  # a label on its own line, then the explanation
        or _is_word_list(first_line)
        or _starts_an_item(" ".join(words[:2]), prompt)  # the answer copies an item of the given text
    )


def _ending_explained(prompt: str, text: str, value: Any) -> bool:
    last_line = text.rstrip().rsplit("\n", 1)[-1].strip()
    colon_lines = sum(1 for line in text.splitlines() if line.rstrip().endswith((":", "：")))
    given_end = prompt.rstrip()[-1:]
    return (
        prompt.rstrip()[-3:] == text.rstrip()[-3:].lower()  # the given template's own ending, kept
        or (len(last_line) > 3 and last_line.lower() in prompt)  # the given text's own last line, kept
        or asks_for_poem(prompt)
        or asks_for_composition(prompt)  # a letter ends "Sincerely,"; a dialogue mid-line
        or asks_for_role(prompt)
        or "|" in last_line
        or set(last_line) <= set("-=_+|.:/ *")  # a rule, a table border, Morse code
        or colon_lines > 1  # a form of fields to fill in
        or (given_end != "" and text.rstrip().lower().endswith(given_end) and asks_to_transform(prompt))
        # a corrected or rewritten expression or code line: its colon or operator is syntax
        or (asks_to_transform(prompt) and any(char in text for char in "()[]{}=<>+*/（）＝"))
    )


def _space_runs_explained(prompt: str, text: str, value: Any) -> bool:
    return asks_for_table(prompt) or asks_for_code(prompt) or "  " in prompt


_EXPLAINED = {
    "heading": _heading_explained,
    "bullet-list": _list_explained,
    "numbered-list": _list_explained,
    "code-fence": _fence_explained,
    "table": _table_explained,
    "stock-opener": _opener_explained,
    "sign-off": _sign_off_explained,
    "html": _html_explained,
    "lowercase-start": _lowercase_explained,
    "space-runs": _space_runs_explained,
    "ending": _ending_explained,
}
# "Sure, here is the story:" presents the output: filler even before a composed text or a role's answer
_ASSISTANT_TALK = re.compile(r"\W{0,3}[\w' ]{1,20}[!,.:]? (?:here is|here's|here are)\b")
_SHELL_COMMANDS = frozenset(
    "cd ls git pip npm yarn sudo mkdir rm cp mv grep awk sed find cat echo curl wget python python3 node docker "
    "kubectl ssh chmod chown tar make brew apt apt-get conda java javac gcc go cargo".split()
)
_ACKNOWLEDGEMENT = re.compile(r"\W{0,3}\w+(?: \w+)?[!,.:] (?:i have|i've|i will|i'll)\b")
_QUOTES = "\"'“‘«「『"
# `news('...')`, `python(...)`, `awk '...'`, `git -C`: a call or a command, not a sentence
_CALL_START = re.compile(r"[a-z_][\w.]*(?:\(|\s+['\"-])")


def _starts_an_item(words: str, prompt: str) -> bool:
    """Whether the prompt has these words at the start of a line or of a comma-, colon- or bracket-
    separated item (an input list the answer copies), not just somewhere in a sentence."""
    return bool(words) and re.search(r"(?:^|[\n,;:(\[\]\"'])\s*" + re.escape(words), prompt) is not None


def _is_word_list(line: str) -> bool:
    """`apple, pear, plum`: three or more items of at most four words between commas, not a sentence."""
    items = [item.strip() for item in re.split(r"[,;、，]", line.rstrip(". "))]
    return len(items) >= 3 and all(0 < len(item.split()) <= 4 for item in items)
