"""Format consistency: each response against its own dataset's norm, flagging the minority.

The record pass reduces a record to one small feature per rule (does the response use a
markdown heading? start with "Sure!"? end with a period?); the dataset pass counts, per file,
how many records have it and reports the records on the rare side. Nothing is wrong with a
bullet list in itself: a bullet list in 1% of the responses of a dataset whose answers are
prose is an inconsistency the model learns as noise.

Two ways to decide, by feature:
- yes/no features (structure, openers, sign-offs, lower-case start, HTML, whitespace): the
  records that have the feature are reported when at most `max-share` of the file's records
  have it; with `missing = true`, the records that lack it are reported when at most
  `max-share` lack it;
- `ending` (how the response ends: sentence punctuation, a word or number, a colon, a comma,
  a code fence ...): the records whose ending class is rare (at most `max-share`) are
  reported when the most common class covers at least `min-norm` of the file.
Files with fewer than `min-records` records with the field have no norm and are skipped.

A value on a rare side is read in its record's context first (`_in_context`, with
datalint/intent/form.py): a table the instruction asks for, a sign-off in the letter it asks for, a
lower-case start of the sentence it asks to complete. Such a value still counts in the norm but
is never reported. A file whose records carry a `type` label has one norm per task type.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from datalint.checks import Option
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
from datalint.records import TEXT_FIELDS, Record, Text
from datalint.violation import DatasetFinding

# "Great", "Okay" and "Certainly" open content too ("Great food, slow service" in a review, "Certainly
# there is a link"): only with punctuation.
_OPENERS = (
    r"(?:(?:sure|great question|good question|excellent question|what a great question|happy to help|"
    r"i'd be happy to|i would be happy to|i'd be glad to|i'm happy to|glad you asked)\b[!,.:]?"
    r"|(?:certainly|absolutely|of course|great|okay|ok|alright|no problem)[!,.:])"
)
_SIGN_OFFS = (
    r"(?:hope (?:this|that|it) helps|i hope (?:this|that|it) (?:helps|was helpful|answers)|"
    r"let me know if (?:you have|there(?:'s| is)|you need|i can)|feel free to (?:ask|reach out|let me know)|"
    r"happy coding|don't hesitate to (?:ask|reach out)|do not hesitate to (?:ask|reach out))[^\n]{0,80}$"
)
_HTML_TAGS = (
    "a|abbr|b|blockquote|body|br|button|code|div|em|form|h[1-6]|head|hr|html|i|img|input|label|li|meta|ol|p|"
    "pre|script|section|small|span|strong|style|sub|sup|table|tbody|td|th|thead|title|tr|u|ul"
)
FEATURES: dict[str, tuple[re.Pattern[str] | None, str]] = {
    # name: (regex searched in the text, or None when a function decides; what the feature is called)
    "heading": (re.compile(r"(?m)^#{1,6} \S"), "a markdown heading"),
    "bullet-list": (re.compile(r"(?m)^[ \t]*[-*•] \S"), "a bullet list"),
    "numbered-list": (re.compile(r"(?m)^[ \t]*\d{1,2}[.)] \S"), "a numbered list"),
    "code-fence": (re.compile(r"(?m)^[ \t]*```"), "a code fence"),
    "table": (re.compile(r"(?m)^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|"), "a markdown table"),
    "stock-opener": (re.compile(r"^\W{0,3}" + _OPENERS + r"(?=\s|$)"), "a stock opener"),
    "sign-off": (re.compile(_SIGN_OFFS), "a stock sign-off"),
    "html": (re.compile(rf"</?(?:{_HTML_TAGS})(?:\s[^<>]{{0,200}})?/?>"), "HTML tags"),
    "lowercase-start": (None, "a lower-case first letter"),
    "edge-whitespace": (None, "leading or trailing whitespace"),
    # exactly two, between letters: a word dropped from a sentence leaves two; three or more line up columns,
    # and two after a full stop are a typing convention
    "space-runs": (re.compile(r"(?<=[^\W\d_])  (?=[^\W\d_])"), "a doubled space between words"),
    "ending": (None, "its last character"),
}
# Responses that are code (unfenced, as in Alpaca) say nothing about prose formatting: a `#` comment is
# not a heading, `x = 1` is not a lower-case start. These features skip them.
_SENTENCE_ONLY = {"lowercase-start", "ending"}
_MIN_WORDS = 5
_PROSE_ONLY = {"heading", "bullet-list", "lowercase-start", "space-runs"}
# Searched after a "\n" put before the text, as `_HEADING_LINE`: the same lines as `(?m)^`, found faster.
_CODE_LINE = re.compile(
    r"(?m)\n[ \t]*(?:def \w|class \w|import \w|from [\w.]+ import|#include|#!/|using namespace|package \w|"
    r"public |private |static |function\b|(?:var|let|const) \w|SELECT\b|CREATE\b|INSERT\b|<\?php|<!DOCTYPE|"
    r"for ?\(|while ?\(|if ?\(|print\(|console\.log|return\b|\w+(?:\[[^\]]*\])? ?[-+*/]?= ?\S.*;?$)"
)
_FENCED = re.compile(r"```.*?(?:```|\Z)", re.S)
_ENDINGS = {
    **dict.fromkeys(".!?。！？…", "sentence punctuation"),
    **dict.fromkeys(":：", "a colon"),
    **dict.fromkeys(",，、", "a comma"),
    **dict.fromkeys(";；", "a semicolon"),
    **dict.fromkeys("-–—", "a dash"),
}

OPTIONS = {
    "feature": Option(str, "heading", "what each response is compared on", tuple(FEATURES)),
    "fields": Option(
        list,
        ["response"],
        f"text fields compared: {', '.join(TEXT_FIELDS)}, or all",
        items=str,
        item_choices=(*TEXT_FIELDS, "all"),
    ),
    "max-share": Option(
        float, 0.02, "report the side of a feature held by at most this share of the file", minimum=0, maximum=1
    ),
    "missing": Option(bool, False, "also report records lacking a feature that nearly all records have"),
    "min-norm": Option(
        float, 0.8, "ending: the most common ending must cover at least this share", minimum=0, maximum=1
    ),
    "endings": Option(
        list,
        ["a colon", "a comma", "a dash"],
        "ending: the rare endings reported (the others end code, lists, letters and tables as often as cut text)",
        items=str,
    ),
    "min-records": Option(int, 50, "files with fewer records (with the field) have no norm and are skipped"),
    "skip-code": Option(bool, True, "ignore fenced code blocks when looking for the feature"),
}


@dataclass(frozen=True, slots=True)
class Compiled:
    feature: str
    regex: re.Pattern[str] | None
    fields: frozenset[str]
    skip_code: bool  # the `skip-code` option; code-fence, edge-whitespace and ending never skip code
    profile_key: str  # where the record's profile for these fields and skip-code is kept in `derived`
    position: int  # where the feature's value is in a profile (-1: edge whitespace, not in profiles)


def prepare(options: dict[str, Any]) -> Compiled:
    feature, fields, skip_code = options["feature"], frozenset(options["fields"]), options["skip-code"]
    # A string key: its hash is computed once, a tuple's at every lookup.
    profile_key = f"consistency profile {sorted(fields)} skip-code={skip_code}"
    position = _SCANNED.index(feature) if feature in _SCANNED else -1
    return Compiled(feature, FEATURES[feature][0], fields, skip_code, profile_key, position)


def record_features(rule, record: Record) -> tuple[tuple[str, Any, str], ...] | None:
    """(field, value, pointer) per text field present: value is True/False, or an ending class.

    A field seen several times (the assistant turns of a chat) counts once: it has the feature if
    any of its texts has it, and its ending is the last text's ending.

    The rules share one profile per record (and fields and skip-code setting): each text is scanned
    once for every feature, so a rule only looks its answer up. Edge whitespace is cheaper to test
    than to look up, and its rule reads every field: it is tested on its own."""
    compiled: Compiled = rule.state
    if record.format == "completions" and compiled.feature != "edge-whitespace":
        return None  # candidates of several models under comparison share no house style to keep
    if compiled.feature == "edge-whitespace":
        entries = _edge_whitespace(record.texts_of(compiled.fields))
    else:
        profile = record.derived.get(compiled.profile_key)
        if profile is None:
            profile = record.derived[compiled.profile_key] = _profile(record, compiled.fields, compiled.skip_code)
        entries = profile[compiled.position]
    task = record.labels.get("type") if entries else None
    if task is not None:  # a multi-task file is judged per task type: (field, value, pointer, task)
        return tuple((*entry, str(task[0])) for entry in entries)
    return entries


def _profile(record: Record, fields: frozenset[str], skip_code: bool) -> Sequence[tuple | None]:
    """Every feature's value for the record, in `_SCANNED` order: the texts of `fields` are each scanned once."""
    texts = [text for text in record.texts_of(fields) if text.text and not text.text.isspace()]
    if not texts:
        return _NOTHING
    if len(texts) == 1:
        profile, rare = _one_text_profile(texts[0], _scan(texts[0], skip_code))
    else:
        scans = [_scan(text, skip_code) for text in texts]
        exempt = _Exemptions(texts)
        profile = [_feature_value(feature, position, texts, scans, exempt) for position, feature in _ORDER]
        rare = [position for position, feature in _ORDER if _on_rare_side(feature, profile[position])]
    return _in_context(record, profile, rare) if rare else profile


_SCANNED = tuple(feature for feature in FEATURES if feature != "edge-whitespace")
_ORDER = tuple(enumerate(_SCANNED))
_NOTHING = (None,) * len(_SCANNED)


def _edge_whitespace(texts: list[Text]) -> tuple[tuple[str, bool, str], ...] | None:
    found: dict[str, tuple[str, bool, str]] = {}
    for field in texts:
        text = field.text
        if not text or text.isspace() or (field.field in found and found[field.field][1]):
            continue
        found[field.field] = (field.field, _has_edge_whitespace(text, field.field != "response"), field.pointer)
    return tuple(found.values()) or None


def _has_edge_whitespace(text: str, given: bool) -> bool:
    """Leading or trailing whitespace, except what code and data need: the indentation of a code
    snippet's first line (cut from a function body) and, in a given text (a prompt or its input, not
    a trained answer), the newlines that end a source or CSV file."""
    leading, trailing = text[:1].isspace(), text[-1:].isspace()
    if not (leading or trailing):
        return False
    if leading and text[:1] in " \t" and looks_like_code(text):
        leading = False
    if trailing and given and _ends_like_a_file(text):
        trailing = False
    return leading or trailing


def _ends_like_a_file(text: str) -> bool:
    body = text.rstrip("\n")
    if body == text or body[-1:].isspace() or "\n" not in body:
        return False
    return body.endswith(("```", "}", ";")) or looks_like_code(body) or _is_delimited(body)


def _is_delimited(text: str) -> bool:
    """CSV or TSV rows (most lines hold the same number, at least one, of commas or tabs), or one short
    value per line."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) >= 3 and all(len(line.split()) == 1 for line in lines):
        return True
    for separator in ",\t":
        counts = Counter(line.count(separator) for line in lines if separator in line and len(line) <= 80)
        if counts and 3 <= counts.most_common(1)[0][1] and counts.most_common(1)[0][1] * 2 >= len(lines):
            return True
    return False


def _in_context(record: Record, profile: list[tuple | None], rare: list[int]) -> list[tuple | None]:
    """The profile with the rare-side values that the record's own task explains marked EXPLAINED: a
    table the instruction asked for, a bullet list in a list of steps, HTML in an answer about HTML, a
    sign-off in the letter it asked for. Only the records with a value on a rare side (at `rare`
    positions) are read this way."""
    context = _Context(record)
    for position in rare:
        feature = _SCANNED[position]
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
    return value != _USUAL_ENDING if feature == "ending" else bool(value)


def _on_rare_side(feature: str, entries: tuple | None) -> bool:
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
    only_headings = all(_HEADING_LINE.match("\n" + line) for line in text.strip().splitlines() if line.strip())
    return (
        only_headings  # "# morningmotivation": hashtags or a bare title, not a document's sections
        or "hashtag" in prompt
        or asks_for_code(prompt)
        or asks_for_headed_document(prompt)
        or _mirrors(_HEADING_LINE, prompt)
    )


def _list_explained(prompt: str, text: str, value: Any) -> bool:
    return (
        asks_for_list(prompt)
        or asks_for_headed_document(prompt)
        or asks_for_code(prompt)  # a line-by-line explanation of code
        or _mirrors(_BULLET_LINE, prompt)
        or _mirrors(_NUMBERED_LINE, prompt)
    )


def _fence_explained(prompt: str, text: str, value: Any) -> bool:
    return asks_for_code(prompt) or "```" in prompt or looks_like_code(prompt)


def _table_explained(prompt: str, text: str, value: Any) -> bool:
    return asks_for_table(prompt) or _mirrors(_TABLE_LINE, prompt) or "|" in prompt


def _html_explained(prompt: str, text: str, value: Any) -> bool:
    return (
        _only_table_breaks(text)
        or _tags_on_code_lines(text)
        or asks_about_markup(prompt)
        or asks_for_code(prompt)
        or _HTML.search(prompt) is not None
        # code, or an HTML page; prose wrapped in <p> or <li> tags is scraped text, not code
        or (
            looks_like_code(text) and (_CODE_LINE.search("\n" + text) is not None or _PAGE_TAG.search(text) is not None)
        )
    )


_PAGE_TAG = re.compile(r"<(?:!doctype|html|head|body|div|table|form|script|style|meta|input|button|section)\b", re.I)


def _only_table_breaks(text: str) -> bool:
    """`<br>` inside markdown table cells: the one way to break a line in a cell, not scraped markup."""
    return all(
        match.group().lower().startswith("<br") and "|" in _line_at(text, match.start())
        for match in _HTML.finditer(text)
    )


def _tags_on_code_lines(text: str) -> bool:
    """Every tag sits in code: on a line with code punctuation (an attribute's `=` aside), on a line of
    tags only (`</body>`), or inside a quoted string (`attribution: '<a href=...>'`)."""
    return all(_tag_in_code(text, match.start()) for match in _HTML.finditer(text))


def _tag_in_code(text: str, index: int) -> bool:
    line = _line_at(text, index)
    bare = _HTML.sub("", line)
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
    opener = _OPENER.match(stripped[:60].lower())
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
    return asks_for_composition(prompt) or _has_needle(prompt)


def _lowercase_explained(prompt: str, text: str, value: Any) -> bool:
    stripped = text.lstrip()
    first_line = stripped.split("\n", 1)[0]
    words = _WORD.findall(first_line.lower())
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


def _one_text_profile(text: Text, scan: tuple) -> tuple[list[tuple | None], list[int]]:
    """`_feature_value` for a record with one text in the fields (the usual case), without its loop:
    every feature the text lacks shares one answer, and most texts are on no rare side at all.
    Also the positions whose value is on a rare side."""
    field, pointer = text.field, text.pointer
    profile = [((field, False, pointer),)] * len(_SCANNED)
    ending = scan[-1]
    profile[-1] = ((field, ending, pointer),)
    rare: list[int] = []
    if ending == _USUAL_ENDING and True not in scan:  # the other values are True or False
        return profile, rare
    # Whether the text is too short to be a sentence, or is code: each asked at most once, and only
    # when a feature on the rare side needs it; the cheaper question first.
    short = code = None
    for position, feature in _ORDER:
        value = scan[position]
        if value is False or value == _USUAL_ENDING:
            continue
        if feature in _SENTENCE_ONLY:
            if short is None:
                short = _is_short(text.text)
            if short:
                profile[position] = None
                continue
        if feature in _PROSE_ONLY:
            if code is None:
                code = looks_like_code(text.text)
            if code:
                profile[position] = None
                continue
        profile[position] = ((field, value, pointer),)
        rare.append(position)
    return profile, rare


_USUAL_ENDING = "sentence punctuation"


def _is_short(text: str) -> bool:
    return len(text.split(None, _MIN_WORDS)) < _MIN_WORDS


def _feature_value(feature: str, position: int, texts: list[Text], scans: list[tuple], exempt: _Exemptions):
    found: dict[str, tuple[str, Any, str]] = {}  # field -> the (field, value, pointer) returned
    for index, text in enumerate(texts):
        value = scans[index][position]
        if feature == "ending":
            usual = value == "sentence punctuation"
        elif text.field in found and found[text.field][1]:
            continue
        else:
            usual = not value
        # The code test is the costly part: only texts on the rare side need it.
        if not usual and feature in _PROSE_ONLY and exempt.is_code(index):
            continue
        # Short answers ("positive", "informal", "42") are labels, not prose: no casing or ending norm.
        if not usual and feature in _SENTENCE_ONLY and exempt.is_short(index):
            continue
        found[text.field] = (text.field, value, text.pointer)
    return tuple(found.values()) or None


class _Exemptions:
    """Whether a text is code, or too short to be a sentence: asked only for texts on the rare side, once."""

    __slots__ = ("texts", "code", "short")

    def __init__(self, texts: list[Text]) -> None:
        self.texts = texts
        self.code: dict[int, bool] = {}
        self.short: dict[int, bool] = {}

    def is_code(self, index: int) -> bool:
        if index not in self.code:
            self.code[index] = looks_like_code(self.texts[index].text)
        return self.code[index]

    def is_short(self, index: int) -> bool:
        if index not in self.short:
            self.short[index] = _is_short(self.texts[index].text)
        return self.short[index]


# The line-start features, each searched after a "\n" put before the text: that literal lets the regex
# jump from line to line instead of trying `(?m)^` at every character. Each is the FEATURES regex, and
# runs only when the text holds a character its every match needs.
_HEADING_LINE = re.compile(r"\n#{1,6} \S")
_BULLET_LINE = re.compile(r"\n[ \t]*[-*•] \S")
_NUMBERED_LINE = re.compile(r"\n[ \t]*\d{1,2}[.)] \S")
_TABLE_LINE = re.compile(r"\n[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|")
_FENCE = FEATURES["code-fence"][0]
_OPENER = FEATURES["stock-opener"][0]
_SIGN_OFF = FEATURES["sign-off"][0]
_HTML = FEATURES["html"][0]
_SPACE_RUN = FEATURES["space-runs"][0]
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_SIGN_OFF_REACH = 110  # a sign-off ends at most 80 characters before the end and is at most 28 long
_WINDOW = 160  # characters from each end of a text enough for the opener and the sign-off needles
# The characters a line-start feature can begin with (with a decimal digit): a one-line text starting
# otherwise has none.
_LINE_START_CHARS = frozenset("# \t-*•|:")


def _scan(field: Text, skip_code: bool) -> tuple:
    """The value of every feature but edge whitespace for one text, in FEATURES order.

    Each feature is looked for in the text its rule searched when each rule scanned on its own:
    fenced code removed unless the feature is about fences or edges."""
    text = field.text
    fenced = "```" in text
    prose = _FENCED.sub("", text) if skip_code and fenced else text
    first = prose[:1]
    heading = bullet = numbered = table = False
    if "\n" in prose or first in _LINE_START_CHARS or first.isdecimal():
        lines = "\n" + prose
        heading = "#" in prose and _HEADING_LINE.search(lines) is not None
        bullet = _BULLET_LINE.search(lines) is not None
        numbered = _NUMBERED_LINE.search(lines) is not None
        table = "---" in prose and _TABLE_LINE.search(lines) is not None
    if prose.isascii():
        opener, sign_off = _ascii_stock_phrases(prose)
    else:
        opener, sign_off = _stock_phrases(field.lower if prose is text else prose.lower())
    return (
        heading,
        bullet,
        numbered,
        fenced and _FENCE.search(text) is not None,
        table,
        opener,
        sign_off,
        "<" in prose and _has_html(prose),
        _starts_lower(text),
        # tables and tab-separated columns are aligned with spaces on purpose
        "  " in prose and "|" not in text and "\t" not in text and _has_space_run(prose),
        ending_class(text),
    )


def _has_html(prose: str) -> bool:
    """HTML tags outside `inline code` (an answer naming `<div>` is not markup)."""
    if "`" in prose:
        prose = _INLINE_CODE.sub("", prose)
    return _HTML.search(prose) is not None


def space_runs(text: str) -> list[tuple[int, int]]:
    """Doubled spaces between a letter and a lower-case letter ("I baked  cookies"), on lines that do
    not align columns (no run of three or more spaces, no tab, no table bar)."""
    spans = []
    for match in _SPACE_RUN.finditer(text):
        start, end = match.span()
        if not text[end].islower():
            continue
        line_start, line_end = text.rfind("\n", 0, start) + 1, text.find("\n", end)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if "   " not in line and "\t" not in line and "|" not in line:
            spans.append((start, end))
    return spans


def _has_space_run(prose: str) -> bool:
    return _SPACE_RUN.search(prose) is not None and bool(space_runs(prose))


def _stock_phrases(lowered: str) -> tuple[bool, bool]:
    """Stock opener in the first 60 characters, sign-off in the last 200, of the lower-cased text."""
    if "\u2019" in lowered:
        lowered = lowered.replace("\u2019", "'")
    tail = lowered.rstrip()[-200:]
    opener = _OPENER.match(lowered.lstrip()[:60]) is not None
    return opener, _has_needle(tail[-_SIGN_OFF_REACH:]) and _SIGN_OFF.search(tail) is not None


def _ascii_stock_phrases(prose: str) -> tuple[bool, bool]:
    """`_stock_phrases` for ASCII text: lower() keeps the length, so cutting first lower-cases a few
    characters, not the text; and a window at each end is enough unless it is all whitespace.
    The sign-off regex runs only when the end holds one of its needles."""
    head = prose[:_WINDOW].lstrip()
    if len(head) < 60 < len(prose):
        head = prose.lstrip()
    end = prose[-_WINDOW:].rstrip()
    if len(end) < _SIGN_OFF_REACH < len(prose):
        end = prose.rstrip()
    opener = _OPENER.match(head[:60].lower()) is not None  # the regex starts with `^`
    if not _has_needle(end[-_SIGN_OFF_REACH:].lower()):
        return opener, False
    return opener, _SIGN_OFF.search(prose.rstrip()[-200:].lower()) is not None


def _has_needle(end: str) -> bool:
    """Whether `end` holds one of the phrases in every match of the sign-off regex (an `or` chain:
    a loop or any() costs more than the `in` tests)."""
    return (
        "hope " in end
        or "let me know if" in end
        or "feel free to" in end
        or "hesitate to" in end
        or "happy coding" in end
    )


def looks_like_code(text: str) -> bool:
    """Unfenced code or markup: a line that starts like code, or a text wrapped in <...> or {...}."""
    stripped = text.strip()
    if stripped[:1] in "<{[" and stripped[-1:] in ">}]":
        return True
    if stripped[:1] == "|":  # a markdown table
        return True
    return _CODE_LINE.search("\n" + (_FENCED.sub("", text) if "```" in text else text)) is not None


def _starts_lower(text: str) -> bool:
    stripped = text.lstrip()
    if not stripped or not stripped[0].isalpha() or not stripped[0].islower():
        return False
    # iPhone, eBay, x = 5, f(x): a lower-case letter followed by a capital, a digit or a symbol is a name or code.
    word = _WORD.match(stripped)
    return word is not None and word.group().isalpha() and word.group().islower() and len(word.group()) > 1


_WORD = re.compile(r"\w+")
_CLOSERS = "\"'”’»)]」』*_"
_BRACKETS = ")]"
_SENTENCE_END = frozenset(".!?。！？…")


def ending_class(text: str) -> str:
    """What a text ends with; closing quotes and brackets are looked through ("...end." ends with a period)."""
    stripped = text.rstrip()
    if stripped.endswith("```"):
        return "a code fence"
    last = stripped.rstrip(_CLOSERS)[-1:] or stripped[-1:]
    if last not in _SENTENCE_END and stripped[-1:] in _BRACKETS:
        last = stripped[-1:]  # binary[2:] ends with a bracket, not with the colon inside it
    if not last:
        return "nothing"
    if last in _ENDINGS:
        return _ENDINGS[last]
    if last.isalnum() or last in "%°$€£":
        return "a word or number"
    return "another symbol"


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    """Norms are per file and per field (a prompt convention says nothing about responses), and per
    task type in a file whose records carry one (a multi-task mixture has no single norm).

    Rows are counted by distinct (file, features) pair, which is few: the norms come from those
    counts, and only the rows on a reported side are looked at one by one."""
    keys, path_of = _row_keys(table)
    rows = Counter(keys)
    groups: dict[tuple[str, str], Counter] = {}  # (file, field) -> value -> rows, in order of first row
    for key, count in rows.items():
        path, values = path_of(key)
        for entry in values:
            group = (path, entry[0], entry[3] if len(entry) > 3 else None)
            tally = groups.get(group)
            if tally is None:
                tally = groups[group] = Counter()
            tally[entry[1]] += count
    decide = _rare_endings if rule.state.feature == "ending" else _minority
    reported: dict[tuple, tuple[int, dict[Any, str]]] = {}  # (file, field, task) -> (rank, value -> message)
    for rank, (group, tally) in enumerate(groups.items()):
        total = tally.total()
        if total >= rule.options["min-records"]:
            messages = decide(rule, group[1], tally, total)
            if messages:
                if group[2] is not None:
                    messages = {value: f"{message} (task type {group[2]!r})" for value, message in messages.items()}
                reported[group] = (rank, messages)
    if not reported:
        return
    # One finding per record: the field whose (file, field) came first in the file, as the rows were read.
    found: dict[Any, tuple[str, str]] = {}  # row key -> (message, pointer)
    for key in rows:
        path, values = path_of(key)
        best = None
        for entry in values:
            field, value, pointer = entry[:3]
            rank, messages = reported.get((path, field, entry[3] if len(entry) > 3 else None), (None, None))
            if messages is not None and value in messages and (best is None or rank < best[0]):
                best = (rank, messages[value], pointer)
        if best is not None:
            found[key] = best[1:]
    for index in _rows_with(keys, found):
        message, pointer = found[keys[index]]
        yield DatasetFinding(index, message, pointer=pointer)


def _rows_with(keys: list, wanted: dict) -> list[int]:
    """The indices of the rows whose key is wanted, in order. A few wanted keys (the usual case) are
    found by list.index, which compares in C (most often by identity) instead of hashing every row."""
    if len(wanted) > _FEW_KEYS:
        return [index for index, key in enumerate(keys) if key in wanted]
    found = []
    for key in wanted:
        index = -1
        try:
            while True:
                index = keys.index(key, index + 1)
                found.append(index)
        except ValueError:
            pass
    return sorted(found)


_FEW_KEYS = 8


def _row_keys(table) -> tuple[list, Any]:
    """What identifies a row's group and features: its features alone when the table has one file
    (the usual case, and cheaper to hash), else (file, features); and how to read a key back."""
    paths = set(table.paths)
    if len(paths) == 1:
        path = paths.pop()
        return table.values, lambda values: (path, values)
    return list(zip(table.paths, table.values, strict=True)), lambda key: key


def _minority(rule, field: str, tally: Counter, total: int) -> dict[Any, str]:
    """The reported values and their message: the yes side when rare, or the no side with `missing`."""
    having = sum(count for value, count in tally.items() if value)
    what = FEATURES[rule.state.feature][1]
    max_share = rule.options["max-share"]
    if having and having / total <= max_share:
        others = total - having
        message = f"{field} has {what}, unlike {others} of {total} in this file ({_percent(others, total)})"
        return {value: message for value in tally if value and value != EXPLAINED}
    if rule.options["missing"] and having < total and (total - having) / total <= max_share:
        message = (
            f"{field} has no {what.removeprefix('a ')}, unlike {having} of {total} in this file "
            f"({_percent(having, total)})"
        )
        return {value: message for value in tally if not value}
    return {}


def _rare_endings(rule, field: str, tally: Counter, total: int) -> dict[Any, str]:
    norm, norm_count = tally.most_common(1)[0]  # ties: the ending seen first, as the rows were read
    if norm_count / total < rule.options["min-norm"] or norm == EXPLAINED:
        return {}
    return {
        ending: f"{field} ends with {ending}, while {_percent(norm_count, total)} of the {field}s in this file "
        f"end with {norm}"
        for ending, count in tally.items()
        if ending != norm
        and ending in rule.options["endings"]
        and count / total <= rule.options["max-share"]
        and ending != EXPLAINED
    }


def _percent(part: int, total: int) -> str:
    return f"{100 * part / total:.0f}%" if part * 100 // total else f"{100 * part / total:.1f}%"


_ALIGNMENT = re.compile(r"\S {3,}\S")
_ANY_DOUBLED_SPACE = re.compile(r"(?<=\S)  (?=\S)")  # the fix collapses every doubled space of a reported text


def fix(rule, violation, context):
    """edge-whitespace: strip the value; space-runs: one space between words, only in texts without
    code and without alignment (a run of three or more spaces lines up columns, e.g. a receipt)."""
    from datalint.fix import keep_string_part, replace_in_string
    from datalint.violation import Fix

    feature = rule.state.feature
    record = context.record(violation.line)
    text = next((t.text for t in record.texts if t.pointer == violation.pointer), None) if record else None
    if text is None:
        return None
    line = context.text(violation.line)
    if feature == "edge-whitespace":
        stripped = text.strip()
        if not stripped or stripped == text:
            return None
        start = len(text) - len(text.lstrip())
        edits = keep_string_part(line, violation.line, violation.pointer, start, start + len(stripped))
    elif feature == "space-runs":
        if "`" in text or looks_like_code(text) or _ALIGNMENT.search(text):
            return None  # alignment in code and in tables is meaningful
        spans = [match.span() for match in _ANY_DOUBLED_SPACE.finditer(text)]
        edits = replace_in_string(line, violation.line, violation.pointer, spans, " ")
    else:
        return None
    return Fix(rule.fix, tuple(edits)) if edits else None
