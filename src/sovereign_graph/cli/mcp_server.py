"""`sovereign mcp`: the MCP server assistants start (extra `mcp`): over stdio by default, or streamable HTTP."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sovereign_graph.cli.common import app, cli_errors, err
from sovereign_graph.cli.options import DbOption, run_settings, with_flags
from sovereign_graph.errors import InputError

MCP_EXTRA = 'the MCP server needs the mcp extra: pip install "sovereign-graph[mcp]".'


def require_mcp_extra() -> None:
    try:
        import mcp.server.mcpserver  # noqa: F401
    except ImportError:
        raise InputError(MCP_EXTRA) from None


def parse_http(value: str) -> tuple[str, int]:
    """HOST:PORT (or [v6]:PORT, or :PORT for loopback)."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InputError(f"--http {value}: give HOST:PORT, e.g. 127.0.0.1:8766 (port 0: any free one).")
    return (host.strip("[]") or "127.0.0.1"), int(port)


def check_desk_url(url: str | None) -> str | None:
    from sovereign_graph.desk.links import safe_url

    if url is not None and safe_url(url) is None:
        raise InputError(f"--desk-url {url}: give the desk's http(s) address, e.g. http://127.0.0.1:8765/.")
    return url


@app.command("mcp")
@with_flags()
def mcp_command(
    db: DbOption = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where report files go.")] = Path("."),
    http: Annotated[
        str | None,
        typer.Option(
            "--http",
            help="Serve streamable HTTP on HOST:PORT (at /mcp) instead of stdio; beyond loopback a token is needed.",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="SOVEREIGN_MCP_TOKEN",
            help="Bearer token every HTTP request must carry [default: none on loopback; generated otherwise].",
        ),
    ] = None,
    allow_decisions: Annotated[
        bool,
        typer.Option(
            "--allow-decisions",
            help="Offer a decide tool: an agent may then approve, reject or revise a draft; the report records "
            "that an agent decided, not the owner.",
        ),
    ] = False,
    desk_url: Annotated[
        str | None,
        typer.Option("--desk-url", envvar="SOVEREIGN_DESK_URL", help="A running desk (`sovereign serve`), linked."),
    ] = None,
    *,
    flags: dict[str, Any],
) -> None:
    """An MCP server for assistants (Claude Desktop, Claude Code, Cursor): analyse a paper to the owner's pause,
    read reports, list threads, search the corpus (docs/agents.md). The run settings are the server's, for every
    call; a live model's key comes from this process's environment, never from a call."""
    with cli_errors():
        require_mcp_extra()
        from sovereign_graph.cli.runs import check_places
        from sovereign_graph.cli.serve import _listening_socket
        from sovereign_graph.desk.security import is_loopback, new_token
        from sovereign_graph.desk.store import shown_db
        from sovereign_graph.mcp_server.server import ServerConfig, build_server

        settings = run_settings(flags)
        out_dir = out_dir.resolve()
        check_places(db, out_dir, refuse_damaged=True)
        config = ServerConfig(
            db=db,
            out_dir=out_dir,
            settings=settings,
            allow_decisions=allow_decisions,
            desk_url=check_desk_url(desk_url),
        )
        # stdout is the protocol's channel under stdio: every word for people goes to stderr, logs included.
        logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="sovereign mcp: %(message)s")
        server = build_server(config)
        decisions = "a decide tool (an agent's decisions are marked as such)" if allow_decisions else "no decide tool"
        if http is None:
            err.print(
                f"sovereign MCP server on stdio · database {shown_db(db)} · {decisions}", highlight=False, markup=False
            )
            server.run("stdio")
            return
        if token is not None and len(token) < 8:
            raise InputError("--token: at least 8 characters.")
        host, port = parse_http(http)
        loopback = is_loopback(host)
        generated = token is None and not loopback
        token = new_token() if generated else token
        sock = _listening_socket(host, port)
        bound = sock.getsockname()[1]
        from sovereign_graph.mcp_server.http import MCP_PATH, http_app, serve_http

        application = http_app(server, host=host, port=bound, token=token, loopback=loopback)
        shown_host = f"[{host}]" if ":" in host else host
        err.print(
            f"sovereign MCP server on http://{shown_host}:{bound}{MCP_PATH} · database {shown_db(db)} · {decisions}",
            highlight=False,
            markup=False,
        )
        if generated:
            err.print(f"every request needs this bearer token (shown once): {token}", highlight=False, markup=False)
        elif token is not None:
            err.print("every request needs the bearer token given with --token", highlight=False, markup=False)
        serve_http(application, sock)
        err.print("MCP server stopped.", highlight=False)
