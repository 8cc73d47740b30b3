"""Banned patterns: phrase lists and regular expressions searched in chosen text fields.

Phrases go into one Aho-Corasick automaton per rule (pyahocorasick): one scan of the text finds
every phrase, about 50x faster than a Python regex alternation (FACTS.md). Unless the rule is
case-sensitive, phrases and regexes are matched against the lower-cased text (with curly
apostrophes straightened), so write them in lower case. The first match per field is reported.

Most texts hold no match, so each text is first tested with a few `in` tests (the rule's
phrases when few, else their first characters, and the characters a regex match can start
with, read from the regex); the automaton and the regex run only on the texts that pass.
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
    "fields": Option(list, ["response"], f"text fields to search: {', '.join(TEXT_FIELDS)}, or all"),
    "phrases": Option(list, [], "literal phrases (lower case unless case-sensitive)"),
    "regex": Option(list, [], "regular expressions, Python syntax (lower case unless case-sensitive)"),
    "case-sensitive": Option(bool, False, "match the original text instead of its lower-cased form"),
    "whole-words": Option(bool, True, "a phrase must not start or end inside a word"),
    "message": Option(str, "banned pattern", "what the violation calls a match"),
    "skip-code": Option(bool, False, "ignore matches inside code: fenced blocks, `inline`, and texts that are code"),
    "skip-quoted": Option(bool, False, "ignore matches inside a quoted string on their line"),
    "unless-prompt": Option(
        list,
        [],
        "regexes (lower case): skip a text whose prompt (system, instruction and input before it; "
        "the text itself when it is not a response) matches one",
    ),
    "unless-text": Option(list, [], "regexes (lower case): skip a text that matches one"),
    "unless-tools": Option(bool, False, "skip records that declare tools or hold tool calls"),
    "unless-undesirable": Option(bool, False, "skip records labelled undesirable (`label: false`, as KTO data)"),
}
MAX_QUOTE = 60
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.S)


# A regex gate holds at most this many characters; more would cost as much as the regex itself.
MAX_GATE_CHARACTERS = 8


# Up to this many phrases are first looked for with `in` (a fast C search each): cheaper than a
# pass of the automaton, which then runs only on the texts that hold one.
MAX_LISTED_PHRASES = 4


@dataclass(frozen=True, slots=True)
class Compiled:
    fields: frozenset[str]
    phrases: Any  # an ahocorasick.Automaton, or None
    phrase_gate: frozenset[str] | None  # the first characters of the phrases, when they are few
    phrase_list: tuple[str, ...] | None  # the phrases themselves, when they are few
    regex: re.Pattern[str] | None
    regex_gate: frozenset[str] | None  # a regex match starts with one of these characters (None: unknown)
    regex_anchored: bool  # every regex match starts at position 0: one `match` instead of a scan
    gate: tuple[str, ...] | None  # every match of the rule holds one of these (None: no such test)
    on_lower: bool
    whole_words: bool
    skip_code: bool
    skip_quoted: bool
    unless_prompt: re.Pattern[str] | None
    unless_text: re.Pattern[str] | None
    unless_tools: bool
    unless_undesirable: bool


def prepare(options: dict[str, Any]) -> Compiled:
    unknown = set(options["fields"]) - {*TEXT_FIELDS, "all"}
    if unknown:
        raise ValueError(f"unknown field {sorted(unknown)[0]!r} in `fields` (fields: {', '.join(TEXT_FIELDS)}, all)")
    if not options["phrases"] and not options["regex"]:
        raise ValueError("a pattern rule needs `phrases` or `regex`")
    on_lower = not options["case-sensitive"]
    automaton = phrase_gate = phrase_list = None
    if options["phrases"]:
        automaton = ahocorasick.Automaton()
        keys = {normalise(phrase) if on_lower else phrase for phrase in options["phrases"]}
        for key in keys:
            automaton.add_word(key, len(key))
        automaton.make_automaton()
        # `<` in a text is cheaper to test than a pass of the automaton (P004, P007 phrases all start so)
        first = {key[0] for key in keys if key}
        phrase_gate = frozenset(first) if len(first) <= MAX_GATE_CHARACTERS and "" not in keys else None
        phrase_list = tuple(sorted(keys)) if len(keys) <= MAX_LISTED_PHRASES and "" not in keys else None
    regex = regex_gate = None
    if options["regex"]:
        try:
            regex = re.compile("|".join(f"(?:{r})" for r in options["regex"]))
        except re.error as error:
            raise ValueError(f"invalid regex in `regex`: {error}") from error
        regex_gate = first_characters(regex)
    return Compiled(
        frozenset(options["fields"]),
        automaton,
        phrase_gate,
        phrase_list,
        regex,
        regex_gate,
        regex is not None and anchored_at_start(regex),
        rule_gate(automaton is not None, phrase_gate, phrase_list, regex is not None, regex_gate),
        on_lower,
        options["whole-words"],
        options["skip-code"],
        options["skip-quoted"],
        _alternation(options["unless-prompt"], "unless-prompt"),
        _alternation(options["unless-text"], "unless-text"),
        options["unless-tools"],
        options["unless-undesirable"],
    )


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
    has_regex: bool,
    regex_gate: frozenset[str] | None,
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
    if has_regex:
        if regex_gate is None:
            return None
        needles.update(regex_gate)
    return tuple(sorted(needles))


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
    if compiled.unless_text is not None and compiled.unless_text.search(normalise(field.text)):
        return True
    return compiled.unless_prompt is not None and compiled.unless_prompt.search(prompt_of(record, field)) is not None


def declares_tools(record: Record) -> bool:
    """The record offers tools (a `tools` or `functions` list) or holds a tool call or result."""
    data = record.data
    if data.get("tools") or data.get("functions"):
        return True
    return any(turn.role == "tool" or turn.calls_tool for turn in record.turns)


PROMPT_FIELDS = frozenset({"system", "instruction", "input"})


def prompt_of(record: Record, field: Text) -> str:
    """What `field` answers, normalised: the system, instruction and input texts before it (all
    earlier turns, since a role or a dialogue is often set up in the first); for a text that is
    not a response, the text itself too (an instruction is its own task)."""
    parts = []
    for text in record.texts:
        if text is field:
            break
        if text.field in PROMPT_FIELDS:
            parts.append(text.text)
    if field.field != "response":
        parts.append(field.text)
    return normalise("\n".join(parts))


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
    if compiled.phrases is not None and _may_hold_a_phrase(compiled, haystack):
        for end, length in compiled.phrases.iter(haystack):
            start = end + 1 - length
            if not compiled.whole_words or _at_word_edges(haystack, start, end + 1):
                spans.append((start, end + 1))
    if compiled.regex is not None and (compiled.regex_gate is None or _contains_any(haystack, compiled.regex_gate)):
        if compiled.regex_anchored:
            match = compiled.regex.match(haystack)
            if match is not None:
                spans.append(match.span())
        else:
            spans.extend(match.span() for match in compiled.regex.finditer(haystack))
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
    return min(spans, default=None)


# A line that ends or starts like source code (not prose): a statement end, a brace, a tag, a keyword.
_CODE_LINE = re.compile(
    r"(?:[;{}]|=>|\):)\s*$"
    r"|^\s*(?:</?[a-zA-Z][\w-]*[\s>/]|\{%|#include\b|//|\}"
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
