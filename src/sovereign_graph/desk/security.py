"""What keeps a decision the owner's: a CSRF token bound to the thread and the pause the page showed, a token
the owner types when the desk listens beyond loopback, the Host header checked on loopback (DNS rebinding),
and headers that forbid any script, frame or foreign form target in the pages."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# No script runs on these pages (the progress view refreshes itself with <meta http-equiv="refresh">).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # "no-referrer" would make a browser send `Origin: null`
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: only this machine can connect."""
    if host.strip("[]").lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Guard:
    """`token`: what a decision must carry (None on loopback without --token); `secret`: signs CSRF tokens for
    this server's lifetime (a form from before a restart is refused and the owner reloads the page)."""

    token: str | None = None
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def csrf_for(self, thread_id: str, pause: str) -> str:
        message = f"decide\x00{thread_id}\x00{pause}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def csrf_ok(self, thread_id: str, pause: str, given: str) -> bool:
        return hmac.compare_digest(self.csrf_for(thread_id, pause).encode(), given.encode())

    def token_ok(self, given: str) -> bool:
        return self.token is None or hmac.compare_digest(self.token.encode(), given.encode())


def new_token() -> str:
    return secrets.token_urlsafe(18)


class SecurityHeaders:
    """Adds `HEADERS` to every response (pure ASGI: streaming responses stay streaming)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def host_of(header: str) -> str:
    """The host of a Host header, without its port: 'localhost:8765' → 'localhost', '[::1]:8765' → '::1'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else ""
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class LoopbackHostCheck:
    """On loopback, only requests naming a loopback host: a page of another site that a DNS name rebinds to
    127.0.0.1 sends its own name as Host, and is refused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers", []))
            if not is_loopback(host_of(headers.get(b"host", b"").decode("latin-1"))):
                body = b"This desk answers only to localhost, 127.0.0.1 or [::1].\n"
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"), *HEADERS],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


READ_COOKIE = "sovereign_desk"


class ReadAccess:
    """Beyond loopback, reading needs the token too: a report names papers, quotes and the owner's notes, and
    whoever can reach the port is not the owner. The owner opens the desk once with `?token=TOKEN` (as `sovereign
    serve` prints it): the answer sets a cookie (HttpOnly, SameSite=Strict, a digest, never the token) and
    redirects to the same page without the token in its address. A tool may send `Authorization: Bearer TOKEN`.
    `sovereign serve --public-read` leaves reading open; decisions need the token either way."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token
        self.cookie = hmac.new(token.encode(), b"sovereign desk: read", hashlib.sha256).hexdigest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        given = request.query_params.get("token")
        if given is not None and _same(given, self.token):
            kept = [(key, value) for key, value in request.query_params.multi_items() if key != "token"]
            target = request.url.path + (f"?{urlencode(kept)}" if kept else "")
            response: Response = RedirectResponse(target, status_code=303)
            response.set_cookie(READ_COOKIE, self.cookie, httponly=True, samesite="strict", path="/")
            await response(scope, receive, send)
            return
        bearer = request.headers.get("authorization", "")
        if _same(request.cookies.get(READ_COOKIE, ""), self.cookie) or (
            bearer.startswith("Bearer ") and _same(bearer.removeprefix("Bearer "), self.token)
        ):
            await self.app(scope, receive, send)
            return
        response = PlainTextResponse(
            "401: this desk needs its access token to be read: open it once as /?token=TOKEN (the token given "
            "with --token, or printed when the desk started).",
            status_code=401,
        )
        await response(scope, receive, send)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())
