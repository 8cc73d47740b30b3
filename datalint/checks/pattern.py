"""Banned patterns: phrase lists and regular expressions searched in chosen text fields.

Phrases go into one Aho-Corasick automaton per rule (pyahocorasick): one scan of the text finds
every phrase, about 50x faster than a Python regex alternation (FACTS.md). Unless the rule is
case-sensitive, phrases and regexes are matched against the lower-cased text (with curly
apostrophes straightened), so write them in lower case. The first match per field is reported.

Each regex runs on its own, gated by its needles: the literal strings its matches start with
(zero-width checks skipped), read from re's parse tree. The needles go into the same automaton
as the phrases, so one pass over a text finds the phrases and tells which regexes can match
there. Before that, each text is tested with a few `in` tests (the phrases or needles when few,
else their first characters), which skip nearly all texts. Write regexes to open with a literal
(`i(?<!\\wi) am`, not `\\bi am`): re finds a literal prefix fast, while a pattern that opens
with `\\b` or a lookbehind is tried at every position, ~6x slower.

A match is reported unless its context says it is what the task asked for: the `unless-*`
options skip a text whose prompt asks for it (a dialogue, a template, a role to play), a record
that declares tools (declining a request no tool serves is what such data teaches), or a record
labelled undesirable (a KTO negative example); `skip-code` and `skip-quoted` skip matches inside
code and quoted strings. These tests run only on the rare texts that match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _parser as parser  # private, for first_characters; see there
from typing import Any

import ahocorasick

from datalint.checks import Option
from datalint.records import TEXT_FIELDS, Record, Text
from datalint.violation import Finding, Fix, Violation

OPTIONS = {
    "fields": Option(
        list,
        ["response"],
        f"text fields to search: {', '.join(TEXT_FIELDS)}, or all",
        items=str,
        item_choices=(*TEXT_FIELDS, "all"),
    ),
    "phrases": Option(list, [], "literal phrases (lower case unless case-sensitive)", items=str),
    "regex": Option(
        list, [], "regular expressions, Python syntax (lower case unless case-sensitive)", items=str, regex=True
    ),
    "case-sensitive": Option(bool, False, "match the original text instead of its lower-cased form"),
    "whole-words": Option(bool, True, "a phrase must not start or end inside a word"),
    "message": Option(str, "banned pattern", "what the violation calls a match"),
    "skip-code": Option(bool, False, "ignore matches inside code: fenced blocks, `inline`, and texts that are code"),
    "skip-quoted": Option(bool, False, "ignore matches inside a quoted string on their line"),
    "unless-prompt": Option(
        list,
        [],
        "regexes (lower case): skip a text whose prompt (the instruction and input texts before it; "
        "the text itself when it is not a response) matches one",
        items=str,
        regex=True,
    ),
    "unless-text": Option(list, [], "regexes (lower case): skip a text that matches one", items=str, regex=True),
    "unless-tools": Option(bool, False, "skip records that declare tools or hold tool calls"),
    "unless-undesirable": Option(bool, False, "skip records labelled undesirable (`label: false`, as KTO data)"),
    "unless-candidates": Option(
        bool,
        False,
        "skip the candidate answers of a comparison record (a prompt with several models' completions): "
        "they are outputs under evaluation, not the dataset's own answers",
    ),
}
MAX_QUOTE = 60
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.S)


# A regex gate holds at most this many characters; more would cost as much as the regex itself.
MAX_GATE_CHARACTERS = 8


# Up to this many phrases are first looked for with `in` (a fast C search each): cheaper than a
# pass of the automaton, which then runs only on the texts that hold one.
MAX_LISTED_PHRASES = 4


@dataclass(frozen=True, slots=True)
class Search:
    """One regex of a rule, run only on texts that hold one of its needles."""

    regex: re.Pattern[str]
    needles: tuple[str, ...] | None  # every match starts with one of these (None: unknown)
    anchored: bool  # every match starts at position 0: one `match` instead of a scan


@dataclass(frozen=True, slots=True)
class Compiled:
    fields: frozenset[str]
    automaton: Any  # an ahocorasick.Automaton of the phrases and the searches' needles, or None
    has_phrases: bool
    phrase_gate: frozenset[str] | None  # the first characters of the phrases, when they are few
    phrase_list: tuple[str, ...] | None  # the phrases themselves, when they are few
    searches: tuple[Search, ...]  # the regexes, each with its own needles
    has_needles: bool  # some search has needles: the automaton tells which searches to run
    unneedled: tuple[int, ...]  # indexes of the searches without needles: run on every text
    gate: tuple[str, ...] | None  # every match of the rule holds one of these (None: no such test)
    on_lower: bool
    whole_words: bool
    skip_code: bool
    skip_quoted: bool
    unless_prompt: re.Pattern[str] | None
    unless_text: re.Pattern[str] | None
    unless_tools: bool
    unless_undesirable: bool
    unless_candidates: bool


def check_options(options: dict[str, Any]) -> None:
    if not options["phrases"] and not options["regex"]:
        raise ValueError("a pattern rule needs `phrases` or `regex`")
    for key in ("unless-prompt", "unless-text"):
        _alternation(options[key], key)  # each regex compiles; joined, they must too


def prepare(options: dict[str, Any]) -> Compiled:
    on_lower = not options["case-sensitive"]
    phrase_gate = phrase_list = None
    keys: set[str] = set()
    if options["phrases"]:
        keys = {normalise(phrase) if on_lower else phrase for phrase in options["phrases"]}
        # `<` in a text is cheaper to test than a pass of the automaton (P004, P007 phrases all start so)
        first = {key[0] for key in keys if key}
        phrase_gate = frozenset(first) if len(first) <= MAX_GATE_CHARACTERS and "" not in keys else None
        phrase_list = tuple(sorted(keys)) if len(keys) <= MAX_LISTED_PHRASES and "" not in keys else None
    searches = tuple(compile_search(pattern) for pattern in options["regex"])
    automaton = build_automaton(keys, searches)
    return Compiled(
        frozenset(options["fields"]),
        automaton,
        bool(keys),
        phrase_gate,
        phrase_list,
        searches,
        any(search.needles is not None for search in searches),
        tuple(index for index, search in enumerate(searches) if search.needles is None),
        rule_gate(bool(keys), phrase_gate, phrase_list, searches),
        on_lower,
        options["whole-words"],
        options["skip-code"],
        options["skip-quoted"],
        _alternation(options["unless-prompt"], "unless-prompt"),
        _alternation(options["unless-text"], "unless-text"),
        options["unless-tools"],
        options["unless-undesirable"],
        options["unless-candidates"],
    )


def compile_search(pattern: str) -> Search:
    """A regex of the `regex` option with its needles: its literal prefixes, else its first characters."""
    regex = re.compile(pattern)
    prefixes = literal_prefixes(regex)
    if prefixes is None:
        first = first_characters(regex)
        prefixes = tuple(sorted(first)) if first is not None else None
    return Search(regex, prefixes, anchored_at_start(regex))


def build_automaton(phrases: set[str], searches: tuple[Search, ...]) -> Any:
    """One Aho-Corasick automaton per rule over its phrases and its searches' needles: one pass
    over a text finds the phrases and tells which regexes can match there (P001 has 15 regexes
    and ~100 needles: `in` tests or a pass per regex would cost more). A key maps to (its length
    when it is a phrase, else None; the indexes of the searches it opens)."""
    entries: dict[str, tuple[int | None, tuple[int, ...]]] = {key: (len(key), ()) for key in phrases}
    for index, search in enumerate(searches):
        for needle in search.needles or ():
            length, owners = entries.get(needle, (None, ()))
            entries[needle] = (length, (*owners, index))
    if not entries:
        return None
    automaton = ahocorasick.Automaton()
    for key, value in entries.items():
        automaton.add_word(key, value)
    automaton.make_automaton()
    return automaton


def _alternation(patterns: list[str], option: str) -> re.Pattern[str] | None:
    if not patterns:
        return None
    try:
        return re.compile("|".join(f"(?:{r})" for r in patterns))
    except re.error as error:
        raise ValueError(f"invalid regex in `{option}`: {error}") from error


def rule_gate(
    has_phrases: bool,
    phrase_gate: frozenset[str] | None,
    phrase_list: tuple[str, ...] | None,
    searches: tuple[Search, ...],
) -> tuple[str, ...] | None:
    """Substrings one of which every match of the rule holds, phrase or regex; None when a part has no gate.

    Why: one loop of `in` tests per text skips the texts where the rule cannot match (nearly all)
    before any other work; `first_match` then applies each part's own gate."""
    needles: set[str] = set()
    if has_phrases:
        if phrase_list is not None:  # the phrases themselves: more selective than their first characters
            needles.update(phrase_list)
        elif phrase_gate is not None:
            needles.update(phrase_gate)
        else:
            return None
    for search in searches:
        if search.needles is None:
            return None
        needles.update(search.needles)
    # a needle that holds another needle adds nothing to the test ("[insert" holds "[")
    needles = {needle for needle in needles if not any(other != needle and other in needle for other in needles)}
    if len(needles) > MAX_RULE_NEEDLES:  # more `in` tests than a text is worth: their first characters, or none
        needles = {needle[0] for needle in needles}
        if len(needles) > MAX_GATE_CHARACTERS:
            return None
    return tuple(sorted(needles))


# A literal prefix longer than this adds little selectivity; more prefixes than this per regex
# cost more `in` tests than they save.
MAX_PREFIX = 12
MAX_PREFIXES = 32
MAX_RULE_NEEDLES = 16


def literal_prefixes(regex: re.Pattern[str]) -> tuple[str, ...] | None:
    """The literal strings every match of `regex` starts with (zero-width checks such as `\\b` or a
    lookbehind skipped), when there are few and none is empty; else None. Read from re's parse
    tree like `first_characters`; anything unexpected there means no prefixes, never wrong ones."""
    try:
        tree = parser.parse(regex.pattern, regex.flags)
        if tree.state.flags & re.IGNORECASE:
            return None
        starts = _literal_starts(list(tree))
    except Exception:  # a newer re may parse differently: then the regex has no prefixes
        return None
    if starts is None or any(not text for text, _ in starts):
        return None
    return tuple(sorted({text[:MAX_PREFIX] for text, _ in starts}))


def _literal_starts(items: list) -> list[tuple[str, bool]] | None:
    """(text, open) pairs: a match of `items` starts with one of the texts; an open text may go on
    with what follows it. None when a part cannot be read."""
    constants = parser
    starts = [("", True)]
    for op, value in items:
        if not any(is_open for _, is_open in starts):
            break
        if op in (constants.AT, constants.ASSERT, constants.ASSERT_NOT):
            continue  # zero width: consumes nothing
        if op is constants.LITERAL:
            parts = [(chr(value), True)]
        elif op is constants.IN and value and all(kind is constants.LITERAL for kind, _ in value):
            parts = [(chr(item), True) for _, item in value]
        elif op is constants.BRANCH:
            parts = []
            for branch in value[1]:
                found = _literal_starts(list(branch))
                if found is None:
                    return None
                parts.extend(found)
        elif op is constants.SUBPATTERN and not value[1] and not value[2]:
            parts = _literal_starts(list(value[3]))
            if parts is None:
                return None
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and value[0] >= 1:
            body = _literal_starts(list(value[2]))
            if body is None:
                return None
            parts = [(text, False) for text, _ in body]  # where the repeat ends is not known
        else:
            parts = [("", False)]  # an optional part, a class, a group with flags: the literal text ends here
        grown = []
        for text, is_open in starts:
            if is_open:
                grown.extend((text + part, part_open) for part, part_open in parts)
            else:
                grown.append((text, False))
        grown = list(dict.fromkeys(grown))
        if len(grown) > MAX_PREFIXES:  # too many to test: the texts so far are prefixes enough
            return [(text, False) for text, _ in starts]
        starts = grown
    return starts


def first_characters(regex: re.Pattern[str]) -> frozenset[str] | None:
    """The characters every match of `regex` starts with, when there are few; else None.

    Why: re tries the pattern at every position of the text, about 5 µs per 100 characters even
    for a pattern starting with `\\[`, while a few `in` tests take a fraction of that. So when
    no first character occurs in a text, the regex is not run. Read from re's own parse tree
    (re._parser, a private module); anything unexpected there means no gate, never a wrong one.
    """
    try:
        tree = parser.parse(regex.pattern, regex.flags)
        if tree.state.flags & re.IGNORECASE:
            return None
        found = _first_of(list(tree))
    except Exception:  # a newer re may parse differently: then there is no gate
        return None
    return frozenset(found) if found and len(found) <= MAX_GATE_CHARACTERS else None


def anchored_at_start(regex: re.Pattern[str]) -> bool:
    """True when every match of `regex` starts at the start of the text (`^` or `\\A` leads every
    branch, without MULTILINE). Then `finditer` finds at most the one match `match` finds: after
    it, `^` fails at every later position. Read from re's parse tree, as `first_characters`."""
    try:
        tree = parser.parse(regex.pattern, regex.flags)
        if tree.state.flags & re.MULTILINE:
            return False
        return _starts_anchored(list(tree))
    except Exception:  # a newer re may parse differently: then the regex scans as usual
        return False


def _starts_anchored(items: list) -> bool:
    constants = parser
    if not items:
        return False
    op, value = items[0]
    if op is constants.AT:
        return value in (constants.AT_BEGINNING, constants.AT_BEGINNING_STRING)
    if op is constants.BRANCH:
        return all(_starts_anchored(list(branch) + items[1:]) for branch in value[1])
    if op is constants.SUBPATTERN:
        group, add_flags, del_flags, pattern = value
        return not add_flags and not del_flags and _starts_anchored(list(pattern) + items[1:])
    return False


def _first_of(items: list) -> set[str] | None:
    """First characters of a sequence of parsed items, or None when any position could start a match."""
    constants = parser  # re._parser re-exports the opcodes of re._constants
    for index, (op, value) in enumerate(items):
        if op is constants.AT:  # ^, \\b ...: zero width, the next item starts the match
            continue
        if op is constants.LITERAL:
            return {chr(value)}
        if op is constants.IN:
            found: set[str] = set()
            for kind, item in value:
                if kind is constants.LITERAL:
                    found.add(chr(item))
                elif kind is constants.RANGE and item[1] - item[0] < MAX_GATE_CHARACTERS:
                    found.update(chr(code) for code in range(item[0], item[1] + 1))
                else:  # a category (\\w), a negation, a wide range
                    return None
            return found
        if op is constants.BRANCH:
            found = set()
            for branch in value[1]:
                first = _first_of(list(branch) + items[index + 1 :])
                if first is None:
                    return None
                found |= first
            return found
        if op is constants.SUBPATTERN:
            group, add_flags, del_flags, pattern = value
            if add_flags or del_flags:
                return None
            return _first_of(list(pattern) + items[index + 1 :])
        if op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT) and value[0] >= 1:
            return _first_of(list(value[2]))
        return None  # optional parts, lookarounds, backreferences: anything may come first
    return None  # an empty pattern matches everywhere


def normalise(text: str) -> str:
    """Lower case with curly apostrophes straightened; same length as the input for almost all text."""
    return text.lower().replace("\u2019", "'")


def check_record(rule, record: Record) -> list[Finding] | tuple[()]:
    # A list (or an empty tuple) rather than a generator: nearly every call finds nothing.
    compiled: Compiled = rule.state
    found = None
    gate, on_lower = compiled.gate, compiled.on_lower
    for field in record.texts_of(compiled.fields):
        text = field.text
        if not on_lower:
            hay = text
        elif text.isascii():  # no curly apostrophe, and lower() keeps the length (isascii is O(1))
            hay = field.lower
        else:
            hay = haystack(record, field)
        if gate is not None:
            for needle in gate:  # a plain loop: any() over a generator costs more than the `in` tests
                if needle in hay:
                    break
            else:
                continue
        span = first_match(compiled, field, hay)
        if span is not None and not _asked_for(compiled, record, field):
            quote = text[span[0] : span[1]]
            if len(quote) > MAX_QUOTE:
                quote = quote[: MAX_QUOTE - 1] + "…"
            if found is None:
                found = []
            found.append(Finding(f"{rule.options['message']}: {quote!r} in {field.field}", field.pointer, span))
    return found or ()


def _asked_for(compiled: Compiled, record: Record, field: Text) -> bool:
    """True when the record's context says the match is what the task wanted (see the module doc)."""
    if compiled.unless_undesirable and record.data.get("label") is False:
        return True
    if compiled.unless_tools and declares_tools(record):
        return True
    if compiled.unless_candidates and record.format == "completions" and field.field == "response":
        return True
    if compiled.unless_text is not None and compiled.unless_text.search(normalise(field.text)):
        return True
    return compiled.unless_prompt is not None and compiled.unless_prompt.search(prompt_of(record, field)) is not None


def declares_tools(record: Record) -> bool:
    """The record offers tools (a `tools` or `functions` list) or holds a tool call or result."""
    data = record.data
    if data.get("tools") or data.get("functions"):
        return True
    return any(turn.role == "tool" or turn.calls_tool for turn in record.turns)


# The system prompt is left out: it mostly defines the assistant ("You are an AI assistant"), which
# would pass for a role to play and excuse every disclaimer of the record.
PROMPT_FIELDS = frozenset({"instruction", "input"})


def prompt_of(record: Record, field: Text) -> str:
    """What `field` answers, normalised: the instruction and input texts before it (all earlier
    turns, since a role or a dialogue is often set up in the first); for a text that is not a
    response, the text itself too (an instruction is its own task)."""
    parts = []
    tree = record.format == "oasst"
    for text in record.texts:
        if text is field:
            break
        if text.field in PROMPT_FIELDS and (not tree or _answers_path(text.pointer, field.pointer)):
            parts.append(text.text)
    if field.field != "response":
        parts.append(field.text)
    return normalise("\n".join(parts))


def _answers_path(earlier: str, pointer: str) -> bool:
    """In a message tree, whether the message at `earlier` is an ancestor of the one at `pointer`:
    the earlier branches of the tree are other conversations, not this answer's history."""
    node = earlier.rsplit("/", 1)[0]  # /prompt/replies/0/text -> /prompt/replies/0
    return pointer.startswith(node + "/replies/")


def haystack(record: Record, field: Text) -> str:
    """The normalised text the case-insensitive rules search, made once per text for all of them."""
    text = field.text
    if text.isascii():
        return field.lower
    key = ("pattern-haystack", field.pointer)
    found = record.derived.get(key)
    if found is None:
        lowered = field.lower.replace("\u2019", "'") if "\u2019" in text else field.lower
        # lower() changes the length of a few characters (İ); then offsets would drift, so keep the original.
        found = record.derived[key] = lowered if len(lowered) == len(text) else text
    return found


def first_match(compiled: Compiled, field: Text, haystack: str) -> tuple[int, int] | None:
    spans = []
    wanted = set(compiled.unneedled)
    if compiled.automaton is not None and (compiled.has_needles or _may_hold_a_phrase(compiled, haystack)):
        for end, (length, owners) in compiled.automaton.iter(haystack):
            if length is not None:
                start = end + 1 - length
                if not compiled.whole_words or _at_word_edges(haystack, start, end + 1):
                    spans.append((start, end + 1))
            wanted.update(owners)
    for index in sorted(wanted):
        search = compiled.searches[index]
        if search.anchored:
            match = search.regex.match(haystack)
            if match is not None:
                spans.append(match.span())
        else:
            spans.extend(match.span() for match in search.regex.finditer(haystack))
    if not spans:
        return None
    text = field.text
    if compiled.skip_code:
        if looks_like_code(text):
            return None
        if "`" in text:
            code = [match.span() for match in _CODE.finditer(text)]
            spans = [span for span in spans if not any(start <= span[0] < end for start, end in code)]
    if compiled.skip_quoted:
        spans = [span for span in spans if not inside_quotes(text, *span)]
    span = min(spans, default=None)
    if span is not None:  # a regex may take the newline that opens a line (P008): point at the line
        start, end = span
        while start < end - 1 and haystack[start].isspace():
            start += 1
        span = (start, end)
    return span


# A line that ends or starts like source code (not prose): a statement end, a brace, a tag, a keyword.
_CODE_LINE = re.compile(
    r"(?:[;{}]|=>|\):)\s*$"
    r"|^\s*(?:</?[a-zA-Z][\w-]*(?:\s[^>]*)?/?>(?!:)|\{%|#include\b|//|\}"
    r"|(?:def|class|fn|func|function)\s+\w+\s*[(:{<]|from\s+[\w.]+\s+import\b|import\s+[\w.]+\s*$"
    r"|(?:const|let|var)\s+\w+\s*=|(?:public|private|static|void)\s|(?:for|while|if|elif|catch)\s*\("
    r"|(?:else|try)\s*[:{]|return\b.*;\s*$)"
)
CODE_SHARE = 0.4


def looks_like_code(text: str) -> bool:
    """A text (of 3+ lines) most of whose lines look like source code: a code answer without
    markdown fences, where template syntax, TODOs and sample strings are the code's own."""
    if text.count("\n") < 2:
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 3:
        return False
    code = sum(1 for line in lines if _CODE_LINE.search(line))
    return code >= CODE_SHARE * len(lines)


def inside_quotes(text: str, start: int, end: int) -> bool:
    """The span sits inside a quoted string on its line ("...", '...', “...”): a string literal
    or a quotation, not the text's own words. A quote that opens the whole text does not count
    (some datasets wrap every answer in quotes)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    before, after = text[line_start:start], text[end : len(text) if line_end < 0 else line_end]
    opening = None
    if before.count('"') % 2 and '"' in after:
        opening = before.rfind('"')
    elif before.rfind("\u201c") > before.rfind("\u201d") and "\u201d" in after:
        opening = before.rfind("\u201c")
    else:
        singles = [i for i, char in enumerate(before) if char == "'" and not _is_apostrophe(before, i)]
        if len(singles) % 2 and any(char == "'" and not _is_apostrophe(after, i) for i, char in enumerate(after)):
            opening = singles[-1]
    return opening is not None and text[: line_start + opening].strip() != ""


def _is_apostrophe(text: str, index: int) -> bool:
    """A ' between two letters (don't, O'Neil) is an apostrophe, not a quote."""
    return 0 < index < len(text) - 1 and text[index - 1].isalpha() and text[index + 1].isalpha()


def _may_hold_a_phrase(compiled: Compiled, haystack: str) -> bool:
    if compiled.phrase_gate is not None and not _contains_any(haystack, compiled.phrase_gate):
        return False
    if compiled.phrase_list is not None:
        for phrase in compiled.phrase_list:
            if phrase in haystack:
                return True
        return False
    return True


def _contains_any(text: str, characters: frozenset[str]) -> bool:
    for character in characters:
        if character in text:
            return True
    return False


def _at_word_edges(text: str, start: int, end: int) -> bool:
    before = start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_") or not _is_word(text[start])
    after = end == len(text) or not (text[end].isalnum() or text[end] == "_") or not _is_word(text[end - 1])
    return before and after


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def fix(rule, violation: Violation, context) -> Fix | None:
    """Remove phrases (e.g. special tokens) standing at the very end of a response, and any
    whitespace after them. Only literal phrases are removed, only in response fields."""
    from datalint.fix import keep_string_part

    record = context.record(violation.line)
    if record is None or not rule.options["phrases"]:
        return None
    field = next((t for t in record.texts if t.pointer == violation.pointer and t.field == "response"), None)
    if field is None:
        return None
    compiled: Compiled = rule.state
    phrases = [normalise(p) if compiled.on_lower else p for p in rule.options["phrases"]]
    kept = field.text
    while True:
        stripped = kept.rstrip()
        haystack = normalise(stripped) if compiled.on_lower else stripped
        phrase = next((p for p in phrases if p and haystack.endswith(p)), None)
        if phrase is None or len(haystack) != len(stripped):
            break
        kept = stripped[: len(stripped) - len(phrase)]
    if kept == field.text or not kept.strip():
        return None  # a response that is only the token stays flagged: emptying it would be a new problem
    edits = keep_string_part(context.text(violation.line), violation.line, violation.pointer, 0, len(kept))
    return Fix(rule.fix, tuple(edits)) if edits else None
