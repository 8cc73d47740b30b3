"""Changes the instruction asks for or allows: a changed text, the text unchanged, repetition;
and placeholder texts that stand for "nothing" (the language and conversation rules)."""

from __future__ import annotations

import re

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
# Built from parts: "no/without" + "output/answer/input/...", the not-available words, and text made
# of punctuation alone, in any brackets (S209 placeholder answers; Q006 leaves them to it).
_NO_VALUE_WORDS = (
    r"n/a|n\.a\.?|na|null|nil|none|nothing|empty|blank|tbd|todo|not applicable|not available|noinput|nooutput"
    r"|无|暂无|空|没有|不适用|无输出|没有输出|无答案|没有答案"
)
_NO_SOMETHING = (
    r"(?:no|without) (?:output|answer|response|result|reply|text|content|input)s?"
    r"(?: (?:given|provided|available|needed))?"
)
_PLACEHOLDER = re.compile(rf"[\[({{<]?(?:{_NO_SOMETHING}|{_NO_VALUE_WORDS})[\])}}>]?[.!。]*|[-–—_.…·*~/\\|]+")


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
    """The text only says there is nothing ("N/A", "No output.", "<noinput>", "-", "无")."""
    return len(text) <= 40 and _PLACEHOLDER.fullmatch(text.strip().lower()) is not None
