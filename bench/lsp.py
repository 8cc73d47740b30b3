"""Keystroke latency of `datalint server` on a large buffer.

    python bench/lsp.py [FILE] [--edits 20] [--gap 0.25] [--pause 30]

Starts the real server over stdio (pygls's client), opens FILE's text as an unsaved buffer
(default: the 52k-record alpaca file), waits for its first diagnostics and for the dataset pass,
then sends one-line edits, one at a time, `--gap` seconds apart; the server's dataset pause is
set to `--pause` seconds so that no dataset pass runs among the timed edits (its cost is the
figure printed after the open). Each edit puts an AI disclaimer at the start of a
record's answer or takes it out again, so the diagnostics published for that version must gain or
lose P001 on that line: the latency is didChange sent -> publishDiagnostics received for the
edited version, and each one is checked. Prints the open time, the dataset pass time, the median
and p95 keystroke latency, the server's CPU time per edit (from /proc: on a shared machine the
wall-clock latency also holds the time other processes had the cores), and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "datasets" / "alpaca-en-52k.jsonl"
PHRASE = "As an AI language model, I cannot say. "


def server_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between edits")
    parser.add_argument("--pause", type=float, default=30.0, help="the server's datasetPause, seconds")
    options = parser.parse_args()
    text = options.file.read_text(encoding="utf-8")
    lines = text.split("\n")

    client = LanguageClient("bench", "1")
    published: asyncio.Queue = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait((time.perf_counter(), params))

    await client.start_io(sys.executable, "-m", "datalint.cli", "server", env={"PYTHONPATH": str(REPO)})
    capabilities = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)
        )
    )
    await client.initialize_async(
        types.InitializeParams(capabilities=capabilities, initialization_options={"datasetPause": options.pause})
    )
    client.initialized(types.InitializedParams())
    uri = (Path("/tmp") / "bench-unsaved" / options.file.name).as_uri()

    async def until(predicate) -> tuple[float, types.PublishDiagnosticsParams]:
        while True:
            when, params = await published.get()
            if params.uri == uri and predicate(params):
                return when, params

    started = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "jsonl", 1, text)))
    first, params = await until(lambda p: p.version == 1)
    shown = len(params.diagnostics)
    print(f"open, {len(lines) - 1:,} lines: first diagnostics after {first - started:.1f} s ({shown})")
    saved = time.perf_counter()  # a save runs the dataset pass at once
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    done, params = await until(lambda p: p.version == 1)
    print(f"dataset pass, on save: published {done - saved:.1f} s later ({len(params.diagnostics)} diagnostics)")

    latencies = []
    cpu_before = server_cpu(client._server.pid)
    step = max(1, (len(lines) - 2) // options.edits)
    for edit in range(options.edits):
        number = 1 + edit * step  # 0-based line
        line = lines[number]
        record = json.loads(line)
        answer = next(key for key in ("output", "response", "completion") if key in record)
        column = line.index(json.dumps(record[answer], ensure_ascii=False)) + 1  # inside the answer's quotes
        version = 2 * edit + 2
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(number, column), types.Position(number, column)), text=PHRASE
        )
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=uri, version=version), [change])
        )
        received, params = await until(lambda p, version=version: p.version == version)
        on_line = {d.code for d in params.diagnostics if d.range.start.line == number}
        assert "P001" in on_line, f"edit {edit}: no P001 on line {number + 1}"
        latencies.append(received - sent)
        await asyncio.sleep(options.gap)
        # Take the phrase out again (not timed): the buffer stays the file's text.
        undo = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(number, column), types.Position(number, column + len(PHRASE))), text=""
        )
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version + 1), [undo]
            )
        )
        await until(lambda p, version=version: p.version == version + 1)
        await asyncio.sleep(options.gap)

    cpu = (server_cpu(client._server.pid) - cpu_before) / (2 * options.edits)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    print(
        f"keystroke -> diagnostics, {len(latencies)} one-line edits:"
        f" median {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms,"
        f" max {latencies[-1] * 1000:.0f} ms (target: under 100 ms)"
    )
    print(f"server CPU per edit (the timed edits and their undos): {cpu * 1000:.0f} ms")
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]} on {len(os.sched_getaffinity(0))} cores")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


if __name__ == "__main__":
    asyncio.run(main())
