"""Dataset profile for `datalint stats` and `datalint init`: what a dataset holds, measured in one pass.

Records, format, per-field fill rates and length distributions, script-level language mix,
type/difficulty distributions, exact duplicates, and the most frequent violations. Lengths are in
characters, summed per record over all texts of a field (all user turns of a chat are `instruction`);
length percentiles and histograms are of the non-empty values, the empty ones show in the fill rate.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from datalint.checks import KIND_MODULES
from datalint.config import Settings
from datalint.reader import read_json_array, read_jsonl
from datalint.records import build_record, detect_format
from datalint.report import Report
from datalint.sources import Source

SCRIPT_SAMPLE = 2000  # characters per record looked at for the script mix
SCRIPTS = {
    "Latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
    "Han": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"),
    "Kana": re.compile(r"[\u3040-\u30ff]"),
    "Hangul": re.compile(r"[\uac00-\ud7af\u1100-\u11ff]"),
    "Cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "Arabic": re.compile(r"[\u0600-\u06ff]"),
    "Devanagari": re.compile(r"[\u0900-\u097f]"),
    "Greek": re.compile(r"[\u0370-\u03ff]"),
    "Hebrew": re.compile(r"[\u0590-\u05ff]"),
    "Thai": re.compile(r"[\u0e00-\u0e7f]"),
}
PERCENTILES = (0, 5, 25, 50, 75, 95, 99, 100)


def dominant_script(text: str) -> str:
    """The script with the most letters in the text ("Japanese" when kana is present with Han), or "none"."""
    sample = text[:SCRIPT_SAMPLE]
    counts = {name: pattern.subn("", sample)[1] for name, pattern in SCRIPTS.items()}
    if counts["Kana"] and counts["Han"]:
        counts["Kana"] += counts.pop("Han")
    best = max(counts, key=counts.__getitem__)
    if not counts[best]:
        return "none"
    return "Japanese" if best == "Kana" else best


def percentile(values: list[int], q: float) -> int:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return 0
    index = min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))
    return values[index]


def log_histogram(values: list[int], bins: int = 24) -> list[tuple[int, int, int]]:
    """(low, high, count) bins on a log scale from the smallest to the largest value (lengths are heavy-tailed)."""
    if not values:
        return []
    low, high = max(values[0], 1), max(values[-1], 1)
    if high <= low:
        return [(values[0], values[-1], len(values))]
    edges = [low * (high / low) ** (i / bins) for i in range(bins + 1)]
    counts = [0] * bins
    for value in values:
        position = 0 if value <= low else int(math.log(value / low) / math.log(high / low) * bins)
        counts[min(position, bins - 1)] += 1
    return [(math.floor(edges[i]), math.ceil(edges[i + 1]), counts[i]) for i in range(bins)]


@dataclass(slots=True)
class FieldStats:
    name: str
    filled: int = 0  # records where the field has non-blank text
    present: int = 0  # records where the field exists at all
    lengths: list[int] = field(default_factory=list)  # characters per record, for records where it exists

    def summary(self, records: int) -> dict:
        ordered = sorted(length for length in self.lengths if length)  # empties are in the fill rate
        return {
            "field": self.name,
            "present": self.present,
            "filled": self.filled,
            "fill_rate": round(self.filled / records, 4) if records else 0.0,
            "length_percentiles": {f"p{q}": percentile(ordered, q) for q in PERCENTILES},
            "length_histogram": [list(item) for item in log_histogram(ordered)],
        }


@dataclass(slots=True)
class Profile:
    path: str
    records: int = 0
    lines: int = 0
    format: str = "unknown"
    formats: Counter = field(default_factory=Counter)
    fields: dict[str, FieldStats] = field(default_factory=dict)
    scripts: Counter = field(default_factory=Counter)
    labels: dict[str, Counter] = field(default_factory=lambda: {"type": Counter(), "difficulty": Counter()})
    label_pointers: dict[str, str] = field(default_factory=dict)
    hashes: Counter = field(default_factory=Counter)
    turns: Counter = field(default_factory=Counter)
    top_keys: Counter = field(default_factory=Counter)
    violations: Counter = field(default_factory=Counter)  # (code, name) -> count
    flagged_records: Counter = field(default_factory=Counter)  # code -> records with at least one violation
    near_duplicates: int | None = None  # None: no near-duplicate rule in this build

    @property
    def exact_duplicates(self) -> int:
        return sum(count - 1 for count in self.hashes.values() if count > 1)

    @property
    def duplicate_groups(self) -> int:
        return sum(1 for count in self.hashes.values() if count > 1)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "records": self.records,
            "format": self.format,
            "formats": dict(self.formats.most_common()),
            "fields": [stats.summary(self.records) for stats in self.fields.values()],
            "turns": {str(k): v for k, v in sorted(self.turns.items())},
            "scripts": dict(self.scripts.most_common()),
            "labels": {
                name: {"pointer": self.label_pointers.get(name), "values": dict(counts.most_common())}
                for name, counts in self.labels.items()
            },
            "duplicates": {
                "exact_duplicate_records": self.exact_duplicates,
                "exact_duplicate_groups": self.duplicate_groups,
                "near_duplicate_records": self.near_duplicates,
            },
            "top_violations": [
                {"code": code, "name": name, "count": count, "records": self.flagged_records[code]}
                for (code, name), count in self.violations.most_common(15)
            ],
        }


def profile_source(source: Source, settings: Settings) -> Profile:
    """One pass over a dataset: the record view of each line, measured."""
    profile = Profile(source.name)
    file_format = settings.format if settings.format != "auto" else None
    with source.open() as stream:
        lines = read_json_array(stream) if source.array else read_jsonl(stream, max_line_bytes=10_000_000)
        for line in lines:
            profile.lines += 1
            if line.value is None:
                continue
            if file_format is None:
                detected = detect_format(line.value)
                file_format = detected if detected != "unknown" else None
            record = build_record(line.number, line.hash, line.value, file_format or "unknown", settings.mapping)
            _measure(profile, record, line.hash)
    profile.format = file_format or "unknown"
    return profile


def _measure(profile: Profile, record, hash_: str) -> None:
    profile.records += 1
    profile.formats[record.format] += 1
    profile.hashes[hash_] += 1
    profile.top_keys.update(record.data.keys())
    if record.turns:
        profile.turns[len(record.turns)] += 1
    per_field: dict[str, list[str]] = {}
    for text in record.texts:
        per_field.setdefault(text.field, []).append(text.text)
    for name, texts in per_field.items():
        stats = profile.fields.get(name)
        if stats is None:
            stats = profile.fields[name] = FieldStats(name)
        stats.present += 1
        length = sum(len(text) for text in texts)
        stats.lengths.append(length)
        if any(text.strip() for text in texts):
            stats.filled += 1
    sample = " ".join(per_field.get("response", []) + per_field.get("instruction", []) + per_field.get("text", []))
    profile.scripts[dominant_script(sample)] += 1
    for name, (value, pointer) in record.labels.items():
        profile.labels[name][str(value)] += 1
        profile.label_pointers.setdefault(name, pointer)


def add_violations(profile: Profile, report: Report, settings: Settings) -> None:
    seen: set[tuple[str, int]] = set()
    for violation in report.violations:
        if violation.path != profile.path:
            continue
        profile.violations[(violation.code, violation.name)] += 1
        if (violation.code, violation.line) not in seen:
            seen.add((violation.code, violation.line))
            profile.flagged_records[violation.code] += 1
    near = [rule.code for rule in settings.rules if rule.kind == "near-duplicate"]
    if "near-duplicate" in KIND_MODULES and near:
        profile.near_duplicates = sum(1 for v in report.violations if v.code in near and v.path == profile.path)


def profile_path(path: Path, settings: Settings, report: Report | None = None, source: Source | None = None) -> Profile:
    from datalint.reader import is_array_path

    profile = profile_source(source or Source(str(path), path, array=is_array_path(path)), settings)
    if report is not None:
        add_violations(profile, report, settings)
    return profile
