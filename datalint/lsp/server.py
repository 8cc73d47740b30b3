"""The language server's state (open documents, their settings) and when each pass runs; the
protocol messages it answers are in handlers.py.

- open and change: the record pass, DEBOUNCE after the last change (a burst of keystrokes is
  checked once), over the lines whose content it has no result for (`datalint.lint_lines`);
- save, or PAUSE without a change: the dataset pass (duplicates, outliers, conventions ...) over
  the whole buffer, in its own thread, on the lines the record pass last saw; its findings move
  with their lines until it runs again;
- a changed `datalint.toml`, `.datalint.toml` or `pyproject.toml`: every open document again.

Diagnostics are pushed (`textDocument/publishDiagnostics`), or pulled (`textDocument/diagnostic`)
by clients that say they pull. Code actions: a finding's fix, "fix all", "suppress this finding".
"""

from __future__ import annotations

import asyncio
import gc
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.uris import to_fs_path

import datalint
from datalint.config import ConfigError, Settings, SettingsResolver, find_config
from datalint.conventions import collapse
from datalint.lsp import convert
from datalint.lsp.document import Document, OpenDocument, anchored, moved
from datalint.lsp.positions import UTF16
from datalint.report import FileSummary, Report
from datalint.rules import Rule, prepared
from datalint.suppression import Suppression, suppressions_of
from datalint.violation import Violation, by_position

DEBOUNCE = 0.015  # seconds after a change before the record pass runs (changes meanwhile join it)
PAUSE = 1.0  # seconds without a change before the dataset pass runs
FIRST_PASS_PART = 5000  # lines checked before a large buffer's first findings are shown
log = logging.getLogger(__name__)
_JSON = get_converter()  # lsprotocol objects to JSON-ready values


class DatalintProtocol(LanguageServerProtocol):
    """Open, change and close go to the server's own Document: pygls's rebuilds the whole text on
    every change (and splits lines on U+2028, which is no line break in JSONL)."""

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


@dataclass(slots=True)
class Schedule:
    """When a document's passes run: `wake` starts the record pass, `fresh` says it has seen the latest change."""

    wake: asyncio.Event = field(default_factory=asyncio.Event)
    fresh: asyncio.Event = field(default_factory=asyncio.Event)
    pause: asyncio.TimerHandle | None = None
    dataset_running: bool = False
    dataset_again: bool = False
    task: asyncio.Task | None = None  # the record loop (held: the event loop keeps only weak references)


class DatalintServer(LanguageServer):
    """The open documents, their schedules, and the settings of their configs."""

    def __init__(self) -> None:
        super().__init__("datalint", datalint.__version__, protocol_cls=DatalintProtocol)
        self.documents: dict[str, OpenDocument] = {}
        self.schedules: dict[str, Schedule] = {}
        self.resolver = SettingsResolver()
        self._prepared: dict[int, tuple[Settings, Settings]] = {}  # id of resolved settings -> (them, prepared)
        self._by_path: dict[Path | None, Settings] = {}  # until a config changes
        self._stamps: dict[Path | None, tuple | None] = {}  # the config each file had then
        self._suppressions: dict[Path | None, list[Suppression]] = {}
        self._pages: dict[str, str] = {}  # rule code -> its docs link
        self.docs_template: str | None = None  # initializationOptions.ruleDocsUrl, e.g. "https://.../{code}"
        self.pause = PAUSE  # initializationOptions.datasetPause (seconds)
        # One thread each: the record pass of a keystroke is never queued behind a dataset pass.
        self.record_worker = ThreadPoolExecutor(1, thread_name_prefix="datalint-record")
        self.dataset_worker = ThreadPoolExecutor(1, thread_name_prefix="datalint-dataset")
        self.generation = 0  # bumped when findings change without an edit (dataset pass, config): pull result ids

    # --- settings ------------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        chosen = self.protocol.server_capabilities.position_encoding if self.protocol.server_capabilities else None
        return str(chosen.value if hasattr(chosen, "value") else chosen or UTF16)

    @property
    def pulls(self) -> bool:
        capabilities = self.protocol.client_capabilities
        return bool(capabilities and capabilities.text_document and capabilities.text_document.diagnostic)

    def settings(self, path: Path | None) -> Settings:
        """The prepared settings of a file (rules compiled once per config). Raises ConfigError."""
        if path in self._by_path:
            return self._by_path[path]
        self._stamps[path] = _config_stamp(path)
        self._by_path[path] = self._settings(path)
        return self._by_path[path]

    def suppressions(self, path: Path | None) -> list[Suppression]:
        """The `[[suppress]]` entries of the config that applies to a file."""
        if path not in self._suppressions:
            try:
                config = self.resolver.config_for(path) if path is not None else None
            except ConfigError:
                config = None
            self._suppressions[path] = suppressions_of(config) if config is not None else []
        return self._suppressions[path]

    def _settings(self, path: Path | None) -> Settings:
        resolved = self.resolver.settings_for(path)
        entry = self._prepared.get(id(resolved))
        if entry is None:
            ready = replace(resolved, rules=tuple(prepared(rule) for rule in resolved.rules))
            entry = self._prepared[id(resolved)] = (resolved, ready)
        return entry[1]

    def docs_link(self, rule: Rule) -> str:
        if self.docs_template:
            return self.docs_template.format(code=rule.code, name=rule.name)
        if rule.code not in self._pages:
            self._pages[rule.code] = convert.rule_page(rule, convert.docs_folder())
        return self._pages[rule.code]

    # --- the passes ----------------------------------------------------------------------------

    def changed(self, uri: str) -> None:
        """The document changed (or its settings did): the record pass soon, the dataset pass after a pause."""
        schedule = self.schedules[uri]
        schedule.fresh.clear()
        schedule.wake.set()
        self.dataset_after(uri, self.pause)

    def dataset_after(self, uri: str, delay: float) -> None:
        """Run the dataset pass `delay` seconds from now, unless a change comes first."""
        schedule = self.schedules[uri]
        if schedule.pause is not None:
            schedule.pause.cancel()
        schedule.pause = asyncio.get_running_loop().call_later(
            delay, lambda: asyncio.ensure_future(self.dataset_pass(uri))
        )

    async def record_loop(self, uri: str) -> None:
        """A document's record passes, one at a time, each after the changes that woke it (its task)."""
        schedule = self.schedules[uri]
        while True:
            await schedule.wake.wait()
            await asyncio.sleep(DEBOUNCE)
            schedule.wake.clear()
            state = self.documents.get(uri)
            if state is None or self.schedules.get(uri) is not schedule:
                return  # closed (and perhaps opened again, with a loop of its own)
            try:
                await self.record_pass(state)
            except Exception as error:  # noqa: BLE001 - a failed pass is logged; the server stays up
                state.linted = None  # the next pass starts from scratch
                log.exception("record pass failed")
                self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"datalint: {error!r}"))
            if not schedule.wake.is_set():
                schedule.fresh.set()

    async def record_pass(self, state: OpenDocument) -> None:
        """Check the lines changed since the last pass (every line, the first time) and publish."""
        document = state.document
        snapshot = Document(document.uri, document.path, list(document.parts), document.version)
        try:
            settings = self.settings(document.path)
        except ConfigError as error:
            state.error, state.linted, state.settings, state.dataset = str(error), None, None, []
            state.snapshot = snapshot
            self.publish(state)
            return
        unchanged = document.since_linted()
        previous = state.linted if state.settings == settings else None
        lines, name, loop = snapshot.lines, _name(document), asyncio.get_running_loop()
        state.linted = None  # until this pass is done: `unchanged` counts from the snapshot taken now
        if previous is None:
            state.dataset = []  # found under other settings
        if previous is None and len(lines) > FIRST_PASS_PART:
            linted = await self.first_pass_in_parts(state, snapshot, settings)
        else:
            run = partial(
                datalint.lint_lines,
                lines,
                settings,
                name=name,
                final_newline=snapshot.final_newline,
                previous=previous,
                unchanged=unchanged,
            )
            linted = await loop.run_in_executor(self.record_worker, run)
        state.error, state.linted, state.settings, state.snapshot = None, linted, settings, snapshot
        # The results kept for every line (millions of small objects on a large buffer) leave the
        # cycle collector's generations: its passes over them on every keystroke found nothing.
        gc.freeze()
        self.publish(state)

    async def first_pass_in_parts(
        self, state: OpenDocument, snapshot: Document, settings: Settings
    ) -> datalint.LinesLinted:
        """A large buffer's first record pass in parts: the first lines' findings show while the
        rest is checked, with progress for clients that show it."""
        lines, name = snapshot.lines, _name(snapshot)
        progress = await self.progress_start(f"checking {len(lines):,} lines")
        linted = None
        ends = [*range(FIRST_PASS_PART, len(lines), FIRST_PASS_PART), len(lines)]
        for done, end in zip([0, *ends], ends, strict=False):
            last = end == len(lines)
            run = partial(
                datalint.lint_lines,
                lines[:end],
                settings,
                name=name,
                final_newline=snapshot.final_newline if last else True,
                previous=linted,
                unchanged=(done, 0),  # the lines the last part checked
            )
            linted = await asyncio.get_running_loop().run_in_executor(self.record_worker, run)
            if last:
                break
            part = Document(snapshot.uri, snapshot.path, [*lines[:end], ""], snapshot.version)
            state.linted, state.settings, state.snapshot = linted, settings, part
            self.publish(state)
            if progress is not None:
                message = f"{end:,} of {len(lines):,} lines"
                report = types.WorkDoneProgressReport(message=message, percentage=100 * end // len(lines))
                self.work_done_progress.report(progress, report)
        if progress is not None:
            self.work_done_progress.end(progress, types.WorkDoneProgressEnd(message="checked"))
        state.linted = None
        return linted

    async def progress_start(self, title: str) -> str | None:
        """A progress token shown by the client, when it shows progress the server starts."""
        window = self.protocol.client_capabilities.window
        if not (window and window.work_done_progress):
            return None
        token = f"datalint-{asyncio.get_running_loop().time()}"
        try:
            await self.work_done_progress.create_async(token)
        except Exception:  # noqa: BLE001 - no progress then
            return None
        self.work_done_progress.begin(token, types.WorkDoneProgressBegin("datalint", message=title, percentage=0))
        return token

    async def dataset_pass(self, uri: str) -> None:
        """The dataset-wide rules over the buffer the last record pass saw (one pass at a time per
        document; asked again meanwhile, it runs once more after)."""
        schedule = self.schedules.get(uri)
        if schedule is None:
            return
        if schedule.dataset_running:
            schedule.dataset_again = True
            return
        schedule.dataset_running = True
        try:
            while True:
                schedule.dataset_again = False
                await schedule.fresh.wait()  # on the lines the record pass has checked
                state = self.documents.get(uri)
                if state is None or state.linted is None:
                    return
                linted, snapshot, settings = state.linted, state.snapshot, state.settings
                run = partial(
                    datalint.lint_lines,
                    snapshot.lines,
                    settings,
                    name=_name(snapshot),
                    final_newline=snapshot.final_newline,
                    previous=linted,
                    unchanged=(len(snapshot.lines), 0),
                    dataset=True,
                )
                found = await asyncio.get_running_loop().run_in_executor(self.dataset_worker, run)
                # A record pass in flight (linted None) was started by a change that schedules
                # another dataset pass: these findings would be shown on no record findings at all.
                if state.settings is settings and state.linted is not None:
                    state.dataset = anchored(found.dataset, snapshot.lines)
                    self.generation += 1
                    self.publish(state)
                if not schedule.dataset_again:
                    return
        except Exception as error:  # noqa: BLE001
            log.exception("dataset pass failed")
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"datalint: {error!r}"))
        finally:
            schedule.dataset_running = False

    def configs_edited(self) -> bool:
        """Whether a config that applies to an open document was created, edited or removed
        since the settings were read (a few `stat` calls)."""
        return any(_config_stamp(path) != stamp for path, stamp in self._stamps.items())

    def config_changed(self) -> None:
        """Configs are read again; documents whose settings changed are checked again from scratch."""
        self.resolver = SettingsResolver()
        self._prepared.clear()
        self._stamps.clear()
        self._by_path.clear()
        self._suppressions.clear()
        self._pages.clear()
        self.generation += 1
        for uri in self.documents:
            self.changed(uri)
            self.dataset_after(uri, DEBOUNCE)

    # --- what the client sees ------------------------------------------------------------------

    def findings(self, state: OpenDocument) -> tuple[list[Violation], list[Violation]]:
        """(shown, per record): the record pass's findings and the dataset pass's moved to their
        lines now, minus config suppressions; `shown` has a file's conventions once, as `datalint check`."""
        if state.linted is None:
            return [], []
        found_before = moved(state.dataset, state.snapshot.lines)
        name = _name(state.snapshot)
        by_hash: dict[str, list[Suppression]] = {}
        for entry in self.suppressions(state.document.path):
            by_hash.setdefault(entry.hash, []).append(entry)
        kept = [
            violation
            for violation in sorted([*state.linted.violations, *found_before], key=by_position)
            if not any(entry.matches(violation) for entry in by_hash.get(violation.record_hash, ()))
        ]
        summary = FileSummary(name, state.linted.records, state.linted.file_format)
        shown = collapse(Report(kept, [summary], 0, {})).violations
        return shown, kept

    def diagnostics(self, state: OpenDocument) -> list[tuple[types.Diagnostic, dict]]:
        """The findings of the last `publish` as the client shows them: each as a Diagnostic and as its JSON."""
        if state.error is not None:
            error = types.Diagnostic(
                types.Range(types.Position(0, 0), types.Position(0, 0)),
                f"datalint cannot lint this file: {state.error}",
                severity=types.DiagnosticSeverity.Error,
                source=convert.SOURCE,
            )
            return [(error, _JSON.unstructure(error))]
        rules = {rule.code: rule for rule in state.settings.rules} if state.settings else {}
        encoding = self.encoding
        # A keystroke changes one line's findings: the others' diagnostics are the ones made last time.
        made, state.made = state.made, {}
        diagnostics = []
        for violation in state.violations:
            text = state.snapshot.line_text(violation.line)
            key = (text, violation.line, violation.column, violation.end_column, violation.code, violation.message)
            pair = made.get(key)
            if pair is None or violation.related or pair[0].severity != convert.SEVERITY.get(violation.severity):
                link = self.docs_link(rules[violation.code]) if violation.code in rules else None
                diagnostic = convert.diagnostic(violation, state.snapshot, link, encoding)
                pair = (diagnostic, _JSON.unstructure(diagnostic))
            state.made[key] = pair
            diagnostics.append(pair)
        return diagnostics

    def publish(self, state: OpenDocument) -> None:
        """Work out what the client shows; push it, or, when findings changed without an edit (a
        dataset pass, a config), tell a pulling client to ask again (it asks after its edits)."""
        if self.documents.get(state.document.uri) is not state:
            return  # closed while a pass ran: its diagnostics were cleared
        state.violations, state.per_record = self.findings(state)
        if self.pulls:
            capabilities = self.protocol.client_capabilities.workspace
            refreshes = capabilities and capabilities.diagnostics and capabilities.diagnostics.refresh_support
            if refreshes and state.generation != self.generation:
                state.generation = self.generation
                self.workspace_diagnostic_refresh(None)
            return
        params = {
            "uri": state.document.uri,
            "version": state.snapshot.version,
            "diagnostics": [payload for _, payload in self.diagnostics(state)],
        }
        # Sent as plain JSON: converting ~1,000 Diagnostic objects again on every keystroke cost
        # more than the record pass of the edited line.
        notification = {"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, "params": params}
        self.protocol._send_data(notification)

    def result_id(self, state: OpenDocument) -> str:
        return f"{state.snapshot.version}.{self.generation}.{len(state.dataset)}"


def _config_stamp(path: Path | None) -> tuple | None:
    """The config that applies to a file, and when it was last written."""
    found = find_config(path) if path is not None else None
    if found is None:
        return None
    try:
        return found, found.stat().st_mtime_ns
    except OSError:
        return found, None


def _name(document: Document) -> str:
    return str(document.path) if document.path is not None else document.uri


def path_of_uri(uri: str) -> Path | None:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path) if path else None
