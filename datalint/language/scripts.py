"""Unicode scripts and the languages written in them: letters counted per script, a text's script
label, whether two labels may name one language, language names for messages, and whether a
prompt quotes words of a script."""

from __future__ import annotations

import re

from datalint.language.prose import without_code

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

DOMINANT_SCRIPT = 0.75  # below this share of the letters a text is mixed (Chinese prose around English names)

_ASCII_NON_LETTERS = bytes(byte for byte in range(128) if not chr(byte).isalpha())
_NOT_ASCII_LETTER_BYTES = _ASCII_NON_LETTERS + bytes(range(128, 256))
_ASCII_BYTES = bytes(range(128))

# Declared language -> the script its text is written in.
SCRIPT_OF_LANGUAGE = {
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
NON_LATIN_SCRIPTS = frozenset({"cyrillic", "arabic", "hebrew", "greek", "devanagari", "thai"})
# What a text in each script is called when its language is not told apart.
SCRIPT_DISPLAY = {
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
DISPLAY = {
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
    **{script: SCRIPT_DISPLAY[script] for script in NON_LATIN_SCRIPTS},
}
# The languages a Latin-script text may be named: the model's other labels on Latin text are
# mostly English or code misread (`is`, `la`, `eo` for lists of names) and stay `latin`.
NAMED_LATIN = frozenset(
    label for label in DISPLAY if label not in SCRIPT_OF_LANGUAGE and label not in NON_LATIN_SCRIPTS
) - {"latin", "zh", "ja", "ko"}


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


def same_language(label: str, expected: str) -> bool:
    """`latin` (undecided Latin language) agrees with any Latin-script language."""
    if label == expected:
        return True
    label_script, expected_script = script_class(label), script_class(expected)
    if label_script != expected_script:
        return False
    return "latin" in (label, expected) or label_script != "latin"


def script_class(label: str) -> str:
    if label in SCRIPT_OF_LANGUAGE:
        return SCRIPT_OF_LANGUAGE[label]
    return label if label in NON_LATIN_SCRIPTS else "latin"


def display(label: str) -> str:
    """A language's name for messages; never a bare code (`is` would read as a word)."""
    return DISPLAY.get(label, "an unidentified language")


_LATIN_PHRASE = re.compile(r"[A-Za-z][a-z']*(?:[ ,'-]+[A-Za-z][a-z']*){2,}")


def quotes_script(prompt: str, label: str) -> bool:
    """The prompt holds a phrase in the script of `label` (three Latin words or a quoted Latin word
    in a prompt of another script, four CJK characters, eight letters of another script): an
    answer in that language may be working on it."""
    script = script_class(label)
    if prompt.isascii():  # an all-Latin prompt is in the language, not quoting it
        return False
    if script == "latin":
        if main_script(prompt, 6) == "latin":
            return False
        return _LATIN_PHRASE.search(prompt) is not None or quotes_script_words(prompt, "latin")
    counts = dict(zip(_SCRIPT_NAMES, script_counts(prompt), strict=True))
    if script in ("zh", "ja"):
        return counts["han"] + counts["kana"] >= 4
    if script == "ko":
        return counts["hangul"] >= 4
    return counts.get(script, 0) >= 8


# Quoted and bracketed passages are material, glosses or names ("长城 (the Great Wall)").
QUOTED = re.compile(
    r"\"[^\"\n]{0,300}\"|“[^”\n]{0,300}”|「[^」\n]{0,300}」|『[^』\n]{0,300}』|《[^》\n]{0,100}》|"
    r"\([^()\n]{0,200}\)|（[^（）\n]{0,200}）|'[^'\n]{0,200}'(?!\w)|‘[^’\n]{0,200}’"
)


def quotes_script_words(question: str, script: str) -> bool:
    for match in QUOTED.finditer(question):
        if script_weights(match.group()).get(script, 0) >= 2:
            return True
    return False


# Chinese and Japanese share the Han characters: one script family for this check.
_FAMILY = {"kana": "han"}


def script_weights(text: str) -> dict[str, int]:
    weights: dict[str, int] = {}
    for name, count in zip(_SCRIPT_NAMES, script_counts(text), strict=True):
        if count:
            family = _FAMILY.get(name, name)
            weights[family] = weights.get(family, 0) + count * _WEIGHTS.get(name, 1)
    return weights


def main_script(text: str, min_letters: int, min_share: float = 0.5) -> str | None:
    """The script holding more than `min_share` of a text's letters (CJK characters weigh 3), if
    the text has enough letters."""
    if not text:
        return None
    weights = script_weights(without_code(text))
    total = sum(weights.values())
    if total < min_letters:
        return None
    script = max(weights, key=weights.__getitem__)
    return script if weights[script] > min_share * total else None


def ascii_letters(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_ASCII_LETTER_BYTES))
