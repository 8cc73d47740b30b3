"""Rule documentation generated from the declarations in rules/ (for `datalint rule` and the docs)."""

from __future__ import annotations

from datalint.checks import load_kind
from datalint.rules import Rule


def rule_markdown(rule: Rule) -> str:
    parts = [f"# {rule.code} {rule.name}", "", f"{rule.summary}.", ""]
    parts += [f"Severity: {rule.severity}. Kind: `{rule.kind}`." + ("" if rule.default else " Off by default."), ""]
    if rule.why:
        parts += ["## Why is this bad?", "", rule.why, ""]
    if rule.example:
        parts += ["## Example", "", "```", rule.example, "```", ""]
    if rule.instead:
        parts += ["## Use instead", "", "```", rule.instead, "```", ""]
    declared = load_kind(rule.kind).OPTIONS
    shown = {key: value for key, value in rule.options.items() if key not in ("check", "problem")}
    if shown:
        parts += ["## Options", ""]
        for key, value in shown.items():
            parts.append(f"- `{key}` = `{_toml(value)}`: {declared[key].help}")
        parts.append("")
        parts.append(f"Set them in config under `[rules.{rule.code}]` (or `[rules.{rule.name}]`).")
        parts.append("")
    if not rule.fix:
        parts.append("Fix: none.")
    elif rule.fix_safety == "safe":
        parts.append(f"Fix: {rule.fix} (safe: the meaning does not change; applied by `--fix`).")
    else:
        parts.append(f"Fix: {rule.fix} (unsafe: content changes; applied by `--fix --unsafe-fixes`).")
    return "\n".join(parts)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        shown = ", ".join(_toml(item) for item in value[:4])
        return f"[{shown}{', ...' if len(value) > 4 else ''}]"
    return str(value)


def rules_table(rules: tuple[Rule, ...]) -> str:
    """The README's rule table."""
    lines = ["| code | name | severity | what it reports |", "| --- | --- | --- | --- |"]
    for rule in rules:
        note = "" if rule.default else " (off by default)"
        lines.append(f"| {rule.code} | `{rule.name}` | {rule.severity} | {rule.summary}{note} |")
    return "\n".join(lines)
