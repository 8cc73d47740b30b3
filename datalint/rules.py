"""Rule declarations: load rules/*.toml and the user's own rules, validate options against the kind."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from datalint.checks import KIND_MODULES, Option, load_kind
from datalint.violation import SEVERITIES

_PACKAGE = Path(__file__).resolve().parent
# In a wheel the rules are shipped inside the package; in a checkout they sit beside it.
RULES_DIR = _PACKAGE / "rules" if (_PACKAGE / "rules").is_dir() else _PACKAGE.parent / "rules"
SCHEMAS_DIR = RULES_DIR / "schemas"

CODE_PATTERN = re.compile(r"^[A-Z]{1,3}[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
METADATA_KEYS = {
    "code": str,
    "name": str,
    "kind": str,
    "severity": str,
    "summary": str,
    "why": str,
    "example": str,
    "instead": str,
    "default": bool,
    "fix": str,
    "fix-safety": str,
}
FIX_SAFETIES = ("safe", "unsafe")


class RuleError(ValueError):
    """A rule declaration or a rule option is wrong; the message names the key and the file."""


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    kind: str
    severity: str
    summary: str
    options: dict[str, Any]
    why: str = ""
    example: str = ""
    instead: str = ""
    default: bool = True
    fix: str = ""  # description of the fix, when the rule has one
    # "safe": bytes change, meaning does not (a BOM, line endings); "unsafe": content changes or
    # records go, so it needs --unsafe-fixes (ruff's fix applicability).
    fix_safety: str = "unsafe"
    source: str = ""
    state: Any = field(default=None, compare=False, repr=False)

    @property
    def family(self) -> str:
        return self.code.rstrip("0123456789")

    def matches(self, selector: str) -> bool:
        """A selector is ALL, the rule's name, its family (`D`: D001, not DL001), or a code or code
        prefix within the family (`P0`, `P001`)."""
        if selector == "ALL" or selector == self.name:
            return True
        return self.code.startswith(selector) and selector.rstrip("0123456789") == self.family


def parse_rule(table: dict[str, Any], source: str) -> Rule:
    where = f"{source}: rule {table.get('code', '?')}"
    for key, expected in METADATA_KEYS.items():
        if key in table and not isinstance(table[key], expected):
            raise RuleError(f"{where}: `{key}` must be a {expected.__name__}")
    for key in ("code", "name", "kind", "summary"):
        if key not in table:
            raise RuleError(f"{where}: missing `{key}`")
    if not CODE_PATTERN.match(table["code"]):
        raise RuleError(f"{where}: `code` must be 1-3 capital letters and three digits, like P001")
    if not NAME_PATTERN.match(table["name"]):
        raise RuleError(f"{where}: `name` must be kebab-case, like ai-disclaimer")
    if table["kind"] not in KIND_MODULES:
        raise RuleError(f"{where}: unknown kind {table['kind']!r} (kinds: {', '.join(sorted(KIND_MODULES))})")
    severity = table.get("severity", "warning")
    if severity not in SEVERITIES:
        raise RuleError(f"{where}: `severity` must be one of {', '.join(SEVERITIES)}")
    if table.get("fix-safety", "unsafe") not in FIX_SAFETIES:
        raise RuleError(f"{where}: `fix-safety` must be one of {', '.join(FIX_SAFETIES)}")
    raw_options = {key: value for key, value in table.items() if key not in METADATA_KEYS}
    options = validate_options(table["kind"], raw_options, where)
    return Rule(
        code=table["code"],
        name=table["name"],
        kind=table["kind"],
        severity=severity,
        summary=table["summary"],
        options=options,
        why=table.get("why", ""),
        example=table.get("example", ""),
        instead=table.get("instead", ""),
        default=table.get("default", True),
        fix=table.get("fix", ""),
        fix_safety=table.get("fix-safety", "unsafe"),
        source=source,
    )


def validate_options(kind: str, raw: dict[str, Any], where: str) -> dict[str, Any]:
    """The kind's options, defaults filled in, once every value is one the kind can use.

    From the declarations: unknown names, types, choices, list items, bounds and regexes; then the
    kind's own `check_options` for rules between options. Paths are checked by the config, once
    resolved against its folder."""
    module = load_kind(kind)
    declared: dict[str, Option] = module.OPTIONS
    for key, value in raw.items():
        if key not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise RuleError(f"{where}: unknown option `{key}` for kind {kind!r} (options: {known})")
        problem = option_problem(declared[key], value)
        if problem:
            raise RuleError(f"{where}: option `{key}` {problem}")
    options = {key: raw.get(key, option.default) for key, option in declared.items()}
    check_options = getattr(module, "check_options", None)
    if check_options is not None:
        try:
            check_options(options)
        except ValueError as error:
            raise RuleError(f"{where}: {error}") from error
    return options


def option_problem(option: Option, value: Any) -> str | None:
    """What is wrong with a value of this option ("must be a list, not str"), or None."""
    if not _is_type(value, option.type):
        return f"must be {_type_name(option.type)}, not {type(value).__name__}"
    if option.choices and value not in option.choices:
        return f"must be one of {', '.join(map(repr, option.choices))}, not {value!r}"
    items = value if isinstance(value, list) else [value]
    if option.items is not None:
        for item in items:
            if not _is_type(item, option.items):
                return f"must be a list of {_type_name(option.items).split(' ', 1)[1]}s, not one holding {item!r}"
    for item in items if option.item_choices else ():
        if item not in option.item_choices:
            return f"holds {item!r}, which is not one of {', '.join(map(str, option.item_choices))}"
    if option.minimum is not None and value < option.minimum or option.maximum is not None and value > option.maximum:
        return f"must be {_bounds(option)}, not {value!r}"
    for item in items if option.regex else ():
        try:
            re.compile(item)
        except re.error as error:
            return f"holds an invalid regex {item!r}: {error}"
    return None


def _bounds(option: Option) -> str:
    if option.minimum is not None and option.maximum is not None:
        return f"from {option.minimum:g} to {option.maximum:g}"
    return f"at least {option.minimum:g}" if option.minimum is not None else f"at most {option.maximum:g}"


def _is_type(value: Any, expected: type | tuple[type, ...]) -> bool:
    expected_types = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool) and bool not in expected_types:
        return False
    if isinstance(value, int) and float in expected_types:
        return True
    return isinstance(value, expected_types)


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true or false",
        list: "a list",
        dict: "a table",
    }
    expected_types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names.get(item, item.__name__) for item in expected_types)


def with_overrides(rule: Rule, overrides: dict[str, Any], where: str) -> Rule:
    """A rule with the user's severity and options applied (from config `[rules.CODE]`)."""
    severity = overrides.get("severity", rule.severity)
    if severity not in SEVERITIES:
        raise RuleError(f"{where}: `severity` must be one of {', '.join(SEVERITIES)}")
    options = {key: value for key, value in overrides.items() if key != "severity"}
    validated = validate_options(rule.kind, {**rule.options, **options}, where)
    return replace(rule, severity=severity, options=validated)


def load_rule_file(path: Path) -> list[Rule]:
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    return [parse_rule(table, path.name) for table in document.get("rule", [])]


@cache
def builtin_rules() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for path in sorted(RULES_DIR.glob("*.toml")):
        rules.extend(load_rule_file(path))
    check_unique(rules, "built-in rules")
    return tuple(sorted(rules, key=lambda rule: rule.code))


def check_unique(rules: list[Rule], where: str) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        for key in (rule.code, rule.name):
            if key in seen:
                raise RuleError(f"{where}: {key} is declared twice ({seen[key]} and {rule.source})")
            seen[key] = rule.source


def prepared(rule: Rule) -> Rule:
    """The rule with its kind's compiled state (regexes, schemas) attached."""
    kind = load_kind(rule.kind)
    prepare = getattr(kind, "prepare", None)
    return replace(rule, state=prepare(rule.options) if prepare else None)
