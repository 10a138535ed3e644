"""A loopback server in the role of arxiv.org: `/html/<id>` (LaTeXML) and `/pdf/<id>` from the real fixtures.

`/html/2501.11120v1` (or the bare id) is the real LaTeXML page; any other id answers HTTP 404 with arXiv's
"No HTML for '<id>'" page rendered from its real template. `/pdf/2501.10120v1` is pasa.pdf and
`/pdf/2304.02623v1` its PDF (bare ids too); others 404. Each path can be scripted with a queue of actions, one
per request: "429" (with Retry-After: 1), "503", "404", "hang" (sleep `hang_seconds`, then answer), "truncated"
(the first half of the PDF), "html_as_pdf" (an "Access Denied" page as text/html, 200), "redirect" (302 to the same
path), "bomb" (a 21 KB PDF of a million text operations: some 600 MB and 4 s in pdfium), "huge" (a 3 MB "PDF"), the
last two on /pdf only. It records when every request arrived. With `api=True` the same port also speaks the Atom API
(`/api/query`, tests/arxiv_loopback.py), so one server is both export.arxiv.org and arxiv.org.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from tests.arxiv_loopback import ArxivLoopback
from tests.arxiv_loopback import _handler as api_handler
from tests.loopback import serve
from tests.pdf_synthetic import many_operations_pdf

FIXTURES = Path(__file__).parent / "fixtures" / "fulltext"
HTML_ID, HTML_VERSION = "2501.11120", 1
PDFS = {"2501.10120": (1, FIXTURES / "pdf" / "pasa.pdf"), "2304.02623": (1, FIXTURES / "pdf" / "2304.02623v1.pdf")}
_HTML = "text/html; charset=utf-8"
ACCESS_DENIED = (FIXTURES / "bad" / "not_a_pdf.pdf").read_bytes()  # a real-world "Access Denied" HTML page
_PATH = re.compile(r"^/(?P<kind>html|pdf)/(?P<id>\d{4}\.\d{4,5})(?:v(?P<version>\d+))?/?$")


def no_html_page(versioned_id: str) -> bytes:
    """arXiv's 404 page for a paper without HTML: the real template's content block, the id put in."""
    template = (FIXTURES / "arxiv_html" / "no_html_template.jinja.html").read_text()
    content = template.split("{%- block content -%}", 1)[1].split("{%- endblock -%}", 1)[0]
    content = content.replace("{{arxiv_id.idv}}", versioned_id)
    return (
        f"<!DOCTYPE html>\n<html lang='en'><head><title>No HTML for '{versioned_id}'</title></head>"
        f"<body><main>{content}</main></body></html>\n"
    ).encode()


@dataclass
class Arrival:
    at: float  # time.monotonic() when the request line was read
    path: str
    user_agent: str = ""


@dataclass
class FullTextLoopback:
    port: int = 0
    hang_seconds: float = 1.0
    arrivals: list[Arrival] = field(default_factory=list)
    scripts: dict[str, list[str]] = field(default_factory=dict)
    api: ArxivLoopback | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, path: str, *actions: str) -> None:
        """Queue actions for `path` (e.g. "/pdf/2501.10120v1"), one per request, before normal answers."""
        with self._lock:
            self.scripts.setdefault(path, []).extend(actions)

    def paths(self) -> list[str]:
        return [a.path for a in self.arrivals]

    def gaps(self) -> list[float]:
        """Seconds between consecutive arrivals, the API's requests included when it is served too."""
        times = sorted([a.at for a in self.arrivals] + [a.at for a in (self.api.arrivals if self.api else [])])
        return [b - a for a, b in itertools.pairwise(times)]

    def next_action(self, path: str, user_agent: str = "") -> str:
        with self._lock:
            self.arrivals.append(Arrival(time.monotonic(), path, user_agent))
            queue = self.scripts.get(path)
            return queue.pop(0) if queue else "serve"

    def answer(self, path: str, action: str) -> tuple[int, bytes, str]:
        """(status, body, content type) for a GET of `path`, after `action`."""
        match = _PATH.match(path)
        if match is None:
            return 404, b"not found", "text/plain"
        paper_id, version = match["id"], int(match["version"]) if match["version"] else None
        versioned = paper_id + (f"v{version}" if version else "")
        if action == "html_as_pdf":  # on /html too: a page that is not the paper's LaTeXML
            return 200, ACCESS_DENIED, _HTML
        if match["kind"] == "html":
            if paper_id == HTML_ID and version in (None, HTML_VERSION):
                return 200, (FIXTURES / "arxiv_html" / f"{HTML_ID}v{HTML_VERSION}.html").read_bytes(), _HTML
            return 404, no_html_page(versioned), _HTML
        known = PDFS.get(paper_id)
        if known is None or version not in (None, known[0]):
            return 404, no_pdf_page(versioned), _HTML
        if action == "bomb":
            return 200, many_operations_pdf(1_000_000), "application/pdf"
        if action == "huge":
            return 200, b"%PDF-1.4\n" + b"0" * (3 << 20), "application/pdf"
        data = known[1].read_bytes()
        return 200, data[: len(data) // 2] if action == "truncated" else data, "application/pdf"


def no_pdf_page(versioned_id: str) -> bytes:
    return f"<html><body><h1>Article identifier '{versioned_id}' not recognized</h1></body></html>".encode()


def _handler(server: FullTextLoopback) -> type[BaseHTTPRequestHandler]:
    base: type[BaseHTTPRequestHandler] = api_handler(server.api) if server.api else BaseHTTPRequestHandler

    class Handler(base):  # type: ignore[valid-type,misc]
        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

        def _reply(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                self.wfile.write(body)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if server.api is not None and path.startswith("/api/"):
                super().do_GET()
                return
            action = server.next_action(path, self.headers.get("User-Agent", ""))
            if action == "429":
                self._reply(429, b"rate limited", "text/plain", {"Retry-After": "1"})
            elif action in ("503", "404"):
                self._reply(int(action), b"unavailable", "text/plain")
            elif action == "redirect":
                self._reply(302, b"", "text/plain", {"Location": path + "?redirected=1"})
            else:
                if action == "hang":
                    time.sleep(server.hang_seconds)
                self._reply(*server.answer(path, action))

    return Handler


@contextmanager
def fulltext_loopback(*, api: bool = False, **options: object) -> Iterator[FullTextLoopback]:
    # The API knows the fixture targets and the three papers whose full text this server holds.
    feeds = ("atom_fulltext_papers.xml",)
    state = FullTextLoopback(api=ArxivLoopback(extra_feeds=feeds) if api else None, **options)  # type: ignore[arg-type]
    with serve(_handler(state)) as port:
        state.port = port
        if state.api is not None:
            state.api.port = port
        yield state
