"""Dataset profile for `datalint stats` and `datalint init`: what a dataset holds, measured in one pass.

Records, format, per-field fill rates and length distributions, the script mix (every script with a
letter in the record's texts: its share of the letters, the records that have it and the records
where it is the main script), type/difficulty distributions, exact duplicates, and the rules that
flag the most records. Lengths are in
characters, summed per record over all texts of a field (all user turns of a chat are `instruction`);
length percentiles and histograms are of the non-empty values, the empty ones show in the fill rate.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from datalint.checks import KIND_MODULES
from datalint.config import Settings
from datalint.field_mapping import build_record
from datalint.presets import detect_format
from datalint.report import Report
from datalint.source_reader import SourceReader
from datalint.sources import Source

NO_LETTERS = "no letters"  # records whose text has no letter at all: empty, digits, punctuation, symbols
PERCENTILES = (0, 5, 25, 50, 75, 95, 99, 100)
# Bytes that are not ASCII letters: deleting them from an ASCII text leaves its Latin letters.
_ASCII_NON_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())
_ASCII_RUNS = re.compile(r"[\x00-\x7f]+")
# Words of a Unicode character name that end its script's name ("OLD ITALIC LETTER A" -> Old Italic).
_NAME_MARKERS = frozenset(
    "LETTER CAPITAL SMALL SYLLABLE SYLLABICS CHARACTER IDEOGRAPH HIEROGLYPH HIEROGLYPHIC SIGN VOWEL"
    " LIGATURE ITERATION MARK".split()
)
# Names whose first words are not the script's usual name, or are not a script at all (math and
# letterlike symbols, modifier letters).
_NAME_SCRIPTS = {
    "CJK": "Han",
    "IDEOGRAPHIC": "Han",
    "HIRAGANA": "Kana",
    "KATAKANA": "Kana",
    "KATAKANA-HIRAGANA": "Kana",
    "HENTAIGANA": "Kana",
    "FEMININE": "Latin",  # the ordinal indicators ª and º
    "MASCULINE": "Latin",
}
OTHER_LETTERS = "other letters (math, symbols)"
_SYMBOL_WORDS = frozenset(
    "MATHEMATICAL DOUBLE-STRUCK SCRIPT BLACK-LETTER MODIFIER SUPERSCRIPT SUBSCRIPT TURNED ALEF BET GIMEL"
    " DALET ANGSTROM KELVIN OHM PLANCK EULER INFORMATION CARON ROMAN VERTICAL MASU MICRO".split()
)


@cache
def letter_script(char: str) -> str | None:
    """The script of a letter, from its Unicode name ("CYRILLIC SMALL LETTER A": Cyrillic); None if not a letter."""
    if not char.isalpha():
        return None
    if char.isascii():
        return "Latin"
    words = unicodedata.name(char, "").split()
    if words and words[0] in ("FULLWIDTH", "HALFWIDTH"):
        words = words[1:]
    if not words or words[0] in _SYMBOL_WORDS:
        return OTHER_LETTERS
    if words[0] in _NAME_SCRIPTS:
        return _NAME_SCRIPTS[words[0]]
    ends = [index for index, word in enumerate(words[:3]) if word in _NAME_MARKERS]
    return " ".join(words[: ends[0]] if ends and ends[0] else words[:1]).title()


def count_letters(text: str) -> Counter:
    """Letters per script in the text. ASCII is counted on bytes: most text is mostly ASCII."""
    counts: Counter = Counter()
    latin = len(text.encode("ascii", "ignore").translate(None, _ASCII_NON_LETTERS))
    if latin:
        counts["Latin"] = latin
    if not text.isascii():
        for char, count in Counter(_ASCII_RUNS.sub("", text)).items():
            script = letter_script(char)
            if script is not None:
                counts[script] += count
    return counts


def dominant_of(letters: Counter) -> str:
    """The script with the most letters (math and symbol letters aside), or NO_LETTERS."""
    scored = {script: count for script, count in letters.items() if script != OTHER_LETTERS}
    if not scored:
        return OTHER_LETTERS if letters else NO_LETTERS
    return max(sorted(scored), key=scored.__getitem__)


def dominant_script(text: str) -> str:
    """The script with the most letters in the text, or NO_LETTERS."""
    return dominant_of(count_letters(text))


def share_text(fraction: float) -> str:
    """A share for people: one decimal, "<0.1%" for a small one that is not zero, ">99.9%" short of all."""
    if 0 < fraction < 0.001:
        return "<0.1%"
    if 0.999 < fraction < 1:
        return ">99.9%"
    return f"{fraction:.1%}"


def percentile(values: list[int], q: float) -> int:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return 0
    index = min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))
    return values[index]


# Bin edges per decade, in tenths (15 is 1.5): 1-2-5 first, finer ones when the values span few decades.
_LOG_EDGES = ((10, 20, 50), (10, 15, 20, 30, 50, 70), (10, 12, 15, 20, 25, 30, 40, 50, 60, 80))
MIN_BINS = 8
MAX_LINEAR_BINS = 12


def _log_edges(low: int, high: int, tenths: tuple[int, ...]) -> list[int]:
    """Integer edges m * 10^k from the last one at or below low to the first one above high."""
    candidates = sorted(
        {t * 10**k // 10 for k in range(len(str(high)) + 2) for t in tenths if t * 10**k % 10 == 0 and t * 10**k >= 10}
    )
    first = max(edge for edge in candidates if edge <= low)
    last = min(edge for edge in candidates if edge > high)
    return [edge for edge in candidates if first <= edge <= last]


def _linear_edges(low: int, high: int) -> list[int]:
    """Evenly spaced edges on a 1-2-5 step, for values that span too little for a log scale."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            width = step * factor
            start = low // width * width
            if (high - start) // width + 1 <= MAX_LINEAR_BINS:
                return list(range(start, high // width * width + width + 1, width))
        step *= 10


def length_histogram(values: list[int]) -> tuple[str, list[tuple[int, int, int]]]:
    """("log" or "linear", bins): disjoint (low, high, count) bins, low <= value <= high, of sorted positive values.

    Lengths are heavy-tailed, so the edges are log-spaced round numbers (1, 2, 5, 10, 20, ...); values
    that span too little for that (84 to 90 characters) get evenly spaced bins instead.
    """
    if not values:
        return "log", []
    low, high = max(values[0], 1), max(values[-1], 1)
    scale, edges = "linear", _linear_edges(low, high)
    for tenths in _LOG_EDGES:
        log_edges = _log_edges(low, high, tenths)
        if len(log_edges) - 1 >= MIN_BINS:
            scale, edges = "log", log_edges
            break
    counts = [0] * (len(edges) - 1)
    for value in values:
        counts[bisect_right(edges, max(value, 1)) - 1] += 1
    return scale, [(edges[i], edges[i + 1] - 1, counts[i]) for i in range(len(counts))]


@dataclass(slots=True)
class FieldStats:
    name: str
    filled: int = 0  # records where the field has non-blank text
    present: int = 0  # records where the field exists at all
    lengths: list[int] = field(default_factory=list)  # characters per record, for records where it exists

    def summary(self, records: int) -> dict:
        ordered = sorted(length for length in self.lengths if length)  # empties are in the fill rate
        scale, bins = length_histogram(ordered)
        return {
            "field": self.name,
            "present": self.present,
            "filled": self.filled,
            "fill_rate": round(self.filled / records, 4) if records else 0.0,
            "length_percentiles": {f"p{q}": percentile(ordered, q) for q in PERCENTILES},
            "length_scale": scale,
            "length_histogram": [list(item) for item in bins],
        }


@dataclass(slots=True)
class Profile:
    path: str
    records: int = 0
    lines: int = 0
    format: str = "unknown"
    formats: Counter = field(default_factory=Counter)
    fields: dict[str, FieldStats] = field(default_factory=dict)
    scripts: Counter = field(default_factory=Counter)  # dominant script -> records
    script_letters: Counter = field(default_factory=Counter)  # script -> letters in all texts
    script_records: Counter = field(default_factory=Counter)  # script -> records with at least one of its letters
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

    def script_mix(self) -> list[dict]:
        """Every script with a letter in the data, most letters first: its share of all letters and its records."""
        total = sum(self.script_letters.values())
        return [
            {
                "script": script,
                "letters": letters,
                "letter_share": letters / total,
                "records": self.script_records[script],
                "dominant_in": self.scripts[script],
            }
            for script, letters in sorted(self.script_letters.items(), key=lambda item: (-item[1], item[0]))
        ]

    def ranked_violations(self) -> list[tuple[str, str, int, int]]:
        """(code, name, violations, records flagged) per rule, most records flagged first."""
        rows = [(code, name, count, self.flagged_records[code]) for (code, name), count in self.violations.items()]
        return sorted(rows, key=lambda row: (-row[3], -row[2], row[0]))

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "records": self.records,
            "format": self.format,
            "formats": dict(self.formats.most_common()),
            "fields": [stats.summary(self.records) for stats in self.fields.values()],
            "turns": {str(k): v for k, v in sorted(self.turns.items())},
            "scripts": dict(self.scripts.most_common()),
            "script_mix": self.script_mix(),
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
                {
                    "code": code,
                    "name": name,
                    "count": count,
                    "records": records,
                    "record_share": round(records / self.records, 4) if self.records else 0.0,
                }
                for code, name, count, records in self.ranked_violations()[:15]
            ],
        }


def profile_source(source: Source, settings: Settings) -> Profile:
    """One pass over a dataset: the record view of each line, measured."""
    profile = Profile(source.name)
    file_format = settings.format if settings.format != "auto" else None
    for line in SourceReader(source).lines(max_line_bytes=10_000_000):
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
    letters = count_letters("\n".join(text.text for text in record.texts))
    profile.script_letters.update(letters)
    profile.script_records.update(letters.keys())
    profile.scripts[dominant_of(letters)] += 1
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
