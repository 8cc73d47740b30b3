"""The protocol messages the language server answers (open, change, save, close, pull
diagnostics, code actions, hover, the suppress command), each a few lines over DatalintServer."""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types

from datalint.config import CONFIG_NAMES, ConfigError
from datalint.lsp.actions import FIX_ALL_KIND, SUPPRESS_COMMAND, code_actions, hover
from datalint.lsp.document import Document, OpenDocument, Position
from datalint.lsp.server import DEBOUNCE, DatalintServer, Schedule, log, path_of_uri
from datalint.lsp.suppress import suppress
from datalint.reader import is_dataset_path


def create_server() -> DatalintServer:
    server = DatalintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: DatalintServer, params: types.InitializeParams) -> None:
        options = params.initialization_options or {}
        if not isinstance(options, dict):
            return
        if isinstance(options.get("ruleDocsUrl"), str):
            ls.docs_template = options["ruleDocsUrl"]
        if isinstance(options.get("datasetPause"), int | float) and options["datasetPause"] >= 0:
            ls.pause = float(options["datasetPause"])

    @server.feature(types.INITIALIZED)
    async def initialized(ls: DatalintServer, params: types.InitializedParams) -> None:
        workspace = ls.protocol.client_capabilities.workspace
        watching = workspace and workspace.did_change_watched_files
        if watching and watching.dynamic_registration:
            watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]
            registration = types.Registration(
                "datalint-configs",
                types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
            try:
                await ls.client_register_capability_async(types.RegistrationParams([registration]))
            except Exception:  # noqa: BLE001 - without watchers, a saved config still re-lints (didSave)
                log.warning("the client did not accept file watchers")

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DatalintServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        path = path_of_uri(item.uri)
        if path is not None and not is_dataset_path(path):
            return  # a config, a JSON array file ...: not a JSONL buffer (unsaved buffers are linted)
        document = Document.from_text(item.uri, path, item.text, item.version)
        ls.documents[item.uri] = OpenDocument(document, snapshot=document)
        schedule = ls.schedules[item.uri] = Schedule()
        schedule.task = asyncio.ensure_future(ls.record_loop(item.uri))
        ls.changed(item.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DatalintServer, params: types.DidChangeTextDocumentParams) -> None:
        state = ls.documents.get(params.text_document.uri)
        if state is None:
            return
        document = state.document
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                start = Position(change.range.start.line, change.range.start.character)
                end = Position(change.range.end.line, change.range.end.character)
                document.replace(start, end, change.text, ls.encoding)
            else:
                document.replace_all(change.text)
        document.version = params.text_document.version
        ls.changed(document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DatalintServer, params: types.DidSaveTextDocumentParams) -> None:
        path = path_of_uri(params.text_document.uri)
        if path is not None and path.name in CONFIG_NAMES:
            ls.config_changed()
        elif params.text_document.uri in ls.documents:
            if ls.configs_edited():
                ls.config_changed()  # for editors that do not watch files for the server
            else:
                ls.dataset_after(params.text_document.uri, DEBOUNCE)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DatalintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.documents.pop(uri, None)
        schedule = ls.schedules.pop(uri, None)
        if schedule is not None:
            schedule.wake.set()  # the record loop sees the document gone and ends
            if schedule.pause is not None:
                schedule.pause.cancel()
        if not ls.pulls:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: DatalintServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [path_of_uri(change.uri) for change in params.changes]
        if any(path is not None and path.name in CONFIG_NAMES for path in paths):
            ls.config_changed()

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(inter_file_dependencies=False, workspace_diagnostics=False, identifier="datalint"),
    )
    async def pull(ls: DatalintServer, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport:
        uri = params.text_document.uri
        schedule = ls.schedules.get(uri)
        if schedule is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        await schedule.fresh.wait()
        state = ls.documents.get(uri)
        if state is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        result_id = ls.result_id(state)
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        items = [diagnostic for diagnostic, _ in ls.diagnostics(state)]
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]),
    )
    def code_action(ls: DatalintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return code_actions(ls.documents.get(params.text_document.uri), params, ls.encoding)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: DatalintServer, params: types.HoverParams) -> types.Hover | None:
        return hover(ls.documents.get(params.text_document.uri), params, ls.encoding)

    @server.command(SUPPRESS_COMMAND)
    def suppress_command(ls: DatalintServer, uri: str, record_hash: str, code: str) -> dict[str, Any]:
        path = path_of_uri(uri)
        if path is None:
            return {"error": "only files on disk have a config to write to"}
        try:
            config = ls.resolver.config_for(path).path
            written = suppress(config, path, record_hash, code)
        except (ConfigError, OSError) as error:
            ls.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"datalint: {error}"))
            return {"error": str(error)}
        ls.config_changed()
        return {"config": str(written)}

    return server


def serve() -> None:
    """Run the language server on stdin and stdout until the client exits."""
    create_server().start_io()
