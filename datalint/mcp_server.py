"""`datalint mcp`: datalint for coding agents, as an MCP server on stdio (extra `datalint[mcp]`).

Tools: `lint`, `explain_rule`, `fix` (a dry run unless `apply`), `stats`. Resources: the rules index
and the JSON Schemas of the config and of the JSON output. Built on the Python API, like the CLI.

Each tool answers with structured content (the pydantic models below, published as the tools'
output schemas) and a short text for clients that read text only. A problem with the input (a path
that does not exist, an unknown rule, a bad config) is a tool error carrying datalint's message; the
server keeps serving.
"""

# No `from __future__ import annotations`: the `mcp` command loads this file by path, outside the
# package, where pydantic could not resolve the models' deferred annotations later.
import difflib
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import datalint
from datalint.fix import FixPlan
from datalint.report import Report
from datalint.rules import SCHEMAS_DIR, Rule, builtin_rules
from datalint.violation import Violation

MISSING_EXTRA = "`datalint mcp` needs the MCP SDK: pip install 'datalint[mcp]'"

try:
    from mcp.server import MCPServer
    from mcp.server.mcpserver.exceptions import ResourceError, ToolError
    from mcp.types import CallToolResult, TextContent, ToolAnnotations
    from pydantic import BaseModel, ConfigDict, Field
except ImportError as error:  # the base install has no MCP SDK
    raise ImportError(MISSING_EXTRA) from error

DEFAULT_LIMIT = 100
DEFAULT_DIFF_LINES = 500
RULES_URI = "datalint://rules"
CONFIG_SCHEMA_URI = "datalint://schemas/config"
OUTPUT_SCHEMA_URI = "datalint://schemas/output"
CONFIG_SCHEMA_FILE = "config-v1.json"
OUTPUT_SCHEMA_FILE = "output-v2.json"

INSTRUCTIONS = """\
datalint lints instruction-tuning datasets (JSONL, .json arrays, .jsonl.gz) like code: stable rule
codes at path:line:column. Call `lint` on files or folders, `explain_rule` for what a code means and
how to fix it, `fix` to preview (or, with apply=true, write) the mechanical fixes, `stats` for a
profile of one file. Relative paths are resolved from the server's working directory. Configuration
(datalint.toml, .datalint.toml or [tool.datalint] in pyproject.toml) is found from each file upward.
"""


# --- structured results ---------------------------------------------------------------------------


class FixOffer(BaseModel):
    """The fix a rule offers; the `fix` tool applies it."""

    description: str
    safety: Literal["safe", "unsafe"] = Field(
        description="safe: bytes change, meaning does not; unsafe: content changes or records go (fix unsafe=true)"
    )


class RelatedLocation(BaseModel):
    path: str
    line: int
    column: int
    end_column: int | None
    pointer: str
    message: str


class Finding(BaseModel):
    code: str
    name: str
    severity: Literal["error", "warning", "info"]
    message: str
    path: str
    line: int = Field(description="1-based line of the record in the file")
    column: int = Field(description="1-based column (code points) where the finding starts in that line")
    end_column: int | None = Field(description="column where it ends (exclusive), when it has a span")
    pointer: str = Field(description="JSON pointer of the offending value inside the record, e.g. /messages/2/content")
    record_hash: str | None
    related: list[RelatedLocation] = Field(description="other places of the same finding, e.g. the first copy")
    fix: FixOffer | None = Field(description="the fix the rule offers, or null")


class LintedFile(BaseModel):
    path: str
    records: int
    format: str


class LintResult(BaseModel):
    total: int = Field(description="violations found, all of them")
    shown: int = Field(description="violations listed in `findings` (at most `limit`)")
    failing: int = Field(description="violations at or above the failing severity (the CLI exits 1 when > 0)")
    by_severity: dict[str, int]
    by_code: dict[str, int] = Field(description="violations per rule code, most frequent first")
    files: list[LintedFile]
    findings: list[Finding]


class RuleDocs(BaseModel):
    code: str
    name: str
    kind: str
    severity: str
    default: bool = Field(description="enabled without any config")
    summary: str
    why: str
    example: str
    instead: str
    options: dict[str, Any] = Field(description="the rule's options and their built-in values")
    fix: FixOffer | None
    markdown: str = Field(description="the page `datalint rule CODE` prints")


class FixedFile(BaseModel):
    path: str
    fixes: int
    records_removed: int
    lines_changed: int


class FixResult(BaseModel):
    written: bool = Field(description="true when the files were rewritten (apply=true)")
    fixes: int = Field(description="fixes applied (or that would be)")
    unsafe_skipped: int = Field(description="unsafe fixes left out; pass unsafe=true to include them")
    files: list[FixedFile]
    diff: str = Field(description="unified diff of the changes")
    diff_truncated: bool = Field(description="true when `diff` was cut at `diff_lines` lines")


class DatasetProfile(BaseModel):
    """`datalint stats --format json`, as a model (keys it gains later pass through)."""

    model_config = ConfigDict(extra="allow")

    path: str
    records: int
    format: str
    formats: dict[str, int]
    fields: list[dict[str, Any]]
    turns: dict[str, int]
    scripts: dict[str, int]
    labels: dict[str, Any]
    duplicates: dict[str, int | None]
    top_violations: list[dict[str, Any]]


# --- the server -------------------------------------------------------------------------------------

Paths = Annotated[
    list[str],
    Field(min_length=1, description="dataset files or folders (folders are searched for *.jsonl, *.jsonl.gz ...)"),
]
Selectors = Annotated[list[str] | None, Field(description="rule codes, names or family letters, e.g. ['P001', 'S']")]
Select = Annotated[
    list[str] | None, Field(description="rules to enable instead of the config's selection (codes, names, families)")
]
# Hints a client may use to ask before a call: only `fix` writes (and only with apply=true); nothing
# reaches outside the machine.
READS = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)
ConfigPath = Annotated[str | None, Field(description="a config file to use instead of the one found from each file")]
Profile = Annotated[
    str | None,
    Field(description="a trainer profile to check against, e.g. 'mistral' (docs/profiles.md)"),
]


def create_server(*, cache: bool = True) -> MCPServer:
    """The datalint MCP server: its tools and resources, ready to `run()` on stdio or to test in-process.

    `cache`: `lint` and `fix` read and write the incremental cache (.datalint_cache/ beside the config,
    or in the working folder), as `datalint check` does by default, so a second call on a large file
    re-checks only the records that changed. The record pass runs in this process (no worker pool:
    forking a threaded server is not safe).
    """
    server = MCPServer(
        "datalint",
        title="datalint",
        version=datalint.__version__,
        instructions=INSTRUCTIONS,
        log_level="WARNING",
    )

    @server.tool(title="Lint datasets", annotations=READS)
    def lint(
        paths: Paths,
        select: Select = None,
        extend_select: Selectors = None,
        ignore: Selectors = None,
        config: ConfigPath = None,
        profile: Profile = None,
        limit: Annotated[int, Field(ge=0, description="how many findings to list; `total` counts all")] = DEFAULT_LIMIT,
    ) -> Annotated[CallToolResult, LintResult]:
        """Lint dataset files or folders with datalint's rules (as `datalint check` does) and return the
        findings in file order: rule code, severity, message, path, line, column span, JSON pointer and
        the fix the rule offers. A finding most records of a file share is listed once, with its count."""
        with _tool_errors():
            report = datalint.lint_paths(
                paths,
                config=config,
                select=select,
                extend_select=extend_select or (),
                ignore=ignore or (),
                profile=profile,
                cache=cache,
            )
        result = lint_result(report, limit)
        return _answer(result, lint_text(report, limit))

    @server.tool(title="Explain a rule", annotations=READS)
    def explain_rule(
        rule: Annotated[str, Field(description="a rule code (P001) or name (ai-disclaimer)")],
    ) -> Annotated[CallToolResult, RuleDocs]:
        """A rule's documentation, as `datalint rule CODE` prints it: what it reports, why it matters, an
        example and what to write instead, its options and its fix."""
        found = find_rule(rule)
        docs = rule_docs(found)
        return _answer(docs, docs.markdown)

    @server.tool(title="Fix datasets", annotations=WRITES)
    def fix(
        paths: Paths,
        apply: Annotated[bool, Field(description="write the fixes to the files; false: only return the diff")] = False,
        unsafe: Annotated[bool, Field(description="also fixes that change content or remove records")] = False,
        select: Select = None,
        extend_select: Selectors = None,
        ignore: Selectors = None,
        config: ConfigPath = None,
        profile: Profile = None,
        diff_lines: Annotated[int, Field(ge=0, description="longest diff returned, in lines")] = DEFAULT_DIFF_LINES,
    ) -> Annotated[CallToolResult, FixResult]:
        """The fixes `datalint check --fix` applies, as a unified diff. A dry run unless `apply` is true;
        safe fixes only (line endings, a byte order mark, ...) unless `unsafe` is true (stripping
        whitespace, removing duplicate records, ...). Files no fix touches are never rewritten."""
        from datalint import fix as fixes

        with _tool_errors():
            plan = datalint.plan_fixes(
                paths,
                config=config,
                select=select,
                extend_select=extend_select or (),
                ignore=ignore or (),
                unsafe=unsafe,
                profile=profile,
                cache=cache,
            )
            if apply:
                fixes.write(plan)
        result = fix_result(plan, written=apply, diff_lines=diff_lines)
        return _answer(result, fix_text(result))

    @server.tool(title="Profile a dataset", annotations=READS)
    def stats(
        path: Annotated[str, Field(description="one dataset file")], config: ConfigPath = None
    ) -> Annotated[CallToolResult, DatasetProfile]:
        """Profile one dataset file as `datalint stats` does: records, format, per-field fill rates and
        length percentiles, turns, script mix, type/difficulty labels, duplicates, most frequent rules."""
        from datalint.profile_text import render

        if Path(path).is_dir():
            raise ToolError(f"{path}: a folder; stats profiles one dataset file")
        with _tool_errors():
            profile = datalint.profile_file(path, config=config)
        return _answer(DatasetProfile(**profile.to_dict()), render(profile))

    @server.resource(
        RULES_URI,
        name="rules",
        title="datalint rules",
        description="Every built-in rule: code, name, kind, severity, enabled by default, summary, fix safety.",
        mime_type="application/json",
    )
    def rules_index() -> str:
        return json.dumps(rules_index_entries(), indent=2)

    @server.resource(
        CONFIG_SCHEMA_URI,
        name="config-schema",
        title="datalint config JSON Schema",
        description="JSON Schema of datalint.toml (and [tool.datalint] in pyproject.toml).",
        mime_type="application/schema+json",
    )
    def config_schema() -> str:
        return read_schema(CONFIG_SCHEMA_FILE)

    @server.resource(
        OUTPUT_SCHEMA_URI,
        name="output-schema",
        title="datalint JSON output schema",
        description="JSON Schema of `datalint check --format json` (versioned).",
        mime_type="application/schema+json",
    )
    def output_schema() -> str:
        return read_schema(OUTPUT_SCHEMA_FILE)

    return server


def serve(*, cache: bool = True) -> None:
    """Run the server on stdin/stdout until the client closes them."""
    create_server(cache=cache).run("stdio")


@cache
def _server_for_the_mcp_cli() -> MCPServer:
    return create_server()


def __getattr__(name: str) -> MCPServer:
    # The SDK's `mcp` command (`mcp run|dev|install .../datalint/mcp_server.py`) looks for a module-level
    # `server`; it is built when first asked for, so importing this module builds nothing.
    if name == "server":
        return _server_for_the_mcp_cli()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- the pieces, small and pure -----------------------------------------------------------------------


@contextmanager
def _tool_errors() -> Iterator[None]:
    """datalint's usage errors (exit 2 on the command line) as tool errors with the same message; a
    defect datalint finds in itself (a feature value its kind did not declare) too, as the CLI says it."""
    from datalint.cli.errors import defect_message
    from datalint.config import ConfigError
    from datalint.feature_types import FeatureError
    from datalint.rules import RuleError
    from datalint.sources import InputError

    try:
        yield
    except (ConfigError, InputError, RuleError) as error:
        raise ToolError(str(error)) from error
    except FeatureError as error:
        raise ToolError(defect_message(error)) from error
    except OSError as error:  # a file that cannot be read or written
        raise ToolError(f"{error.filename or 'file'}: {error.strerror or error}") from error


def _answer(model: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=model.model_dump(mode="json")
    )


def fix_offer(rule: Rule | None) -> FixOffer | None:
    if rule is None or not rule.fix:
        return None
    return FixOffer(description=rule.fix, safety="safe" if rule.fix_safety == "safe" else "unsafe")


def to_finding(violation: Violation, rules: dict[str, Rule]) -> Finding:
    return Finding(
        code=violation.code,
        name=violation.name,
        severity=violation.severity,
        message=violation.message,
        path=violation.path,
        line=violation.line,
        column=violation.column,
        end_column=violation.end_column,
        pointer=violation.pointer,
        record_hash=violation.record_hash,
        related=[
            RelatedLocation(
                path=r.path, line=r.line, column=r.column, end_column=r.end_column, pointer=r.pointer, message=r.message
            )
            for r in violation.related
        ],
        fix=fix_offer(rules.get(violation.code)),
    )


def lint_result(report: Report, limit: int) -> LintResult:
    rules = {rule.code: rule for rule in builtin_rules()}
    violations = report.violations
    severities = Counter(violation.severity for violation in violations)
    return LintResult(
        total=len(violations),
        shown=min(limit, len(violations)),
        failing=report.failing,
        by_severity={severity: severities[severity] for severity in ("error", "warning", "info")},
        by_code=dict(Counter(violation.code for violation in violations).most_common()),
        files=[LintedFile(path=item.path, records=item.records, format=item.format) for item in report.files],
        findings=[to_finding(violation, rules) for violation in violations[:limit]],
    )


def lint_text(report: Report, limit: int) -> str:
    """The text output of `datalint check`, cut at `limit` findings."""
    from datalint.formatters.text import head, one_line, summary_line

    lines = [f"{head(v, False)} [{v.name}] {one_line(v.message)}" for v in report.violations[:limit]]
    hidden = len(report.violations) - limit
    if hidden > 0:
        lines.append(f"... {hidden:,} more (raise `limit` to list them)")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def find_rule(wanted: str) -> Rule:
    rules = builtin_rules()
    for rule in rules:
        if wanted.strip() in (rule.code, rule.name) or wanted.strip().upper() == rule.code:
            return rule
    close = difflib.get_close_matches(wanted, [key for rule in rules for key in (rule.code, rule.name)], n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise ToolError(f"no rule {wanted!r}{hint}; the resource {RULES_URI} lists every rule")


def rule_docs(rule: Rule) -> RuleDocs:
    from datalint.docs import rule_markdown

    return RuleDocs(
        code=rule.code,
        name=rule.name,
        kind=rule.kind,
        severity=rule.severity,
        default=rule.default,
        summary=rule.summary,
        why=rule.why,
        example=rule.example,
        instead=rule.instead,
        options={key: value for key, value in rule.options.items() if key not in ("check", "problem")},
        fix=fix_offer(rule),
        markdown=rule_markdown(rule),
    )


def fix_result(plan: FixPlan, *, written: bool, diff_lines: int) -> FixResult:
    from datalint.fix import unified_diff

    diff = "".join(unified_diff(item) for item in plan.files)
    lines = diff.splitlines(keepends=True)
    return FixResult(
        written=written,
        fixes=plan.applied,
        unsafe_skipped=plan.unsafe_skipped,
        files=[
            FixedFile(path=item.path, fixes=item.applied, records_removed=item.removed, lines_changed=item.changed)
            for item in plan.files
        ],
        diff="".join(lines[:diff_lines]),
        diff_truncated=len(lines) > diff_lines,
    )


def fix_text(result: FixResult) -> str:
    count = f"{result.fixes:,} fix{'es' * (result.fixes != 1)} in {len(result.files):,} file(s)"
    head = f"Applied {count}." if result.written else f"Would apply {count} (dry run: nothing written)."
    notes = [head]
    if result.unsafe_skipped:
        notes.append(f"{result.unsafe_skipped:,} more available with unsafe=true.")
    if result.diff_truncated:
        notes.append("The diff is cut short (raise `diff_lines`).")
    return " ".join(notes) + ("\n\n" + result.diff if result.diff else "\n")


def rules_index_entries() -> list[dict[str, Any]]:
    return [
        {
            "code": rule.code,
            "name": rule.name,
            "kind": rule.kind,
            "severity": rule.severity,
            "default": rule.default,
            "summary": rule.summary,
            "fix": rule.fix_safety if rule.fix else None,
        }
        for rule in builtin_rules()
    ]


def read_schema(file_name: str) -> str:
    path = SCHEMAS_DIR / file_name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ResourceError(f"{file_name} is not in this build of datalint (expected at {path})") from error
