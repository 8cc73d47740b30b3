"""Per-rule cost of the record pass, in µs per record, and the cost of building a Record.

Every rule runs over the same records in this one process, in the engine's rule order, so the
figures compare with each other on a busy machine even when the absolute microseconds do not.
Work shared through `Text.lower` (the number detectors one digit count) is charged to the first
rule that needs it, as in the engine. Work a kind shares through its set hooks (`check_record_set`,
`record_features_set`: Q001 and Q002 share the language labels) is not shared here: each rule
is called on its own and pays for it, so the sum overstates what the record pass pays.

Usage: python bench/rule_costs.py [dataset.jsonl] [max records] [codes prefix ...]
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

from datalint.checks import load_kind
from datalint.config import SettingsResolver
from datalint.field_mapping import build_record
from datalint.presets import detect_format
from datalint.reader import open_binary, read_jsonl
from datalint.rules import prepared

DEFAULT = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "alpaca-en-52k.jsonl"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 12_000
    prefixes = tuple(sys.argv[3:])
    settings = SettingsResolver().settings_for(path)
    with open_binary(path) as stream:
        lines = [line for _, line in zip(range(limit), read_jsonl(stream, max_line_bytes=10_000_000), strict=False)]
    lines = [line for line in lines if line.value is not None]
    file_format = next((f for f in map(detect_format, (line.value for line in lines)) if f != "unknown"), "unknown")
    start = time.process_time()
    records = [build_record(line.number, line.hash, line.value, file_format, settings.mapping) for line in lines]
    build = (time.process_time() - start) / len(records) * 1e6
    print(f"{path.name}: {len(records)} records; building a Record {build:.1f} µs")
    # The engine streams records; here all are alive at once, and the collector walking them
    # would be charged to whichever rule happens to allocate when it runs.
    gc.collect()
    gc.freeze()
    costs = []
    for rule in settings.rules:
        if rule.kind == "reading" or (prefixes and not rule.code.startswith(prefixes)):
            continue
        kind = load_kind(rule.kind)
        rule = prepared(rule) if rule.state is None else rule
        calls = [getattr(kind, name) for name in ("check_record", "record_features") if hasattr(kind, name)]
        batched = [getattr(kind, name) for name in ("check_records", "record_features_batch") if hasattr(kind, name)]
        start = time.process_time()
        for record in records:
            for call in calls:
                result = call(rule, record)
                if result is not None and not isinstance(result, (tuple, int, float, str)):
                    list(result)
        for call in batched:  # as the engine calls them: a chunk of records at a time
            for first in range(0, len(records), 2048):
                call(rule, records[first : first + 2048])
        costs.append(((time.process_time() - start) / len(records) * 1e6, rule.code, rule.name))
    for cost, code, name in sorted(costs, reverse=True):
        print(f"  {code} {name:32} {cost:7.1f} µs")
    print(f"  all rules {sum(cost for cost, _, _ in costs):.1f} µs per record (+ {build:.1f} to build it)")


if __name__ == "__main__":
    main()
