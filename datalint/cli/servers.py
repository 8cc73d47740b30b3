"""The servers: `mcp` for coding agents, `server` for editors (each needs its extra)."""

from __future__ import annotations

import click

from datalint.cli.entry import main
from datalint.cli.errors import fail


@main.command("mcp")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the incremental cache.")
def mcp_server(no_cache: bool) -> None:
    """Serve lint, fix, explain_rule and stats to coding agents over MCP (stdio); see docs/agents.md."""
    try:
        from datalint.mcp_server import serve
    except ImportError as error:  # the `mcp` extra is not installed
        fail(str(error))
    serve(cache=not no_cache)


@main.command("server")
def language_server() -> None:
    """Run the language server (LSP on stdin/stdout): diagnostics as you type, fixes, suppressions."""
    try:
        from datalint.lsp.handlers import serve
    except ImportError as error:
        if (error.name or "").split(".")[0] in ("pygls", "lsprotocol", "cattrs"):
            fail("the language server needs its extra: pip install 'datalint[lsp]'")
        raise
    serve()
