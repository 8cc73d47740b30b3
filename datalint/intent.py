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


# --- structures and kinds of text the instruction asks for (format rules) ---

_TABLE = re.compile(
    r"(?<![a-z])(?:tables?|tabular|charts?|matrix|spreadsheet|columns?|rows?|csv|grid|timeline|schedule|calendar|"
    r"compar(?:e|es|ing|ison|isons)|contrast|versus|vs\.?|pros and cons|advantages and disadvantages|"
    r"budget|itinerary|truth table|multiplication|data ?sets?|each)(?![a-z])"
    r"|表格|表|图表|对比|比较|日程|时间|数据集|每个"
)
_LIST = re.compile(
    r"(?<![a-z])(?:lists?|listing|enumerate|bullet(?:s|ed)?|outline|steps?|step-by-step|instructions|procedure|process|"
    r"how (?:do|does|to|can|should|would)|ways?|tips|ideas|examples|reasons|suggestions?|recommendations?|"
    r"suggest|recommend|points|items|options|categories|categorize|classify|agenda|itinerary|plan|checklist|"
    r"menu|recipe|quiz|questions|details (?:about|on|of|from|can)|key details|features|benefits|advantages|"
    r"disadvantages|differences|similarities|factors|strategies|methods|techniques|characteristics|elements|"
    r"components|requirements|rules|guidelines|criteria|pros|cons|algorithm|explain (?:step|each|the steps)|"
    r"name (?:some|a few|several|\d+|two|three|four|five|six|seven|eight|nine|ten)|"
    r"(?:give|provide|generate|create|write|make|brainstorm|identify|find|describe|come up with|compile|produce)"
    r"(?: me| us)? (?:\d+|two|three|four|five|six|seven|eight|nine|ten|a few|some|several|multiple|"
    r"a set of|a series of))(?![a-z])"
    r"|步骤|列出|列举|清单|几个|建议|方法|哪些|要点|大纲|计划|\d+\s*[个条种点]"
)
_CODE = re.compile(
    r"(?<![a-z])(?:code|coding|program|programs|programming|script|scripts|function|functions|snippet|implement|"
    r"implementation|algorithm|pseudo-?code|sql|query|regex|regular expression|class|method|api|html|css|"
    r"javascript|typescript|python|java|c\+\+|c#|golang|rust|ruby|php|swift|kotlin|bash|shell|command|json|"
    r"xml|yaml|latex|markdown|compile|debug|syntax|variable|loop|array|compute|output of|database|queries|"
    r"schema|mongodb|equation|formula|expression|differentiate|derivative|integral|module|library)(?![a-z])"
    r"|c\+\+|c#|代码|程序|函数|脚本|循环|查询|数据库|表达式|方程|公式|语句|算法"
)
_MARKUP = re.compile(
    r"(?<![a-z])(?:html\d?|css|tags?|web ?pages?|websites?|markdown|xml|svg|dom|jsx|react|vue|angular|bootstrap|"
    r"browser|embed|hyperlinks?|links?|format(?:ted|ting)?|rich text|email template|newsletter|blog|bold|"
    r"italics?|underline|highlight|emphasi[sz]e|font|colou?r|superscript|subscript|audio|video|image|sound|"
    r"graphics?|homepage|typograph\w*|styl(?:e|ed|ing))(?![a-z])"
    r"|<\w+|网页|网站|主页|标签|粗体|加粗|斜体|下划线|突出|强调|字体|颜色|嵌入|链接|图形|图片|图像|格式|样式|排版"
)
_COMPOSITION = re.compile(
    r"(?<![a-z])(?:emails?|e-mails?|letter|messages?|note to|thank[- ]you note|dialog(?:ue)?s?|conversations?|"
    r"speech|story|stories|reviews?|tweets?|posts?|poems?|songs?|lyrics|ads?|advert(?:isement)?s?|"
    r"announcements?|invitations?|responses?|reply|replies|respond|answer (?:to|as)|welcome|greetings?|"
    r"customer|chatbot|text message|toast|cards?|memo|cover letter|proposal|newsletter|slogan|pitch|"
    r"monologue|interview|quote|reaction|comment|agree\w*|affirm\w*|confirm\w*|forms?|survey|"
    r"questionnaire|template|contract|narrat\w+)(?![a-z])|对话|回复|邮件|写信|信件|一封信|故事|评论|表单|合同"
)
_ROLE = re.compile(
    r"(?<![a-z])(?:roleplay|role-play|role play|role|pretend|imagine you|you are (?:a|an|the)|act as|"
    r"as (?:a|an) \w+,|in the style of|character|persona|in character)(?![a-z])|(?:^|\n)as (?:a |an |the )?\w+|扮演"
)
_TRANSFORM = re.compile(
    r"(?<![a-z])(?:rewrite|re-write|rephrase|paraphrase|edit|revise|correct|fix|proofread|improve|shorten|simplify|"
    r"summari[sz]e|translate|convert|reverse|reorder|rearrange|continue|complete|finish|capitali[sz]e|"
    r"punctuat\w*|change|transform|replace|repeat|copy|extract|reformat|restate|output|generate the output|"
    r"fill in|insert|remove|delete|sort|alphabeti[sz]e)(?![a-z])"
    r"|改写|翻译|纠正|修改|更改|更正|修正|续写|补全|重写|相反|反转|倒序|颠倒"
)
_WORDS = re.compile(
    r"(?<![a-z])(?:words?|synonyms?|antonyms?|rhym\w*|adjectives?|adverbs?|verbs?|nouns?|pronouns?|keywords?|"
    r"hashtags?|tags?|terms?|vocabulary|labels?|names?|categor\w+|classify|lower-?case|lowercase|spell\w*|"
    r"abbreviat\w*|acronyms?|anagrams?|letters?|phrases?|tokens?)(?![a-z])|词"
)
_POEM = re.compile(
    r"(?<![a-z])(?:poems?|poetry|haikus?|verses?|lyrics|songs?|limericks?|sonnets?|raps?|rhym\w*|stanzas?)(?![a-z])|诗"
)
_HEADED_DOCUMENT = re.compile(
    r"(?<![a-z])(?:cv|resume|résumé|report|article|blog|outline|plan|novel|guide|lesson|readme|documentation|"
    r"markdown|newsletter|proposal|syllabus|curriculum|agenda|quiz|exam|test|essay|press release|"
    r"brochure|menu|course|chapter|book|website|landing page|template|presentation|slides?)(?![a-z])"
    r"|大纲|小说|报告|文章|计划"
)


def asks_for_table(prompt: str) -> bool:
    """A table, a chart, a comparison or a schedule: answers the instruction may lay out in rows and columns."""
    return _TABLE.search(prompt.lower()) is not None


def asks_for_list(prompt: str) -> bool:
    """A list, steps, several items, an outline or a plan: answers that are naturally bullets or numbers."""
    return _LIST.search(prompt.lower()) is not None


def asks_for_code(prompt: str) -> bool:
    """Code, a program, a query, markup or pseudocode, or an explanation of code."""
    return _CODE.search(prompt.lower()) is not None


def asks_about_markup(prompt: str) -> bool:
    """HTML, a web page, tags or markdown are what the instruction is about (or it holds a tag itself)."""
    return _MARKUP.search(prompt.lower()) is not None


def asks_for_composition(prompt: str) -> bool:
    """A text written for someone (an email, a letter, a dialogue, a reply, a story): its greetings,
    openers and sign-offs are part of what was asked, not the assistant's filler."""
    return _COMPOSITION.search(prompt.lower()) is not None


_CONTINUE = re.compile(
    r"(?<![a-z])(?:complet\w*|continu\w*|finish\w*|fill in|blanks?|missing|extension|extend|ending|"
    r"next (?:word|sentence|line|part)|predict the next|carry on)(?![a-z])|___|\.\.\.\s*$|续写|补全|填空"
)


def asks_for_role(prompt: str) -> bool:
    """A role to play (you are a detective, pretend to be Ada Lovelace): the answer speaks in that voice."""
    return _ROLE.search(prompt.lower()) is not None


def asks_to_continue(prompt: str) -> bool:
    """A continuation of given text (complete the sentence, fill in the blank): the answer starts mid-sentence."""
    return _CONTINUE.search(prompt.lower()) is not None


def asks_to_transform(prompt: str) -> bool:
    """A rewrite, correction, translation, continuation or other transformation of given text."""
    return _TRANSFORM.search(prompt.lower()) is not None


def asks_for_words(prompt: str) -> bool:
    """Words, labels, names or tags: answers that are a bare word list, written as the words are."""
    return _WORDS.search(prompt.lower()) is not None


def asks_for_poem(prompt: str) -> bool:
    """A poem, song or verse: lines that start lower-case and end without punctuation by choice."""
    return _POEM.search(prompt.lower()) is not None


def asks_for_headed_document(prompt: str) -> bool:
    """A document whose sections carry headings (a CV, a report, an outline, a lesson plan, a website)."""
    return _HEADED_DOCUMENT.search(prompt.lower()) is not None
