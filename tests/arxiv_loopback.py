"""A loopback server that speaks the arXiv API (`GET /api/query`, Atom feed) from the fixture feed.

It filters the fixture's 9 entries the way the API's query language reads (`id_list`, a `ti:"phrase"`,
or any-word terms ranked by how many match), pages by `start` / `max_results` with `opensearch`
totals, and can be scripted to fail: a queue of actions consumed one per request ("503", "429",
"bad_xml", "html", "hang", "empty", or "feed" for a normal answer), an empty page from a given offset
on, or bad XML for every search. It records when each request arrived and what it asked.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from tests.loopback import serve

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
OPERATORS = {"and", "or", "andnot"}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@dataclass
class Arrival:
    at: float  # time.monotonic() when the request line was read
    params: dict[str, str]


@dataclass
class ArxivLoopback:
    port: int = 0
    queue: list[str] = field(default_factory=list)
    empty_from: int | None = None  # serve the real empty page for start >= this
    bad_xml_for_searches: bool = False
    hang_seconds: float = 2.0
    arrivals: list[Arrival] = field(default_factory=list)
    # More fixture feeds whose entries join the targets' (e.g. "atom_fulltext_papers.xml").
    extra_feeds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._feed = etree.parse(str(FIXTURES / "atom_fixture_targets.xml")).getroot()
        self._entries = self._feed.findall(f"{ATOM}entry")
        for name in self.extra_feeds:
            self._entries += etree.parse(str(FIXTURES / name)).getroot().findall(f"{ATOM}entry")
        self._empty_page = (FIXTURES / "atom_real_empty_page.xml").read_bytes()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/query"

    def gaps(self) -> list[float]:
        times = sorted(a.at for a in self.arrivals)
        return [b - a for a, b in itertools.pairwise(times)]

    def next_action(self, params: dict[str, str]) -> str:
        with self._lock:
            self.arrivals.append(Arrival(time.monotonic(), params))
            if self.queue:
                return self.queue.pop(0)
        if self.bad_xml_for_searches and params.get("search_query"):
            return "bad_xml"
        if self.empty_from is not None and int(params.get("start", "0")) >= self.empty_from:
            return "empty"
        return "feed"

    def matching(self, params: dict[str, str]) -> list[etree._Element]:
        entries = list(self._entries)
        ids = [i for i in params.get("id_list", "").split(",") if i]
        if ids:
            entries = [
                e for e in entries if re.sub(r"v\d+$", "", e.findtext(f"{ATOM}id", "").rsplit("/", 1)[-1]) in ids
            ]
        query = params.get("search_query", "")
        phrase = re.fullmatch(r'ti:"([^"]*)"', query)
        if phrase:
            wanted = " ".join(_words(phrase.group(1)))
            return [e for e in entries if wanted in " ".join(_words(e.findtext(f"{ATOM}title", "")))]
        terms = {w for w in _words(re.sub(r"\b[a-z]+:", " ", query)) if w not in OPERATORS}
        if not terms:
            return entries
        scored = []
        for entry in entries:
            text = set(_words(entry.findtext(f"{ATOM}title", "") + " " + entry.findtext(f"{ATOM}summary", "")))
            if hits := len(terms & text):
                scored.append((hits, entry))
        return [e for _, e in sorted(scored, key=lambda pair: -pair[0])]

    def feed(self, params: dict[str, str]) -> bytes:
        found = self.matching(params)
        start, size = int(params.get("start", "0")), int(params.get("max_results", "10"))
        page = copy.deepcopy(self._feed)
        for entry in page.findall(f"{ATOM}entry"):
            page.remove(entry)
        for name, value in (("totalResults", len(found)), ("startIndex", start), ("itemsPerPage", size)):
            total = page.find(f"{OPENSEARCH}{name}")
            assert total is not None, name
            total.text = str(value)
        for entry in found[start : start + size]:
            page.append(copy.deepcopy(entry))
        return etree.tostring(page, xml_declaration=True, encoding="UTF-8")


def _handler(server: ArxivLoopback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/atom+xml") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != "/api/query":
                self._send(404, b"not found", "text/plain")
                return
            params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            action = server.next_action(params)
            if action in ("503", "429", "500", "400"):
                self._send(int(action), b"unavailable", "text/plain")
            elif action == "bad_xml":
                self._send(200, server.feed(params)[:700])  # a feed cut off mid-element
            elif action == "html":
                self._send(200, b"<html><body>Rate exceeded.</body></html>", "text/html")
            elif action == "empty":
                self._send(200, server._empty_page)
            elif action == "hang":
                time.sleep(server.hang_seconds)
                self._send(200, server.feed(params))
            else:
                self._send(200, server.feed(params))

    return Handler


@contextmanager
def arxiv_loopback(**options: object) -> Iterator[ArxivLoopback]:
    state = ArxivLoopback(**options)  # type: ignore[arg-type]
    with serve(_handler(state)) as port:
        state.port = port
        yield state
