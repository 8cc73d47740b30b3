"""Code actions and hover on the findings of an open document: a finding's fix as a quick fix (safe
fixes preferred, unsafe ones labelled), "fix all" for the file, "suppress this finding" (a command
the server runs: it writes the config), and the rule's docs under the cursor."""

from __future__ import annotations

import logging

from lsprotocol import types

from datalint import fix as fixes
from datalint.docs import rule_markdown
from datalint.file_lines import FileLines
from datalint.lsp import convert
from datalint.lsp.document import OpenDocument
from datalint.rules import Rule
from datalint.violation import Fix, RemoveBom, SetLineEnding, Violation

SUPPRESS_COMMAND = "datalint.suppress"
FIX_ALL_KIND = "source.fixAll.datalint"
log = logging.getLogger(__name__)


def _fix_context(state: OpenDocument) -> fixes.FixContext:
    lines = FileLines.of_text(state.snapshot.text())
    return fixes.FixContext(lines, state.linted.file_format, state.settings)


def _planned(violation: Violation, rules: dict[str, Rule], context: fixes.FixContext) -> tuple[Fix, Rule] | None:
    rule = rules.get(violation.code)
    if rule is None:
        return None
    try:
        planned = fixes.plan(violation, rule, context)
    except Exception:  # noqa: BLE001 - a fix that cannot be planned is not offered
        log.exception("planning a fix failed")
        return None
    return (planned, rule) if planned is not None and planned.edits else None


def _non_overlapping(planned: list[tuple[Fix, Rule]]) -> list[Fix]:
    """Fixes that touch lines no earlier fix touched (the rest wait for the next "fix all", as `--fix`)."""
    touched: set[tuple[str, int | None]] = set()
    kept = []
    for fix, _ in planned:
        marks = {_touches(edit) for edit in fix.edits}
        if marks & touched:
            continue
        touched |= marks
        kept.append(fix)
    return kept


def _touches(edit) -> tuple[str, int | None]:
    """What part of the file an edit changes: a line's text, a line's ending, or the byte order mark."""
    if isinstance(edit, SetLineEnding):
        return "ending", edit.line
    if isinstance(edit, RemoveBom):
        return "bom", None
    return "text", edit.line


def code_actions(state: OpenDocument | None, params: types.CodeActionParams, encoding: str) -> list[types.CodeAction]:
    """The fixes of the findings in the range, "suppress" for each, and "fix all" for the file."""
    if state is None or state.linted is None or state.snapshot.version != state.document.version:
        return []  # not checked since the last change: the client asks again
    document = state.snapshot
    rules = {rule.code: rule for rule in state.settings.rules}
    context = _fix_context(state)
    identifier = types.OptionalVersionedTextDocumentIdentifier(document.uri, document.version)

    def workspace_edit(edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(identifier, edits)])

    actions: list[types.CodeAction] = []
    first, last = params.range.start.line + 1, params.range.end.line + 1
    for violation in state.violations:
        if not first <= violation.line <= last:
            continue
        shown = convert.diagnostic(violation, document, None, encoding)
        if not _overlaps(shown.range, params.range):
            continue
        planned = _planned(violation, rules, context)
        if planned is not None:
            fix, rule = planned
            unsafe = rule.fix_safety != "safe"
            actions.append(
                types.CodeAction(
                    f"Fix {violation.code}: {fix.description}" + (" (unsafe: changes content)" if unsafe else ""),
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[shown],
                    is_preferred=not unsafe,
                    edit=workspace_edit(convert.text_edits(fix, document, encoding)),
                )
            )
        if violation.record_hash and document.path is not None:
            title = f"Suppress {violation.code} for this record (a [[suppress]] entry in the config)"
            actions.append(
                types.CodeAction(
                    title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[shown],
                    command=types.Command(
                        title, SUPPRESS_COMMAND, arguments=[document.uri, violation.record_hash, violation.code]
                    ),
                )
            )
    every = [planned for violation in state.per_record if (planned := _planned(violation, rules, context))]
    safe = [item for item in every if item[1].fix_safety == "safe"]
    for title, chosen in (
        ("Fix all datalint findings with safe fixes", safe),
        ("Fix all datalint findings, including unsafe fixes", every if len(every) > len(safe) else []),
    ):
        if chosen:
            edits = [edit for fix in _non_overlapping(chosen) for edit in convert.text_edits(fix, document, encoding)]
            actions.append(types.CodeAction(title, kind=FIX_ALL_KIND, edit=workspace_edit(edits)))
    only = params.context.only
    if only:  # kinds are hierarchical: "source" asks for "source.fixAll.datalint" too
        asked = [_kind(kind) for kind in only]
        actions = [action for action in actions if any(_kind(action.kind).startswith(kind) for kind in asked)]
    return actions


def _kind(kind: types.CodeActionKind | str | None) -> str:
    return str(getattr(kind, "value", kind) or "")


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def hover(state: OpenDocument | None, params: types.HoverParams, encoding: str) -> types.Hover | None:
    """The docs of the rules of the findings under the cursor (the text `datalint rule CODE` prints)."""
    if state is None or state.linted is None or state.settings is None:
        return None
    rules = {rule.code: rule for rule in state.settings.rules}
    here = types.Range(params.position, params.position)
    pages, ranges = [], []
    for violation in state.violations:
        if violation.line != params.position.line + 1 or violation.code not in rules:
            continue
        span = convert.violation_range(state.snapshot, violation, encoding)
        if _overlaps(span, here) and rule_markdown(rules[violation.code]) not in pages:
            pages.append(rule_markdown(rules[violation.code]))
            ranges.append(span)
    if not pages:
        return None
    return types.Hover(
        types.MarkupContent(types.MarkupKind.Markdown, "\n\n---\n\n".join(pages)),
        ranges[0] if len(ranges) == 1 else None,
    )
