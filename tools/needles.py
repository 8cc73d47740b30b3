"""Derive the `needles` of the built-in pattern rules: for each regex, the literal strings one of
which every match starts with, so a text holding none of them skips that regex (one pass of the
pattern kind's automaton over a text finds the needles of every rule). Run after changing a regex in rules/*.toml:

    python tools/needles.py            # print each pattern rule's needles
    python tools/needles.py --write    # rewrite the `needles = [...]` lines of rules/*.toml

The needles are read from Python's own regex parse tree (`re._parser`, a private module); this is a
development tool, never imported by datalint. tests/checks/test_pattern.py checks the shipped
needles against matches generated from each regex, so a stale or wrong list fails the tests.
"""

from __future__ import annotations

import argparse
import json
import re
import tomllib
from pathlib import Path
from re import _parser as parser

RULES = Path(__file__).resolve().parents[1] / "rules"


MAX_GATE_CHARACTERS = 8

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


def needles_of(pattern: str) -> list[str]:
    """Literal strings one of which every match of `pattern` starts with (zero-width checks
    skipped), else the characters every match starts with; [] when a match may start anywhere."""
    regex = re.compile(pattern)
    prefixes = literal_prefixes(regex)
    if prefixes is None:
        first = first_characters(regex)
        prefixes = tuple(sorted(first)) if first is not None else ()
    # a needle that holds another adds nothing to the test ("<end_of_turn" holds "<")
    return sorted(needle for needle in prefixes if not any(other != needle and other in needle for other in prefixes))


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    arguments.add_argument("--write", action="store_true", help="rewrite the needles lines in rules/*.toml")
    write = arguments.parse_args().write
    for path in sorted(RULES.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        rules = [rule for rule in tomllib.loads(text).get("rule", []) if rule.get("kind") == "pattern"]
        for rule in rules:
            if not rule.get("regex"):
                continue
            needles = [needles_of(pattern) for pattern in rule["regex"]]
            print(rule["code"], needles)
            if write:
                text = _with_needles(text, rule["code"], needles)
        if write:
            path.write_text(text, encoding="utf-8")


def _with_needles(text: str, code: str, needles: list[list[str]]) -> str:
    """The TOML text with the rule's `needles = [...]` line set (added as its last line, or replaced)."""
    start = text.index(f'code = "{code}"')
    end = text.find("\n[[rule]]", start)
    end = len(text) if end < 0 else end
    block = re.sub(r"\nneedles = \[[^\n]*\]\n?", "\n", text[start:end]).rstrip("\n")
    line = "needles = " + json.dumps(needles, ensure_ascii=False)
    return text[:start] + block + "\n" + line + "\n" + text[end:]


if __name__ == "__main__":
    main()
