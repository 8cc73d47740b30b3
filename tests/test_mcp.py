"""`datalint mcp`: every tool and resource through the MCP SDK's own client, in-process, and once over
stdio with `datalint mcp` running as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import anyio
import pytest
from mcp import Client, MCPError, StdioServerParameters

from datalint.mcp_server import CONFIG_SCHEMA_FILE, create_server
from datalint.rules import SCHEMAS_DIR
from tests.conftest import REPO, dataset, run

CRLF_TOKEN_DUPLICATE = (
    b'{"instruction": "Name a color.", "output": "Blue"}\r\n'
    b'{"instruction": "Name a fruit.", "output": "Apple<|endoftext|>"}\r\n'
    b'{"instruction": "Name a color.", "output": "Blue"}\r\n'
    b'{"instruction": "Name a tree.", "output": "Oak"}'
)


def call(tool: str, arguments: dict, *, cache: bool = False):
    """One tool call through a fresh in-process client, as an agent's session would make it (without
    the incremental cache, which would be written beside the shared datasets)."""

    async def session():
        async with Client(create_server(cache=cache)) as client:
            return await client.call_tool(tool, arguments)

    return anyio.run(session)


def read(uri: str) -> str:
    async def session():
        async with Client(create_server(cache=False)) as client:
            return (await client.read_resource(uri)).contents[0].text

    return anyio.run(session)


def read_error(uri: str) -> MCPError:
    """The protocol error reading `uri` answers with (caught inside the session, as a client would)."""

    async def session():
        async with Client(create_server(cache=False)) as client:
            try:
                await client.read_resource(uri)
            except MCPError as error:
                return error
            raise AssertionError(f"{uri} was read")

    return anyio.run(session)


def error_text(result) -> str:
    assert result.is_error, result
    return result.content[0].text


def cli_json(*args: str):
    result = run(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- the server as an agent lists it ----------------------------------------------------------------


def test_lists_the_four_tools_with_input_and_output_schemas():
    async def session():
        async with Client(create_server(cache=False)) as client:
            return (await client.list_tools()).tools, (await client.list_resources()).resources

    tools, resources = anyio.run(session)
    by_name = {tool.name: tool for tool in tools}
    assert set(by_name) == {"lint", "explain_rule", "fix", "stats"}
    assert by_name["lint"].input_schema["required"] == ["paths"]
    assert {"select", "ignore", "extend_select", "config", "limit"} <= set(by_name["lint"].input_schema["properties"])
    assert {"apply", "unsafe"} <= set(by_name["fix"].input_schema["properties"])
    assert "findings" in by_name["lint"].output_schema["properties"]
    assert [name for name, tool in sorted(by_name.items()) if not tool.annotations.read_only_hint] == ["fix"]
    assert {str(resource.uri) for resource in resources} == {
        "datalint://rules",
        "datalint://schemas/config",
        "datalint://schemas/output",
    }


# --- lint ---------------------------------------------------------------------------------------------


def test_lint_a_real_chat_dataset_returns_its_findings_at_their_spans():
    path = dataset("openai-toy-chat-fine-tuning.jsonl")
    result = call("lint", {"paths": [str(path)]})
    assert not result.is_error
    found = result.structured_content
    assert found["total"] == found["shown"] == 4
    assert [(f["code"], f["line"]) for f in found["findings"]] == [("S206", 4), ("L003", 5), ("Q004", 5), ("Q005", 5)]
    no_user = found["findings"][0]
    assert (no_user["severity"], no_user["pointer"], no_user["column"], no_user["end_column"]) == (
        "error",
        "/messages/1",
        116,
        165,
    )
    assert found["failing"] == 1
    assert found["by_severity"] == {"error": 1, "warning": 2, "info": 1}
    assert found["files"] == [{"path": str(path), "records": 5, "format": "openai"}]
    assert f"{path}:4:116: S206 [no-user-turn]" in result.content[0].text


def test_lint_matches_the_cli_json_output():
    path = dataset("alpaca-seed-tasks-175.jsonl")
    found = call("lint", {"paths": [str(path)]}).structured_content["findings"]
    cli = cli_json("check", str(path), "--format", "json", "--no-cache", "--exit-zero")
    keys = ("code", "name", "severity", "message", "line", "column", "end_column", "pointer", "record_hash")
    assert [{k: f[k] for k in keys} for f in found] == [{k: v[k] for k in keys} for v in cli["violations"]]
    assert [(f["code"], f["line"], f["column"], f["end_column"]) for f in found] == [("P003", 101, 751, 762)]


def test_lint_checks_against_a_trainer_profile():
    """The mistral profile finds tool-call ids that are not 9 letters and digits (T001); the default run does not."""
    path = dataset("openai-drone-tool-calls.jsonl")
    default = call("lint", {"paths": [str(path)]}).structured_content
    mistral = call("lint", {"paths": [str(path)], "profile": "mistral"}).structured_content
    assert "T001" not in default["by_code"]
    (call_id,) = [f for f in mistral["findings"] if f["code"] == "T001"]  # every record: one convention finding
    assert (call_id["line"], call_id["column"]) == (1, 483)
    assert (
        "'call_id' is not 9 letters and digits" in call_id["message"] and "on 103 of 103 records" in call_id["message"]
    )
    unknown = call("lint", {"paths": [str(path)], "profile": "no-such-trainer"})
    assert unknown.is_error and "mistral" in error_text(unknown)


def test_lint_caps_the_findings_and_counts_them_all(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(CRLF_TOKEN_DUPLICATE)
    result = call("lint", {"paths": [str(path)], "limit": 2})
    found = result.structured_content
    assert (found["total"], found["shown"]) == (4, 2)
    assert found["by_code"] == {"S010": 1, "P007": 1, "D001": 1, "S007": 1}
    assert [(f["code"], f["line"]) for f in found["findings"]] == [("S010", 1), ("P007", 2)]
    assert "... 2 more (raise `limit` to list them)" in result.content[0].text


def test_lint_reports_the_fix_each_rule_offers(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(CRLF_TOKEN_DUPLICATE)
    fixes = {f["code"]: f["fix"] for f in call("lint", {"paths": [str(path)]}).structured_content["findings"]}
    assert fixes["S010"] == {"description": "rewrite line endings as \\n", "safety": "safe"}
    assert fixes["D001"]["safety"] == "unsafe"
    assert fixes["P007"]["safety"] == "unsafe"


def test_lint_select_and_ignore(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(CRLF_TOKEN_DUPLICATE)
    only_s = call("lint", {"paths": [str(path)], "select": ["S"]}).structured_content
    assert only_s["by_code"] == {"S010": 1, "S007": 1}
    without = call("lint", {"paths": [str(path)], "ignore": ["S010", "duplicate-record"]}).structured_content
    assert without["by_code"] == {"P007": 1, "S007": 1}


def test_lint_a_folder_uses_the_config_found_there(tmp_path):
    (tmp_path / "datalint.toml").write_text('ignore = ["P007"]\n')
    (tmp_path / "part").mkdir()
    (tmp_path / "part" / "data.jsonl").write_bytes(CRLF_TOKEN_DUPLICATE)
    found = call("lint", {"paths": [str(tmp_path)]}).structured_content
    assert found["by_code"] == {"S010": 1, "D001": 1, "S007": 1}


def test_lint_errors_are_tool_errors_with_datalints_message(tmp_path):
    assert "no such file or folder" in error_text(call("lint", {"paths": [str(tmp_path / "none.jsonl")]}))
    data = tmp_path / "data.jsonl"
    data.write_bytes(CRLF_TOKEN_DUPLICATE)
    assert "Z999` matches no rule code, name or family" in error_text(
        call("lint", {"paths": [str(data)], "select": ["Z999"]})
    )
    (tmp_path / "datalint.toml").write_text('selectt = ["S"]\n')
    assert "unknown key `selectt`" in error_text(call("lint", {"paths": [str(data)]}))
    assert "cannot read config" in error_text(call("lint", {"paths": [str(data)], "config": str(tmp_path / "x.toml")}))
    assert "paths" in error_text(call("lint", {"paths": []}))


def test_the_server_keeps_serving_after_a_tool_error(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_bytes(CRLF_TOKEN_DUPLICATE)

    async def session():
        async with Client(create_server(cache=False)) as client:
            failed = await client.call_tool("lint", {"paths": [str(tmp_path / "none.jsonl")]})
            after = await client.call_tool("lint", {"paths": [str(data)]})
            return failed, after

    failed, after = anyio.run(session)
    assert failed.is_error
    assert not after.is_error and after.structured_content["total"] == 4


def test_lint_and_fix_use_the_incremental_cache_beside_the_config(tmp_path):
    (tmp_path / "datalint.toml").write_text('select = ["S", "D"]\n')
    path = tmp_path / "data.jsonl"
    path.write_bytes(CRLF_TOKEN_DUPLICATE)
    call("lint", {"paths": [str(path)]})
    assert not (tmp_path / ".datalint_cache").exists()
    cold = call("lint", {"paths": [str(path)]}, cache=True).structured_content
    assert (tmp_path / ".datalint_cache" / "CACHEDIR.TAG").exists()
    assert call("lint", {"paths": [str(path)]}, cache=True).structured_content == cold
    assert cold["by_code"] == {"S010": 1, "D001": 1, "S007": 1}
    call("fix", {"paths": [str(path)], "apply": True}, cache=True)
    assert call("lint", {"paths": [str(path)]}, cache=True).structured_content["by_code"] == {"D001": 1}


# --- explain_rule -------------------------------------------------------------------------------------


def test_explain_rule_gives_the_docs_of_datalint_rule():
    result = call("explain_rule", {"rule": "S010"})
    docs = result.structured_content
    assert result.content[0].text == docs["markdown"]
    assert docs["markdown"] + "\n" == run("rule", "S010").output
    assert (docs["code"], docs["name"], docs["kind"], docs["severity"], docs["default"]) == (
        "S010",
        "crlf-line-ending",
        "reading",
        "warning",
        True,
    )
    assert docs["fix"] == {"description": "rewrite line endings as \\n", "safety": "safe"}
    assert docs["why"].startswith("Windows line endings")


def test_explain_rule_by_name_and_its_options():
    docs = call("explain_rule", {"rule": "edge-whitespace"}).structured_content
    assert docs["code"] == "F111"
    assert docs["options"]["max-share"] == 0.5
    assert docs["fix"]["safety"] == "unsafe"
    assert call("explain_rule", {"rule": "p007"}).structured_content["name"] == "leaked-special-token"


def test_explain_an_unknown_rule_suggests_close_names():
    message = error_text(call("explain_rule", {"rule": "ai-disclaimr"}))
    assert "no rule 'ai-disclaimr' (did you mean ai-disclaimer?)" in message
    assert "datalint://rules" in message


# --- fix ----------------------------------------------------------------------------------------------


def test_fix_is_a_dry_run_with_safe_fixes_by_default(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(CRLF_TOKEN_DUPLICATE)
    result = call("fix", {"paths": [str(path)]})
    fixed = result.structured_content
    assert path.read_bytes() == CRLF_TOKEN_DUPLICATE
    assert (fixed["written"], fixed["fixes"], fixed["unsafe_skipped"]) == (False, 2, 2)
    assert fixed["files"] == [{"path": str(path), "fixes": 2, "records_removed": 0, "lines_changed": 4}]
    assert '-{"instruction": "Name a color.", "output": "Blue"}\r\n' in fixed["diff"]
    assert '+{"instruction": "Name a fruit.", "output": "Apple<|endoftext|>"}\n' in fixed["diff"]
    assert "\\ No newline at end of file" in fixed["diff"]
    assert "2 more available with unsafe=true" in result.content[0].text


def test_fix_unsafe_dry_run_then_apply(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(CRLF_TOKEN_DUPLICATE)
    preview = call("fix", {"paths": [str(path)], "unsafe": True}).structured_content
    assert path.read_bytes() == CRLF_TOKEN_DUPLICATE
    # The duplicate's removal overlaps the CRLF fix of its own line: the second round removes it, as --fix does.
    assert (preview["fixes"], preview["unsafe_skipped"], preview["files"][0]["records_removed"]) == (4, 0, 1)
    applied = call("fix", {"paths": [str(path)], "unsafe": True, "apply": True}).structured_content
    assert applied["written"] is True
    assert applied["diff"] == preview["diff"]
    again = call("fix", {"paths": [str(path)], "unsafe": True, "apply": True}).structured_content
    assert (again["fixes"], again["files"]) == (0, [])
    assert path.read_bytes() == (
        b'{"instruction": "Name a color.", "output": "Blue"}\n'
        b'{"instruction": "Name a fruit.", "output": "Apple"}\n'
        b'{"instruction": "Name a tree.", "output": "Oak"}\n'
    )
    assert call("lint", {"paths": [str(path)]}).structured_content["total"] == 0


def test_fix_apply_without_unsafe_writes_only_safe_fixes(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(CRLF_TOKEN_DUPLICATE)
    call("fix", {"paths": [str(path)], "apply": True})
    assert path.read_bytes() == CRLF_TOKEN_DUPLICATE.replace(b"\r\n", b"\n") + b"\n"
    left = call("lint", {"paths": [str(path)]}).structured_content["by_code"]
    assert left == {"P007": 1, "D001": 1}


def test_fix_a_real_dataset_matches_the_cli(tmp_path):
    """belle-eval-set-1k spells 52 class labels with a no-break space (F202) and lacks a final newline (S007)."""
    path = tmp_path / "belle-eval-set-1k.jsonl"
    shutil.copyfile(dataset("belle-eval-set-1k.jsonl"), path)
    before = path.read_bytes()
    fixed = call("fix", {"paths": [str(path)], "select": ["F202", "S007"], "diff_lines": 10_000}).structured_content
    assert path.read_bytes() == before
    assert (fixed["fixes"], fixed["files"][0]["lines_changed"], fixed["diff_truncated"]) == (53, 53, False)
    cli_diff = run("check", str(path), "--select", "F202,S007", "--diff", "--no-cache").output
    assert fixed["diff"] == cli_diff
    short = call("fix", {"paths": [str(path)], "select": ["F202", "S007"], "diff_lines": 5}).structured_content
    assert short["diff_truncated"] and short["diff"] == "".join(cli_diff.splitlines(keepends=True)[:5])
    call("fix", {"paths": [str(path)], "select": ["F202", "S007"], "apply": True})
    assert path.read_bytes() != before
    assert call("lint", {"paths": [str(path)], "select": ["F202", "S007"]}).structured_content["total"] == 0


def test_fix_errors_are_tool_errors(tmp_path):
    assert "no such file or folder" in error_text(call("fix", {"paths": [str(tmp_path / "none.jsonl")]}))
    data = tmp_path / "data.jsonl"
    data.write_bytes(CRLF_TOKEN_DUPLICATE)
    assert "matches no rule" in error_text(call("fix", {"paths": [str(data)], "ignore": ["nonsense-rule"]}))
    assert data.read_bytes() == CRLF_TOKEN_DUPLICATE


# --- stats --------------------------------------------------------------------------------------------


def test_stats_is_the_profile_of_datalint_stats():
    path = dataset("mt-bench-questions-80.jsonl")
    result = call("stats", {"path": str(path)})
    profile = result.structured_content
    assert profile == cli_json("stats", str(path), "--format", "json", "--quiet")
    assert (profile["records"], profile["format"]) == (80, "prompts")
    assert result.content[0].text == run("stats", str(path), "--quiet").output


def test_stats_errors_are_tool_errors(tmp_path):
    assert "no such file" in error_text(call("stats", {"path": str(tmp_path / "none.jsonl")}))
    assert "a folder; stats profiles one dataset file" in error_text(call("stats", {"path": str(tmp_path)}))
    data = tmp_path / "data.jsonl"
    data.write_bytes(CRLF_TOKEN_DUPLICATE)
    (tmp_path / "datalint.toml").write_text("fail-on = 3\n")
    assert "fail-on" in error_text(call("stats", {"path": str(data)}))


# --- resources ----------------------------------------------------------------------------------------


def test_rules_index_lists_every_rule_as_datalint_rules_does():
    index = json.loads(read("datalint://rules"))
    cli = cli_json("rules", "--format", "json")
    assert [{key: entry[key] for key in cli[0]} for entry in index] == cli
    by_code = {entry["code"]: entry for entry in index}
    assert by_code["S010"]["fix"] == "safe"
    assert by_code["D001"]["fix"] == "unsafe"
    assert by_code["P001"]["fix"] is None


def test_output_schema_resource_is_the_bundled_schema():
    assert json.loads(read("datalint://schemas/output")) == json.loads((SCHEMAS_DIR / "output-v2.json").read_text())


@pytest.mark.skipif(
    not (SCHEMAS_DIR / CONFIG_SCHEMA_FILE).exists(), reason="the config JSON Schema is generated on another branch"
)
def test_config_schema_resource_is_the_generated_schema():
    text = read("datalint://schemas/config")
    assert text == (SCHEMAS_DIR / CONFIG_SCHEMA_FILE).read_text(encoding="utf-8")
    assert json.loads(text)["type"] == "object"


@pytest.mark.skipif((SCHEMAS_DIR / CONFIG_SCHEMA_FILE).exists(), reason="the config JSON Schema is in this build")
def test_config_schema_resource_missing_is_a_clear_mcp_error():
    error = read_error("datalint://schemas/config")
    assert "config-v1.json is not in this build of datalint" in error.message


# --- the command --------------------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def test_datalint_mcp_over_stdio_as_a_subprocess(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(CRLF_TOKEN_DUPLICATE)
    # The console script's entry point (datalint.cli:run), with this checkout first on the path.
    server = StdioServerParameters(
        command=sys.executable,
        args=["-c", "from datalint.cli import run; run()", "mcp"],
        env=_environment(),
        cwd=str(tmp_path),
    )

    async def session():
        async with Client(server) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            relative = await client.call_tool("lint", {"paths": ["data.jsonl"]})  # from the server's folder
            failed = await client.call_tool("explain_rule", {"rule": "Z999"})
            preview = await client.call_tool("fix", {"paths": ["data.jsonl"]})
            return tools, relative, failed, preview, client.server_info

    tools, relative, failed, preview, info = anyio.run(session)
    assert tools == {"lint", "explain_rule", "fix", "stats"}
    assert [(f["code"], f["line"]) for f in relative.structured_content["findings"]] == [
        ("S010", 1),
        ("P007", 2),
        ("D001", 3),
        ("S007", 4),
    ]
    assert failed.is_error and "no rule 'Z999'" in failed.content[0].text
    assert preview.structured_content["fixes"] == 2
    assert path.read_bytes() == CRLF_TOKEN_DUPLICATE
    assert info.name == "datalint"


def test_without_the_extra_datalint_mcp_names_it():
    # `sys.modules["mcp"] = None` makes `import mcp` fail as it does where the SDK is not installed.
    script = "import sys; sys.modules['mcp'] = None; from datalint.cli import run; run()"
    result = subprocess.run(
        [sys.executable, "-c", script, "mcp"], capture_output=True, text=True, env=_environment(), timeout=60
    )
    assert result.returncode == 2
    assert "pip install 'datalint[mcp]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_base_install_does_not_import_the_sdk():
    script = (
        "import sys; from datalint.cli import main\n"
        "try: main(['rules'])\n"
        "except SystemExit: pass\n"
        "print(sorted(name for name in ('mcp', 'pydantic', 'datalint.mcp_server') if name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=_environment())
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_sdks_mcp_run_serves_the_module(tmp_path):
    """`mcp run .../datalint/mcp_server.py` (the SDK's command, which `mcp dev` and `mcp install` wrap)."""
    pytest.importorskip("typer", reason="the SDK's `mcp` command needs the mcp[cli] extra")
    path = tmp_path / "data.jsonl"
    path.write_bytes(CRLF_TOKEN_DUPLICATE)
    module = REPO / "datalint" / "mcp_server.py"
    server = StdioServerParameters(
        command=sys.executable,
        args=["-c", "from mcp.cli import app; app()", "run", str(module)],
        env=_environment(),
        cwd=str(tmp_path),  # where the cache goes when no config is found
    )

    async def session():
        async with Client(server) as client:
            return await client.call_tool("lint", {"paths": [str(path)], "select": ["S"]})

    result = anyio.run(session)
    assert result.structured_content["by_code"] == {"S010": 1, "S007": 1}
