"""Conversation structure: roles, their order, empty turns, and tool calls answered by known ids."""

from __future__ import annotations

import json
import re

from datalint.checks import Option
from datalint.intent.change import is_placeholder
from datalint.intent.requests import asks_for_text
from datalint.locate import make_pointer
from datalint.records import Record
from datalint.violation import Finding

CHECKS = (
    "unknown-role",
    "system-not-first",
    "alternation",
    "last-turn",
    "empty-turn",
    "no-user-turn",
    "tool-call-id",
    "empty-conversation",
    "placeholder-answer",
    "tool-call-arguments",
)
OPTIONS = {"check": Option(str, "alternation", "which structural property to check", CHECKS)}
CONVERSATION_FORMATS = ("openai", "sharegpt")
ANSWER_CHECKS = ("alternation", "last-turn")


def check_record(rule, record: Record) -> list[Finding] | tuple[Finding, ...]:
    turns = record.turns
    if not turns:
        if rule.options["check"] == "empty-conversation" and record.format in CONVERSATION_FORMATS:
            return (Finding("conversation has no turns", record.turns_pointer),)
        return ()
    if record.prompts_only and rule.options["check"] in ANSWER_CHECKS:
        return ()  # a prompt set's prompts are answered at evaluation, not in the record
    return _CHECKS[rule.options["check"]](record)


# Each check returns a list: nearly every call finds nothing, and a list is cheaper than a generator.


# The roles each format's loaders accept. OpenAI's API rejects any other role; LLaMA-Factory,
# FastChat and axolotl map ShareGPT's `from` tags through a fixed table and skip (or fail on)
# a record with another tag. Aliases such as `gpt` in OpenAI `messages` or `model` in ShareGPT
# are read by datalint but not by those trainers.
OPENAI_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
SHAREGPT_ROLES = ("system", "human", "gpt", "function_call", "observation", "tool", "user", "assistant")
_FORMAT_ROLES = {"openai": OPENAI_ROLES, "sharegpt": SHAREGPT_ROLES}
_FORMAT_NAMES = {"openai": "an OpenAI chat", "sharegpt": "a ShareGPT"}


def _unknown_role(record: Record) -> list[Finding]:
    allowed = _FORMAT_ROLES.get(record.format)
    found = []
    for turn in record.turns:
        # Turns built from other keys (a top-level `system`, DPO's `chosen`) have no role to check.
        in_turns = turn.turn_pointer.startswith(record.turns_pointer + "/")
        if allowed is not None and in_turns and turn.raw_role not in allowed:
            roles = ", ".join(allowed)
            found.append(
                Finding(
                    f"role {turn.raw_role!r} is not {_FORMAT_NAMES[record.format]} role ({roles})", turn.turn_pointer
                )
            )
        elif turn.role == "unknown" and (allowed is None or not in_turns):
            found.append(Finding(f"unknown role {turn.raw_role!r}", turn.turn_pointer))
    return found


def _system_not_first(record: Record) -> list[Finding]:
    return [
        Finding("system turn after the first turn", turn.turn_pointer)
        for turn in record.turns[1:]
        if turn.role == "system"
    ]


def _alternation(record: Record) -> list[Finding]:
    found = []
    previous = None
    for turn in record.turns:
        if turn.role in ("user", "assistant") and previous is not None and previous.role == turn.role:
            found.append(Finding(f"two {turn.role} turns in a row", turn.turn_pointer))
        if turn.role != "system":
            previous = turn
    return found


def _last_turn(record: Record) -> list[Finding]:
    turns = record.turns
    index = len(turns) - 1
    while index >= 0 and turns[index].role == "system":
        index -= 1
    if index >= 0 and turns[index].role not in ("assistant", "unknown"):  # an unknown role is S201's
        last = turns[index]
        article = "an" if last.role[0] in "aeiou" else "a"
        return [Finding(f"conversation ends with {article} {last.role} turn, not the assistant's", last.turn_pointer)]
    return []


# Characters that show nothing: zero-width spaces and joiners, direction marks, the BOM, the
# soft hyphen. A turn made only of them (and whitespace) is empty to a reader and a trainer.
_INVISIBLE = (
    "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
_INVISIBLE_TABLE = str.maketrans("", "", _INVISIBLE)
# End-of-text and end-of-turn tokens written into the text: a turn holding only one is empty.
_END_TOKEN = re.compile(
    r"<\|endoftext\|>|<\|end_of_text\|>|<\|im_end\|>|<\|eot_id\|>|<\|end\|>|</s>|<eos>|<end_of_turn>|\[EOS\]"
)
_VISIBLE = re.compile(rf"[^\s{_INVISIBLE}]")


def _empty_turn(record: Record) -> list[Finding]:
    found = []
    for turn in record.turns:
        if turn.calls_tool:
            continue  # an assistant turn that calls a tool needs no content
        text = turn.text
        if text is None:
            found.append(Finding(f"{turn.role} turn has no text content", turn.pointer))
        elif not text.strip():
            found.append(Finding(f"{turn.role} turn is empty" + (" (whitespace only)" if text else ""), turn.pointer))
        elif shows_nothing(text):
            token = _END_TOKEN.search(text)
            what = f"only the token {token.group()!r}" if token else "only invisible characters"
            found.append(Finding(f"{turn.role} turn is empty ({what})", turn.pointer))
    return found


def shows_nothing(text: str) -> bool:
    """Whether the text has no visible character once end-of-text tokens are set aside. Most
    texts start with a visible character that cannot begin a token: one regex step."""
    first = _VISIBLE.search(text)
    if first is None:
        return True
    if text[first.start()] not in "<[":
        return False
    return _VISIBLE.search(_END_TOKEN.sub("", text)) is None


def visible_text(text: str) -> str:
    """The text without invisible characters, end-of-text tokens and surrounding whitespace."""
    if text.isascii():
        return _END_TOKEN.sub("", text).strip() if "<" in text or "[" in text else text.strip()
    return _END_TOKEN.sub("", text.translate(_INVISIBLE_TABLE)).strip()


# --- S209: an answer that stands for no answer ----------------------------------------------------

# `<nooutput>`-style markers are P004's.
_MARKER = re.compile(r"<no ?(?:output|input)>")
# Words that are a right answer to many requests ("How many legs has a snake?" "None.";
# "What is the score?" "Nil."; "Replace 'none of this' with one word." "Nothing."): placeholders
# only where a text was asked for.
_CAN_ANSWER = frozenset(("none", "nothing", "nil", "null", "empty", "blank", "无", "没有", "空"))
# Prompts about symbols or masking, where punctuation alone can be the answer.
_ABOUT_SYMBOLS = re.compile(
    r"punctuat|symbol|character|emoji|morse|ascii|sign\b|mark\b|redact|mask|censor"
    r"|dash|hyphen|\bdots?\b|period|full stop|ellipsis|asterisk|slash|underscore"
    r"|标点|符号|字符|摩尔斯|黑框|方框|遮盖|屏蔽|打码"
)
MAX_PLACEHOLDER = 40


def _placeholder_answer(record: Record) -> list[Finding]:
    found = []
    for index, turn in enumerate(record.turns):
        if turn.role != "assistant" or turn.calls_tool or not turn.text or len(turn.text) > MAX_PLACEHOLDER:
            continue
        shown = visible_text(turn.text)
        answer = shown.lower()
        if not answer or not is_placeholder(answer) or _MARKER.fullmatch(answer):
            continue
        if answer == "na" and shown != "NA":
            continue  # "Na" is sodium
        if _offered(record, index, answer):
            continue
        found.append(Finding(f"{turn.role} answer {shown!r} stands for no answer", turn.pointer))
    return found


def _offered(record: Record, index: int, answer: str) -> bool:
    """Whether the prompt makes this placeholder a right answer: the instruction names it as an
    option ("if it is unanswerable, output No answer"), asks about symbols, or asks a question
    that "none" answers."""
    question = next((turn.text for turn in reversed(record.turns[:index]) if turn.role == "user" and turn.text), "")
    asked = [text.lower for text in record.texts if text.field in ("instruction", "system")]
    if not any(character.isalnum() for character in answer):  # punctuation alone, quoted or named
        quoted = re.compile(rf"(?:^|[\s\"'“‘(]){re.escape(answer)}(?:$|[\s\"'”’),])")
        return any(quoted.search(text) for text in asked) or bool(_ABOUT_SYMBOLS.search(question.lower()))
    word = answer.strip("[](){}<>.!。")
    if any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) for text in asked):
        return True
    return word in _CAN_ANSWER and not asks_for_text(question)


def _no_user_turn(record: Record) -> list[Finding]:
    for turn in record.turns:
        if turn.role in ("user", "unknown"):  # a turn of unknown role may be the question: S201's
            return []
        if turn.role == "assistant":
            return [Finding("assistant turn with no user turn before it", turn.turn_pointer)]
    return []


def _tool_call_id(record: Record) -> list[Finding]:
    found = []
    known: set[str] = set()
    calls_seen = False
    for turn in record.turns:
        if turn.calls_tool or (turn.role == "assistant" and turn.text and "<tool_call>" in turn.text):
            calls_seen = True  # Hermes and Qwen write the call into the answer
            known.update(turn.tool_call_ids)
        elif turn.role == "tool":
            if turn.tool_call_id is not None and turn.tool_call_id not in known:
                found.append(
                    Finding(
                        f"tool message answers unknown tool call id {turn.tool_call_id!r}",
                        turn.turn_pointer + "/tool_call_id",
                    )
                )
            elif turn.tool_call_id is None and not calls_seen:
                found.append(Finding("tool message with no tool call before it", turn.turn_pointer))
    return found


# --- S210: tool calls whose arguments are not JSON ---------------------------------------------


def _tool_call_arguments(record: Record) -> list[Finding]:
    data = record.data
    found = []
    tools = data.get("tools")
    if isinstance(tools, str):
        problem = _json_problem(tools, (list, dict), "a list of tools")
        if problem:
            found.append(Finding(f"`tools` is a string that {problem}", "/tools"))
    if record.format == "openai":
        for index, message in enumerate(data["messages"]):
            if isinstance(message, dict):
                found.extend(_openai_call_problems(message, make_pointer("messages", index)))
    elif record.format == "sharegpt":
        for turn in record.turns:
            if turn.calls_tool:
                problem = (
                    _json_problem(turn.text, (dict, list), "a call object")
                    if turn.text is not None
                    else "holds no call"
                )
                if problem:
                    found.append(Finding(f"{turn.raw_role} turn {problem}", turn.pointer))
    for turn in record.turns:
        if turn.role == "assistant" and turn.text and "<tool_call>" in turn.text:
            found.extend(_tagged_call_problems(turn.text, turn.pointer))
    return found


# Hermes and Qwen write calls into the answer: <tool_call>{"name": ..., "arguments": {...}}</tool_call>.
_TAGGED_CALL = re.compile(r"<tool_call>(.*?)(</tool_call>|<tool_call>|$)", re.S)


def _tagged_call_problems(text: str, pointer: str) -> list[Finding]:
    found = []
    for match in _TAGGED_CALL.finditer(text):
        if match.group(2) != "</tool_call>":
            found.append(Finding("<tool_call> block is not closed by </tool_call>", pointer))
            continue
        problem = _json_problem(match.group(1).strip(), (dict,), "a call object")
        if problem:
            found.append(Finding(f"<tool_call> block {problem}", pointer))
    return found


def _openai_call_problems(message: dict, pointer: str) -> list[Finding]:
    calls = message.get("tool_calls")
    located = []
    if isinstance(calls, list):
        for index, call in enumerate(calls):
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and "arguments" in function:
                located.append(
                    (
                        function["arguments"],
                        f"{pointer}/tool_calls/{index}/function/arguments",
                    )
                )
    legacy = message.get("function_call")
    if isinstance(legacy, dict) and "arguments" in legacy:
        located.append((legacy["arguments"], pointer + "/function_call/arguments"))
    found = []
    for arguments, where in located:
        if isinstance(arguments, dict):
            continue  # an object where a JSON string belongs: several loaders accept it
        if not isinstance(arguments, str):
            found.append(Finding(f"tool call arguments are {_json_type(arguments)}, not a JSON-encoded object", where))
            continue
        problem = _json_problem(arguments, (dict,), "an object")
        if problem:
            found.append(Finding(f"tool call arguments {problem}", where))
    return found


def _json_problem(text: str, expected: tuple[type, ...], what: str) -> str | None:
    """Why `text` is not JSON holding `what`, or None when it is."""
    try:
        value = json.loads(text)
    except ValueError as error:
        return f"is not valid JSON ({str(error).split(':')[0]})"
    if not isinstance(value, expected):
        return f"holds a JSON {_json_type(value)}, not {what}"
    return None


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


_CHECKS = {
    "unknown-role": _unknown_role,
    "system-not-first": _system_not_first,
    "alternation": _alternation,
    "last-turn": _last_turn,
    "empty-turn": _empty_turn,
    "no-user-turn": _no_user_turn,
    "tool-call-id": _tool_call_id,
    "empty-conversation": lambda record: [],
    "placeholder-answer": _placeholder_answer,
    "tool-call-arguments": _tool_call_arguments,
}
