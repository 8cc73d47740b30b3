"""Real token counts: the token sequence a trainer builds from a record, with a tokenizer named
by a spec (tokenizer_specs.py).

The sequence of a record is what the trainer sees:
- with a chat template (a model folder's, or `chat-template`), the template rendered with jinja2 as
  transformers renders it (`add_generation_prompt=False`, the folder's special tokens; see
  chat_templates.py), then tokenized without adding special tokens (the template writes them);
- with mistral-common, its instruct tokenizer's encoding of the conversation (what
  mistral-finetune trains on);
- otherwise each turn's text tokenized on its own and concatenated, as trainers tokenize a prompt
  and its completion separately.

The libraries are the optional extra `datalint[tokens]`, imported only when a tokenizer is loaded.
Nothing here touches the network.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from datalint.chat_templates import compile_template, read_model_folder
from datalint.records import Record, resolve
from datalint.tokenizer_specs import Spec, TokenizerError, tiktoken_cache_file

INSTALL_HINT = "pip install 'datalint[tokens]'"
ROLES = ("system", "user", "assistant", "tool")


# --- sequences ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """An assistant turn in the sequence: tokens [start, end), and where its text starts in the
    rendered text (None when the backend gives no character offsets)."""

    pointer: str
    start: int
    end: int
    char_start: int | None = None
    ends_turn: bool | None = None  # followed by the end-of-turn token (None: not checked)
    text_length: int = 0
    turn_end: int = 0  # after the end-of-turn token that closes the answer, when there is one

    @property
    def trained_end(self) -> int:
        return max(self.end, self.turn_end)


@dataclass(frozen=True, slots=True)
class TokenSequence:
    length: int
    answers: tuple[Answer, ...] = ()
    token_starts: tuple[int, ...] | None = None  # character offset of each token in the rendered text
    error: str = ""  # why the chat template or the tokenizer refused the record (then nothing else is known)

    def char_of_token(self, index: int, answer: Answer) -> int | None:
        """Where token `index` starts inside the answer's text, when offsets are known."""
        if self.token_starts is None or answer.char_start is None or index >= len(self.token_starts):
            return None
        return max(0, self.token_starts[index] - answer.char_start)


class Message(NamedTuple):
    """One turn as the trainer's template sees it."""

    role: str  # system, user, assistant or tool
    text: str
    pointer: str
    tool_calls: list | None = None  # an assistant turn's calls (OpenAI `tool_calls`), passed to templates
    tool_call_id: str | None = None


def messages_of(record: Record) -> list[Message]:
    """The record's turns with a known role and text (or tool calls). A lone surrogate (S011)
    becomes "?": tokenizers take only text that is valid Unicode."""
    messages = []
    for turn in record.turns:
        if turn.role not in ROLES or (turn.text is None and not turn.calls_tool):
            continue
        calls = None
        if turn.calls_tool:
            raw = resolve(record.data, turn.turn_pointer)
            calls = raw.get("tool_calls") if isinstance(raw, dict) and isinstance(raw.get("tool_calls"), list) else None
        text = _SURROGATE.sub("?", turn.text) if turn.text else ""
        messages.append(Message(turn.role, text, turn.pointer, calls, turn.tool_call_id))
    return messages


_SURROGATE = re.compile("[\ud800-\udfff]")


class TokenCounter:
    """A loaded tokenizer with the rules for building a record's sequence from it.

    The engine hands each rule of the kind the same chunk (list) of records in turn, so the last
    chunk's sequences are kept, and a chunk is tokenized once for all the rules.
    """

    def __init__(
        self,
        name: str,
        encode: Callable[[str], tuple[list[int], list[tuple[int, int]] | None]],
        template: Any = None,
        special_tokens: dict[str, str] | None = None,
        end_of_turn: tuple[str, int] | None = None,
        encode_chat: Callable[[list[Message]], TokenSequence] | None = None,
    ) -> None:
        self.name = name
        self.encode = encode
        self.template = template
        self.special_tokens = special_tokens or {}
        self.end_of_turn = end_of_turn
        self.encode_chat = encode_chat
        self._last: tuple[Sequence[Record], list[TokenSequence]] | None = None

    def sequences(self, records: Sequence[Record]) -> list[TokenSequence]:
        """The sequences of a chunk; the same chunk object asked again is answered from the last call."""
        if self._last is None or self._last[0] is not records:
            self._last = (records, [self.sequence(messages_of(record)) for record in records])
        return self._last[1]

    def sequence(self, messages: list[Message]) -> TokenSequence:
        try:
            if self.template is not None:
                return self._templated(messages)
            if self.encode_chat is not None:
                return self.encode_chat(messages)
            return self._concatenated(messages)
        except Exception as error:  # a library refusing one record must not stop the run (T105 reports it)
            return TokenSequence(0, error=f"{self.name} cannot encode this example: {type(error).__name__}: {error}")

    def _concatenated(self, messages: list[Message]) -> TokenSequence:
        length, answers, starts, chars = 0, [], [], 0
        for role, text, pointer, *_ in messages:
            ids, offsets = self.encode(text)
            if role == "assistant":
                start = chars if offsets is not None else None
                answers.append(Answer(pointer, length, length + len(ids), start, None, len(text)))
            if offsets is not None:
                starts += [chars + start for start, _ in offsets]
            length += len(ids)
            chars += len(text)
        return TokenSequence(length, tuple(answers), tuple(starts) if len(starts) == length else None)

    def _templated(self, messages: list[Message]) -> TokenSequence:
        import jinja2

        conversation = [_as_template_message(message) for message in messages]
        try:
            rendered = self.template.render(
                messages=conversation,
                add_generation_prompt=False,
                tools=None,
                documents=None,
                **self.special_tokens,
            )
        except jinja2.exceptions.TemplateError as error:
            return TokenSequence(0, error=f"the chat template refuses this example: {error or type(error).__name__}")
        except Exception as error:  # a template's own bug (None + str ...): the trainer would fail too
            return TokenSequence(0, error=f"the chat template fails on this example: {type(error).__name__}: {error}")
        ids, offsets = self.encode(rendered)
        starts = [start for start, _ in offsets]
        ends = [end for _, end in offsets]
        located = _locate_contents(rendered, [message.text for message in messages])
        answers = []
        for index, (role, _, pointer, *_) in enumerate(messages):
            span = located[index]
            if role != "assistant" or span is None:
                continue
            first = bisect_right(ends, span[0])  # the first token ending after the text starts
            last = bisect_left(starts, span[1])  # tokens starting before the text ends
            following = next((found for found in located[index + 1 :] if found is not None), None)
            stop = bisect_left(starts, following[0]) if following else len(ids)
            ends_turn, turn_end = None, last
            if self.end_of_turn is not None:
                ends_turn = self.end_of_turn[1] in ids[last:stop]
                if ends_turn:
                    turn_end = ids.index(self.end_of_turn[1], last, stop) + 1
            answers.append(Answer(pointer, first, last, span[0], ends_turn, span[1] - span[0], turn_end))
        return TokenSequence(len(ids), tuple(answers), tuple(starts))


def _as_template_message(message: Message) -> dict[str, Any]:
    found: dict[str, Any] = {"role": message.role, "content": message.text}
    if message.tool_calls is not None:
        found["tool_calls"] = message.tool_calls
    if message.tool_call_id is not None:
        found["tool_call_id"] = message.tool_call_id
    return found


def _locate_contents(rendered: str, texts: list[str]) -> list[tuple[int, int] | None]:
    """Where each message's text is in the rendered template, in order (None: the template changed it)."""
    found: list[tuple[int, int] | None] = []
    cursor = 0
    for text in texts:
        span = None
        for candidate in (text, text.strip()):
            position = rendered.find(candidate, cursor) if candidate else -1
            if position >= 0:
                span = (position, position + len(candidate))
                cursor = span[1]
                break
        found.append(span)
    return found


# --- loading -----------------------------------------------------------------------------------------


def load_counter(spec: Spec, chat_template: str = "", end_of_turn: str = "", digest: str = "") -> TokenCounter:
    """The counter for a spec; loaded once per process for all the rules that share it (`digest`,
    the content fingerprint, makes an edited file load again)."""
    return _load_counter(spec, chat_template, end_of_turn, digest)


@cache
def _load_counter(spec: Spec, chat_template: str, end_of_turn: str, digest: str) -> TokenCounter:
    if spec.backend == "tiktoken":
        return _tiktoken_counter(spec)
    if spec.backend == "mistral":
        return _mistral_counter(spec)
    return _hf_counter(spec, chat_template, end_of_turn)


def _hf_counter(spec: Spec, chat_template: str, end_of_turn: str) -> TokenCounter:
    try:
        from tokenizers import Tokenizer
    except ImportError as error:
        raise TokenizerError(f"hf: tokenizers need the `tokenizers` library: {INSTALL_HINT}") from error
    path = Path(spec.target)
    file = path / "tokenizer.json" if path.is_dir() else path
    try:
        tokenizer = Tokenizer.from_file(str(file))
    except Exception as error:  # the Rust library raises a bare Exception on a bad file
        raise TokenizerError(f"{file}: not a tokenizer.json the tokenizers library reads: {error}") from error

    def encode(text: str) -> tuple[list[int], list[tuple[int, int]]]:
        encoding = tokenizer.encode(text, add_special_tokens=False)
        return encoding.ids, encoding.offsets

    folder = read_model_folder(spec, chat_template)
    if not folder.template:
        return TokenCounter(spec.label, encode)
    try:
        import jinja2  # noqa: F401
    except ImportError as error:
        raise TokenizerError(f"chat templates need jinja2: {INSTALL_HINT}") from error
    end_text = end_of_turn or folder.special_tokens.get("eos_token", "")
    end = None
    if end_text:
        end_id = tokenizer.token_to_id(end_text)
        if end_id is None:
            raise TokenizerError(f"end-of-turn token {end_text!r} is not one token of {file}")
        end = (end_text, end_id)
    return TokenCounter(spec.label, encode, compile_template(folder.template), folder.special_tokens, end)


def _tiktoken_counter(spec: Spec) -> TokenCounter:
    try:
        import tiktoken
    except ImportError as error:
        raise TokenizerError(f"tiktoken: encodings need the `tiktoken` library: {INSTALL_HINT}") from error
    tiktoken_cache_file(spec.target)  # checked again here: the cache may have changed since the config was read
    encoding = tiktoken.get_encoding(spec.target)
    return TokenCounter(spec.label, lambda text: (encoding.encode_ordinary(text), None))


def _mistral_counter(spec: Spec) -> TokenCounter:
    try:
        from mistral_common.protocol.instruct.messages import AssistantMessage, UserMessage
        from mistral_common.protocol.instruct.request import InstructRequest
        from mistral_common.tokens.tokenizers.mistral import MistralTokenizer
    except ImportError as error:
        raise TokenizerError(f"mistral: tokenizers need the `mistral-common` library: {INSTALL_HINT}") from error
    version = spec.target
    try:
        if version == "v3-tekken":
            loaded = MistralTokenizer.v3(is_tekken=True)
        else:
            loaded = getattr(MistralTokenizer, version)()
    except Exception as error:  # a SentencePiece model without the sentencepiece package
        raise TokenizerError(f"mistral:{version} cannot be loaded: {error}") from error
    instruct = loaded.instruct_tokenizer
    raw = instruct.tokenizer

    def encode(text: str) -> tuple[list[int], None]:
        return raw.encode(text, bos=False, eos=False), None

    def as_messages(turns: list[Message]) -> list[Any]:
        return [
            UserMessage(content=text) if role == "user" else AssistantMessage(content=text) for role, text, *_ in turns
        ]

    def length_of(turns: list[Message], system: str | None) -> int:
        return len(instruct.encode_instruct(InstructRequest(messages=as_messages(turns), system_prompt=system)).tokens)

    def encode_chat(messages: list[Message]) -> TokenSequence:
        """One encoding of the whole conversation; the last answer's tokens are its own encoding at
        the end (mistral-common encodes message by message and concatenates). An earlier answer's
        start is the length of the conversation before it, encoded alone, which puts the system
        prompt in that part's last user turn (v2 and later put it in the conversation's last)."""
        system = "\n\n".join(message.text for message in messages if message.role == "system") or None
        # mistral-common takes user and assistant text here; tool calls and results are not counted
        turns = [
            message for message in messages if message.role in ("user", "assistant") and message.tool_calls is None
        ]
        if not turns:
            return TokenSequence(1)
        lengths = {0: 1}  # tokens of the first n turns, encoded alone (n = 0: the BOS token)

        def prefix(count: int) -> int:
            if count not in lengths:
                lengths[count] = length_of(turns[:count], system)
            return lengths[count]

        try:
            total = lengths[len(turns)] = length_of(turns, system)
            answers = []
            for index, (role, text, pointer, *_) in enumerate(turns):
                if role == "assistant" and index == len(turns) - 1:
                    own = instruct.encode_assistant_message(AssistantMessage(content=text), False)
                    answers.append(Answer(pointer, total - len(own), total))
                elif role == "assistant":
                    answers.append(Answer(pointer, prefix(index), prefix(index + 1)))
        except Exception:  # mistral-common refuses the turn order: count the texts on their own
            return counter_without_chat.sequence(messages)
        return TokenSequence(total, tuple(answers))

    counter_without_chat = TokenCounter(spec.label, encode)
    return TokenCounter(spec.label, encode, encode_chat=encode_chat)
