"""Conversation structure: roles, their order, empty turns, and tool calls answered by known ids."""

from __future__ import annotations

from collections.abc import Iterator

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


def check_record(rule, record: Record) -> Iterator[Finding]:
    turns = record.turns
    if not turns:
        if rule.options["check"] == "empty-conversation" and record.format in CONVERSATION_FORMATS:
            yield Finding("conversation has no turns", record.turns_pointer)
        return
    yield from _CHECKS[rule.options["check"]](record)


def _unknown_role(record: Record) -> Iterator[Finding]:
    for turn in record.turns:
        if turn.role == "unknown":
            yield Finding(f"unknown role {turn.raw_role!r}", turn.turn_pointer)


def _system_not_first(record: Record) -> Iterator[Finding]:
    for index, turn in enumerate(record.turns):
        if turn.role == "system" and index > 0:
            yield Finding("system turn after the first turn", turn.turn_pointer)


def _alternation(record: Record) -> Iterator[Finding]:
    previous = None
    for turn in record.turns:
        if turn.role in ("user", "assistant") and previous is not None and previous.role == turn.role:
            yield Finding(f"two {turn.role} turns in a row", turn.turn_pointer)
        if turn.role != "system":
            previous = turn


def _last_turn(record: Record) -> Iterator[Finding]:
    last = next((turn for turn in reversed(record.turns) if turn.role != "system"), None)
    if last is not None and last.role != "assistant":
        yield Finding(f"conversation ends with a {last.role} turn, not the assistant's", last.turn_pointer)


def _empty_turn(record: Record) -> Iterator[Finding]:
    for turn in record.turns:
        if turn.calls_tool:
            continue  # an assistant turn that calls a tool needs no content
        if turn.text is None:
            yield Finding(f"{turn.role} turn has no text content", turn.pointer)
        elif not turn.text.strip():
            yield Finding(f"{turn.role} turn is empty" + (" (whitespace only)" if turn.text else ""), turn.pointer)


def _no_user_turn(record: Record) -> Iterator[Finding]:
    for turn in record.turns:
        if turn.role == "user":
            return
        if turn.role == "assistant":
            yield Finding("assistant turn with no user turn before it", turn.turn_pointer)
            return


def _tool_call_id(record: Record) -> Iterator[Finding]:
    known: set[str] = set()
    calls_seen = False
    for turn in record.turns:
        if turn.calls_tool:
            calls_seen = True
            known.update(turn.tool_call_ids)
        elif turn.role == "tool":
            if turn.tool_call_id is not None and turn.tool_call_id not in known:
                yield Finding(
                    f"tool message answers unknown tool call id {turn.tool_call_id!r}",
                    turn.turn_pointer + "/tool_call_id",
                )
            elif turn.tool_call_id is None and not calls_seen:
                yield Finding("tool message with no tool call before it", turn.turn_pointer)


_CHECKS = {
    "unknown-role": _unknown_role,
    "system-not-first": _system_not_first,
    "alternation": _alternation,
    "last-turn": _last_turn,
    "empty-turn": _empty_turn,
    "no-user-turn": _no_user_turn,
    "tool-call-id": _tool_call_id,
    "empty-conversation": lambda record: iter(()),
}
