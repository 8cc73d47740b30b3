"""Languages the instruction asks for or names (the language rules): a translation, the language
of the answer, a bilingual answer announced as such."""

from __future__ import annotations

import re

import ahocorasick

# Language names in English, in the language itself, and the Chinese names (英文, 法语 ...).
_LANGUAGE_NAMES = (
    "english|french|spanish|german|italian|portuguese|chinese|mandarin|cantonese|japanese|korean|russian|arabic|"
    "hindi|bengali|urdu|persian|farsi|dutch|latin|greek|hebrew|swedish|norwegian|danish|finnish|polish|czech|"
    "slovak|hungarian|romanian|bulgarian|ukrainian|serbian|croatian|turkish|vietnamese|thai|indonesian|malay|"
    "filipino|tagalog|swahili|esperanto|pig latin|"
    "français|francais|español|espanol|castellano|deutsch|italiano|português|portugues|nederlands|polski|"
    "svenska|norsk|dansk|suomi|türkçe|русский|українська|日本語|한국어|中文|汉语|漢語|普通话|粤语"
)
_CHINESE_PREFIXES = (*"英中汉漢日法德俄韩韓意葡阿", "西班牙", "葡萄牙", "意大利", "阿拉伯")
_CHINESE_LANGUAGE = "(?:" + "|".join(_CHINESE_PREFIXES) + ")[文语語]"
# Words for "translate" and "language" in other languages (traduire, übersetzen, bahasa, 言語 ...).
_FOREIGN_REQUEST = (
    "tradu|übersetz|uebersetz|vertaal|przetłumacz|переве|перекла|terjemah|dịch|çevir|traduc|"
    "idioma|lengua|langue|lingua|sprache|język|язык|bahasa|ngôn ngữ|tiếng|dil |言語|언어"
)
_ASKS_FOR_LANGUAGE = re.compile(
    rf"translat|transliterat|romani[sz]|pinyin|bilingual|{_FOREIGN_REQUEST}|"
    rf"\b(?:in|into|to|from|using|use|speak|write|answer|reply|respond)\s+(?:the\s+|both\s+)?(?:{_LANGUAGE_NAMES})\b|"
    rf"\b(?:{_LANGUAGE_NAMES})\s+(?:and|or|&|/)\s+(?:{_LANGUAGE_NAMES})\b|"
    rf"\b(?:{_LANGUAGE_NAMES})\s+(?:word|phrase|sentence|version|equivalent|translation|text|term|name|"
    r"for|of|speaker|learner|grammar|spelling|pronunciation|idiom|proverb|saying)|"
    r"\b(?:which|what)\s+(?:\w+\s+)?language|\b(?:detect|identify|determine|guess|recogni[sz]e)\w*\s+(?:the\s+)?"
    r"language|\b(?:different|another|foreign|other|target|source|second)\s+languages?\b|"
    rf"翻译|翻譯|译成|译为|譯成|{_CHINESE_LANGUAGE}|[英中日]語|영어|한국어|중국어|일본어|번역|英訳|和訳|翻訳|中英|英汉|汉英|双语|雙語|哪种语言|什么语言|语种|拼音|其他语言|其它语言|另一种语言|外语|外文"
)


def _keyword_automaton(words: list[str]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton


# Every match of _ASKS_FOR_LANGUAGE holds one of these: one automaton pass, much cheaper than the
# regex, rules out most prompts before it runs (bench/README.md). Read only, so safe to share
# between processes.
_LANGUAGE_KEYWORDS = _keyword_automaton(
    [*_LANGUAGE_NAMES.split("|"), *_FOREIGN_REQUEST.split("|")]
    + ["translat", "transliterat", "romani", "pinyin", "bilingual", "language"]
    + ["翻译", "翻譯", "译成", "译为", "譯成", "中英", "英汉", "汉英", "双语", "雙語", "语言", "语种", "外语", "外文"]
    + [prefix + suffix for prefix in _CHINESE_PREFIXES for suffix in "文语語"]
    + ["拼音", "영어", "한국어", "중국어", "일본어", "번역", "訳"]
)


def asks_for_language(prompt: str) -> bool:
    """The prompt asks for a translation, names the language of the answer ("in French", "用英文"),
    or is about languages ("which language is this?"): the answer may differ from the prompt's."""
    lower = prompt.lower()
    if next(_LANGUAGE_KEYWORDS.iter(lower), None) is None:
        return False
    return _ASKS_FOR_LANGUAGE.search(lower) is not None


_NAMES_LANGUAGE = re.compile(rf"\b(?:{_LANGUAGE_NAMES})\b|{_CHINESE_LANGUAGE}|[英中日]語|영어|한국어|중국어|일본어")


def names_language(text: str) -> bool:
    """The text names a language ("English", "français", "中文"): an answer that says "the English
    original:" before a passage in English means the passage."""
    lower = text.lower()
    if next(_LANGUAGE_KEYWORDS.iter(lower), None) is None:
        return False
    return _NAMES_LANGUAGE.search(lower) is not None


_ANNOUNCES_LANGUAGE = re.compile(
    rf"\b(?:in|into)\s+(?:{_LANGUAGE_NAMES})\s*[:：]|\b(?:{_LANGUAGE_NAMES})\s+(?:version|original|translation|"
    r"text|lyrics|transcript|equivalent|words?|phrases?|sentences?|example|meaning)\b|"
    rf"(?:{_CHINESE_LANGUAGE})(?:版|原文|翻译|原句|例句|意思)|原文|译文|翻译[：:]|"
    r"\boriginal\s+(?:text|version|poem|lyrics|quote)\b"
)


def announces_language(text: str) -> bool:
    """The text says a passage in a named language follows or was given ("the English original",
    "in Spanish:", "英文原文"): an answer that does is bilingual on purpose."""
    lower = text.lower()
    if next(_LANGUAGE_KEYWORDS.iter(lower), None) is None and "original" not in lower and "原文" not in lower:
        return False
    return _ANNOUNCES_LANGUAGE.search(lower) is not None
