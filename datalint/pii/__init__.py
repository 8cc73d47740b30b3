"""Detectors of personal data and secrets, one module per kind of value: each finds matches in a
text, validates them by their structure and skips the look-alikes (`lookalikes.py`). The `pii`
check kind (datalint/checks/pii.py) gates the texts and runs them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Match:
    kind: str
    start: int
    end: int
    shown: str  # the masked value
