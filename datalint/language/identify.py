"""The language label of one text, cheapest test first:

1. code and markup are removed (fenced blocks, inline code, docstrings, tags, links, lines of
   code and table rows); text that still looks like code, or has too few letters, gets no label
   (numbers, names and code have no language);
2. Unicode-script letter counts (cheap byte counts) decide every non-Latin script: Han -> `zh`, Han with kana
   -> `ja`, Hangul -> `ko`; Cyrillic, Arabic, Greek ... by script, named by the model when it
   agrees (Cyrillic -> `ru`);
3. Latin text long enough to judge is called `en` when English function words are frequent
   (a set lookup per word), and only otherwise given to fastText's lite language model
   (datalint/language/model.py); a label below the confidence threshold, or outside the
   well-known languages, stays `latin` (some Latin-script language), which is never reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from datalint.language.model import detect
from datalint.language.prose import ASCII_CLASSES, code_like, dense_in_code_symbols, without_code
from datalint.language.scripts import DISPLAY, NAMED_LATIN, NON_LATIN_SCRIPTS, SCRIPT_OF_LANGUAGE, script_label
from datalint.records import Text

SAMPLE = 300
MODEL_SAMPLE = 600

# Only lower-case words of two letters or more are prose evidence; names and list labels are not.
_PROSE_WORDS = re.compile(r"(?<![\w'])[a-z\u00df-\u00f6\u00f8-\u00ff][a-z\u00df-\u00f6\u00f8-\u00ff']+")
MIN_PROSE_WORDS = 12

# Frequent English words that are not also frequent words of other Latin-script languages.
ENGLISH_WORDS = frozenset(
    "the and of to is are was were that this with for you your it be have has not can will which from they "
    "their an or by what how there been would should could these those it's we he she his her them about "
    "more into than then if when do does who also my our its".split()
)


def looks_english(sample: str) -> bool:
    words = sample.lower().split()
    return len(words) >= 8 and sum(map(ENGLISH_WORDS.__contains__, words)) >= 0.15 * len(words)


def language_of(text: Text, options: dict[str, Any], load_model: Callable[[], Any] = lambda: None) -> str | None:
    """A language label for one text, or None when it cannot be told (too short, code, mixed).
    `load_model` gives the statistical model, loaded only when a text needs it (most English
    texts are told by their words: a warm run checking a few edited records never loads it)."""
    raw = text.text
    min_letters = options["min-letters"]
    if 3 * len(raw) < min_letters:  # a CJK character weighs 3 letters
        return None
    # The first SAMPLE characters decide the script; the model sees up to MODEL_SAMPLE.
    prose = without_code(raw[:MODEL_SAMPLE])
    if 3 * len(prose) < min_letters:
        return None
    sample = prose[:SAMPLE]
    if sample.isascii():  # nearly all English text: both counts from one bytes.translate
        classes = sample.encode().translate(ASCII_CLASSES)
        if code_like(classes.count(b"s"), sample):
            return None
        label = "latin" if classes.count(b"a") >= min_letters else None
    elif dense_in_code_symbols(sample):
        return None
    else:
        label, _ = script_label(sample, min_letters)
    if label in NON_LATIN_SCRIPTS:
        return named_script_language(label, prose, options, load_model)
    if label != "latin" or len(prose) < options["min-chars-statistical"]:
        return label
    if looks_english(sample):
        return "en"
    if len(_PROSE_WORDS.findall(prose)) < MIN_PROSE_WORDS:
        return "latin"  # too little running text (names, list items) for a model to judge
    model = load_model()
    if model is None:
        return "latin"
    best = detect(model, prose)
    # The model only ever sees Latin text here; a non-Latin answer (sr for a table) is noise, and
    # so are rare labels (`is`, `eo` for a list of names): only well-known languages are named.
    if best["score"] < options["min-confidence"] or best["lang"] not in NAMED_LATIN:
        return "latin"
    return best["lang"]


def named_script_language(script: str, prose: str, options: dict[str, Any], load_model: Callable[[], Any]) -> str:
    """The language of a text in a non-Latin script other than CJK (Cyrillic -> `ru`, `uk` ...),
    or the script itself when the model is unsure or names a language of another script."""
    model = load_model()
    if model is None:
        return script
    best = detect(model, prose)
    if best["score"] < options["min-confidence"] or SCRIPT_OF_LANGUAGE.get(best["lang"]) != script:
        return script
    return best["lang"] if best["lang"] in DISPLAY else script
