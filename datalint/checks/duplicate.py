"""Exact and normalised duplicates, and prompts answered differently, across every file of a run.

The record pass keeps a few 64-bit hashes per record; the dataset pass groups records by them.
Each group is reported once per extra member, at that member, with the group's first record
(in run order: file order, then line order) as the related location.

Keys, from strictest to loosest; each rule reports only what the stricter keys do not, so one
extra copy is reported by one rule:

- `record`: the same line, byte for byte.
- `text`: every text field equal after normalisation (NFKC, case folding, whitespace runs
  folded to one space); the records differ only in form (key order, JSON spacing, case,
  whitespace, Unicode form) or in non-text metadata (ids, labels).
- `example`: the same prompt and the same response after normalisation, while some other text
  differs (a DPO `rejected` answer, a tool list, a second copy of the answer in another field).
- `prompt`: the same closed question answered two incompatible ways: conflicting answers.
  The prompt here is the whole context (system prompt, every turn up to the answer, the tool
  list). Only closed answers take part: yes/no, an option letter, a number, a short label; and
  only when the prompt does not ask for something with many right answers (a poem, a
  recommendation, small talk: `datalint.intent.asks_open_answer`). Two long answers to one
  prompt are two ways to say it, not a contradiction.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from hashlib import blake2b
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np

from datalint.checks import Option
from datalint.feature_types import CATEGORY, STR, UINT64, Features, optional, row
from datalint.intent.requests import asks_open_answer, asks_question
from datalint.minhash.shingles import normalize
from datalint.presets import CANDIDATE_KEYS, ITEM_TEXT_KEYS
from datalint.records import Record
from datalint.violation import DatasetFinding, DeleteLine, Fix, Violation

KEYS = ("record", "text", "example", "prompt")
OPTIONS = {"key": Option(str, "record", "what must be equal: " + ", ".join(KEYS), KEYS)}
_SEPARATOR = "\x1f"
_MIX = 0x9E3779B97F4A7C15  # odd 64-bit multiplier: combines two hashes into one
_MASK = (1 << 64) - 1
# The ASCII bytes other than whitespace and the plain space: deleting them leaves the whitespace
# that `normalize` would fold (tabs, newlines, \x1c-\x1f, which str.split() also splits at).


class Keys(NamedTuple):
    """The hashes of one record that the duplicate rules group by (computed once for all of them).

    A NamedTuple: built for every record, and a frozen dataclass costs several times more to make."""

    text: int | None  # every text field, normalised; None when the record has no text
    prompt: int | None  # the prompt, normalised; None when there is none
    response: int
    example: int  # prompt and response together
    answer_pointer: str


def _hash(text: str) -> int:
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


class _OfRecord:
    """What the duplicate rules compute once per record and share: its keys, its closed answer."""

    __slots__ = ("record", "_keys", "_closed")

    def __init__(self, record: Record) -> None:
        self.record = record
        self._keys: Keys | None = None
        self._closed: tuple[str, str] | None | bool = False  # False: not computed yet

    @property
    def keys(self) -> Keys:
        if self._keys is None:
            self._keys = _compute_keys(self.record)
        return self._keys

    @property
    def closed(self) -> tuple[str, str] | None:
        if self._closed is False:
            self._closed = closed_answer_of(self.record)
        return self._closed


def _compute_keys(record: Record) -> Keys:
    # Each string is normalised once: a turn usually is one of the text fields (same object).
    normalised: dict[int, str] = {}
    fields = []
    for item in record.texts:
        folded = normalised[id(item.text)] = normalize(item.text, item.lower)
        fields.append(item.field + ":" + folded)
    if record.format == "completions":
        fields.append("authors:" + _candidate_authors(record.data))  # who wrote each candidate
    turns = record.turns
    last = len(turns) - 1
    while last >= 0 and turns[last].role != "assistant":
        last -= 1
    prompt_turns = turns[:last] if last >= 0 else turns
    if len(prompt_turns) == 1:  # the usual single-turn record: no join
        prompt = _normalised_turn(record, prompt_turns[0].text or "", normalised)
    else:
        parts = [_normalised_turn(record, turn.text or "", normalised) for turn in prompt_turns]
        prompt = " ".join([part for part in parts if part])
    answer_text = (turns[last].text or "") if last >= 0 else ""
    response = normalised.get(id(answer_text)) or normalize(answer_text)
    if record.format == "completions":
        # A comparison's answer is all its candidates and who wrote each, not the last one alone.
        candidates = [normalised.get(id(turn.text)) or normalize(turn.text or "") for turn in turns[1::2]]
        response = _SEPARATOR.join([*candidates, _candidate_authors(record.data)])
    prompt_hash, response_hash = _hash(prompt), _hash(response)
    return Keys(
        _hash(_SEPARATOR.join(fields)) if fields else None,
        prompt_hash if prompt else None,
        response_hash,
        (prompt_hash * _MIX + response_hash) & _MASK,
        turns[last].pointer if last >= 0 else "",
    )


def _candidate_authors(data: dict) -> str:
    """Who wrote each candidate of a comparison (`completions[{model, completion}]`): two records
    comparing other models are other records, even where the models wrote the same words."""
    for key in CANDIDATE_KEYS:
        candidates = data.get(key)
        if isinstance(candidates, list):
            return repr([_metadata(item) for item in candidates])
    return ""


def _metadata(candidate) -> list | None:
    if not isinstance(candidate, dict):
        return None
    return sorted((key, repr(value)) for key, value in candidate.items() if key not in ITEM_TEXT_KEYS)


def _normalised_turn(record: Record, text: str, normalised: dict[int, str]) -> str:
    found = normalised.get(id(text))
    if found:
        return found
    # Alpaca's user turn is instruction + "\n\n" + input, both already normalised. Normalising
    # works per part across a blank line (NFKC never composes across "\n", case folding is per
    # character, and the blank line is one whitespace run), so the parts joined by one space are
    # the same string, without normalising the whole turn again.
    data = record.data
    instruction, extra = data.get("instruction"), data.get("input")
    if (
        isinstance(instruction, str)
        and isinstance(extra, str)
        and len(text) == len(instruction) + 2 + len(extra)
        and text.startswith(instruction)
        and text.endswith(extra)
        and text[len(instruction) : len(instruction) + 2] == "\n\n"
        and id(instruction) in normalised
        and id(extra) in normalised
    ):
        first, second = normalised[id(instruction)], normalised[id(extra)]
        return first + " " + second if first and second else first or second
    return normalize(text)


def features(rule) -> Features:
    """64-bit hashes to group by: the line (`record`), the normalised texts (`text`), prompt and
    response (`example`); `prompt`: the context's hash, the closed answer and where it is."""
    key = rule.options["key"]
    if key == "record":
        return row(record=UINT64)
    if key == "text":
        return row(record=UINT64, text=UINT64)
    if key == "example":
        return row(text=optional(UINT64), example=UINT64)
    return row(context=UINT64, answer=STR, pointer=CATEGORY)


def prepare_features_set(rules: list) -> tuple[str, ...]:
    return tuple(rule.options["key"] for rule in rules)


def record_features_set(keys: tuple[str, ...], record: Record) -> list[tuple | None]:
    """Every duplicate rule's features of the record, its keys computed once for all of them."""
    shared = _OfRecord(record)
    return [_features(key, record, shared) for key in keys]


def record_features(rule, record: Record) -> tuple | None:
    return _features(rule.options["key"], record, _OfRecord(record))


def _features(key: str, record: Record, shared: _OfRecord) -> tuple | None:
    # The record's line hash: byte-identical lines. Other spellings of the same JSON (key order,
    # spacing, escapes) have the same text fields, so D002 reports them.
    record_hash = int(record.hash, 16) if record.hash else 0
    if key == "record":
        return (record_hash,)
    if key == "prompt":
        return _closed_question_features(record, shared)
    keys = shared.keys
    if key == "text":
        return (record_hash, keys.text) if keys.text is not None else None
    if keys.prompt is None:
        return None  # no prompt to compare (unknown format without a mapping, or an empty prompt)
    return (keys.text, keys.example)


# --- D004: closed questions answered two ways -------------------------------------------------

# End-of-text tokens some formats append to every completion: not part of the answer.
_END_TOKENS = re.compile(r"(?:\s*(?:<\|endoftext\|>|</s>|<\|im_end\|>|<\|eot_id\|>|<eos>|<\|end\|>))+\s*$")
MAX_CLOSED_CHARS = 80  # a longer answer is an explanation, not a closed answer
MAX_NUMBER_WORDS = 12  # "4 km is about 2.49 miles." still states one number
MAX_LABEL_WORDS = 4
MAX_LABEL_CJK_CHARS = 10
_POLARITY_WORDS = {
    "yes": "yes", "yeah": "yes", "yep": "yes", "true": "yes", "correct": "yes",
    "no": "no", "nope": "no", "false": "no", "incorrect": "no",
    "是": "yes", "是的": "yes", "对": "yes", "对的": "yes", "正确": "yes",
    "不是": "no", "不对": "no", "错": "no", "错误": "no", "否": "no",
}  # fmt: skip
# The polarity word must stand alone or before punctuation: "No problem!" answers nothing.
# "Yes it is" and "No, never" answer; "No one knows", "No problem" and "No doubt" do not say no.
_NOT_POLARITY = r"one|body|idea|problem|matter|doubt|longer|more|less|thanks|worries|way of"
_POLARITY = re.compile(
    r"(yes|yeah|yep|true|correct|no|nope|false|incorrect)(?:\s*[,.!;:]|\s*$|\s+(?!(?:" + _NOT_POLARITY + r")\b))"
    r"|(是的?|对的?|正确|不是|不对|错误?|否)(?:\s*[,.!;:，。！；：]|\s*$)"
)
# An option letter alone or before its text ("B", "(B)", "B) dolphin", "B. dolphin"), never the
# article of a sentence ("A horse is eating hay"); or named ("The answer is B", "Option C").
_OPTION = re.compile(r"\(?([A-H])(?:[.):]\s+\S.*|[.):]?)", re.S)
_OPTION_NAMED = re.compile(r"(?:the (?:correct |right )?answer is|answer\s*[:：]|option|choice)\s*\(?([a-h])\)?[.)]?$")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
# "About 40,000 km" states a rounded number: it agrees with 40,075.
_APPROXIMATE = re.compile(r"\b(?:about|approximately|approx|around|roughly|nearly|almost|circa)\b|[~≈约]|左右|差不多")
_SMALL_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty"
).split()
_SPELLED_NUMBER = re.compile(rf"({'|'.join(_SMALL_NUMBERS)})(?: \w+)?")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_LABEL_PREFIX = re.compile(r"^(?:the answer is|answer|label|category|class|output)\s*[:：]?\s*|^(?:the|a|an)\s+")
_LABEL_EDGES = " \t\n.,;:!?\"'`()[]{}。，；：！？「」“”‘’"


def closed_answer(answer: str) -> tuple[str, str] | None:
    """The kind and value of an answer that has one right value (yes/no, an option letter, a
    number, a short label), or None for an answer that explains or composes."""
    if len(answer) > 2 * MAX_CLOSED_CHARS:
        return None  # most answers: no regex, no normalisation
    text = (_END_TOKENS.sub("", answer) if "<" in answer else answer).strip()
    if not text or len(text) > MAX_CLOSED_CHARS:
        return None
    lowered = normalize(text)
    polarity = _POLARITY.match(lowered)
    if polarity:
        return ("polarity", _POLARITY_WORDS[polarity.group(1) or polarity.group(2)])
    option = _OPTION.fullmatch(text) or _OPTION_NAMED.search(lowered.rstrip(" ."))
    if option:
        return ("option", option.group(1).upper())
    words = lowered.split()
    if len(words) > MAX_NUMBER_WORDS:
        return None
    numbers = _NUMBER.findall(lowered)
    approximate = "~" if _APPROXIMATE.search(lowered) else ""
    if numbers:
        return ("number", approximate + numbers[-1].replace(",", "").lstrip("+"))
    label = _LABEL_PREFIX.sub("", lowered.strip(_LABEL_EDGES)).strip(_LABEL_EDGES)
    if not label or len(label.split()) > MAX_LABEL_WORDS:
        return None
    spelled = _SPELLED_NUMBER.fullmatch(label)
    if spelled:  # "Six." or "six legs" answers as the number 6 does
        return ("number", approximate + str(_SMALL_NUMBERS.index(spelled.group(1))))
    if _CJK.search(label) and len(label) > MAX_LABEL_CJK_CHARS:
        return None
    return ("label", label)


def closed_answer_of(record: Record) -> tuple[str, str] | None:
    """`closed_answer` of the record's response (D004, D005)."""
    response = record.response
    return closed_answer(response) if response else None


def _closed_question_features(record: Record, shared: _OfRecord) -> tuple | None:
    """(hash of the context and the answer's kind, the answer's value, where the answer is), for
    a closed answer to a prompt that does not ask for an open one; None otherwise."""
    answer = shared.closed
    if answer is None:
        return None
    turns = record.turns
    last = len(turns) - 1
    while last >= 0 and turns[last].role != "assistant":
        last -= 1
    if last < 1:
        return None
    question = next((turn.text for turn in reversed(turns[:last]) if turn.role == "user" and turn.text), "")
    if asks_open_answer(question) or any(
        turn.role == "system" and turn.text and asks_open_answer(turn.text) for turn in turns[:last]
    ):
        return None
    kind, value = answer
    if kind == "label" and not asks_question(question):
        return None  # a short text made by an order ("reverse this", "shorten it") has several forms
    keys = shared.keys
    if keys.prompt is None:
        return None
    # The same user turn under another tool list is another prompt.
    tools = record.data.get("tools", record.data.get("functions"))
    tools_text = tools if isinstance(tools, str) else json.dumps(tools, sort_keys=True, ensure_ascii=False)
    context = _hash(f"{keys.prompt}{_SEPARATOR}{tools_text}{_SEPARATOR}{kind}")
    return (context, value, keys.answer_pointer)


LABELS = {
    "record": "exact duplicate of",
    "text": "duplicate (differs only in case, whitespace, Unicode form or metadata) of",
    "example": "same prompt and response as",
}


# The columns each key groups by: the stricter key's column (None: none), then its own.
_COLUMNS = {"record": (None, "record"), "text": ("record", "text"), "example": ("text", "example")}


def check_dataset(rule, table) -> Iterator[DatasetFinding]:
    key = rule.options["key"]
    yield from _conflicts(table) if key == "prompt" else _duplicates(table, LABELS[key], *_COLUMNS[key])


def _groups(values: list[tuple], position: int) -> dict[Any, list[int]]:
    """Rows sharing a key, by key (in order of first occurrence), for the keys held by two rows or more."""
    keys = list(map(itemgetter(position), values))
    counts = Counter(keys)  # C speed; most datasets have no or few repeated keys
    if len(counts) == len(keys):
        return {}
    groups: dict[Any, list[int]] = {key: [] for key, count in counts.items() if count > 1}
    for index, key in enumerate(keys):
        members = groups.get(key)
        if members is not None:
            members.append(index)
    return groups


def hash_groups(keys: np.ndarray) -> list[list[int]]:
    """The rows sharing a 64-bit key, for the keys held by two rows or more: each group's rows in
    order, the groups in order of their first row. Sorted in numpy: no Python object per row."""
    by_key = np.argsort(keys, kind="stable")  # stable: a group's rows stay in row order
    ordered = keys[by_key]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    sizes = np.diff(np.append(starts, len(keys)))
    shared = sizes > 1
    if not shared.any():
        return []
    groups = [by_key[start : start + size].tolist() for start, size in zip(starts[shared], sizes[shared], strict=True)]
    groups.sort(key=itemgetter(0))
    return groups


def _duplicates(table, label: str, stricter_name: str | None, name: str) -> Iterator[DatasetFinding]:
    """One finding per extra member of a group of rows equal on the key; a member equal to an
    earlier member on the stricter key is that rule's to report."""
    groups = hash_groups(table.column(name).values)
    members_in_order = [member for members in groups for member in members]
    stricter = iter(
        table.column(stricter_name).take(np.array(members_in_order, np.int64)).items()
        if stricter_name is not None
        else [None] * len(members_in_order)
    )
    for members in groups:
        first = members[0]
        seen_stricter: set[int | None] = set()
        size = f" ({len(members)} records share it)" if len(members) > 2 else ""
        # One message per file of the group: a run with millions of copies holds each text once.
        messages: dict[str, str] = {}
        for member in members:
            value = next(stricter)
            if member != first and (value is None or value not in seen_stricter):
                path = table.paths[member]
                message = messages.get(path)
                if message is None:
                    message = messages[path] = f"{label} {table.where(first, member)}{size}"
                yield DatasetFinding(member, message, (first,))
            seen_stricter.add(value)


APPROXIMATE_TOLERANCE = 0.01  # "about 40,000 km" and "40,075 km" agree; 15 and 20 do not


def _incompatible(one: str, other: str) -> bool:
    """Whether two closed answers of one kind contradict: labels that are not one inside the
    other ("Paris" and "Paris, France" agree); numbers that differ, beyond 1% when either is
    said to be approximate, beyond one unit of the last decimal place of the less precise
    (2.48 and 2.49 are two roundings of 2.485)."""
    if one == other:
        return False
    first, second = _as_number(one), _as_number(other)
    if first is None or second is None:
        return one not in other and other not in one
    (x, x_places, x_approximate), (y, y_places, y_approximate) = first, second
    if x_approximate or y_approximate:
        return abs(x - y) > APPROXIMATE_TOLERANCE * max(abs(x), abs(y))
    places = min(x_places, y_places)
    return abs(x - y) > 10.0**-places * 1.000001 if places else x != y


def _shown(value: str) -> str:
    return "about " + value[1:] if value.startswith("~") else value


def _as_number(value: str) -> tuple[float, int, bool] | None:
    """(the number, its decimal places, whether it was said to be approximate), or None for a label."""
    digits = value.lstrip("~")
    if not _NUMBER.fullmatch(digits):
        return None
    places = len(digits.split(".")[1]) if "." in digits else 0
    return float(digits), places, value.startswith("~")


def _conflicts(table) -> Iterator[DatasetFinding]:
    values = table.values
    for members in _groups(values, 0).values():
        first = members[0]
        answers = {values[member][1] for member in members}
        if len(answers) == 1:
            continue
        for member in members[1:]:
            here, there = values[member][1], values[first][1]
            if _incompatible(here, there):
                answered = f"answered {_shown(here)!r} here and {_shown(there)!r} there"
                yield DatasetFinding(
                    member,
                    f"same question as {table.where(first, member)} {answered} "
                    f"({len(members)} records share this question, {len(answers)} different answers)",
                    (first,),
                    values[member][2],
                )


def fix(rule, violation: Violation, context) -> Fix | None:
    """Delete an exact copy (D001 only) when the copy that stays is earlier in the same file."""
    if rule.options["key"] != "record" or not violation.related:
        return None
    kept = violation.related[0]
    if kept.path != violation.path or kept.line >= violation.line:
        return None
    return Fix(rule.fix, (DeleteLine(violation.line),))
