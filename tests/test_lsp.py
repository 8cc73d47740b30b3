"""`datalint server` driven over stdio by pytest-lsp's client, as an editor drives it.

Each test starts the real server process (`python -m datalint.cli server`), opens buffers that
were never saved with the text under test, and waits for the diagnostics the server sends (no
timing is asserted: `wait_for_notification` waits as long as the server needs).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SERVER = [sys.executable, "-m", "datalint.cli", "server"]
# The server writes rule pages under $XDG_CACHE_HOME: a folder of the test run's, not the user's.
ENVIRONMENT = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="datalint-lsp-")}

DISCLAIMER = {
    "instruction": "What is your favorite color?",
    "output": "As an AI language model, I do not have personal preferences.",
}
TOKEN = {"instruction": "Say hi to my friend", "output": "Hi there, friend!<|endoftext|>"}


def jsonl(*records: dict) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def capabilities(pull: bool = False) -> types.ClientCapabilities:
    text = types.TextDocumentClientCapabilities(
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
            related_information=True, code_description_support=True, data_support=True, version_support=True
        ),
        diagnostic=types.DiagnosticClientCapabilities(related_document_support=False) if pull else None,
        code_action=types.CodeActionClientCapabilities(
            code_action_literal_support=types.ClientCodeActionLiteralOptions(
                types.ClientCodeActionKindOptions(value_set=[types.CodeActionKind.QuickFix])
            )
        ),
    )
    workspace = types.WorkspaceClientCapabilities(
        diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True) if pull else None
    )
    return types.ClientCapabilities(text_document=text, workspace=workspace)


async def start(client: LanguageClient, folder: Path, pull: bool) -> None:
    client.folder = folder
    await client.initialize_session(types.InitializeParams(capabilities=capabilities(pull), root_uri=folder.as_uri()))


CONFIG = ClientServerConfig(server_command=SERVER, server_env=ENVIRONMENT)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient, tmp_path):
    await start(lsp_client, tmp_path, pull=False)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def pulling_client(lsp_client: LanguageClient, tmp_path):
    await start(lsp_client, tmp_path, pull=True)
    yield
    await lsp_client.shutdown_session()


def open_buffer(client: LanguageClient, name: str, text: str) -> str:
    """Open a buffer that was never saved: no file with this text exists on disk."""
    uri = (client.folder / name).as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "jsonl", 1, text)))
    return uri


def edit(client: LanguageClient, uri: str, version: int, edits: list[types.TextEdit]) -> None:
    """Apply text edits the way an editor sends them: later ones first, so each range is still valid."""
    ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
    changes = [types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in ordered]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=uri, version=version), changes)
    )


def applied(text: str, edits: list[types.TextEdit]) -> str:
    """The text after the edits (ASCII text: UTF-16 positions are character offsets)."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: position.line]) + position.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


async def published(client: LanguageClient, uri: str, predicate) -> list[types.Diagnostic]:
    """The first diagnostics published for `uri` that satisfy `predicate` (the server publishes
    after each record pass and again after the dataset pass)."""
    while True:
        found = client.diagnostics.get(uri)
        if found is not None and predicate(list(found)):
            return list(found)
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)


def codes(diagnostics: list[types.Diagnostic]) -> set[str]:
    return {d.code for d in diagnostics}


@pytest.mark.asyncio
async def test_a_disclaimer_is_reported_at_its_span_and_clears_when_edited(client: LanguageClient):
    text = jsonl(DISCLAIMER)
    uri = open_buffer(client, "unsaved.jsonl", text)
    found = await published(client, uri, lambda d: "P001" in codes(d))
    (disclaimer,) = [d for d in found if d.code == "P001"]
    start = text.index("As an AI language model")
    assert disclaimer.range == types.Range(
        types.Position(0, start), types.Position(0, start + len("As an AI language model"))
    )
    assert disclaimer.severity == types.DiagnosticSeverity.Warning
    assert disclaimer.source == "datalint"
    page = Path(disclaimer.code_description.href.removeprefix("file://"))
    assert page.name == "P001.md" and page.read_text(encoding="utf-8").startswith("# P001 ai-disclaimer")
    # The user rewrites the answer: the finding goes.
    sentence = "As an AI language model, I do not have personal preferences."
    begin = text.index(sentence)
    whole = types.Range(types.Position(0, begin), types.Position(0, begin + len(sentence)))
    edit(client, uri, 2, [types.TextEdit(whole, "Soft blue is calming.")])
    await published(client, uri, lambda d: "P001" not in codes(d))


@pytest.mark.asyncio
async def test_columns_are_utf16_positions_after_astral_characters(client: LanguageClient):
    record = {"instruction": "Pick 🎨🎨 a colour 😀", "output": "🎉🎉🎉 As an AI language model, I like 💙."}
    text = jsonl(record)
    uri = open_buffer(client, "emoji.jsonl", text)
    found = await published(client, uri, lambda d: "P001" in codes(d))
    (disclaimer,) = [d for d in found if d.code == "P001"]
    matched = disclaimer.message.split("'")[1]  # "AI disclaimer: 'As an AI language model, I' in response"
    code_points = text.index(matched)
    astral_before = sum(1 for char in text[:code_points] if ord(char) > 0xFFFF)
    assert astral_before == 6
    start = code_points + astral_before  # each emoji is two UTF-16 code units
    assert disclaimer.range.start == types.Position(0, start)
    assert disclaimer.range.end == types.Position(0, start + len(matched))
    # An edit given in UTF-16 units lands where the client meant it: after the emoji, before "As".
    edit(client, uri, 2, [types.TextEdit(types.Range(disclaimer.range.start, disclaimer.range.end), "Sure,")])
    await published(client, uri, lambda d: "P001" not in codes(d))


@pytest.mark.asyncio
async def test_a_quick_fix_applied_by_the_editor_clears_its_finding(client: LanguageClient):
    text = jsonl(DISCLAIMER, TOKEN)
    uri = open_buffer(client, "token.jsonl", text)
    found = await published(client, uri, lambda d: "P007" in codes(d))
    (token,) = [d for d in found if d.code == "P007"]
    assert token.range.start.line == 1
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), token.range, types.CodeActionContext(diagnostics=[token])
        )
    )
    titles = [action.title for action in actions]
    fix = next(action for action in actions if action.title.startswith("Fix P007"))
    assert "unsafe" in fix.title and not fix.is_preferred  # P007's fix changes content
    assert any(title.startswith("Suppress P007") for title in titles)
    (change,) = fix.edit.document_changes
    assert change.text_document.version == 1
    after = applied(text, change.edits)
    assert after == jsonl(DISCLAIMER, {**TOKEN, "output": "Hi there, friend!"})
    edit(client, uri, 2, change.edits)
    remaining = await published(client, uri, lambda d: "P007" not in codes(d))
    assert "P001" in codes(remaining)  # the other record's finding stays


@pytest.mark.asyncio
async def test_fix_all_applies_the_safe_fixes_of_the_file(client: LanguageClient):
    text = "\ufeff" + jsonl(DISCLAIMER).rstrip("\n")  # a byte order mark, and no final newline
    uri = open_buffer(client, "bom.jsonl", text)
    await published(client, uri, lambda d: {"S004", "S007"} <= codes(d))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(0, 0), types.Position(0, 0)),
            types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll]),
        )
    )
    (fix_all,) = actions
    assert fix_all.kind == "source.fixAll.datalint"
    quick = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(0, 0), types.Position(0, 0)),
            types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix]),
        )
    )
    titles = [action.title for action in quick]
    assert any(title.startswith("Fix S004") for title in titles) and not any("Fix all" in title for title in titles)
    (change,) = fix_all.edit.document_changes
    edit(client, uri, 2, change.edits)
    remaining = await published(client, uri, lambda d: not {"S004", "S007"} & codes(d))
    assert "P001" in codes(remaining)


@pytest.mark.asyncio
async def test_suppress_writes_a_config_entry_and_the_finding_goes(client: LanguageClient):
    uri = open_buffer(client, "suppressed.jsonl", jsonl(TOKEN, DISCLAIMER))
    found = await published(client, uri, lambda d: "P001" in codes(d))
    (disclaimer,) = [d for d in found if d.code == "P001"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), disclaimer.range, types.CodeActionContext(diagnostics=[disclaimer])
        )
    )
    assert any(action.title.startswith("Suppress P001") for action in actions)
    # What the editor runs for that action. (lsprotocol's client reads any action with a `command`
    # as a bare Command and drops its arguments, so the test gives them as the server wrote them.)
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams("datalint.suppress", [uri, disclaimer.data["hash"], "P001"])
    )
    config = client.folder / "datalint.toml"
    (entry,) = tomllib.loads(config.read_text(encoding="utf-8"))["suppress"]
    assert entry["rules"] == ["P001"] and entry["hash"] == disclaimer.data["hash"]
    remaining = await published(client, uri, lambda d: "P001" not in codes(d))
    assert "P007" in codes(remaining)  # the other record is not suppressed


@pytest.mark.asyncio
async def test_suppress_goes_to_the_pyproject_that_configures_the_folder(client: LanguageClient):
    pyproject = client.folder / "pyproject.toml"
    pyproject.write_text('[project]\nname = "data"\n\n[tool.datalint]\nfail-on = "warning"\n', encoding="utf-8")
    uri = open_buffer(client, "project.jsonl", jsonl(DISCLAIMER))
    found = await published(client, uri, lambda d: "P001" in codes(d))
    (disclaimer,) = [d for d in found if d.code == "P001"]
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams("datalint.suppress", [uri, disclaimer.data["hash"], "P001"])
    )
    table = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["datalint"]
    assert table["fail-on"] == "warning" and table["suppress"][0]["rules"] == ["P001"]
    assert not (client.folder / "datalint.toml").exists()
    await published(client, uri, lambda d: "P001" not in codes(d))


@pytest.mark.asyncio
async def test_a_changed_config_lints_open_buffers_again(client: LanguageClient):
    uri = open_buffer(client, "configured.jsonl", jsonl(DISCLAIMER, TOKEN))
    await published(client, uri, lambda d: {"P001", "P007"} <= codes(d))
    config = client.folder / "datalint.toml"
    config.write_text('ignore = ["P001"]\n', encoding="utf-8")
    watched = [types.FileEvent(config.as_uri(), types.FileChangeType.Created)]
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(watched))
    remaining = await published(client, uri, lambda d: "P001" not in codes(d))
    assert "P007" in codes(remaining)
    # A config that cannot be read says so on the buffer, instead of linting with other settings.
    config.write_text('ignore = "P001"\n', encoding="utf-8")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(watched))
    (error,) = await published(client, uri, lambda d: len(d) == 1 and "cannot lint" in d[0].message)
    assert "`ignore` must be a list" in error.message
    # An editor that does not watch files: the config is read again when the dataset is saved.
    config.write_text('ignore = ["P007"]\n', encoding="utf-8")
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    again = await published(client, uri, lambda d: "P001" in codes(d))
    assert "P007" not in codes(again)


@pytest.mark.asyncio
async def test_dataset_rules_run_over_the_buffer_and_follow_their_line(client: LanguageClient):
    other = {"instruction": "Name a fruit", "output": "Apple."}
    text = jsonl(TOKEN, other, TOKEN)
    uri = open_buffer(client, "copies.jsonl", text)
    found = await published(client, uri, lambda d: "D001" in codes(d))
    (duplicate,) = [d for d in found if d.code == "D001"]
    assert duplicate.range.start.line == 2 and "line 1" in duplicate.message
    # A line inserted above: the finding moves with its record before the dataset pass runs again.
    top = types.Range(types.Position(0, 0), types.Position(0, 0))
    edit(client, uri, 2, [types.TextEdit(top, json.dumps({"instruction": "Count to two", "output": "1, 2"}) + "\n")])
    moved = await published(client, uri, lambda d: any(x.code == "D001" and x.range.start.line == 3 for x in d))
    assert len([d for d in moved if d.code == "D001"]) == 1
    # The copy edited: the duplicate is gone.
    last = types.Range(types.Position(3, 0), types.Position(4, 0))
    edit(client, uri, 3, [types.TextEdit(last, json.dumps({"instruction": "Say bye", "output": "Bye."}) + "\n")])
    await published(client, uri, lambda d: "D001" not in codes(d))


@pytest.mark.asyncio
async def test_hover_on_a_finding_shows_its_rule_docs(client: LanguageClient):
    from tests.conftest import run

    text = jsonl(DISCLAIMER)
    uri = open_buffer(client, "hover.jsonl", text)
    await published(client, uri, lambda d: "P001" in codes(d))
    inside = types.Position(0, text.index("AI language model"))
    shown = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), inside))
    assert shown.contents.kind == types.MarkupKind.Markdown
    assert shown.contents.value.strip() == run("rule", "P001").output.strip()
    outside = types.Position(0, 2)
    assert await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), outside)) is None


@pytest.mark.asyncio
async def test_pull_diagnostics(pulling_client: LanguageClient):
    client = pulling_client
    text = jsonl(DISCLAIMER)
    uri = open_buffer(client, "pulled.jsonl", text)
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri))
    )
    assert report.kind == "full" and "P001" in codes(report.items)
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri), previous_result_id=report.result_id)
    )
    assert again.kind in ("unchanged", "full")
    sentence = "As an AI language model, I do not have personal preferences."
    begin = text.index(sentence)
    edit(
        client,
        uri,
        2,
        [types.TextEdit(types.Range(types.Position(0, begin), types.Position(0, begin + len(sentence))), "Blue.")],
    )
    after = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri))
    )
    assert "P001" not in codes(after.items)
    assert uri not in client.diagnostics  # a pulling client is not pushed to


@pytest.mark.asyncio
async def test_a_large_buffer_shows_its_first_lines_findings_before_the_rest_is_checked(client: LanguageClient):
    from datalint.lsp.server import FIRST_PASS_PART

    records = [{"instruction": f"Add {i} and {i}.", "output": f"{2 * i}"} for i in range(FIRST_PASS_PART + 100)]
    early, late = 9, FIRST_PASS_PART + 49  # 0-based lines of two disclaimers
    records[early] = records[late] = DISCLAIMER
    seen = []
    features = client.protocol.fm.features
    original = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def keep(params: types.PublishDiagnosticsParams) -> None:  # every publish, in order
        seen.append({(d.code, d.range.start.line) for d in params.diagnostics})
        original(params)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = keep
    uri = open_buffer(client, "large.jsonl", jsonl(*records))
    await published(client, uri, lambda d: ("P001", late) in {(x.code, x.range.start.line) for x in d})
    first = seen[0]
    assert ("P001", early) in first and ("P001", late) not in first


@pytest.mark.asyncio
async def test_a_pulling_client_is_asked_to_pull_again_after_the_dataset_pass(pulling_client: LanguageClient):
    client = pulling_client
    refreshed = asyncio.Event()
    features = client.protocol.fm.features
    original = features[types.WORKSPACE_DIAGNOSTIC_REFRESH]

    def on_refresh(params):
        refreshed.set()
        return original(params)

    features[types.WORKSPACE_DIAGNOSTIC_REFRESH] = on_refresh
    uri = open_buffer(client, "pulled-copies.jsonl", jsonl(TOKEN, DISCLAIMER, TOKEN))
    document = types.TextDocumentIdentifier(uri)
    await refreshed.wait()  # the dataset pass ran (after the pause)
    report = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(document))
    (duplicate,) = [d for d in report.items if d.code == "D001"]
    assert duplicate.range.start.line == 2


@pytest.mark.asyncio
async def test_closing_a_buffer_clears_its_diagnostics_and_other_files_are_left_alone(client: LanguageClient):
    uri = open_buffer(client, "closed.jsonl", jsonl(DISCLAIMER))
    await published(client, uri, lambda d: "P001" in codes(d))
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await published(client, uri, lambda d: d == [])
    config = (client.folder / "datalint.toml").as_uri()  # a config opened in the editor is not linted
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(config, "toml", 1, "x = [")))
    other = open_buffer(client, "after.jsonl", jsonl(TOKEN))
    await published(client, other, lambda d: "P007" in codes(d))
    assert config not in client.diagnostics


@pytest.mark.asyncio
async def test_the_duplicate_s_fix_deletes_the_later_copy(client: LanguageClient):
    other = {"instruction": "Name a fruit", "output": "Apple."}
    text = jsonl(other, TOKEN, other)
    uri = open_buffer(client, "fix-copies.jsonl", text)
    found = await published(client, uri, lambda d: "D001" in codes(d))
    (duplicate,) = [d for d in found if d.code == "D001"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), duplicate.range, types.CodeActionContext(diagnostics=[duplicate])
        )
    )
    fix = next(action for action in actions if action.title.startswith("Fix D001"))
    (change,) = fix.edit.document_changes
    assert applied(text, change.edits) == jsonl(other, TOKEN)
    edit(client, uri, 2, change.edits)
    await published(client, uri, lambda d: "D001" not in codes(d) and "P007" in codes(d))
