"""Open requests, closed questions and small talk (the duplicate rules)."""

from __future__ import annotations

import re

# Requests whose right answers are many: make something up, choose for me, play a part.
# Built from parts: a creative or choosing verb, or "a/an/some <thing>" after "name"/"give".
_MAKE = r"write|compose|create|generate|draft|invent|imagine|brainstorm|make up|come up with|think of|design|produce"
# "Pick a colour" is a free choice; "choose the correct option" is not.
_CHOOSE = (
    r"suggest|recommend|propose|(?:pick|choose|guess|select) (?:a|an|any|some)|give me (?:a|an|one|some|any)"
    r"|name (?:a|an|one|some|any|two|three|five|\d+)"
)
_OPEN_FORM = (
    r"an? (?:[a-z-]+ ){0,2}(?:example|story|poem|haiku|joke|sentence|slogan|title|name|tweet|song|insult|riddle)"
)
_PLAY = r"act as|acting as|pretend|role-?play|imagine you|from now on"
_RANDOM = r"random|any (?:one|word|number)|your (?:favou?rite|opinion|thoughts)|what do you think|how do you feel"
_EN_OPEN = re.compile(rf"\b(?:{_MAKE}|{_CHOOSE}|{_PLAY}|{_RANDOM})\b|\b{_OPEN_FORM}\b")
# The same in Chinese: 写 (write), 创作/编 (compose), 生成 (generate), 推荐/建议 (recommend),
# 举例 (give an example), 随便/随机 (any, random), 扮演/假装/作为一个 (play a part), 造句 (make a
# sentence), 你觉得/你认为 (what do you think), 起名/取名 (name something), 产生 (produce).
_ZH_OPEN = re.compile(
    r"写|创作|产生|编一|编个|生成|推荐|建议|举例|举个|随便|随机|扮演|假装|[作做]为一[个名位]|造句|你觉得|你认为|起名|取名|想一"
)

# Small talk: a greeting, thanks, a nudge to go on. Any answer is as right as another.
_GREETING = r"hi|hello|hey|yo|howdy|good (?:morning|afternoon|evening|night)|bye|goodbye|see you"
_THANKS = r"thanks?(?: you)?(?: so much| a lot| very much)?|thx|ty|cheers"
_NUDGE = r"ok(?:ay)?|cool|nice|great|good|sure|yes|no|continue|go on|keep going|more|next|and\??|why\??"
_HOW_ARE_YOU = (
    r"what(?:'s| is) up|sup|how are you(?: doing)?(?: today)?|how(?:'s| is) it going|how do you do"
    r"|who are you|what are you"
)
_SMALL_TALK = re.compile(
    rf"(?:{_GREETING}|{_THANKS}|{_NUDGE}|{_HOW_ARE_YOU})(?:[\s,]+(?:there|friend|again|buddy|bot|assistant))?[\s.!?,~]*"
)
_ZH_SMALL_TALK = re.compile(
    r"(?:你好|您好|嗨|哈喽|谢谢|感谢|多谢|谢了|继续|好的|好吧|嗯+|哦+|哈+|再见|拜拜|你是谁|你是什么)[\s。！!？?，,~]*"
)


def asks_open_answer(text: str) -> bool:
    """Whether the instruction asks for something with many right answers: a text to write, a
    choice or recommendation, a role to play, an opinion, small talk."""
    lowered = text.strip().lower()
    if not lowered:
        return True
    return bool(
        _EN_OPEN.search(lowered)
        or _ZH_OPEN.search(lowered)
        or _SMALL_TALK.fullmatch(lowered)
        or _ZH_SMALL_TALK.fullmatch(lowered)
    )


# A question that wants a value back: a question mark, an interrogative word, or a verb that asks
# to pick a value out (classify, identify, extract ...). English and Chinese.
_QUESTION = re.compile(
    r"[?？]|^(?:who|what|which|where|when|why|how|is|are|was|were|do|does|did|can|could|will|would|should|has|have)\b"
    r"|\b(?:classify|categori[sz]e|label|identify|determine|extract|select|calculate|compute|convert|solve|evaluate)\b"
    r"|吗|什么|哪|谁|几|多少|是否|判断|分类|计算"
)


# A prompt that ends on a short slot to fill ("Sentiment:", "Answer:", "标签：") asks for a value.
_SLOT = re.compile(r"(?:^|\n)\s*[^\n:：]{1,30}[:：]\s*$")


def asks_question(text: str) -> bool:
    """Whether the instruction asks a question or asks to pick out a value (as opposed to an
    order to transform or compose a text)."""
    lowered = text.strip().lower()
    return bool(_QUESTION.search(lowered) or _SLOT.search(lowered))


# Orders to produce a text: explain, describe, summarise, list ... (and every open request).
_TEXT_REQUEST = re.compile(
    r"\b(?:explain|describe|summari[sz]e|outline|list|discuss|elaborate|introduce|plan|draft"
    r"|tell me (?:about|how|why))\b"
    r"|介绍|描述|解释|说明|总结|概括|列出|讲讲|谈谈"
)


def asks_for_text(text: str) -> bool:
    """Whether the instruction asks for a text to be written (an explanation, a description, a
    list, a plan, or any open request), not for a value."""
    return asks_open_answer(text) or bool(_TEXT_REQUEST.search(text.strip().lower()))
