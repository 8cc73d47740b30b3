"""Banned patterns: phrase lists and regular expressions searched in chosen text fields.

The kind checks all its rules at once (`prepare_set`, `check_record_set`): one Aho-Corasick
automaton (pyahocorasick) holds every rule's phrases and every regex's needles (the literal
strings its matches start with, declared beside it), so one pass over a text tells which rules'
phrases and which regexes can match there; only those run. Regexes without needles (a user's
rules, unless they declare them) are tried first as one alternation. Unless a rule is
case-sensitive, phrases, needles and regexes are matched against the lower-cased text (with
curly apostrophes straightened), so write them in lower case. The first match per field is
reported. The built-in rules' needles are written by tools/needles.py and checked by the tests
against matches generated from each regex.

A match is reported unless its context says it is what the task asked for: the `unless-*`
options skip a text whose prompt asks for it (a dialogue, a template, a role to play), a record
that declares tools (declining a request no tool serves is what such data teaches), or a record
labelled undesirable (a KTO negative example); `skip-code` and `skip-quoted` skip matches inside
code and quoted strings. These tests run only on the rare texts that match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import ahocorasick

from datalint.checks import Option, fields_option
from datalint.records import Record, Text
from datalint.violation import Finding, Fix, Violation

OPTIONS = {
    "fields": fields_option(["response"], "text fields to search"),
    "phrases": Option(list, [], "literal phrases (lower case unless case-sensitive)", items=str),
    "needles": Option(
        list,
        [],
        "per regex, literal strings one of which every match starts with (lower case unless case-sensitive): "
        "a text holding none skips that regex; [] or no list: the regex runs on every text "
        "(tools/needles.py writes them for the built-in rules)",
    ),
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


@dataclass(frozen=True, slots=True)
class Compiled:
    """One rule, ready to find its first match in a text the rule set's scan picked for it."""

    fields: frozenset[str]
    phrases: tuple[str, ...]  # as matched: lower case unless case-sensitive
    regexes: tuple[re.Pattern[str], ...]
    needles: tuple[tuple[str, ...], ...]  # per regex: every match starts with one of these (empty: unknown)
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
    needles = options["needles"]
    if needles and (
        len(needles) != len(options["regex"])
        or not all(isinstance(item, list) and all(isinstance(n, str) and n for n in item) for item in needles)
    ):
        raise ValueError("`needles` holds one list of non-empty strings per regex of `regex`")
    for key in ("unless-prompt", "unless-text"):
        _alternation(options[key], key)  # each regex compiles; joined, they must too


def prepare(options: dict[str, Any]) -> Compiled:
    on_lower = not options["case-sensitive"]
    phrases = {fold_for_matching(phrase) if on_lower else phrase for phrase in options["phrases"]}
    return Compiled(
        frozenset(options["fields"]),
        tuple(sorted(phrase for phrase in phrases if phrase)),
        tuple(re.compile(pattern) for pattern in options["regex"]),
        tuple(tuple(needles) for needles in options["needles"]) or tuple(() for _ in options["regex"]),
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


@dataclass(frozen=True, slots=True)
class Scan:
    """One pass over a text for a whole rule set: which rules' phrases and regexes may match there."""

    automaton: Any  # Aho-Corasick: a phrase or a needle -> the (rule, regex) pairs it stands for
    unneedled: re.Pattern[str] | None  # the regexes without needles as one alternation
    unneedled_pairs: tuple[tuple[int, int], ...]  # their (rule, regex) pairs: all run when it matches


# A phrase stands for its rule's phrases: (rule, PHRASES) in the automaton.
PHRASES = -1


@dataclass(frozen=True, slots=True)
class PatternSet:
    """Every selected pattern rule of a plan: one scan over the lower-cased texts (the usual case),
    one over the original texts (case-sensitive rules), then each candidate rule on its own."""

    rules: tuple[Compiled, ...]
    messages: tuple[str, ...]  # what each rule calls a match
    fields: frozenset[str]  # every field some rule reads
    lower: Scan
    exact: Scan


def prepare_set(rules: list) -> PatternSet:
    """The rule set's scans, built from its prepared rules (user rules included)."""
    compiled = tuple(rule.state for rule in rules)
    return PatternSet(
        compiled,
        tuple(rule.options["message"] for rule in rules),
        frozenset().union(*(rule.fields for rule in compiled)),
        _scan(compiled, on_lower=True),
        _scan(compiled, on_lower=False),
    )


def _scan(rules: tuple[Compiled, ...], on_lower: bool) -> Scan:
    owners: dict[str, set[tuple[int, int]]] = {}
    unneedled: list[tuple[int, int]] = []
    for position, rule in enumerate(rules):
        if rule.on_lower != on_lower:
            continue
        for phrase in rule.phrases:
            owners.setdefault(phrase, set()).add((position, PHRASES))
        for index, needles in enumerate(rule.needles):
            if not needles:
                unneedled.append((position, index))
            for needle in needles:
                owners.setdefault(needle, set()).add((position, index))
    automaton = None
    if owners:
        automaton = ahocorasick.Automaton()
        for key, pairs in owners.items():
            automaton.add_word(key, tuple(sorted(pairs)))
        automaton.make_automaton()
    return Scan(automaton, _alternation_of(rules, unneedled), tuple(unneedled))


def _alternation_of(rules: tuple[Compiled, ...], pairs: list[tuple[int, int]]) -> re.Pattern[str] | None:
    """The regexes without needles (a user's rules, mostly) as one alternation: one search per text
    tells whether any may match. None when there are none, or when one cannot join (a backreference
    would name another regex's group; inline global flags): then `_candidates` runs them all."""
    patterns = [rules[position].regexes[index].pattern for position, index in pairs]
    if not patterns or any(_BACKREFERENCE.search(pattern) for pattern in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    except re.error:
        return None


_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def _alternation(patterns: list[str], option: str) -> re.Pattern[str] | None:
    if not patterns:
        return None
    try:
        return re.compile("|".join(f"(?:{r})" for r in patterns))
    except re.error as error:
        raise ValueError(f"invalid regex in `{option}`: {error}") from error


def fold_for_matching(text: str) -> str:
    """Lower case with curly apostrophes straightened; same length as the input for almost all text."""
    # Not shingles.normalize (duplicates): no NFKC, no whitespace folding, so a match's offsets stay the text's.
    return text.lower().replace("\u2019", "'")


def check_record_set(patterns: PatternSet, record: Record) -> list[tuple[int, Finding]] | tuple[()]:
    """(position of the rule in the set, its finding) for each rule that matches a text of the
    record: each text is scanned once for all the rules; only what the scan names runs."""
    found = None
    for field in record.texts_of(patterns.fields):
        text = field.text
        lower = haystack(field)
        candidates = _candidates(patterns.lower, lower)
        if patterns.exact.automaton is not None or patterns.exact.unneedled_pairs:
            for position, parts in _candidates(patterns.exact, text).items():
                candidates.setdefault(position, set()).update(parts)
        for position in sorted(candidates):
            rule = patterns.rules[position]
            if field.field not in rule.fields and "all" not in rule.fields:
                continue
            span = first_match(rule, field, lower if rule.on_lower else text, candidates[position])
            if span is not None and not _asked_for(rule, record, field):
                quote = text[span[0] : span[1]]
                if len(quote) > MAX_QUOTE:
                    quote = quote[: MAX_QUOTE - 1] + "…"
                message = f"{patterns.messages[position]}: {quote!r} in {field.field}"
                if found is None:
                    found = []
                found.append((position, Finding(message, field.pointer, span)))
    return found or ()


def _candidates(scan: Scan, text: str) -> dict[int, set[int]]:
    """Rule position -> the parts of it that may match the text: PHRASES and regex indices."""
    found: dict[int, set[int]] = {}
    if scan.automaton is not None:
        for _, pairs in scan.automaton.iter(text):
            for position, part in pairs:
                found.setdefault(position, set()).add(part)
    if scan.unneedled_pairs and (scan.unneedled is None or scan.unneedled.search(text) is not None):
        for position, index in scan.unneedled_pairs:
            found.setdefault(position, set()).add(index)
    return found


def _asked_for(compiled: Compiled, record: Record, field: Text) -> bool:
    """True when the record's context says the match is what the task wanted (see the module doc)."""
    if compiled.unless_undesirable and record.data.get("label") is False:
        return True
    if compiled.unless_tools and declares_tools(record):
        return True
    if compiled.unless_candidates and record.format == "completions" and field.field == "response":
        return True
    if compiled.unless_text is not None and compiled.unless_text.search(fold_for_matching(field.text)):
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
    return fold_for_matching("\n".join(parts))


def _answers_path(earlier: str, pointer: str) -> bool:
    """In a message tree, whether the message at `earlier` is an ancestor of the one at `pointer`:
    the earlier branches of the tree are other conversations, not this answer's history."""
    node = earlier.rsplit("/", 1)[0]  # /prompt/replies/0/text -> /prompt/replies/0
    return pointer.startswith(node + "/replies/")


def haystack(field: Text) -> str:
    """The normalised text the case-insensitive rules search: lower case, curly apostrophes straight."""
    text = field.text
    if text.isascii():
        return field.lower
    lowered = field.lower.replace("\u2019", "'") if "\u2019" in text else field.lower
    # lower() changes the length of a few characters (İ); then offsets would drift, so keep the original.
    return lowered if len(lowered) == len(text) else text


def first_match(compiled: Compiled, field: Text, haystack: str, parts: set[int]) -> tuple[int, int] | None:
    """The rule's first match in the text among `parts` (PHRASES, regex indices: what the scan saw),
    phrases as whole words unless told otherwise, outside code and quotes when the rule says so."""
    spans = []
    if PHRASES in parts:
        for phrase in compiled.phrases:
            start = haystack.find(phrase)
            while start >= 0:
                end = start + len(phrase)
                if not compiled.whole_words or _at_word_edges(haystack, start, end):
                    spans.append((start, end))
                start = haystack.find(phrase, start + 1)
    for index in sorted(parts - {PHRASES}):
        spans.extend(match.span() for match in compiled.regexes[index].finditer(haystack))
    if not spans:
        return None
    text = field.text
    if compiled.skip_code:
        if mostly_code(text):
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


def mostly_code(text: str) -> bool:
    """A text (of 3+ lines) most of whose lines look like source code: a code answer without
    markdown fences, where template syntax, TODOs and sample strings are the code's own."""
    # Stricter than consistency_features.looks_like_code (any one code line): the prose around a
    # snippet is still checked.
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
    phrases = [fold_for_matching(p) if compiled.on_lower else p for p in rule.options["phrases"]]
    kept = field.text
    while True:
        stripped = kept.rstrip()
        haystack = fold_for_matching(stripped) if compiled.on_lower else stripped
        phrase = next((p for p in phrases if p and haystack.endswith(p)), None)
        if phrase is None or len(haystack) != len(stripped):
            break
        kept = stripped[: len(stripped) - len(phrase)]
    if kept == field.text or not kept.strip():
        return None  # a response that is only the token stays flagged: emptying it would be a new problem
    edits = keep_string_part(context.text(violation.line), violation.line, violation.pointer, 0, len(kept))
    return Fix(rule.fix, tuple(edits)) if edits else None
