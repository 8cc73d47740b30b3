"""The raw floor: read a JSONL file and parse every line with orjson, nothing else.
`python bench/floor.py FILE` prints the number of records."""

import sys

import orjson

records = 0
with open(sys.argv[1], "rb") as handle:
    for line in handle:
        if line.strip():
            orjson.loads(line)
            records += 1
print(records)
