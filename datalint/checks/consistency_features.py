"""The formatting features the consistency rules compare (F101-F112): what each is and how one
scan of a text gives the value of every feature at once (a heading? a stock opener? which ending?)."""

from __future__ import annotations

import re

from datalint.records import Text

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

# Searched after a "\n" put before the text, as `HEADING_LINE`: the same lines as `(?m)^`, found faster.
CODE_LINE = re.compile(
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


SCANNED = tuple(feature for feature in FEATURES if feature != "edge-whitespace")

USUAL_ENDING = "sentence punctuation"

# The line-start features, each searched after a "\n" put before the text: that literal lets the regex
# jump from line to line instead of trying `(?m)^` at every character. Each is the FEATURES regex, and
# runs only when the text holds a character its every match needs.
HEADING_LINE = re.compile(r"\n#{1,6} \S")
BULLET_LINE = re.compile(r"\n[ \t]*[-*•] \S")
NUMBERED_LINE = re.compile(r"\n[ \t]*\d{1,2}[.)] \S")
TABLE_LINE = re.compile(r"\n[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|")
_FENCE = FEATURES["code-fence"][0]
OPENER = FEATURES["stock-opener"][0]
_SIGN_OFF = FEATURES["sign-off"][0]
HTML = FEATURES["html"][0]
_SPACE_RUN = FEATURES["space-runs"][0]
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_SIGN_OFF_REACH = 110  # a sign-off ends at most 80 characters before the end and is at most 28 long
_WINDOW = 160  # characters from each end of a text enough for the opener and the sign-off needles
# The characters a line-start feature can begin with (with a decimal digit): a one-line text starting
# otherwise has none.
_LINE_START_CHARS = frozenset("# \t-*•|:")


def scan(field: Text, skip_code: bool) -> tuple:
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
        heading = "#" in prose and HEADING_LINE.search(lines) is not None
        bullet = BULLET_LINE.search(lines) is not None
        numbered = NUMBERED_LINE.search(lines) is not None
        table = "---" in prose and TABLE_LINE.search(lines) is not None
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
    return HTML.search(prose) is not None


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
    opener = OPENER.match(lowered.lstrip()[:60]) is not None
    return opener, has_sign_off_needle(tail[-_SIGN_OFF_REACH:]) and _SIGN_OFF.search(tail) is not None


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
    opener = OPENER.match(head[:60].lower()) is not None  # the regex starts with `^`
    if not has_sign_off_needle(end[-_SIGN_OFF_REACH:].lower()):
        return opener, False
    return opener, _SIGN_OFF.search(prose.rstrip()[-200:].lower()) is not None


def has_sign_off_needle(end: str) -> bool:
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
    # Any one line is enough, unlike pattern.mostly_code (most lines) and prose.dense_in_code_symbols.
    stripped = text.strip()
    if stripped[:1] in "<{[" and stripped[-1:] in ">}]":
        return True
    if stripped[:1] == "|":  # a markdown table
        return True
    return CODE_LINE.search("\n" + (_FENCED.sub("", text) if "```" in text else text)) is not None


def _starts_lower(text: str) -> bool:
    stripped = text.lstrip()
    if not stripped or not stripped[0].isalpha() or not stripped[0].islower():
        return False
    # iPhone, eBay, x = 5, f(x): a lower-case letter followed by a capital, a digit or a symbol is a name or code.
    word = WORD.match(stripped)
    return word is not None and word.group().isalpha() and word.group().islower() and len(word.group()) > 1


WORD = re.compile(r"\w+")
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
