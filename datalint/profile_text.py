"""`datalint stats` on a terminal: tables, sparkline histograms and bars drawn with Unicode blocks."""

from __future__ import annotations

from collections import Counter

from datalint.profile import NO_LETTERS, Profile, share_text

SPARKS = "▁▂▃▄▅▆▇█"
EIGHTHS = " ▏▎▍▌▋▊▉█"
BAR_WIDTH = 30
TOP = 10


def sparkline(counts: list[int]) -> str:
    if not counts or not max(counts):
        return ""
    top = max(counts)
    return "".join(" " if not c else SPARKS[min(len(SPARKS) - 1, (c * len(SPARKS) - 1) // top)] for c in counts)


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (EIGHTHS[part] if part else "")).ljust(width)


def _distribution(title: str, counts: Counter, total: int) -> list[str]:
    lines = [title]
    if not counts:
        return lines + ["  (none)"]
    width = max(len(str(key)) for key, _ in counts.most_common(TOP))
    for key, count in counts.most_common(TOP):
        share = count / total if total else 0
        lines.append(f"  {str(key)[:40]:<{min(width, 40)}}  {share:>6.1%} {bar(share)} {count:,}")
    if len(counts) > TOP:
        rest = sum(count for _, count in counts.most_common()[TOP:])
        lines.append(f"  … {len(counts) - TOP:,} more values ({rest:,} records)")
    return lines


def render(profile: Profile) -> str:
    data = profile.to_dict()
    lines = [profile.path, f"  records     {profile.records:,}   format {profile.format}"]
    if len(profile.formats) > 1:
        lines.append("  formats     " + ", ".join(f"{name} {count:,}" for name, count in profile.formats.most_common()))
    near = (
        f"{profile.near_duplicates:,} records"
        if profile.near_duplicates is not None
        else "not measured (no near-duplicate rule in this build)"
    )
    lines.append(
        f"  duplicates  exact: {profile.exact_duplicates:,} records in {profile.duplicate_groups:,} groups;"
        f" near: {near}"
    )
    lines += ["", "fields (characters per record, non-empty values)"]
    header = f"  {'field':<12} {'fill':>6} {'p5':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>8}  histogram (log scale)"
    lines.append(header)
    for item in data["fields"]:
        p = item["length_percentiles"]
        histogram = item["length_histogram"]
        spark = sparkline([count for _, _, count in histogram])
        scale = "" if item["length_scale"] == "log" else ", even steps"
        span = f" {histogram[0][0]:,} to {histogram[-1][1] + 1:,}{scale}" if histogram else ""
        lines.append(
            f"  {item['field']:<12} {item['fill_rate']:>6.1%} {p['p5']:>7,} {p['p50']:>7,} {p['p95']:>7,}"
            f" {p['p99']:>7,} {p['p100']:>8,}  {spark}{span}"
        )
    if profile.turns and max(profile.turns) > 2:
        lines += [
            "",
            *_distribution(
                "turns per record", Counter({f"{k} turns": v for k, v in profile.turns.items()}), profile.records
            ),
        ]
    lines += ["", *_scripts(profile)]
    for name in ("type", "difficulty"):
        pointer = profile.label_pointers.get(name)
        title = f"{name} (from {pointer})" if pointer else f"{name}: no field found (set `mapping.{name}` in config)"
        lines += ["", *(_distribution(title, profile.labels[name], profile.records) if pointer else [title])]
    lines += ["", *_violations(profile)]
    return "\n".join(lines) + "\n"


def _scripts(profile: Profile) -> list[str]:
    """Every script with a letter in the data: share of all letters, records with it, records mainly in it."""
    mix = profile.script_mix()
    no_letters = profile.scripts[NO_LETTERS]
    if not mix and not no_letters:
        return ["scripts", "  (no text)"]
    width = max([len("script"), *(len(item["script"]) for item in mix)])
    header = f"  {'script':<{width}}  {'letters':>7}  {'records with it':>15}  mainly in it"
    lines = ["scripts (of all record text: share of all letters, records with one, records mostly in it)"]
    lines += [header] if mix else []
    for item in mix:
        lines.append(
            f"  {item['script']:<{width}}  {share_text(item['letter_share']):>7}  {item['records']:>15,}"
            f"  {item['dominant_in']:>12,}"
        )
    if no_letters:
        lines.append(f"  {no_letters:,} records have no letter at all (empty, or only digits, punctuation, symbols)")
    return lines


def _violations(profile: Profile) -> list[str]:
    """The rules that flag the most records: share of records flagged, records flagged, violations."""
    ranked = profile.ranked_violations()
    title = f"top violations (share of records flagged: records with at least one, of all {profile.records:,})"
    if not ranked:
        return [title, "  (none)"]
    rules = [f"{code} {name}" for code, name, _, _ in ranked[:TOP]]
    width = max(len("rule"), *(len(rule) for rule in rules))
    lines = [title, f"  {'rule':<{width}}  {'share':>6}  {'records':>8}  {'violations':>10}"]
    for rule, (_, _, count, records) in zip(rules, ranked, strict=False):
        share = records / profile.records if profile.records else 0
        lines.append(f"  {rule:<{width}}  {share_text(share):>6}  {records:>8,}  {count:>10,}")
    if len(ranked) > TOP:
        rest = sum(count for _, _, count, _ in ranked[TOP:])
        lines.append(f"  … {len(ranked) - TOP:,} more rules ({rest:,} violations)")
    return lines
