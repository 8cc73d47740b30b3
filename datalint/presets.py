"""The field-mapping presets: the keys each common format keeps its parts under, and
`detect_format`, which tells from a record's keys which preset it is.

Pure functions of a parsed object; `field_mapping.py` builds the Record view from what they find.
"""

from __future__ import annotations

# Every preset, in the order detect_format tries them. "qa" is a flat record under other key
# names ("question"/"std_answer", "Instruction"/"Output"); "prompts" a prompt set with no answers.
PRESETS = (
    "alpaca",
    "openai",
    "sharegpt",
    "prompt-completion",
    "chat",
    "seed-tasks",
    "completions",
    "oasst",
    "qa",
    "prompts",
)
FORMATS = (*PRESETS, "custom")

ROLE_ALIASES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "prompter": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "model": "assistant",
    "chatgpt": "assistant",
    "bard": "assistant",
    "bing": "assistant",
    "function_call": "assistant",
    "tool": "tool",
    "function": "tool",
    "observation": "tool",
    "ipython": "tool",
}
TOOL_CALL_ROLES = ("function_call",)
DEFAULT_LABEL_KEYS = {"type": ("type", "category", "class", "task_type"), "difficulty": ("difficulty", "level")}

# Keys of the parts of a flat record, matched without case ("Instruction", "Question"): in each
# tuple the first key a record has wins. "input" is the prompt only when nothing else is.
PROMPT_KEYS = ("instruction", "question", "query", "prompt", "problem", "inputs", "input")
CONTEXT_KEYS = ("input", "context")
ANSWER_KEYS = (
    "output",
    "response",
    "answer",
    "std_answer",
    "reply",
    "completion",
    "solution",
    "canonical_solution",
    "target",
    "targets",
    "chosen",
)
SYSTEM_KEYS = ("system", "system_prompt")
REJECTED_KEYS = ("rejected",)
# Lists beside a prompt: self-instruct instances ({input, output}), or several candidate answers
# (strings, or objects holding the text under one of ITEM_TEXT_KEYS, e.g. {model, completion}).
INSTANCE_KEYS = ("instances",)
CANDIDATE_KEYS = ("completions", "responses", "outputs", "answers", "candidates", "generations")
ITEM_TEXT_KEYS = ("completion", "response", "output", "text", "content", "answer")
# A conversation as a list of messages under another key than `messages`/`conversations`, each
# message with one of the role keys and one of the text keys.
CHAT_KEYS = ("conversation", "dialog", "dialogue", "chat", "turns", "utterances")
MESSAGE_ROLE_KEYS = ("role", "from", "speaker", "author")
MESSAGE_TEXT_KEYS = ("content", "value", "text", "message")
# Or a list of strings, user and assistant in turn (LIMA's `conversations`, UltraChat's `data`).
STRING_CHAT_KEYS = ("conversations", "messages", "conversation", "dialog", "dialogue", "chat", "data")
# A prompt set's user prompts as a list of strings (MT-Bench), and its optional reference answers.
PROMPT_LIST_KEYS = ("turns", "prompts")
REFERENCE_KEYS = ("reference", "references", "reference_answers")


def detect_format(data: dict) -> str:
    """The preset a record's keys match, or "unknown"."""
    # The usual presets by their exact keys first: nearly every record is one of these.
    if isinstance(data.get("messages"), list) and not starts_with_text(data["messages"]):
        return "openai"
    if isinstance(data.get("conversations"), list) and not starts_with_text(data["conversations"]):
        return "sharegpt"
    if "instruction" in data and ("output" in data or "response" in data):
        return "alpaca"
    if "prompt" in data and "completion" in data:
        return "prompt-completion"
    if chat_list(data) is not None:
        return "chat"
    if oasst_root(data) is not None:
        return "oasst"
    prompt = find_key(data, PROMPT_KEYS)
    if prompt is None or not isinstance(data[prompt], str):
        return "prompts" if prompt_list(data) is not None else "unknown"
    if list_at(data, INSTANCE_KEYS) is not None:
        return "seed-tasks"
    if list_at(data, CANDIDATE_KEYS) is not None:
        return "completions"
    answer = find_key(data, ANSWER_KEYS)
    if answer is None:
        return "prompts"
    return "qa" if data[answer] is None or isinstance(data[answer], str) else "unknown"


def find_key(data: dict, aliases: tuple[str, ...]) -> str | None:
    """The record's key for the first of these names it has, in any case ("Question")."""
    for alias in aliases:
        if alias in data:
            return alias
    cased = {key.lower(): key for key in data if isinstance(key, str) and not key.islower()}
    if cased:
        for alias in aliases:
            if alias in cased:
                return cased[alias]
    return None


def list_at(data: dict, aliases: tuple[str, ...]) -> str | None:
    key = find_key(data, aliases)
    return key if key is not None and isinstance(data[key], list) else None


def starts_with_text(items: list) -> bool:
    return bool(items) and isinstance(items[0], str)


def chat_list(data: dict) -> str | None:
    """The key of a conversation under another name: a list of messages (objects with a role key,
    `conversation`) or of strings, user and assistant in turn (`conversations` of LIMA)."""
    key = list_at(data, STRING_CHAT_KEYS)
    if key is not None and starts_with_text(data[key]):
        return key
    key = list_at(data, CHAT_KEYS)
    if key is None or not data[key]:
        return None
    if all(isinstance(item, dict) and find_key(item, MESSAGE_ROLE_KEYS) is not None for item in data[key]):
        return key
    return None


def prompt_list(data: dict) -> str | None:
    """The key of a list of prompt strings (MT-Bench `turns`)."""
    key = list_at(data, PROMPT_LIST_KEYS)
    if key is None or not data[key] or not all(isinstance(item, str) for item in data[key]):
        return None
    return key


def oasst_root(data: dict) -> str | None:
    """Pointer of an OASST message tree's root: the record itself (a message with `replies`, or a
    lone message of the flat export, with `message_id`), or its `prompt` (the export's tree
    layout), or None."""
    if "text" in data and "role" in data and (isinstance(data.get("replies"), list) or "message_id" in data):
        return ""
    prompt = data.get("prompt")
    if isinstance(prompt, dict) and isinstance(prompt.get("replies"), list) and "text" in prompt:
        return "/prompt"
    return None
