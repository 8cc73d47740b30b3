"""Real token counts: the tokenizer `[tokens]` names, and the token sequence a trainer builds from a record.

A tokenizer is named by a spec: `hf:PATH` (a `tokenizer.json`, or a model folder holding one with
its `tokenizer_config.json`), `tiktoken:NAME` (an OpenAI encoding, read from tiktoken's cache, never
downloaded), or `mistral:VERSION` (a tokenizer shipped inside mistral-common's wheel). Nothing here
touches the network.

The sequence of a record is what the trainer sees:
- with a chat template (a model folder's, or `chat-template`), the template rendered with jinja2 as
  transformers renders it (`add_generation_prompt=False`, the folder's special tokens), then
  tokenized without adding special tokens (the template writes them);
- with mistral-common, its instruct tokenizer's encoding of the conversation (what
  mistral-finetune trains on);
- otherwise each turn's text tokenized on its own and concatenated, as trainers tokenize a prompt
  and its completion separately.

The libraries are the optional extra `datalint[tokens]`, imported only when a tokenizer is loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from datalint.records import Record, resolve

INSTALL_HINT = "pip install 'datalint[tokens]'"
BACKENDS = ("hf", "tiktoken", "mistral")
# The OpenAI encodings tiktoken downloads, with the sha256 tiktoken expects of each file: a cached
# copy is used only when it is there and intact, since tiktoken re-downloads a missing or corrupt
# one (with no timeout) and datalint never touches the network.
TIKTOKEN_FILES = {
    "r50k_base": "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
    "p50k_base": "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
MISTRAL_VERSIONS = ("v1", "v2", "v3", "v3-tekken", "v7")
GENERATION_TAG = re.compile(r"\{%-?\s*generation\s*-?%\}")
ROLES = ("system", "user", "assistant", "tool")


class TokenizerError(ValueError):
    """A tokenizer that cannot be named or loaded; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Spec:
    backend: str  # hf, tiktoken or mistral
    target: str  # an absolute path (hf), an encoding name (tiktoken) or a version (mistral)

    def __str__(self) -> str:
        return f"{self.backend}:{self.target}"

    @property
    def label(self) -> str:
        """How messages name it: a path by its last part, so messages do not depend on the machine."""
        return f"hf:{Path(self.target).name}" if self.backend == "hf" else str(self)


def parse_spec(value: str, root: Path) -> Spec:
    """`hf:PATH`, `tiktoken:NAME` or `mistral:VERSION`; a relative PATH is relative to `root`."""
    backend, _, target = value.partition(":")
    if backend not in BACKENDS or not target:
        raise TokenizerError(
            f"{value!r} is not a tokenizer: use hf:path/to/tokenizer.json, hf:path/to/model-folder, "
            f"tiktoken:o200k_base or mistral:v3"
        )
    if backend == "hf":
        path = Path(target).expanduser()
        path = path if path.is_absolute() else root / path
        if path.is_dir() and not (path / "tokenizer.json").is_file():
            raise TokenizerError(f"{path} has no tokenizer.json")
        if not path.exists():
            raise TokenizerError(f"no such file or folder: {path}")
        return Spec("hf", str(path))
    if backend == "tiktoken":
        if target not in TIKTOKEN_FILES:
            raise TokenizerError(f"unknown tiktoken encoding {target!r} (known: {', '.join(TIKTOKEN_FILES)})")
        tiktoken_cache_file(target)  # offline, a missing file is this error now, not a download later
        return Spec("tiktoken", target)
    if target not in MISTRAL_VERSIONS:
        raise TokenizerError(f"unknown mistral tokenizer {target!r} (known: {', '.join(MISTRAL_VERSIONS)})")
    return Spec("mistral", target)


def tiktoken_cache_file(name: str) -> Path:
    """The intact cached copy of an encoding, where tiktoken itself looks for it."""
    folder = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    folder = folder or os.path.join(tempfile.gettempdir(), "data-gym-cache")
    path = Path(folder) / hashlib.sha1(TIKTOKEN_URL.format(name=name).encode()).hexdigest()
    try:
        intact = hashlib.sha256(path.read_bytes()).hexdigest() == TIKTOKEN_FILES[name]
    except OSError:
        intact = False
    if not intact:
        raise TokenizerError(
            f"tiktoken:{name} is not available offline (no intact copy in {folder}) and datalint never downloads: "
            f"set TIKTOKEN_CACHE_DIR to a folder holding tiktoken's cache (filled by one online run of "
            f"`TIKTOKEN_CACHE_DIR=DIR python -c \"import tiktoken; tiktoken.get_encoding('{name}')\"`), "
            f'or give a local file: tokenizer = "hf:path/to/tokenizer.json"'
        )
    return path


def spec_files(spec: Spec, chat_template: str = "") -> list[Path]:
    """The files whose content the counts depend on (the cache key hashes them)."""
    files = [Path(chat_template)] if chat_template else []
    if spec.backend == "hf":
        path = Path(spec.target)
        if path.is_dir():
            files += [path / name for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja")]
        else:
            files.append(path)
    return [path for path in files if path.is_file()]


def fingerprint(spec: Spec, chat_template: str = "") -> str:
    """A digest of the tokenizer's content: its files' bytes, or the library version that ships it."""
    digest = hashlib.blake2b(str(spec).encode(), digest_size=16)
    for path in spec_files(spec, chat_template):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    if spec.backend != "hf":
        from importlib.metadata import PackageNotFoundError, version

        package = "tiktoken" if spec.backend == "tiktoken" else "mistral-common"
        try:
            digest.update(version(package).encode())
        except PackageNotFoundError:
            pass
    return digest.hexdigest()


# --- the chat template -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelFolder:
    """What a model folder says about the training sequence besides the vocabulary."""

    template: str  # the chat template's source ("" when there is none)
    special_tokens: dict[str, str]  # bos_token, eos_token ... as the template sees them


def read_model_folder(spec: Spec, chat_template: str = "") -> ModelFolder:
    config: dict[str, Any] = {}
    folder = Path(spec.target) if spec.backend == "hf" and Path(spec.target).is_dir() else None
    if folder is not None and (folder / "tokenizer_config.json").is_file():
        try:
            config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise TokenizerError(f"{folder / 'tokenizer_config.json'}: cannot read: {error}") from error
    template = config.get("chat_template") or ""
    if isinstance(template, list):  # named templates: transformers uses "default"
        named = {item.get("name"): item.get("template", "") for item in template if isinstance(item, dict)}
        template = named.get("default") or next(iter(named.values()), "")
    if folder is not None and (folder / "chat_template.jinja").is_file():
        template = (folder / "chat_template.jinja").read_text(encoding="utf-8")
    if chat_template:
        template = Path(chat_template).read_text(encoding="utf-8")
    special = {}
    for key in ("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"):
        value = config.get(key)
        value = value.get("content") if isinstance(value, dict) else value
        if isinstance(value, str):
            special[key] = value
    return ModelFolder(template if isinstance(template, str) else "", special)


def has_generation_block(template: str) -> bool:
    return bool(GENERATION_TAG.search(template))


def compile_template(source: str) -> Any:
    """The template compiled the way transformers compiles chat templates: a sandbox, blocks trimmed,
    loop controls, `tojson`, `raise_exception`, `strftime_now`, and `{% generation %}` blocks
    (which mark the trained text and render their body unchanged)."""
    from datetime import datetime

    import jinja2
    from jinja2.ext import Extension, loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class GenerationBlock(Extension):
        tags = {"generation"}

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return jinja2.nodes.Scope(body, lineno=lineno)

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None, separators=None, sort_keys=False):
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    environment = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationBlock, loopcontrols]
    )
    environment.filters["tojson"] = tojson
    environment.globals["raise_exception"] = raise_exception
    environment.globals["strftime_now"] = lambda format: datetime.now().strftime(format)
    try:
        return environment.from_string(source)
    except jinja2.exceptions.TemplateSyntaxError as error:
        raise TokenizerError(f"the chat template does not compile: {error}") from error


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
