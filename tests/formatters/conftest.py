"""A fixed set of violations on a small dataset file, shared by every formatter's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from datalint.locate import locate
from datalint.reader import record_hash
from datalint.report import FileSummary, Report
from datalint.violation import Location, Violation, by_position

LONG_OUTPUT = "word " * 60 + "As an AI language model" + " filler" * 40
LINES = [
    '{"instruction": "Say hi", "output": "Hi<|endoftext|>"}',
    '{"instruction": "中文问题", "output": "As an AI, I <b>&</b> \\"quote\\""}',
    '{"instruction": "Explain", "output": "' + LONG_OUTPUT + '"}',
    '{"instruction": "Say hi", "output": "Hi<|endoftext|>"}',
]


def _at(line: int, pointer: str, span: tuple[int, int] | None) -> tuple[int, int | None]:
    return locate(LINES[line - 1], pointer, span)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def report(dataset: Path) -> Report:
    name = str(dataset)
    hashes = [record_hash(line.encode()) for line in LINES]
    token = (2, 15)
    violations = [
        Violation("S103", "unknown-format", "info", "records match no known format", name, 1, 1, None, "", [], None),
        Violation(
            "P007",
            "leaked-special-token",
            "error",
            "special token: '<|endoftext|>' in response",
            name,
            1,
            *_at(1, "/output", token),
            "/output",
            [],
            hashes[0],
        ),
        Violation(
            "P001",
            "ai-disclaimer",
            "warning",
            'AI disclaimer: "As an AI, I" <b>&</b>\nsecond line, 100% sure: yes',
            name,
            2,
            *_at(2, "/output", (0, 11)),
            "/output",
            [],
            hashes[1],
        ),
        Violation(
            "P001",
            "ai-disclaimer",
            "warning",
            "AI disclaimer: 'As an AI language model' in response",
            name,
            3,
            *_at(3, "/output", (300, 323)),
            "/output",
            [],
            hashes[2],
        ),
        Violation(
            "P007",
            "leaked-special-token",
            "error",
            "special token: '<|endoftext|>' in response",
            name,
            4,
            *_at(4, "/output", token),
            "/output",
            [Location(name, 1, message="first copy")],
            hashes[3],
        ),
    ]
    violations.sort(key=by_position)
    return Report(violations, [FileSummary(name, 4, "alpaca")], failing=2, fail_on={name: "error"})
