"""Structures and kinds of text the instruction asks for (the format rules)."""

from __future__ import annotations

import re

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
