"""`datalint stats` on a terminal: tables, sparkline histograms and bars drawn with Unicode blocks."""

from __future__ import annotations

from collections import Counter

from datalint.profile import Profile

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
        span = f" {histogram[0][0]:,}–{histogram[-1][1]:,}" if histogram else ""
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
    lines += ["", *_distribution("script (of instruction and response text)", profile.scripts, profile.records)]
    for name in ("type", "difficulty"):
        pointer = profile.label_pointers.get(name)
        title = f"{name} (from {pointer})" if pointer else f"{name}: no field found (set `mapping.{name}` in config)"
        lines += ["", *(_distribution(title, profile.labels[name], profile.records) if pointer else [title])]
    lines += ["", "top violations"]
    if not profile.violations:
        lines.append("  (none)")
    for (code, name), count in profile.violations.most_common(TOP):
        share = profile.flagged_records[code] / profile.records if profile.records else 0
        lines.append(f"  {code} {name:<28} {count:>8,}  in {share:>6.1%} of records")
    return "\n".join(lines) + "\n"
