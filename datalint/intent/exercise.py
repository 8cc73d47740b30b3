"""Values the instruction asks to make up or check (the PII rules)."""

from __future__ import annotations

import re

# Verbs (and nouns standing for them) of exercises on a kind of value: make one up, reshape it,
# check it, pull it out of a text, or describe its pattern.
_EXERCISE_VERBS = (
    r"generat\w*|creat\w*|invent\w*|make up|made[- ]up|come up with|choose|pick|suggest|"
    r"(?:re)?format\w*|extract\w*|pull out|valid\w*|verif\w*|check\w*|match\w*|pars\w*|convert\w*|"
    r"classif\w*|categori[sz]\w*|correct\w*|fix\w*|clean\w*|filter\w*|mask\w*|anonymi[sz]\w*|redact\w*|"
    r"regex\w*|regular expressions?|pattern|hypothetical|random|fake|dummy|sample|example|identify|"
    r"detect\w*|recogni[sz]\w*|binary|octets?|subnet\w*|is (?:this|that|it|the following) an?"
)


# The same in Chinese, where words are not separated by spaces.
_EXERCISE_VERBS_ZH = r"生成|创建|编造|虚构|假设|随机|格式|提取|验证|有效|正则|匹配|选择|转换|识别|检查|示例|例子"


def value_exercise(nouns: str, nouns_zh: str = "") -> re.Pattern[str]:
    """A pattern, for lower-cased instructions, of an exercise on values named by `nouns` (a regex
    alternation such as `phone numbers?|telephone`): "Generate a hypothetical phone number",
    "Write a regex that matches e-mail addresses", "Is 59.187.84.127 a valid IPv4 address?".
    `nouns_zh` names them in Chinese. The verb and the noun must sit in one sentence, the verb
    first or the noun followed by a check ("phone numbers in the format ..."); the data such a
    task carries is made up or is the subject, not somebody's personal data."""
    chinese = (
        rf"|(?:{_EXERCISE_VERBS_ZH})[^。！？\n]{{0,30}}(?:{nouns_zh})|(?:{nouns_zh})[^。！？\n]{{0,20}}(?:有效|格式|正则)"
        if nouns_zh
        else ""
    )
    return re.compile(
        rf"\b(?:{_EXERCISE_VERBS})\b[^.!?\n]{{0,60}}\b(?:{nouns})\b"
        rf"|\b(?:{nouns})\b[^.!?\n]{{0,40}}\b(?:valid\w*|in the format|format\w*|regex\w*|regular expressions?)"
        + chinese
    )


def asks_for_exercise(instruction: str, exercise: re.Pattern[str]) -> bool:
    """Whether the (raw) instruction is an exercise `exercise` (from `value_exercise`) describes."""
    return exercise.search(instruction.lower()) is not None
