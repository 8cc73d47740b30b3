"""Fuzz the `datalint check` command with mutated real records and count tracebacks (there must be none).

Lines of the real datasets are mutated (bytes flipped, cut at random points, lone surrogate
escapes, deep nesting, NaN/Infinity, wrong JSON types in every known key, odd characters, fresh
records of every known shape with odd texts), written in chunks of files and linted in-process
through `datalint.cli` with every rule enabled and one worker process. Chunks take turns at the
formatters, the cache (a cold run, a few lines edited, a warm run), baselines, `--fix`,
`--against`, a custom field mapping, and the other commands that read datasets (`stats`,
`sample`, `init`). A chunk that raises is halved until one line reproduces
it; the first few are printed with their input, and all are kept in the work folder.

Seeded: chunk N is the same file for the same seed, whatever else runs, so a crash is replayed
with `--first-chunk N --lines 10000`.

    python bench/fuzz.py --lines 50000                   # a quick round (~2 min)
    python bench/fuzz.py --lines 1000000 --workdir /tmp/fuzz   # the full figure
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datalint.cli import main  # noqa: E402

DATASETS = ROOT.parent / "shared" / "datasets"
EVERY_RULE = "B,D,F,L,P,Q,S"
FORMATS = ("text", "concise", "full", "json", "json-lines", "sarif", "github", "gitlab", "junit")
KNOWN_KEYS = (
    "instruction", "input", "output", "response", "system", "history", "messages", "role", "content",
    "name", "tool_calls", "tool_call_id", "function", "function_call", "arguments", "type", "id",
    "conversations", "from", "value", "prompt", "completion", "completions", "chosen", "rejected",
    "label", "tools", "instances", "turns", "reference", "category", "text", "replies", "question",
    "std_answer", "class", "difficulty", "parallel_tool_calls",
)  # fmt: skip
ROLES = ("system", "user", "assistant", "tool", "human", "gpt", "function_call", "observation", "model", "", "USER")
SURROGATE_ESCAPES = (
    "\\ud800", "\\udfff", "\\uDBFF", "\\ud83d", "\\ude00", "\\ud800\\u0041", "\\udc00\\ud800",
    "\\\\ud800", "\\ud83d\\ude00", "\\ud83d\\ud83d", "\\u0000", "\\ufffd",
)  # fmt: skip
ODD_TEXTS = (
    "", " ", "\n", "\t\t", "\u2028", "\u2029", "\ufeff", "\u200b\u200e\u202e", "\x00", "\x1b[31m", "\x7f\x85",
    "\ufffd", "\U0001f600", "e\u0301" * 50, "\u0645\u0631\u062d\u0628\u0627", "\u4f60\u597d",
    "```", "```python\nx = 1", "<|endoftext|>", "###", "As an AI language model", "NaN", "null",
    "\\", '"', "{}", "[1, 2", "\r\n", "\r", "Ã©",
)  # fmt: skip
NUMBER_TOKENS = ("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e-400", "-0", "1E+2", "9" * 5000, "0.5")


def main_cli(args: list[str]) -> int | str | None:
    """One `datalint` invocation in this process; its output is dropped, an exception propagates."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main.main(args=args, prog_name="datalint", standalone_mode=False)
        except SystemExit as exit_:
            return exit_.code
    return 0


# --- values -----------------------------------------------------------------------------------


def odd_text(rng: random.Random) -> str:
    parts = [rng.choice(ODD_TEXTS) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.3:
        parts.append("".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(rng.randint(1, 20))))
    if rng.random() < 0.01:  # long texts: rare, as they are in real data (and costly to lint)
        parts.append(rng.choice(("a" * 5000, "word " * 2000, "\u4f60" * 3000)))
    if rng.random() < 0.001:
        parts.append("x" * 200_000)
    return "".join(parts)


def odd_value(rng: random.Random, depth: int = 0) -> object:
    """A value of any JSON type, often of a type no key expects; strings may hold lone surrogates."""
    choice = rng.randrange(14 if depth < 3 else 8)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice((True, False))
    if choice == 2:
        return rng.choice((0, -1, 1, 2**63, -(2**70), 3.5, 1e308, -0.0))
    if choice == 3:
        return float(rng.choice(("nan", "inf", "-inf")))
    if choice in (4, 5, 6):
        return odd_text(rng)
    if choice == 7:
        return rng.choice(("\ud800", "a\udfffb", "\udc80" * 3, "x\ud83d"))
    if choice == 8:
        return []
    if choice == 9:
        return {}
    if choice == 10:
        return [odd_value(rng, depth + 1) for _ in range(rng.randint(1, 4))]
    if choice == 11:
        return {rng.choice(KNOWN_KEYS): odd_value(rng, depth + 1) for _ in range(rng.randint(1, 4))}
    if choice == 12:
        return [odd_message(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return odd_message(rng, depth + 1)


def odd_message(rng: random.Random, depth: int) -> dict:
    message: dict = {}
    role_key, text_key = rng.choice((("role", "content"), ("from", "value"), ("role", "value")))
    message[role_key] = rng.choice(ROLES) if rng.random() < 0.8 else odd_value(rng, depth + 1)
    message[text_key] = odd_text(rng) if rng.random() < 0.6 else odd_value(rng, depth + 1)
    if rng.random() < 0.2:
        call = {"id": odd_value(rng, depth + 1), "type": "function"}
        call["function"] = {"name": odd_value(rng, depth + 1), "arguments": rng.choice(("{", "{}", "[1]", "NaN"))}
        message["tool_calls"] = rng.choice(([call], call, "[]", None))
    if rng.random() < 0.1:
        message["tool_call_id"] = odd_value(rng, depth + 1)
    return message


def fresh_record(rng: random.Random) -> dict:
    """A record of one of the known shapes, with odd texts and now and then an odd value."""

    def text() -> object:
        return odd_text(rng) if rng.random() < 0.85 else odd_value(rng)

    shape = rng.randrange(9)
    if shape == 0:
        record = {"instruction": text(), "input": text(), "output": text()}
        if rng.random() < 0.3:
            record["history"] = [[text(), text()] for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.2:
            record["system"] = text()
    elif shape == 1:
        record = {"messages": [odd_message(rng, 0) for _ in range(rng.randint(0, 6))]}
        if rng.random() < 0.3:
            record["tools"] = rng.choice(([{"type": "function", "function": {"name": text()}}], "[]", text()))
    elif shape == 2:
        record = {"conversations": [odd_message(rng, 0) for _ in range(rng.randint(0, 6))]}
    elif shape == 3:
        record = {"prompt": text(), "completion": text()}
    elif shape == 4:
        record = {
            "conversations": [odd_message(rng, 0)],
            "chosen": odd_message(rng, 0),
            "rejected": odd_message(rng, 0),
        }
    elif shape == 5:
        record = {"messages": [odd_message(rng, 0) for _ in range(2)], "label": odd_value(rng)}
    elif shape == 6:
        record = {"id": text(), "instruction": text(), "instances": [{"input": text(), "output": text()}]}
    elif shape == 7:
        record = {"question_id": odd_value(rng), "category": text(), "turns": [text(), text()]}
    else:
        record = {"question": text(), "std_answer": text(), "class": text()}
    return record


def dumps(record: object, rng: random.Random) -> bytes:
    """JSON text of a record; lone surrogates are escaped, or (now and then) written as invalid UTF-8."""
    text = json.dumps(record, ensure_ascii=rng.random() < 0.3)
    return text.encode("utf-8", "surrogatepass")


# --- mutations of a real line --------------------------------------------------------------------


def flip_bytes(line: bytes, rng: random.Random) -> bytes:
    data = bytearray(line)
    for _ in range(rng.randint(1, 3)):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def truncate(line: bytes, rng: random.Random) -> bytes:
    return line[: rng.randrange(len(line) + 1)]


def insert_surrogate(line: bytes, rng: random.Random) -> bytes:
    """A surrogate escape inside a string: after the opening quote of some value."""
    starts = [position + 1 for position in range(len(line) - 1) if line[position : position + 2] == b' "']
    where = rng.choice(starts) if starts else rng.randrange(len(line) + 1)
    return line[:where] + rng.choice(SURROGATE_ESCAPES).encode() + line[where:]


def deep_nesting(line: bytes, rng: random.Random) -> bytes:
    depth = rng.choice((50, 199, 200, 201, 300, 999, 1000, 5000))
    opener = rng.choice((b"[", b"{", b'{"a":', b'[{"content":'))
    if rng.random() < 0.05:  # a 100k-deep line: rare, it weighs 100 kB
        depth, opener = 100_000, b"["
    closer = {b"[": b"]", b"{": b"}", b'{"a":': b"}", b'[{"content":': b"}]"}[opener]
    inner = opener * depth + (b"1" + closer * depth if rng.random() < 0.5 else b"")
    key = rng.choice(KNOWN_KEYS).encode()
    if rng.random() < 0.3:
        return inner
    return b'{"' + key + b'": ' + inner + b', "instruction": "x", "output": "y"}'


def non_json_number(line: bytes, rng: random.Random) -> bytes:
    token = rng.choice(NUMBER_TOKENS).encode()
    key = rng.choice(KNOWN_KEYS).encode()
    body = line.rstrip()
    if body.endswith(b"}") and len(body) > 2:
        return body[:-1] + b', "' + key + b'": ' + token + b"}"
    return b'{"' + key + b'": ' + token + b"}"


def wrong_type(line: bytes, rng: random.Random) -> bytes:
    """Parse the line and put an odd value at a random place (a known key or any nested one)."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return line
    if not isinstance(record, dict):
        return line
    for _ in range(rng.randint(1, 3)):
        places = list(_places(record))
        if places and rng.random() < 0.7:
            container, key = rng.choice(places)
            container[key] = odd_value(rng)
        else:
            record[rng.choice(KNOWN_KEYS)] = odd_value(rng)
    return dumps(record, rng)


def _places(value: object, depth: int = 0):
    if depth > 6:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield value, key
            yield from _places(item, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield value, index
            yield from _places(item, depth + 1)


def odd_characters(line: bytes, rng: random.Random) -> bytes:
    """Odd text spliced into the raw line (raw control characters make it invalid JSON, escaped ones not)."""
    text = odd_text(rng)
    piece = json.dumps(text)[1:-1] if rng.random() < 0.7 else text
    where = rng.randrange(len(line) + 1)
    return line[:where] + piece.encode("utf-8", "surrogatepass") + line[where:]


def duplicate_key(line: bytes, rng: random.Random) -> bytes:
    body = line.rstrip()
    key = rng.choice(KNOWN_KEYS)
    if body.endswith(b"}"):
        return body[:-1] + b", " + json.dumps(key).encode() + b": " + dumps(odd_value(rng), rng) + b"}"
    return line


def framing(line: bytes, rng: random.Random) -> bytes:
    return rng.choice(
        (
            b"",
            b"   ",
            b"\xef\xbb\xbf" + line,
            line + b"\r",
            line + b" trailing",
            line + line,
            b"\x1c" + line,
            line.replace(b'"', b"'", 1),
            b"[" + line + b"]",
            line[:-1] if line.endswith(b"}") else line,
        )
    )


def fresh(line: bytes, rng: random.Random) -> bytes:
    return dumps(fresh_record(rng), rng)


def unchanged(line: bytes, rng: random.Random) -> bytes:
    return line


MUTATIONS: tuple[tuple[Callable[[bytes, random.Random], bytes], int], ...] = (
    (unchanged, 8),
    (flip_bytes, 12),
    (truncate, 10),
    (insert_surrogate, 10),
    (deep_nesting, 3),
    (non_json_number, 7),
    (wrong_type, 20),
    (odd_characters, 10),
    (duplicate_key, 4),
    (framing, 4),
    (fresh, 12),
)


def mutate(line: bytes, rng: random.Random) -> bytes:
    functions, weights = zip(*MUTATIONS, strict=True)
    mutated = rng.choices(functions, weights)[0](line, rng)
    if rng.random() < 0.1:  # a second mutation on top
        mutated = rng.choices(functions, weights)[0](mutated, rng)
    return mutated.replace(b"\n", b"\\n")  # one record per line: a raw newline would split it


# --- the run ---------------------------------------------------------------------------------------


def load_lines(folder: Path) -> list[bytes]:
    lines = []
    for path in sorted(folder.glob("*.jsonl")):
        lines.extend(raw.rstrip(b"\n") for raw in path.read_bytes().splitlines(keepends=True))
    return lines


def chunk_lines(source: list[bytes], seed: int, chunk: int, size: int) -> list[bytes]:
    rng = random.Random(f"{seed}:{chunk}")
    return [mutate(rng.choice(source), rng) for _ in range(size)]


def write_chunk(path: Path, lines: list[bytes], chunk: int) -> None:
    body = b"\n".join(lines)
    if chunk % 7 != 3:  # some files end without a final newline
        body += b"\n"
    path.write_bytes(body)


def runs_for(chunk: int, path: Path, work: Path, eval_set: Path) -> list[list[str]]:
    """The invocations of one chunk: every chunk is linted with every rule, in one of the modes."""
    base = [str(path), "--select", EVERY_RULE, "--jobs", "1", "--no-progress", "--exit-zero"]
    output = ["-o", str(work / "report.out")]
    mode = chunk % 10  # half the chunks in a mode of their own, half plain (the modes cost 2-3 runs)
    fmt = FORMATS[chunk % len(FORMATS)]
    if mode == 0:  # the cache: cold, then warm (after an edit, see run_lines)
        return [["check", *base, "--format", fmt, *output], ["check", *base, "--format", "json", *output]]
    if mode == 1:
        baseline = str(work / "baseline.json")
        return [
            ["baseline", str(path), "--select", EVERY_RULE, "-q", "-o", baseline],
            ["check", *base, "--no-cache", "--baseline", baseline, "--format", "sarif", *output],
        ]
    if mode == 2:
        return [["check", *base, "--no-cache", "--diff", *output], ["check", *base, "--no-cache", "--fix", *output]]
    if mode == 3:
        return [["check", *base, "--no-cache", "--against", str(eval_set), "--format", fmt, *output]]
    if mode == 4:
        review = work / "review.jsonl"
        review.unlink(missing_ok=True)
        return [
            ["check", *base, "--no-cache", "--statistics", *output],
            ["stats", str(path), "--format", "json", "-q", "--html", str(work / "profile.html")],
            ["sample", str(path), "-o", str(review), "--fraction", "0.01"],
            ["init", str(path), "--force"],  # its datalint.toml is removed by the next chunk's custom_config
        ]
    return [["check", *base, "--no-cache", "--format", fmt, *output]]


def custom_config(folder: Path, chunk: int) -> None:
    """Mode 5 reads its records through a custom mapping, with odd pointers."""
    config = folder / "datalint.toml"
    if chunk % 10 == 5:
        config.write_text(
            'format = "custom"\n[mapping]\ninstruction = "/messages/0/content"\nresponse = "conversations.1.value"\n'
            'system = "/system"\ninput = "/instances/0/input"\ntype = "/category"\n'
        )
    elif config.exists():
        config.unlink()


def run_lines(folder: Path, chunk: int, lines: list[bytes], eval_set: Path, exits: Counter | None = None) -> str | None:
    """Lint these lines in the chunk's modes; the traceback of the first exception, or None.
    `exits` counts the exit codes (2 would be a usage error: nothing linted)."""
    path = folder / (f"chunk-{chunk}.json" if chunk % 50 == 49 else f"chunk-{chunk}.jsonl")
    if path.suffix == ".json":  # now and then a JSON array file
        path.write_bytes(b"[" + b",\n".join(lines) + b"]\n")
    else:
        write_chunk(path, lines, chunk)
    custom_config(folder, chunk)
    try:
        for number, args in enumerate(runs_for(chunk, path, folder, eval_set)):
            if chunk % 10 == 0 and number == 1:  # edit a few lines between the cold and the warm run
                edited = list(lines)
                for position in range(0, len(edited), max(1, len(edited) // 5)):
                    edited[position] = edited[position][::-1]
                write_chunk(path, edited, chunk)
            code = main_cli(args)
            if exits is not None:
                exits[code] += 1
    except Exception:  # noqa: BLE001 - what the fuzzer counts
        return traceback.format_exc()
    finally:
        path.unlink(missing_ok=True)
        shutil.rmtree(folder / ".datalint_cache", ignore_errors=True)
    return None


def smallest_failing(folder: Path, chunk: int, lines: list[bytes], eval_set: Path) -> list[bytes]:
    """Halve the chunk while one half still fails (dataset-wide crashes may need two lines)."""
    while len(lines) > 1:
        half = len(lines) // 2
        for part in (lines[:half], lines[half:]):
            if run_lines(folder, chunk, part, eval_set) is not None:
                lines = part
                break
        else:
            return lines
    return lines


def main_fuzz() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=50_000, help="mutated lines in all (default 50,000)")
    parser.add_argument("--chunk", type=int, default=10_000, help="lines per file (default 10,000)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--first-chunk", type=int, default=0, help="start at this chunk (to replay one)")
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    parser.add_argument("--workdir", type=Path, help="keep files here (default: a temporary folder)")
    parser.add_argument("--show", type=int, default=3, help="tracebacks printed in full (default 3)")
    args = parser.parse_args()

    source = load_lines(args.datasets)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="datalint-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    eval_set = work / "eval-set.jsonl"
    eval_set.write_bytes(b"\n".join(random.Random(args.seed).sample(source, 500)) + b"\n")
    chunks = range(args.first_chunk, args.first_chunk + -(-args.lines // args.chunk))
    started, done, crashes, exits = time.perf_counter(), 0, [], Counter()
    for chunk in chunks:
        size = min(args.chunk, args.lines - done)
        lines = chunk_lines(source, args.seed, chunk, args.chunk)[:size]
        failure = run_lines(work, chunk, lines, eval_set, exits)
        if failure is not None:
            culprit = smallest_failing(work, chunk, lines, eval_set)
            saved = work / f"crash-{chunk}.jsonl"
            saved.write_bytes(b"\n".join(culprit) + b"\n")
            crashes.append((chunk, failure, culprit, saved))
            if len(crashes) <= args.show:
                print(f"--- traceback in chunk {chunk} (input kept in {saved}):", file=sys.stderr)
                print(failure, file=sys.stderr)
                for line in culprit[:3]:
                    print(f"input: {line[:300]!r}", file=sys.stderr)
        done += size
        elapsed = time.perf_counter() - started
        print(f"chunk {chunk}: {done:,} lines, {elapsed:,.0f} s, {len(crashes)} tracebacks", flush=True)
    elapsed = time.perf_counter() - started
    print(f"fuzzed {done:,} lines in {elapsed:,.0f} s (seed {args.seed}): {len(crashes)} tracebacks")
    print(f"exit codes of the runs: {dict(sorted(exits.items(), key=str))}")
    signatures = {failure.strip().splitlines()[-1] for _, failure, _, _ in crashes}
    for signature in sorted(signatures):
        print(f"  {signature}")
    if args.workdir is None and not crashes:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main_fuzz())
