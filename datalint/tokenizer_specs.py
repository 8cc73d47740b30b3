"""Naming a tokenizer: the spec `[tokens] tokenizer` holds, checked offline, and a fingerprint of
the content it names (the cache key follows the bytes, not the path).

`hf:PATH` (a `tokenizer.json`, or a model folder holding one with its `tokenizer_config.json`),
`tiktoken:NAME` (an OpenAI encoding, read from tiktoken's cache, never downloaded), or
`mistral:VERSION` (a tokenizer shipped inside mistral-common's wheel). Nothing here touches the
network.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
