"""The streamable-HTTP transport: the SDK's Starlette app behind a bearer token (always beyond loopback, as the
desk asks for one there), served by uvicorn on a socket the command bound first."""

from __future__ import annotations

import hmac
import socket

import uvicorn
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from sovereign_graph.mcp_server.server import SovereignMCP

MCP_PATH = "/mcp"


class BearerToken:
    """Every HTTP request carries `Authorization: Bearer <token>` or gets 401 (pure ASGI: streams stay streams)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")],
                    }
                )
                await send({"type": "http.response.body", "body": b"this server needs its access token\n"})
                return
        await self.app(scope, receive, send)


def http_app(server: SovereignMCP, *, host: str, port: int, token: str | None, loopback: bool) -> ASGIApp:
    # On loopback the Host header must name this machine: a web page cannot reach the server by DNS rebinding.
    security = (
        TransportSecuritySettings(
            allowed_hosts=[f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")],
            allowed_origins=[f"http://{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")],
        )
        if loopback
        else TransportSecuritySettings(enable_dns_rebinding_protection=False)
    )
    app: ASGIApp = server.streamable_http_app(streamable_http_path=MCP_PATH, transport_security=security, host=host)
    return BearerToken(app, token) if token is not None else app


def serve_http(app: ASGIApp, sock: socket.socket) -> None:
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False, lifespan="on")
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
