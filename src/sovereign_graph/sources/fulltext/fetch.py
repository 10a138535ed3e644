"""Live arXiv full text: the LaTeXML HTML rendering first, the PDF when there is none, through the disk cache.

arXiv's terms: one request every 3 s and one connection, counted with the API's (export.arxiv.org), so every
request here, each retry and each redirect hop, takes a turn on the same shared limiter as the API client.
Rate limiting (429, honouring Retry-After), overload (5xx), timeouts and dropped connections are retried with
backoff; a 404 never is: it is an answer ("no HTML", "no PDF"). One paper's failure never raises: it comes
back as a `FullText` without a document and the reason the report's method section prints.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from sovereign_graph.errors import InputError
from sovereign_graph.home import sovereign_home
from sovereign_graph.settings.run import ARXIV_API_URL
from sovereign_graph.sources.fulltext.cache import FullTextCache, cache_key
from sovereign_graph.sources.fulltext.document import Document, UnreadableDocument
from sovereign_graph.sources.fulltext.isolation import ParseLimits
from sovereign_graph.sources.fulltext.library import parse_downloaded_pdf
from sovereign_graph.sources.fulltext.reader import FullText
from sovereign_graph.sources.rate_limit import RateLimiter, shared_limiter
from sovereign_graph.state import Paper

log = logging.getLogger(__name__)

# Worth another try, as for the API client: rate limiting, overload and gateway errors.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
# A Retry-After longer than this is not waited out inside a run: the paper stays abstract-only instead.
MAX_RETRY_AFTER = 60.0
MAX_REDIRECTS = 5
# An address or URL arXiv may reach the user at, added to the User-Agent (arXiv asks clients to identify).
CONTACT_ENV = "SOVEREIGN_CONTACT"
NO_HTML_NO_PDF = "no HTML and no PDF on arXiv"
HOW = {"arxiv_html": "arXiv HTML", "pdf": "arXiv PDF"}
# Documents kept in memory per reader: a run's subject and best-ranked hits, with room for a revision round.
RECENT_DOCUMENTS = 32
# What one download may cost: arXiv takes no submission over 50 MB, so a larger answer is not a paper.
MAX_DOWNLOAD_ENV = "SOVEREIGN_FULLTEXT_MAX_MB"
MAX_DOWNLOAD_MB = 50.0


def max_download_bytes() -> int:
    raw = os.environ.get(MAX_DOWNLOAD_ENV, "").strip()
    try:
        megabytes = float(raw) if raw else MAX_DOWNLOAD_MB
    except ValueError:
        raise InputError(f"{MAX_DOWNLOAD_ENV} must be a number of megabytes, not {raw!r}.") from None
    if not megabytes > 0 or math.isinf(megabytes):
        raise InputError(f"{MAX_DOWNLOAD_ENV} must be a positive number of megabytes, not {raw!r}.")
    return int(megabytes * (1 << 20))


@dataclass(frozen=True)
class Fetched:
    """One answer of arXiv's, read whole (up to the download cap)."""

    status_code: int
    headers: httpx.Headers
    content: bytes


class _TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit / (1 << 20):g} MB ({MAX_DOWNLOAD_ENV})")
        self.reason = str(self)


class _Transient(Exception):
    """A status worth retrying; `retry_after` is the server's Retry-After in seconds, when it gave one."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class _Unreachable(Exception):
    """Retries exhausted: `reason` is what the report says."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def user_agent(contact: str | None = None) -> str:
    """`sovereign-graph/0.1.0 (+<project URL>; mailto:<contact>)`, with only the parts that are known."""
    try:
        version = metadata.version("sovereign-graph")
        urls = [u.split(",", 1)[-1].strip() for u in metadata.metadata("sovereign-graph").get_all("Project-URL") or []]
    except metadata.PackageNotFoundError:
        version, urls = "dev", []
    contact = contact if contact is not None else os.environ.get(CONTACT_ENV, "").strip()
    notes = [f"+{urls[0]}"] if urls else []
    if contact:
        notes.append(f"mailto:{contact}" if "@" in contact and ":" not in contact else contact)
    return f"sovereign-graph/{version}" + (f" ({'; '.join(notes)})" if notes else "")


def limiter_host(base_url: str) -> str:
    """arXiv counts arxiv.org and export.arxiv.org together, so both take turns on the API's limiter."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if host == "arxiv.org" or host.endswith(".arxiv.org"):
        return urlsplit(ARXIV_API_URL).netloc
    return parts.netloc


def _is_transient(error: BaseException) -> bool:
    return isinstance(error, _Transient | httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (an HTTP date is not worth parsing: backoff takes over)."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


class ArxivFullText:
    """`FullTextReader` for live arXiv. Thread-safe: the graph's branches share one, and the limiter
    serialises their requests anyway."""

    def __init__(
        self,
        base_url: str = "https://arxiv.org",
        delay: float = 3.0,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        cache: FullTextCache | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.cache = cache if cache is not None else FullTextCache()
        self._limiter = limiter if limiter is not None else shared_limiter(limiter_host(base_url), delay)
        # Redirects are followed by hand, so each hop waits its turn like any other request.
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, headers={"User-Agent": user_agent()})
        self._recent: dict[str, FullText] = {}
        self._recent_lock = threading.Lock()
        self.max_bytes = max_download_bytes()
        self.parse_limits = ParseLimits.from_env()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ArxivFullText:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def full_text(self, paper: Paper) -> FullText:
        try:
            key = cache_key(paper.id, paper.version)
        except InputError:
            return FullText(paper.id, None, reason="not an arXiv id")
        # The read step's documents, again for the index step of the same process: no disk, no network, even
        # when the cache directory cannot be written.
        with self._recent_lock:
            if key in self._recent:
                return self._recent[key]
        got = self._read(paper)
        if got.document is not None:
            with self._recent_lock:
                self._recent[key] = got
                while len(self._recent) > RECENT_DOCUMENTS:
                    self._recent.pop(next(iter(self._recent)))
        return got

    def _read(self, paper: Paper) -> FullText:
        try:
            return self._cached(paper) or self._fetched(paper)
        except _Unreachable as failure:
            return FullText(paper.id, None, reason=failure.reason)
        except Exception as error:  # one paper's surprise (a parser bug) must not fail the run
            log.warning("full text of %s failed", paper.id, exc_info=True)
            return FullText(paper.id, None, reason=f"full text failed ({type(error).__name__})")

    def _cached(self, paper: Paper) -> FullText | None:
        document = self.cache.get(paper.id, paper.version)
        if document is not None:
            return FullText(paper.id, document, how=f"cache ({HOW[document.origin]})")
        missing = self.cache.missing(paper.id, paper.version)
        if missing is not None:
            return FullText(paper.id, None, how="cache", reason=missing)
        return None

    def _fetched(self, paper: Paper) -> FullText:
        html_problem = self._html(paper)
        if isinstance(html_problem, Document):
            return self._stored(paper, html_problem, "arXiv HTML")
        pdf = self._pdf(paper)
        if isinstance(pdf, Document):
            how = "arXiv PDF (no HTML)" if html_problem == "no HTML" else f"arXiv PDF (HTML: {html_problem})"
            return self._stored(paper, pdf, how)
        if pdf == "no PDF" and html_problem == "no HTML":
            self.cache.put_missing(paper.id, paper.version, NO_HTML_NO_PDF)
            return FullText(paper.id, None, reason=NO_HTML_NO_PDF)
        html = "" if html_problem == "no HTML" else f"arXiv HTML: {html_problem}; "
        return FullText(paper.id, None, reason=f"{html}arXiv PDF: {pdf}")

    def _html(self, paper: Paper) -> Document | str:
        """The parsed HTML rendering, or why not: "no HTML" (404 or arXiv's no-HTML page) or its problem."""
        from sovereign_graph.sources.fulltext.html import is_no_html_page, parse_arxiv_html

        response = self._get(self._url("html", paper))
        if isinstance(response, str):
            return response
        if response.status_code == httpx.codes.NOT_FOUND or (
            response.status_code == httpx.codes.OK and is_no_html_page(response.content)
        ):
            return "no HTML"
        if response.status_code != httpx.codes.OK:
            return f"HTTP {response.status_code}"
        return _parsed(lambda: parse_arxiv_html(response.content, paper.id))

    def _pdf(self, paper: Paper) -> Document | str:
        """The parsed PDF, or why not: "no PDF" (404), "an HTML page, not a PDF", the parser's reason. It is
        parsed as a library file is, in a worker under the same limits of time, memory and characters."""
        response = self._get(self._url("pdf", paper))
        if isinstance(response, str):
            return response
        if response.status_code == httpx.codes.NOT_FOUND:
            return "no PDF"
        if response.status_code != httpx.codes.OK:
            return f"HTTP {response.status_code}"
        if "text/html" in response.headers.get("Content-Type", ""):
            return "an HTML page, not a PDF"
        return parse_downloaded_pdf(response.content, paper.id, self.parse_limits)

    def _stored(self, paper: Paper, document: Document, how: str) -> FullText:
        # Keyed as asked: the id and version of the request (the document's own stamp stays in `arxiv_id`).
        document = document.model_copy(update={"paper_id": paper.id, "version": paper.version})
        self.cache.put(document)
        return FullText(paper.id, document, how=how)

    def _url(self, kind: str, paper: Paper) -> str:
        versioned = paper.id if paper.version is None else f"{paper.id}v{paper.version}"
        return f"{self.base_url}/{kind}/{versioned}"

    def _get(self, url: str) -> Fetched | str:
        """The final answer for `url` (a 404 included), or why it was not read whole (over the download cap);
        `_Unreachable` once retries are spent."""
        retrying = Retrying(
            retry=retry_if_exception(_is_transient),
            stop=stop_after_attempt(self.retries + 1),
            wait=self._wait,
            before_sleep=lambda state: log.warning(
                "arXiv full-text request %s failed (%s); retry %d", url, _failure(state), state.attempt_number
            ),
            reraise=True,
        )
        try:
            return retrying(self._once, url)
        except _TooLarge as large:
            return large.reason
        except _Transient as refused:
            raise _Unreachable(f"arXiv refused (HTTP {refused.status}, {_tries(self.retries + 1)})") from refused
        except httpx.RequestError as error:
            tries = self.retries + 1 if _is_transient(error) else 1
            raise _Unreachable(f"arXiv unreachable ({type(error).__name__}, {_tries(tries)})") from error

    def _once(self, url: str) -> Fetched:
        request = self._client.build_request("GET", url)
        for _ in range(MAX_REDIRECTS + 1):
            with self._limiter.turn():
                response = self._client.send(request, stream=True)
                try:
                    if response.status_code in TRANSIENT_STATUSES:
                        raise _Transient(response.status_code, _retry_after(response))
                    if response.next_request is None:
                        return Fetched(response.status_code, response.headers, self._body(response))
                    request = response.next_request
                finally:
                    response.close()
        raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects from {url}", request=request)

    def _body(self, response: httpx.Response) -> bytes:
        """The answer's bytes, read no further than the download cap (a declared length over it is not read)."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise _TooLarge(self.max_bytes)
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > self.max_bytes:
                raise _TooLarge(self.max_bytes)
        return bytes(body)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Transient) and error.retry_after is not None:
            return min(error.retry_after, MAX_RETRY_AFTER)
        return float(wait_exponential(multiplier=self.backoff, max=MAX_RETRY_AFTER)(state))


def _parsed(parse: Callable[[], Document]) -> Document | str:
    """The parser's document, or its reason; any other error is a reason too (one paper, never the run)."""
    try:
        document = parse()
    except UnreadableDocument as unreadable:
        return unreadable.reason
    except Exception as error:
        log.warning("parsing full text failed", exc_info=True)
        return f"unreadable ({type(error).__name__})"
    return document


def _failure(state: RetryCallState) -> str:
    error = state.outcome.exception() if state.outcome else None
    return str(error) or type(error).__name__


def _tries(n: int) -> str:
    return "1 try" if n == 1 else f"{n} tries"


def arxiv_full_text(
    base_url: str = "https://arxiv.org",
    delay: float = 3.0,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
) -> ArxivFullText:
    """One reader per process, settings and cache directory, so a run's read and index steps share its memory."""
    return _reader(base_url, delay, timeout, retries, backoff, sovereign_home() / "fulltext")


@cache
def _reader(base_url: str, delay: float, timeout: float, retries: int, backoff: float, root: Path) -> ArxivFullText:
    return ArxivFullText(base_url, delay, timeout, retries, backoff, cache=FullTextCache(root))
