"""A model folder's chat template and special tokens, and the template compiled as transformers
compiles chat templates (jinja2, imported only when a template is compiled).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datalint.tokenizer_specs import Spec, TokenizerError

GENERATION_TAG = re.compile(r"\{%-?\s*generation\s*-?%\}")


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
