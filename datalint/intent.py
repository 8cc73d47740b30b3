"""What an instruction asks for, read from its words: small pure functions shared by the checks.

Rules use them to tell a finding that is the point of the task (a table the instruction asked for,
a phone number it asked to make up, a translation, a fragment by design) from a defect the data
merely carries. Each function is pure and cheap (a lower-cased `in` test gates every regex), and
errs on the side of "yes": a check uses it to *not* report something the instruction asked for.
"""

from __future__ import annotations

import re

# --- short answers and fragments the instruction asks for (length rules) ---

_HEAD = 400
_NUMBER = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|single)"
# A size the answer must fit: "a 3 letter username", "in 30 words or less", "a one-sentence summary",
# "a six-word story", "under 50 words", "two lines".
_SMALL_SIZE = re.compile(
    rf"\b(?:\d{{1,3}}|{_NUMBER})[- ](?:letters?|characters?|syllables?|digits?)\b"
    rf"|\b(?:\d{{1,2}}|{_NUMBER})[- ](?:words?|sentences?|lines?)\b"
    r"|\b(?:in|within|under|below|at most|no more than|fewer than|less than|maximum of|max(?:imum)?)\s+"
    r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty)\s+"
    r"(?:words?|characters?|sentences?|lines?)\b"
    r"|\b(?:\d{1,2}|one|two|three|four|five|ten|twenty|thirty|fifty)\s+(?:words?|characters?|sentences?)\s+or\s+(?:less|fewer)\b"
    r"|\bone[- ]liner?\b|\bin (?:a|one) (?:single )?(?:word|sentence|line|phrase)\b"
)
# Answers that are short by nature, named as what to produce: "generate a title", "suggest a name".
_SHORT_THING = (
    r"(?:title|headline|heading|name|username|nickname|slogan|tagline|motto|hashtag|tweet|caption|phrase|"
    r"word|synonym|antonym|number|password|url|subject line|opening line|first line|closing line|sentence|"
    r"quote|greeting|closing|sign-off|key ?phrase|keyword|acronym|pun|idea|prompt|starter|"
    r"label|category|emoji|rhyme|haiku|limerick|riddle|joke|term|metaphor|simile|"
    r"table of contents|citation|bibliography|reference|lead|hook|premise|logline|summary)"
)
_SHORT_ANSWER = re.compile(
    rf"\b(?:an?|one|single|short|brief|catchy|new|creative|good|unique|suitable|appropriate|possible|"
    rf"random|sample|single-word|one-word)\s+(?:[\w-]+\s+){{0,2}}?{_SHORT_THING}s?\b"
    r"|\b(?:one|a single|1) word\b|\byes or no\b|\btrue or false\b"
)
_SHORT_GATE = ("word", "letter", "character", "sentence", "line", "syllable", "digit", "one", "title", "name")
# Instructions whose answer is a fragment by design: reorder or reverse given words, fill a blank,
# give the opening words of something, give an example of a sentence fragment. ("Continue the
# text" is not: the continuation must end.)
_FRAGMENT = re.compile(
    r"\b(?:revers\w*|scrambl\w*|unscrambl\w*|shuffl\w*|jumbl\w*|sort\w*|alphabeti[sz]\w*|(?:re)?arrang\w*|reorder\w*|"
    r"put (?:the|these) words)\b"
    r"|\bfill (?:in )?(?:the )?(?:blanks?|gaps?|missing)|\b_{3,}|\[blank\]|\bblank\b"
    r"|\b(?:first|opening|starting|initial) (?:line|sentence|words?|phrase|clause|half|part|verse)\b"
    r"|\b(?:truncate|cut) (?:the|this|it)\b|\bprefix\b"
    r"|\ban? (?:sentence |clause )?fragment\b|\ban? (?:incomplete|unfinished|dangling) (?:sentence|phrase|clause)\b"
)
_FRAGMENT_GATE = (
    "revers",
    "scrambl",
    "shuffl",
    "jumbl",
    "sort",
    "alphabeti",
    "arrang",
    "reorder",
    "words",
    "blank",
    "fill",
    "___",
    "first",
    "opening",
    "starting",
    "initial",
    "truncate",
    "cut",
    "prefix",
    "fragment",
    "incomplete",
    "unfinished",
    "dangling",
)


def asks_for_short_answer(instruction: str) -> bool:
    """The instruction sets a small size (a word, a 3-letter name, 30 words or less, one sentence)
    or names something short by nature (a title, a name, a slogan, a number, a tweet ...)."""
    head = instruction[:_HEAD].lower()
    if not _contains_any(head, _SHORT_GATE) and " a " not in head and " an " not in head:
        return False
    return _SMALL_SIZE.search(head) is not None or _SHORT_ANSWER.search(head) is not None


def asks_for_fragment(instruction: str) -> bool:
    """The answer is a fragment by design: reversed, sorted or rearranged words, a filled blank,
    the first line of something, an example of a fragment or an incomplete sentence."""
    head = instruction[:_HEAD].lower()
    return _contains_any(head, _FRAGMENT_GATE) and _FRAGMENT.search(head) is not None


def _contains_any(text: str, needles: tuple[str, ...]) -> bool:
    for needle in needles:  # a plain loop: any() over a generator costs more than the `in` tests
        if needle in text:
            return True
    return False


# --- values the instruction asks to make up or check (PII rules) ---

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


# --- open requests, closed questions and small talk (duplicate rules) ---

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
