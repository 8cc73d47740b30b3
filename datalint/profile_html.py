"""`datalint stats --html`: the profile as one self-contained HTML page.

No scripts, no fonts, no network: the file opens offline and can be attached to a review. Length
histograms are inline SVG with both axes ticked and labelled; the distributions are tables with a
bar in a cell, so long names (rules, labels) wrap instead of being cut. Every string that comes
from the dataset (field values, labels, paths, messages) is escaped.
"""

from __future__ import annotations

import math
from collections import Counter
from html import escape

from datalint import __version__
from datalint.profile import NO_LETTERS, Profile, share_text

COLORS = {"bar": "#4477aa", "axis": "#555555", "grid": "#e4e4e4", "text": "#333333"}
TOP = 12
NO_LETTERS_LABEL = f"{NO_LETTERS} (empty, or only digits, punctuation, symbols)"
STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.tiles { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.tile { border: 1px solid #ddd; border-radius: 6px; padding: .6rem 1rem; min-width: 9rem; }
.tile b { display: block; font-size: 1.3rem; } .tile span { color: #666; font-size: .85rem; }
table { border-collapse: collapse; margin: .5rem 0; }
td, th { padding: .25rem .6rem; text-align: right; border-bottom: 1px solid #eee; vertical-align: top; }
th { font-weight: 600; font-size: .85rem; color: #444; }
td:first-child, th:first-child { text-align: left; }
td.name { max-width: 24rem; overflow-wrap: anywhere; }
td.share, th.share { text-align: left; white-space: nowrap; }
caption { text-align: left; }
.bar { display: inline-block; width: 160px; height: 12px; background: #f0f0f0; margin-right: .5rem;
       vertical-align: middle; }
.bar > span { display: block; height: 100%; background: #4477aa; }
.grid { display: flex; flex-wrap: wrap; gap: 1.5rem 2.5rem; }
figure { margin: 0; } figcaption { font-size: .85rem; color: #555; max-width: 520px; }
.muted { color: #777; } .note { color: #666; font-size: .85rem; max-width: 60rem; }
"""
# The length histograms: plot area inside the margins, in SVG pixels.
HIST_W, HIST_H = 520, 250
MARGIN = {"left": 60, "right": 28, "top": 12, "bottom": 48}
TICK_FONT = 11
CHAR_W = 0.62 * TICK_FONT  # a digit's advance in the sans-serif fonts, estimated to space the labels


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def compact(number: int) -> str:
    """An axis label: 950, 1k, 1.5k, 20k, 1.2M."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if number >= size:
            return f"{number / size:.4g}{suffix}"
    return str(number)


def nice_step(top: int, ticks: int = 4) -> int:
    """A 1-2-5 step that puts at most `ticks` intervals between 0 and top."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if top <= step * factor * ticks:
                return step * factor
        step *= 10


def spaced_labels(positions: list[tuple[float, str, int]], gap: float = 4.0) -> list[tuple[float, str]]:
    """The tick labels that fit without overlapping, most important first ((x, text, rank): lower rank first)."""
    placed: list[tuple[float, float, float, str]] = []
    for x, text, _ in sorted(positions, key=lambda item: (item[2], item[0])):
        half = len(text) * CHAR_W / 2
        if all(x + half + gap <= left or x - half - gap >= right for left, right, _, _ in placed):
            placed.append((x - half, x + half, x, text))
    return sorted((x, text) for _, _, x, text in placed)


def _edge_rank(edge: int, index: int, last: int) -> int:
    """Which x labels to keep when they do not all fit: the ends, then powers of ten, then 5s, then the rest."""
    if index in (0, last):
        return 0
    digits = str(edge).rstrip("0")
    return {"1": 1, "5": 2, "2": 3}.get(digits, 4)


def histogram_svg(bins: list[list[int]], scale: str, field: str) -> str:
    """Bars of a length histogram with a ticked x axis (bin edges) and y axis (records)."""
    title = f"{field}: characters per record"
    if not bins:
        return f'<p class="muted">{_e(title)}: no values</p>'
    edges = [low for low, _, _ in bins] + [bins[-1][1] + 1]
    plot_w = HIST_W - MARGIN["left"] - MARGIN["right"]
    plot_h = HIST_H - MARGIN["top"] - MARGIN["bottom"]
    left, top_y, base_y = MARGIN["left"], MARGIN["top"], MARGIN["top"] + plot_h

    if scale == "log":
        low, span = math.log(edges[0]), math.log(edges[-1]) - math.log(edges[0])
        position = [left + (math.log(edge) - low) / span * plot_w for edge in edges]
    else:
        position = [left + (edge - edges[0]) / (edges[-1] - edges[0]) * plot_w for edge in edges]

    highest = max(count for _, _, count in bins)
    step = nice_step(max(highest, 1))
    y_top = max(step, math.ceil(highest / step) * step)
    parts = []
    for tick in range(0, y_top + 1, step):
        y = base_y - tick / y_top * plot_h
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{COLORS["grid"]}"/>'
            f'<text class="y-tick" x="{left - 6}" y="{y + 4:.1f}" font-size="{TICK_FONT}" text-anchor="end"'
            f' fill="{COLORS["text"]}">{tick:,}</text>'
        )
    for index, (low, high, count) in enumerate(bins):
        x0, x1 = position[index], position[index + 1]
        h = count / y_top * plot_h
        span_text = f"{low:,}" if low == high else f"{low:,}–{high:,}"
        parts.append(
            f'<rect class="bin" x="{x0 + 0.5:.1f}" y="{base_y - h:.1f}" width="{max(x1 - x0 - 1, 1):.1f}"'
            f' height="{h:.1f}" fill="{COLORS["bar"]}"><title>{span_text} characters: {count:,} records</title></rect>'
        )
    axis = COLORS["axis"]
    parts.append(
        f'<line class="x-axis" x1="{left}" y1="{base_y}" x2="{left + plot_w}" y2="{base_y}" stroke="{axis}"/>'
        f'<line class="y-axis" x1="{left}" y1="{top_y}" x2="{left}" y2="{base_y}" stroke="{axis}"/>'
    )
    for x in position:
        parts.append(f'<line x1="{x:.1f}" y1="{base_y}" x2="{x:.1f}" y2="{base_y + 4}" stroke="{axis}"/>')
    last = len(edges) - 1
    labels = spaced_labels([(position[i], compact(edge), _edge_rank(edge, i, last)) for i, edge in enumerate(edges)])
    for x, text in labels:
        parts.append(
            f'<text class="x-tick" x="{x:.1f}" y="{base_y + 17}" font-size="{TICK_FONT}" text-anchor="middle"'
            f' fill="{COLORS["text"]}">{_e(text)}</text>'
        )
    x_title = "characters per record" + (" (log scale)" if scale == "log" else "")
    parts.append(
        f'<text class="x-title" x="{left + plot_w / 2:.1f}" y="{HIST_H - 6}" font-size="12" text-anchor="middle"'
        f' fill="{COLORS["text"]}">{x_title}</text>'
        f'<text class="y-title" x="0" y="0" font-size="12" text-anchor="middle" fill="{COLORS["text"]}"'
        f' transform="translate(14 {top_y + plot_h / 2:.1f}) rotate(-90)">records</text>'
    )
    return (
        f'<figure><svg class="histogram" xmlns="http://www.w3.org/2000/svg" width="{HIST_W}" height="{HIST_H}"'
        f' role="img" aria-label="{_e(title)}">{"".join(parts)}</svg><figcaption><b>{_e(field)}</b>:'
        f" records by length, {sum(count for _, _, count in bins):,} non-empty values</figcaption></figure>"
    )


def _bar(fraction: float) -> str:
    width = max(0.0, min(1.0, fraction)) * 100
    return f'<span class="bar"><span style="width:{width:.2f}%"></span></span>'


def _share_cell(fraction: float) -> str:
    return f'<td class="share">{_bar(fraction)}{share_text(fraction)}</td>'


def distribution_table(counts: Counter, total: int, heading: str, css: str, unit: str = "records") -> str:
    """One row per value (the most frequent first, the rest counted): its share of the total and its count."""
    if not counts:
        return f'<p class="muted">{_e(heading)}: none</p>'
    rows = [
        f'<tr><td class="name">{_e(key)}</td>{_share_cell(count / total if total else 0)}<td>{count:,}</td></tr>'
        for key, count in counts.most_common(TOP)
    ]
    if len(counts) > TOP:
        rest = sum(count for _, count in counts.most_common()[TOP:])
        more = f"… {len(counts) - TOP:,} more values ({rest:,} {unit})"
        rows.append(f'<tr><td class="muted" colspan="3">{more}</td></tr>')
    return (
        f'<table class="{css}"><caption class="note">{_e(heading)}</caption>'
        f"<tr><th>value</th><th class='share'>share of {unit}</th><th>{unit}</th></tr>{''.join(rows)}</table>"
    )


def scripts_table(profile: Profile) -> str:
    """Every script with a letter in the data, and the records with no letter at all."""
    rows = [
        f'<tr><td class="name">{_e(item["script"])}</td>{_share_cell(item["letter_share"])}'
        f"<td>{item['records']:,}</td><td>{item['dominant_in']:,}</td></tr>"
        for item in profile.script_mix()
    ]
    no_letters = profile.scripts[NO_LETTERS]
    if no_letters:
        rows.append(
            f'<tr><td class="name">{_e(NO_LETTERS_LABEL)}</td><td class="share muted">no letters</td>'
            f"<td>{no_letters:,}</td><td>{no_letters:,}</td></tr>"
        )
    if not rows:
        return '<p class="muted">no text</p>'
    return (
        '<table class="scripts"><tr><th>script</th><th class="share">share of all letters</th><th>records with it</th>'
        f"<th>records mainly in it</th></tr>{''.join(rows)}</table>"
        '<p class="note">Scripts, not languages: English and French are both Latin. A record is "mainly" in the'
        " script most of its letters are in.</p>"
    )


def violations_table(profile: Profile) -> str:
    """Every rule that flagged a record: the share of records it flags and its violation count."""
    ranked = profile.ranked_violations()
    if not ranked:
        return '<p class="muted">no violations</p>'
    total = profile.records
    rows = [
        f'<tr><td class="name"><code>{_e(code)}</code> {_e(name)}</td>{_share_cell(records / total if total else 0)}'
        f"<td>{records:,}</td><td>{count:,}</td></tr>"
        for code, name, count, records in ranked
    ]
    return (
        '<table class="violations"><tr><th>rule</th><th class="share">share of records flagged</th>'
        f"<th>records flagged</th><th>violations</th></tr>{''.join(rows)}</table>"
        f'<p class="note">Share of records flagged: records with at least one violation of the rule, out of all'
        f" {total:,} records. A record can have several violations of one rule.</p>"
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
        histogram_svg(item["length_histogram"], item["length_scale"], item["field"]) for item in data["fields"]
    )
    turns = ""
    if profile.turns and max(profile.turns) > 2:
        by_turns = Counter({f"{k} turns": v for k, v in profile.turns.items()})
        turns = "<h2>Turns</h2>" + distribution_table(by_turns, profile.records, "records by number of turns", "turns")
    clusters = Counter()
    for count in profile.hashes.values():
        if count > 1:
            clusters[f"{count} copies" if count < 5 else "5+ copies"] += 1
    label_sections = []
    for name in ("type", "difficulty"):
        pointer = profile.label_pointers.get(name)
        if pointer:
            label_sections.append(
                distribution_table(profile.labels[name], profile.records, f"{name} (from {pointer})", "labels")
            )
        else:
            label_sections.append(f'<p class="muted">{_e(name)}: no field found (set mapping.{_e(name)} in config)</p>')
    duplicates = (
        distribution_table(clusters, profile.duplicate_groups, "groups of identical records by size", "dups", "groups")
        if clusters
        else '<p class="muted">no identical records</p>'
    )
    body = f"""
<h1>datalint stats: {_e(profile.path)}</h1>
<p class="muted">datalint {_e(__version__)}</p>
<div class="tiles">{tiles}</div>
<h2>Fields</h2>
<table><tr><th>field</th><th>filled</th><th>p5</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>{rows}</table>
<p class="note">Lengths in characters per record, of non-empty values; a chat's turns of one role are added up.
In the histograms a bar counts the records whose length is at least the tick on its left and less than the tick on
its right; the ticks are round numbers on a log scale (even steps when the lengths span too little for one).</p>
<div class="grid">{histograms}</div>
{turns}
<h2>Scripts</h2>
{scripts_table(profile)}
<h2>Type and difficulty</h2>
<div class="grid">{"".join(label_sections)}</div>
<h2>Duplicates</h2>
{duplicates}
<h2>Top violations: rules by share of records flagged</h2>
{violations_table(profile)}
"""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>datalint stats: {_e(profile.path)}</title>"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<style>{STYLE}</style></head><body>{body}</body></html>\n"
    )
