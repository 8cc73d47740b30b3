"""Keystroke latency of `datalint server` on a large buffer.

    python bench/lsp.py [FILE] [--edits 20] [--gap 0.25] [--pause 30]

Starts the real server over stdio (a bare JSON-RPC client, below), opens FILE's text as an unsaved buffer
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

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "datasets" / "alpaca-en-52k.jsonl"
PHRASE = "As an AI language model, I cannot say. "


class Client:
    """A bare LSP client: JSON-RPC over the server's stdin and stdout. A message's time is when its
    last byte arrived (before it is parsed: an editor's own parsing is not the server's latency)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.ids = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.published: asyncio.Queue = asyncio.Queue()
        self.progress_ended = asyncio.Event()
        self.progress_end_time = 0.0

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    async def request(self, method: str, params: dict | None) -> object:
        self.ids += 1
        self.pending[self.ids] = asyncio.get_running_loop().create_future()
        self.send({"id": self.ids, "method": method, "params": params})
        return await self.pending[self.ids]

    async def read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while (line := await stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line or length is None:
                return
            body = await stream.readexactly(length)
            received = time.perf_counter()
            message = json.loads(body)
            if "method" not in message:
                self.pending.pop(message["id"]).set_result(message.get("result"))
            elif message["method"] == "textDocument/publishDiagnostics":
                self.published.put_nowait((received, message["params"]))
            elif message["method"] == "$/progress" and message["params"]["value"]["kind"] == "end":
                self.progress_end_time = received
                self.progress_ended.set()
            elif "id" in message:  # a request of the server's (registering watchers ...): accepted
                self.send({"id": message["id"], "result": None})


def server_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between edits")
    parser.add_argument("--pause", type=float, default=30.0, help="the server's datasetPause, seconds")
    options = parser.parse_args()
    text = options.file.read_text(encoding="utf-8")
    lines = text.split("\n")

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "datalint.cli",
        "server",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        limit=1 << 20,
    )
    client = Client(process)
    reader = asyncio.ensure_future(client.read())
    capabilities = {
        "textDocument": {"publishDiagnostics": {"versionSupport": True}},
        "window": {"workDoneProgress": True},
    }
    init = {"processId": os.getpid(), "rootUri": None, "capabilities": capabilities}
    await client.request("initialize", {**init, "initializationOptions": {"datasetPause": options.pause}})
    client.notify("initialized", {})
    uri = (Path("/tmp") / "bench-unsaved" / options.file.name).as_uri()

    async def until(predicate) -> tuple[float, dict]:
        while True:
            when, params = await client.published.get()
            if params["uri"] == uri and predicate(params):
                return when, params

    def change(version: int, line: int, start: int, end: int, new_text: str) -> None:
        edit = {"range": {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}}}
        document = {"uri": uri, "version": version}
        client.notify(
            "textDocument/didChange", {"textDocument": document, "contentChanges": [{**edit, "text": new_text}]}
        )

    started = time.perf_counter()
    item = {"uri": uri, "languageId": "jsonl", "version": 1, "text": text}
    client.notify("textDocument/didOpen", {"textDocument": item})
    first, params = await until(lambda p: p["version"] == 1)
    print(f"open, {len(lines) - 1:,} lines: first diagnostics after {first - started:.1f} s")
    if len(lines) > 5001:  # checked in parts, with progress: the last part's diagnostics come after its end
        await client.progress_ended.wait()
        while first < client.progress_end_time:
            first, params = await until(lambda p: p["version"] == 1)
    print(f"  every line checked after {first - started:.1f} s ({len(params['diagnostics'])} diagnostics)")
    saved = time.perf_counter()  # a save runs the dataset pass at once
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    done, params = await until(lambda p: p["version"] == 1)
    print(f"dataset pass, on save: published {done - saved:.1f} s later ({len(params['diagnostics'])} diagnostics)")

    latencies = []
    cpu_before = server_cpu(process.pid)
    step = max(1, (len(lines) - 2) // options.edits)
    for edit in range(options.edits):
        number = 1 + edit * step  # 0-based line
        line = lines[number]
        record = json.loads(line)
        answer = next(key for key in ("output", "response", "completion") if key in record)
        column = utf16(line[: line.index(json.dumps(record[answer], ensure_ascii=False)) + 1])  # in the quotes
        version = 2 * edit + 2
        sent = time.perf_counter()
        change(version, number, column, column, PHRASE)
        received, params = await until(lambda p, version=version: p["version"] == version)
        on_line = {d["code"] for d in params["diagnostics"] if d["range"]["start"]["line"] == number}
        assert "P001" in on_line, f"edit {edit}: no P001 on line {number + 1}"
        latencies.append(received - sent)
        await asyncio.sleep(options.gap)
        change(version + 1, number, column, column + len(PHRASE), "")  # taken out again (not timed)
        await until(lambda p, version=version: p["version"] == version + 1)
        await asyncio.sleep(options.gap)

    cpu = (server_cpu(process.pid) - cpu_before) / (2 * options.edits)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    print(
        f"keystroke -> diagnostics, {len(latencies)} one-line edits:"
        f" median {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms,"
        f" max {latencies[-1] * 1000:.0f} ms (target: under 100 ms)"
    )
    print(f"server CPU per edit (the timed edits and their undos): {cpu * 1000:.0f} ms")
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]} on {len(os.sched_getaffinity(0))} cores")
    await client.request("shutdown", None)
    client.notify("exit", {})
    await process.wait()
    reader.cancel()


if __name__ == "__main__":
    asyncio.run(main())
