"""The `arxiv` 4.x client, made fit for parallel branches: a shared rate limiter, a timeout, retries
with backoff, and a strict check that every answer is an Atom feed.

`arxiv.Client` issues each request through its `requests.Session` (`_session.get(url)`, no timeout) and
parses the body leniently (lxml `recover=True`: an HTML error page or a truncated feed reads as "no
results"). So the session is where requests are gated, timed out and checked, and `_parse_feed` (one
page, the client's own retry point) is where retries go: each retry is a new request and waits its turn.
"""

from __future__ import annotations

import logging
from typing import Any

import arxiv
import requests
from lxml import etree
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from sovereign_graph.sources.rate_limit import RateLimiter

log = logging.getLogger(__name__)

ATOM_FEED_TAG = "{http://www.w3.org/2005/Atom}feed"
# Worth another try: rate limiting, overload, and the API's transient gateway errors.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class MalformedFeedError(Exception):
    """The API answered 200 with something that is not a well-formed Atom feed."""

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(f"{detail} ({url})")
        self.url = url
        self.detail = detail


def require_atom_feed(content: bytes, url: str) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as error:
        raise MalformedFeedError(url, f"not well-formed XML: {error}") from error
    if root is None or root.tag != ATOM_FEED_TAG:
        tag = "nothing" if root is None else f"<{root.tag}>"
        raise MalformedFeedError(url, f"the document is {tag}, not an Atom <feed>")


class ArxivSession(requests.Session):
    """Every HTTP exchange waits its turn on the limiter, has a timeout, and must bring back an Atom feed."""

    def __init__(self, limiter: RateLimiter, timeout: float) -> None:
        super().__init__()
        self.limiter = limiter
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        with self.limiter.turn():
            response = super().send(request, **kwargs)  # reads the body unless stream=True
        if response.status_code == requests.codes.ok:
            require_atom_feed(response.content, str(request.url))
        return response


def is_transient(error: BaseException) -> bool:
    if isinstance(error, arxiv.HTTPError):
        return error.status in TRANSIENT_STATUSES
    return isinstance(error, arxiv.UnexpectedEmptyPageError | requests.ConnectionError | requests.Timeout)


class ArxivClient(arxiv.Client):
    """`arxiv.Client` with the shared limiter in place of its per-object delay, and tenacity's retries."""

    def __init__(
        self,
        *,
        query_url: str,
        limiter: RateLimiter,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        page_size: int = 100,
    ) -> None:
        # The client's own delay and retries are off: the shared limiter spaces requests, tenacity retries.
        super().__init__(page_size=page_size, delay_seconds=0.0, num_retries=0)
        self.query_url_format = query_url + "?{}"
        self._session = ArxivSession(limiter, timeout)
        self.retries = retries
        self.backoff = backoff

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> Any:
        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.retries + 1),
            wait=wait_exponential(multiplier=self.backoff, max=60),
            before_sleep=lambda state: log.warning(
                "arXiv request failed (%s); retry %d",
                state.outcome.exception() if state.outcome else "?",
                state.attempt_number,
            ),
            reraise=True,
        )
        return retrying(super()._parse_feed, url, first_page=first_page, _try_index=_try_index)
