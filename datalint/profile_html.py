"""`datalint stats --html`: the profile as one self-contained HTML page with inline SVG plots.

No scripts, no fonts, no network: the file opens offline and can be attached to a review.
Every string that comes from the dataset (field values, labels, paths, messages) is escaped.
"""

from __future__ import annotations

from collections import Counter
from html import escape

from datalint import __version__
from datalint.profile import Profile

COLORS = {"bar": "#4477aa", "alt": "#ee6677", "grid": "#dddddd", "text": "#333333"}
TOP = 12
STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; }
h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.tiles { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.tile { border: 1px solid #ddd; border-radius: 6px; padding: .6rem 1rem; min-width: 9rem; }
.tile b { display: block; font-size: 1.3rem; } .tile span { color: #666; font-size: .85rem; }
table { border-collapse: collapse; } td, th { padding: .25rem .6rem; text-align: right; border-bottom: 1px solid #eee; }
td:first-child, th:first-child { text-align: left; } .grid { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure { margin: 0; } figcaption { font-size: .85rem; color: #555; } .muted { color: #777; }
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def histogram_svg(bins: list[list[int]], title: str, width: int = 340, height: int = 150) -> str:
    """Bars of a log-scale length histogram, with the first and last edge labelled."""
    if not bins:
        return f'<p class="muted">{_e(title)}: no values</p>'
    top = max(count for _, _, count in bins) or 1
    plot_h = height - 30
    step = width / len(bins)
    bars = []
    for index, (low, high, count) in enumerate(bins):
        h = count / top * (plot_h - 10)
        bars.append(
            f'<rect x="{index * step + 1:.1f}" y="{plot_h - h:.1f}" width="{max(step - 2, 1):.1f}" height="{h:.1f}"'
            f' fill="{COLORS["bar"]}"><title>{low:,}–{high:,} characters: {count:,} records</title></rect>'
        )
    labels = (
        f'<text x="0" y="{height - 12}" font-size="11" fill="{COLORS["text"]}">{bins[0][0]:,}</text>'
        f'<text x="{width}" y="{height - 12}" font-size="11" text-anchor="end" fill="{COLORS["text"]}">'
        f"{bins[-1][1]:,} chars</text>"
        f'<line x1="0" y1="{plot_h}" x2="{width}" y2="{plot_h}" stroke="{COLORS["grid"]}"/>'
    )
    return (
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img"'
        f' aria-label="{_e(title)}">{"".join(bars)}{labels}</svg><figcaption>{_e(title)}</figcaption></figure>'
    )


def bars_svg(counts: Counter | list[tuple[str, int]], total: int, title: str, width: int = 520) -> str:
    """Horizontal bars, one per value (top values only), labelled with share and count."""
    items = counts.most_common(TOP) if isinstance(counts, Counter) else list(counts)[:TOP]
    if not items:
        return f'<p class="muted">{_e(title)}: none</p>'
    row, label_w, bar_w = 22, 170, width - 170 - 110
    top = max(count for _, count in items) or 1
    parts = []
    for index, (key, count) in enumerate(items):
        y = index * row
        w = count / top * bar_w
        share = count / total if total else 0
        shown = str(key) if len(str(key)) <= 24 else str(key)[:23] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" font-size="12" text-anchor="end" fill="{COLORS["text"]}">'
            f"{_e(shown)}<title>{_e(key)}</title></text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="14" fill="{COLORS["bar"]}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12" fill="{COLORS["text"]}">'
            f"{share:.1%} ({count:,})</text>"
        )
    height = row * len(items) + 4
    return (
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img"'
        f' aria-label="{_e(title)}">{"".join(parts)}</svg><figcaption>{_e(title)}</figcaption></figure>'
    )


def _tile(value: str, label: str) -> str:
    return f'<div class="tile"><b>{_e(value)}</b><span>{_e(label)}</span></div>'


def render(profile: Profile) -> str:
    data = profile.to_dict()
    near = f"{profile.near_duplicates:,}" if profile.near_duplicates is not None else "n/a"
    tiles = "".join(
        [
            _tile(f"{profile.records:,}", "records"),
            _tile(profile.format, "format"),
            _tile(f"{profile.exact_duplicates:,}", f"exact duplicates ({profile.duplicate_groups:,} groups)"),
            _tile(
                near, "near-duplicates" + ("" if profile.near_duplicates is not None else " (no rule in this build)")
            ),
            _tile(f"{sum(profile.violations.values()):,}", "violations"),
        ]
    )
    rows = "".join(
        f"<tr><td>{_e(item['field'])}</td><td>{item['fill_rate']:.1%}</td>"
        + "".join(f"<td>{item['length_percentiles'][key]:,}</td>" for key in ("p5", "p50", "p95", "p99", "p100"))
        + "</tr>"
        for item in data["fields"]
    )
    histograms = "".join(
        histogram_svg(item["length_histogram"], f"{item['field']}: characters per record (log scale)")
        for item in data["fields"]
    )
    clusters = Counter()
    for count in profile.hashes.values():
        if count > 1:
            clusters[f"{count} copies" if count < 5 else "5+ copies"] += 1
    label_sections = []
    for name in ("type", "difficulty"):
        pointer = profile.label_pointers.get(name)
        if pointer:
            label_sections.append(bars_svg(profile.labels[name], profile.records, f"{name} (from {pointer})"))
        else:
            label_sections.append(f'<p class="muted">{_e(name)}: no field found</p>')
    violations = [(f"{code} {name}", count) for (code, name), count in profile.violations.most_common(TOP)]
    body = f"""
<h1>datalint stats: {_e(profile.path)}</h1>
<p class="muted">datalint {_e(__version__)}</p>
<div class="tiles">{tiles}</div>
<h2>Fields</h2>
<table><tr><th>field</th><th>filled</th><th>p5</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>{rows}</table>
<p class="muted">Lengths in characters per record, of non-empty values; a chat's turns of one role are added up.</p>
<div class="grid">{histograms}</div>
<h2>Language mix (script)</h2>
{bars_svg(profile.scripts, profile.records, "records by the dominant script of their text")}
<h2>Type and difficulty</h2>
<div class="grid">{"".join(label_sections)}</div>
<h2>Duplicates</h2>
{bars_svg(clusters, max(profile.duplicate_groups, 1), "groups of identical records by size")}
<h2>Top violations</h2>
{bars_svg(violations, max(sum(profile.violations.values()), 1), "violations per rule")}
"""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>datalint stats: {_e(profile.path)}</title>"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<style>{STYLE}</style></head><body>{body}</body></html>\n"
    )
