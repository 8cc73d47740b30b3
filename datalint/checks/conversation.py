"""Conversation structure: roles, their order, empty turns, and tool calls answered by known ids."""

from __future__ import annotations

from datalint.checks import Option
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


def _unknown_role(record: Record) -> list[Finding]:
    return [
        Finding(f"unknown role {turn.raw_role!r}", turn.turn_pointer) for turn in record.turns if turn.role == "unknown"
    ]


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
    if index >= 0 and turns[index].role != "assistant":
        last = turns[index]
        return [Finding(f"conversation ends with a {last.role} turn, not the assistant's", last.turn_pointer)]
    return []


def _empty_turn(record: Record) -> list[Finding]:
    found = []
    for turn in record.turns:
        if turn.calls_tool:
            continue  # an assistant turn that calls a tool needs no content
        if turn.text is None:
            found.append(Finding(f"{turn.role} turn has no text content", turn.pointer))
        elif not turn.text.strip():
            found.append(
                Finding(f"{turn.role} turn is empty" + (" (whitespace only)" if turn.text else ""), turn.pointer)
            )
    return found


def _no_user_turn(record: Record) -> list[Finding]:
    for turn in record.turns:
        if turn.role == "user":
            return []
        if turn.role == "assistant":
            return [Finding("assistant turn with no user turn before it", turn.turn_pointer)]
    return []


def _tool_call_id(record: Record) -> list[Finding]:
    found = []
    known: set[str] = set()
    calls_seen = False
    for turn in record.turns:
        if turn.calls_tool:
            calls_seen = True
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


_CHECKS = {
    "unknown-role": _unknown_role,
    "system-not-first": _system_not_first,
    "alternation": _alternation,
    "last-turn": _last_turn,
    "empty-turn": _empty_turn,
    "no-user-turn": _no_user_turn,
    "tool-call-id": _tool_call_id,
    "empty-conversation": lambda record: [],
}
