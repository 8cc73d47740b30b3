"""Toxicity: offensive or profane answers, scored by alt-profanity-check's bundled model.

The model (a linear SVM over a TF-IDF vectoriser, shipped inside the PyPI package) costs
~3.4 ms per call but ~20 µs per text in a batch (FACTS.md), so this kind uses the engine's
batched record pass (`check_records`). It needs scikit-learn: it is the optional extra
`datalint[toxicity]`, and its rule is off by default; selecting it without the extra is a
usage error that says what to install.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datalint.checks import Option, fields_option
from datalint.records import Record
from datalint.violation import Finding

OPTIONS = {
    "fields": fields_option(["response"], "text fields to score"),
    "threshold": Option(
        float, 0.9, "probability of being offensive at or above which a text is reported", minimum=0, maximum=1
    ),
    "min-chars": Option(int, 3, "shorter texts are not scored"),
}
INSTALL_HINT = "pip install 'datalint[toxicity]'"


@dataclass(frozen=True, slots=True)
class Scorer:
    fields: frozenset[str]
    predict_prob: Any  # profanity_check.predict_prob: list of texts -> array of probabilities


def prepare(options: dict[str, Any]) -> Scorer:
    try:
        from profanity_check import predict_prob
    except ImportError as error:
        raise ValueError(f"the toxicity rule needs alt-profanity-check and scikit-learn: {INSTALL_HINT}") from error
    return Scorer(frozenset(options["fields"]), predict_prob)


def check_records(rule, records: list[Record]) -> list[list[Finding]]:
    scorer: Scorer = rule.state
    threshold, min_chars = rule.options["threshold"], rule.options["min-chars"]
    owners, texts = [], []
    for index, record in enumerate(records):
        for text in record.texts_of(scorer.fields):
            if len(text.text.strip()) >= min_chars:
                owners.append((index, text))
                texts.append(text.text)
    findings: list[list[Finding]] = [[] for _ in records]
    if not texts:
        return findings
    for (index, text), score in zip(owners, scorer.predict_prob(texts), strict=True):
        if score >= threshold:
            findings[index].append(Finding(f"{text.field} reads as offensive (score {score:.2f})", text.pointer))
    return findings
