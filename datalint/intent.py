"""What an instruction asks for, read from its words: small pure functions shared by the checks.

Rules use them to tell a finding that is the point of the task (a table the instruction asked for,
a phone number it asked to make up, a translation, a fragment by design) from a defect the data
merely carries. Each function is pure and cheap (a lower-cased `in` test gates every regex), and
errs on the side of "yes": a check uses it to *not* report something the instruction asked for.
"""

from __future__ import annotations

import re

import ahocorasick

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


# --- languages and changes the instruction asks for (language rules) ---

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
    """The text only says there is nothing ("N/A", "No output.", "<noinput>", "-", "无")."""
    return len(text) <= 40 and _PLACEHOLDER.fullmatch(text.strip().lower()) is not None
