"""What an instruction asks for: small pure functions over a prompt's text.

Several rules judge an answer against its request: an answer in French is right when French was
asked for, an answer equal to its input is right when the input was already sorted. Each
function here answers one such question from the prompt alone, with patterns built from parts
(verb x object) in English and Chinese, so they generalise past the phrasings they were made on.
They take the prompt as it is and lower-case it themselves: cheap, and safe to call on any text.
"""

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

# Verbs that demand a changed text: an answer equal to the given text has not done the task.
_ASKS_FOR_CHANGE = re.compile(
    r"\b(?:re-?write|rephrase|paraphrase|reword|restate|reformulate|restructure|recast|summari[sz]e|shorten|"
    r"condense|simplify|expand|elaborate|translate|convert|transform|turn|change|replace|substitute|swap|"
    r"remove|delete|omit|drop|insert|add|append|prepend|modify|revise|reverse|negate|pluralize|capitali[sz]e|"
    r"uppercase|lowercase|abbreviate|combine|merge|censor|redact|encrypt|encode|decode)\b|"
    r"\bmake\s+(?:it|this|the\s+\w+)\s+(?:more|less|shorter|longer|sound|into)|"
    r"重写|改写|重新|改述|转述|释义|换一种|替换|换成|删除|去掉|去除|删去|转换|更改|改为|改成|变成|变为|修改|"
    r"调整|缩短|简化|扩展|扩写|翻译|合并|拆分|总结|概括"
)

# Tasks whose right answer can be the given text unchanged: correcting a text with no error,
# ordering a list already in order, selecting or matching what the input already shows, copying.
_ACCEPTS_UNCHANGED = re.compile(
    r"\b(?:correct|fix|proofread|check|verify|error|mistake|grammar|grammatical|spelling|misspell|punctuat|"
    r"typo|sort|arrange|order(?!\s+to\b)|rank|alphabeti|organi[sz]e|sequence|chronolog|identify|select|choose|"
    r"pick|extract|match|classify|categori[sz]e|label|copy|paste|transcribe|repeat|echo|retype|type out|"
    r"read (?:aloud|out))|"
    r"\bif\s+(?:any|necessary|needed|required|applicable)|"
    # Removing what is unnecessary, doing without something, or converting between varieties
    # may leave nothing to change.
    r"\b(?:unnecessary|extra|redundant|duplicated?|unneeded|superfluous|british|american|correctly)\b|"
    r"\bwithout\b(?!\s+(?:changing|altering|losing|modifying))|"
    r"纠正|更正|改正|修正|修复|校对|检查|错误|语法|拼写|标点|错别字|排序|排列|顺序|找出|识别|选择|挑选|提取|匹配|"
    r"分类|复制|抄写|重复|原样|多余|冗余|不必要|英式|美式|正确|不使用|不用|没有"
)

_ASKS_TO_REPEAT = re.compile(
    r"\b(?:repeat|reiterate|again\s+and\s+again|over\s+and\s+over|chant|echo)|\b(?:\d+|two|three|four|five|six|"
    r"seven|eight|nine|ten|twenty|fifty|hundred|several|many)\s+times\b|重复|[\d一二两三四五六七八九十百几]+\s*[遍次]"
)

# Placeholders that stand for "no input": an answer repeating one is no answer.
_PLACEHOLDER = re.compile(
    r"\s*[<\[(]?\s*(?:n/?a|none|null|nil|nothing|empty|no\s*input|noinput|not\s+applicable|无|没有|不适用|空)"
    r"\s*[>\])]?\s*[.。]?\s*",
    re.I,
)


def _keyword_automaton(words: list[str]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton


# Every match of _ASKS_FOR_LANGUAGE holds one of these: one automaton pass (~1 µs) rules out most
# prompts before the regex (~35 µs) runs. Read only, so safe to share between processes.
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


def asks_for_change(prompt: str) -> bool:
    """The prompt asks to change a given text (rewrite, replace, remove, change the tense ...)."""
    return _ASKS_FOR_CHANGE.search(prompt.lower()) is not None


def accepts_unchanged(prompt: str) -> bool:
    """The given text unchanged can be the right answer: a correction of a text with no error, an
    ordering of a list already in order, a selection or match the input already shows, a copy."""
    return _ACCEPTS_UNCHANGED.search(prompt.lower()) is not None


def asks_to_repeat(prompt: str) -> bool:
    """The prompt asks for repetition ("repeat this five times", "重复三遍")."""
    return _ASKS_TO_REPEAT.search(prompt.lower()) is not None


def is_placeholder(text: str) -> bool:
    """The text only says there is nothing ("N/A", "<noinput>", "无")."""
    return len(text) <= 24 and _PLACEHOLDER.fullmatch(text) is not None
