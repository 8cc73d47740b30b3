"""`datalint init`: write a commented starter `datalint.toml` tuned to the datasets it finds.

It detects the format (and a field mapping for files in no preset format), the main script of the
text, whether type/difficulty labels exist, and runs the default rules once: a rule that flags more
than NOISE_THRESHOLD of the records is ignored for now, with a comment saying how often it fired, so
the first run shows a short list of real defects instead of a wall of noise.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from datalint.config import CommandLine, SettingsResolver, load_config
from datalint.engine import DEFAULT_MAX_LINE_BYTES, lint_sources
from datalint.profile import Profile, add_violations, profile_source
from datalint.source_reader import SourceReader
from datalint.sources import Source, collect_sources, jsonl_only

NOISE_THRESHOLD = 0.10
INSTRUCTION_KEYS = ("instruction", "question", "prompt", "query", "problem", "input", "text")
RESPONSE_KEYS = ("output", "response", "answer", "std_answer", "completion", "target", "solution", "reference")
LABEL_KEYS = {
    "type": ("type", "category", "task_type", "class", "task", "domain", "subject"),
    "difficulty": ("difficulty", "level", "grade"),
}
MAX_LABEL_VALUES = 50
LABEL_SAMPLE = 5000


class InitError(ValueError):
    """init cannot write the config (it exists, or nothing to look at); the message says why."""


@dataclass(slots=True)
class Plan:
    """What init found and decided, before it is written as TOML."""

    datasets: list[Profile]
    format: str = "auto"
    mapping: dict[str, str] | None = None
    # code, name, flagged records, records, the fix's safety ("" without a fix)
    ignored: list[tuple[str, str, int, int, str]] | None = None


def _sample(path: Path) -> list[dict]:
    """The first records of a file, read as the lint run reads them (a line nested too deeply or
    with a lone surrogate does not raise here either)."""
    rows = []
    for line in SourceReader(Source(str(path), path)).lines(max_line_bytes=DEFAULT_MAX_LINE_BYTES):
        if line.value is not None:
            rows.append(line.value)
        if len(rows) >= LABEL_SAMPLE:
            break
    return rows


def guess_mapping(rows: list[dict]) -> dict[str, str]:
    """Instruction/response keys of records in no preset format: the first common key of each kind."""
    if not rows:
        return {}
    common = Counter(key for row in rows for key, value in row.items() if isinstance(value, str))
    present = [key for key, count in common.items() if count >= 0.9 * len(rows)]
    mapping = {}
    for part, candidates in (("instruction", INSTRUCTION_KEYS), ("response", RESPONSE_KEYS)):
        found = next((key for key in candidates if key in present), None)
        if found:
            mapping[part] = found
    return mapping if len(mapping) == 2 else {}


def guess_labels(rows: list[dict], profile: Profile) -> dict[str, str]:
    """Label fields datalint does not find by itself: a common key with few distinct short values."""
    found = {}
    for label, candidates in LABEL_KEYS.items():
        if label in profile.label_pointers:
            continue
        for key in candidates:
            values = [row[key] for row in rows if isinstance(row.get(key), (str, int))]
            if len(values) >= 0.9 * len(rows) and 1 < len(set(values)) <= MAX_LABEL_VALUES:
                found[label] = key
                break
    return found


def plan(paths: list[str]) -> Plan:
    resolver = SettingsResolver(CommandLine(), None)
    sources = jsonl_only(collect_sources(paths, resolver), "datalint init")
    settings = resolver.settings_for(None)
    profiles = [profile_source(source, settings) for source in sources]
    formats = {profile.format for profile in profiles}
    result = Plan(profiles)
    mapping: dict[str, str] = {}
    if formats == {"unknown"}:
        guesses = [guess_mapping(_sample(Path(source.name))) for source in sources if source.path]
        if guesses and all(guess == guesses[0] for guess in guesses) and guesses[0]:
            result.format, mapping = "custom", dict(guesses[0])
    elif len(formats) == 1:
        result.format = formats.pop()
    for source, profile in zip(sources, profiles, strict=True):
        if source.path is not None and not source.array:
            for label, key in guess_labels(_sample(source.path), profile).items():
                mapping.setdefault(label, key)
    result.mapping = mapping or None
    result.ignored = noisy_rules(sources, result)
    return result


def noisy_rules(sources: list[Source], plan_: Plan) -> list[tuple[str, str, int, int, bool]]:
    """Rules that flag more than NOISE_THRESHOLD of the records with the planned format and mapping."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "datalint.toml"
        config.write_text(render(Plan(plan_.datasets, plan_.format, plan_.mapping, [])), encoding="utf-8")
        resolver = SettingsResolver(CommandLine(), config)
        report = lint_sources(sources, resolver)
        rules = {rule.code: rule for rule in resolver.settings_for(None).rules}
    flagged: Counter[str] = Counter()
    names: dict[str, str] = {}
    for profile in plan_.datasets:
        profile.violations.clear()
        profile.flagged_records.clear()
        add_violations(profile, report, resolver.settings_for(None))
        flagged.update(profile.flagged_records)
        names.update({code: name for code, name in profile.violations})
    records = sum(profile.records for profile in plan_.datasets) or 1
    return [
        (
            code,
            names[code],
            count,
            records,
            rules[code].fix_safety if code in rules and rules[code].fix else "",
        )
        for code, count in flagged.most_common()
        if count / records > NOISE_THRESHOLD
    ]


def _describe(profile: Profile) -> str:
    script = profile.scripts.most_common(1)[0][0] if profile.scripts else "none"
    share = profile.scripts[script] / profile.records if profile.records else 0
    labels = ", ".join(f"{name} at {pointer}" for name, pointer in profile.label_pointers.items()) or "none"
    return (
        f"#   {profile.path}: {profile.records:,} records, "
        f"{'no preset format' if profile.format == 'unknown' else 'format ' + profile.format}, "
        f"{share:.0%} {script} script, labels: {labels}"
    )


def render(plan_: Plan) -> str:
    lines = [
        "# datalint.toml: starter config written by `datalint init`.",
        "# What it found:",
        *[_describe(profile) for profile in plan_.datasets],
        "# `datalint rules` lists every rule; `datalint rule CODE` explains one.",
        "",
    ]
    if plan_.format == "custom":
        lines += ["# The records match no preset format; these keys looked like the prompt and the answer."]
    elif plan_.format != "auto":
        lines += ["# Detected from the records; pinned so that one odd record cannot change how the file is read."]
    else:
        lines += ["# The datasets are in different formats: each file's format is detected from its records."]
    lines += [f'format = "{plan_.format}"', ""]
    scripts = Counter()
    for profile in plan_.datasets:
        scripts.update(profile.scripts)
    main_script = scripts.most_common(1)[0][0] if scripts else "none"
    if main_script not in ("Latin", "none"):
        lines += [
            f"# Most text is in {main_script} script: the built-in phrase lists (P001 ai-disclaimer, P002 refusal)",
            "# are English and will miss disclaimers and refusals in this language; add your own `[[rule]]` lists.",
            "",
        ]
    lines += ["# Fail on errors; warnings and info are shown but do not fail the run.", 'fail-on = "error"', ""]
    ignored = plan_.ignored or []
    if ignored:
        lines += [
            f"# Rules that flag more than {NOISE_THRESHOLD:.0%} of the records are off for now: at that rate they",
            "# describe this dataset's style, or a rule that does not fit it, more than single defects.",
            "# Turn them back on one at a time (`datalint check --extend-select CODE` shows what they find).",
            "ignore = [",
        ]
        for code, name, count, records, fix_safety in ignored:
            flags = "--fix" if fix_safety == "safe" else "--fix --unsafe-fixes"
            command = f"; {fix_safety} fix: `datalint check {flags} --select {code}`, then remove this line"
            note = command if fix_safety else ""
            lines.append(f'  "{code}",  # {name}: {count:,} of {records:,} records ({count / records:.1%}){note}')
        lines += ["]", ""]
    if plan_.mapping:
        lines += ["# Where the parts of a record are (keys or JSON pointers).", "[mapping]"]
        lines += [f'{key} = "{value}"' for key, value in plan_.mapping.items()]
        lines += [""]
    lines += [
        "# To fail only on new problems, accept today's in a baseline (commit it):",
        "#   datalint baseline --output datalint-baseline.json",
        "#   datalint check --baseline datalint-baseline.json",
        "",
        "# Hand-picked false positives, by record hash (`record_hash` in `datalint check --format json`):",
        "# [[suppress]]",
        '# hash = "0123456789abcdef"',
        '# rules = ["P001"]',
        '# reason = "the question is about AI disclaimers"',
    ]
    return "\n".join(lines) + "\n"


def write(target: Path, paths: list[str], *, force: bool) -> Plan:
    if target.exists() and not force:
        raise InitError(f"{target} exists; use --force to overwrite it")
    result = plan(paths)
    text = render(result)
    from datalint.atomic import write_atomic

    write_atomic(target, text.encode("utf-8"))
    load_config(target)  # what init writes must load; a failure here is a bug in init
    return result
