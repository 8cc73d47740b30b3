"""What real token counts cost (T101-T105, `[tokens]`): tokens per second per backend, and the cold
run of `datalint check` on alpaca-en-52k with and without a tokenizer.

    python bench/tokens.py                 # everything (about two minutes on 2 cores)
    python bench/tokens.py --only speed    # tokens per second only
    python bench/tokens.py --only cold     # the cold runs only

No network: the `hf` tokenizer is a byte-level BPE trained here on the file's own text (32k
vocabulary, like a small model's), saved as `tokenizer.json` in a model folder with a ChatML chat
template; `mistral:*` are the tokenizers mistral-common ships; `tiktoken:o200k_base` is timed only
when tiktoken's cache holds it (the Tekken tokenizer runs on tiktoken's BPE core, so
`mistral:v3-tekken` stands for its speed otherwise). Needs `pip install -e '.[tokens]'`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATASET = REPO.parent / "shared" / "datasets" / "alpaca-en-52k.jsonl"
CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
)
sys.path.insert(0, str(REPO))


def texts_of(path: Path, limit: int) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            texts.append(record["instruction"] + ("\n\n" + record["input"] if record["input"] else ""))
            texts.append(record["output"])
            if len(texts) >= limit:
                break
    return texts


def build_model_folder(folder: Path, texts: list[str]) -> Path:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=32_000, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    tokenizer.train_from_iterator(texts, trainer)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {"chat_template": CHATML, "eos_token": "<|im_end|>", "bos_token": "<|endoftext|>"}
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return folder


def speed(folder: Path, texts: list[str]) -> None:
    from datalint.token_counts import Message, load_counter
    from datalint.tokenizer_specs import TokenizerError, parse_spec, tiktoken_cache_file

    characters = sum(map(len, texts))
    size = f"{len(texts):,} alpaca-en-52k texts, {characters / 1e6:.1f}M characters"
    print(f"\n## Tokens per second ({size}, one process)\n")
    print("| backend | load s | tokens | tokens/s | µs per text |")
    print("| --- | ---: | ---: | ---: | ---: |")
    backends = ["hf:" + str(folder / "tokenizer.json"), "mistral:v3", "mistral:v3-tekken", "mistral:v7"]
    try:
        tiktoken_cache_file("o200k_base")
        backends.append("tiktoken:o200k_base")
    except TokenizerError:
        print("| tiktoken:o200k_base | not in tiktoken's cache here: not timed | | | |")
    for name in backends:
        spec = parse_spec(name, REPO)
        started = time.perf_counter()
        counter = load_counter(spec)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        tokens = sum(len(counter.encode(text)[0]) for text in texts)
        elapsed = time.perf_counter() - started
        label = "hf:tokenizer.json (BPE 32k)" if spec.backend == "hf" else name
        print(row(label, f"{loaded:.2f}", tokens, elapsed, len(texts)))
    # The whole sequence of a chat record: the template rendered, then tokenized with offsets.
    counter = load_counter(parse_spec(f"hf:{folder}", REPO))
    pairs = [
        [Message("user", texts[i], "/instruction"), Message("assistant", texts[i + 1], "/output")]
        for i in range(0, len(texts) - 1, 2)
    ]
    started = time.perf_counter()
    tokens = sum(counter.sequence(pair).length for pair in pairs)
    elapsed = time.perf_counter() - started
    print(row("hf model folder, ChatML template rendered (per record)", "", tokens, elapsed, len(pairs)))
    counter = load_counter(parse_spec("mistral:v3", REPO))
    started = time.perf_counter()
    tokens = sum(counter.sequence(pair).length for pair in pairs)
    elapsed = time.perf_counter() - started
    print(row("mistral:v3 instruct encoding (per record)", "", tokens, elapsed, len(pairs)))


def row(label: str, load: str, tokens: int, elapsed: float, items: int) -> str:
    return f"| {label} | {load} | {tokens:,} | {tokens / elapsed:,.0f} | {elapsed / items * 1e6:.0f} |"


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + sys, worker processes included) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr.decode()[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold(folder: Path, work: Path, repeats: int) -> None:
    data = work / "alpaca-en-52k.jsonl"
    if not data.exists():
        data.symlink_to(DATASET)
    setups = {
        "default rules, no tokenizer": "",
        "+ [tokens] hf model folder, ChatML template, max = 512": f'[tokens]\ntokenizer = "hf:{folder}"\nmax = 512\n',
        "+ [tokens] hf tokenizer.json, max = 512": f'[tokens]\ntokenizer = "hf:{folder}/tokenizer.json"\nmax = 512\n',
        "+ [tokens] mistral:v3, max = 512": '[tokens]\ntokenizer = "mistral:v3"\nmax = 512\n',
    }
    command = [sys.executable, "-m", "datalint.cli", "check", str(data), "--no-cache", "-q"]
    print(f"\n## Cold `datalint check --no-cache` on alpaca-en-52k (default --jobs, {os.cpu_count()} cores)\n")
    print("Runs of each setup alternate, so a busy minute on the machine hits all of them; ratios are")
    print("the best run of each setup against the best run without a tokenizer.\n")
    print("| setup | wall s (runs) | CPU s (runs) | wall ratio | CPU ratio |")
    print("| --- | --- | --- | ---: | ---: |")
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in setups}
    for _ in range(repeats):
        for name, table in setups.items():
            (work / "datalint.toml").write_text(table)
            results[name].append(timed(command, work))
    base_wall, base_cpu = (min(values) for values in zip(*results["default rules, no tokenizer"], strict=True))
    for name, runs in results.items():
        walls = ", ".join(f"{wall:.1f}" for wall, _ in runs)
        cpus = ", ".join(f"{cpu:.1f}" for _, cpu in runs)
        wall_ratio = min(wall for wall, _ in runs) / base_wall
        cpu_ratio = min(cpu for _, cpu in runs) / base_cpu
        print(f"| {name} | {walls} | {cpus} | {wall_ratio:.2f} | {cpu_ratio:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("speed", "cold"), help="one part of the bench")
    parser.add_argument("--texts", type=int, default=20_000, help="texts timed for tokens per second")
    parser.add_argument("--repeats", type=int, default=2, help="cold runs of each setup")
    args = parser.parse_args()
    if not DATASET.exists():
        raise SystemExit(f"{DATASET} not found beside the checkout")
    with tempfile.TemporaryDirectory(prefix="dl-tokens-") as temporary:
        work = Path(temporary)
        texts = texts_of(DATASET, args.texts)
        started = time.perf_counter()
        folder = build_model_folder(work / "model", texts)
        print(f"BPE tokenizer trained on {len(texts):,} texts in {time.perf_counter() - started:.1f} s")
        if args.only in (None, "speed"):
            speed(folder, texts)
        if args.only in (None, "cold"):
            cold(folder, work, args.repeats)


if __name__ == "__main__":
    main()
