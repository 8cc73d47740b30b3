"""The prose of a text: code, markup, links and tables removed, and whether a text looks like code
(numbers, names and code have no language)."""

from __future__ import annotations

import re

_CODE = re.compile(
    r"```.*?(?:```|\Z)|\"\"\".*?(?:\"\"\"|\Z)|'''.*?(?:'''|\Z)|`[^`\n]+`|<[^>\n]{1,80}>|https?://\S+", re.S
)
_CODE_SYMBOLS = re.compile(r"[{}\[\]();=<>_\\|$#*+/]")
# The bytes that are not code symbols (all symbols are ASCII, so no byte of a UTF-8 sequence of
# another character is one): deleting them leaves the symbols to count.
_NOT_CODE_SYMBOL_BYTES = bytes(byte for byte in range(256) if not (byte < 128 and _CODE_SYMBOLS.match(chr(byte))))
# ASCII bytes -> their class: "a" for a letter, "s" for a code symbol, " " for anything else. One
# bytes.translate to classes and two bytes.count give both counts of an ASCII sample.
ASCII_CLASSES = bytes(
    ord("a") if byte < 128 and chr(byte).isalpha() else ord("s") if _CODE_SYMBOLS.match(chr(byte)) else ord(" ")
    for byte in range(256)
)


def dense_in_code_symbols(text: str) -> bool:
    """Too many code symbols for a text to have a language (counted, not parsed by line like the
    `looks_like_code` of consistency_features and `mostly_code` of the pattern kind)."""
    # bytes.translate counts in one C loop, faster than findall's list of matches; the symbols
    # are ASCII, so counting them in the UTF-8 encoding counts them in the text (surrogatepass:
    # JSON may hold a lone surrogate, which becomes three bytes that are no symbol).
    return code_like(len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_CODE_SYMBOL_BYTES)), text)


def code_like(symbols: int, text: str) -> bool:
    return symbols > 0.08 * len(text) or "\n    " in text and symbols > 0.04 * len(text)


# A line of code: a statement keyword of a common language (SQL in capitals, as written), a
# line that opens or closes a block, one that ends a statement with `;`, or a table row.
_CODE_LINE = re.compile(
    r"\s*(?:(?:def|class|import|from\s+[\w.]+\s+import|return|elif|except|while|for\s+\w+\s+in|"
    r"public|private|protected|static|void|var|let|const|function|package|using)\b|"
    r"(?:if|elif|while|for|with|def|class)\s.*:\s*$|(?:else|try|finally)\s*:|print\(|console\.|#include|"
    r"(?:SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|FROM|WHERE|ORDER BY|GROUP BY|LIMIT|VALUES|JOIN)\b|"
    r"[{}\[\]<]|//|/\*|\*/|--\s|>>>|\$\s|\(\s*[\"'\d])|.*[;{}]\s*$|[\w.\[\]'\"]+\s*[+\-*/]?=\s*\S|"
    r"\s*[\w.]+\(.*\)\s*(?:#.*)?$|.*\|.*\|"
)


# What lines of code that `_CODE_LINE` knows hold, told by searches that scan for one character
# or a literal, much cheaper than `_CODE_LINE` per line: most prose has none.
_CODE_CHARACTER = re.compile(r"[;{}=\[\]<>$#|]")
_CODE_STARTS = tuple(
    "def class import from return elif except while for if else try finally with public private protected "
    "static void var let const function package using SELECT INSERT UPDATE DELETE CREATE ALTER DROP".split()
)
_CODE_AFTER_NEWLINE = re.compile(r"\n(?:[ \t]|(?:" + "|".join(_CODE_STARTS) + ") )")
_CALL = re.compile(r"\((?:(?<=\w\()|\s*[\"'\d])")
_SQL_OR_COMMENT = re.compile(r"FROM |WHERE |ORDER BY|GROUP BY|LIMIT |VALUES|JOIN |--|//|/\*")


def _maybe_code(text: str) -> bool:
    return (
        _CODE_CHARACTER.search(text) is not None
        or text.lstrip().startswith(_CODE_STARTS)
        or _CODE_AFTER_NEWLINE.search(text) is not None
        or ("(" in text and _CALL.search(text) is not None)
        or _SQL_OR_COMMENT.search(text) is not None
    )


# Beside lines of code: their comments, docstrings and indented bodies.
_CODE_CONTEXT = re.compile(r"\s*(?:#|//|\*|\"\"\"|'''|--)|\t|  ")


def without_code(text: str) -> str:
    """The text without code: markup documents, fenced blocks, inline code, tags and URLs, then
    lines of code (a Python or SQL answer, a script between two sentences) with their comments
    and indented bodies; what is left is prose."""
    if "`" in text or "<" in text or "://" in text or '"""' in text or "'''" in text:
        if text.lstrip().startswith("<"):
            return ""  # an HTML or XML document: its words are content of markup
        text = _CODE.sub(" ", text)
    if not _maybe_code(text):
        return text  # most prose: no statement ending, block, assignment, call or keyword
    if "\n" not in text:
        return "" if _CODE_LINE.match(text) else text
    lines = text.split("\n")
    prose = [line for line in lines if not _CODE_LINE.match(line)]
    if len(prose) < len(lines):
        prose = [line for line in prose if not _CODE_CONTEXT.match(line)]
    return "\n".join(prose)
