"""Live arXiv: the `PaperSource` the graph searches when a run asks for `--source arxiv`.

Search is relevance-sorted; look-up by id goes through the API's `id_list`; look-up by title is a
`ti:` phrase query filtered to exact (normalised) title matches, so another paper is never substituted.
A live source has no corpus up front: `texts()`, what local embedders are fitted on, is the bundled
snapshot's (machine-learning and vision-language papers), and `__len__` counts the papers fetched so far.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import cache
from urllib.parse import urlsplit

import arxiv
import requests

from sovereign_graph.errors import SourceError, shown
from sovereign_graph.settings.run import ARXIV_API_URL
from sovereign_graph.sources.arxiv_client import ArxivClient, MalformedFeedError, is_transient
from sovereign_graph.sources.ids import parse_arxiv_id
from sovereign_graph.sources.rate_limit import shared_limiter
from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.state import Paper
from sovereign_graph.text.prose import normalise_title

log = logging.getLogger(__name__)

MAX_QUERY_TERMS = 16
TITLE_CANDIDATES = 10
# Said when the API could not be reached at all (no network, DNS, refused, timed out), never on an HTTP answer.
OFFLINE_HINT = "Offline? Run with --source snapshot (the bundled corpus)."
# A planner's query runs to a hundred characters or so, and an error names the one that failed in full.
SHOWN_QUERY = 200


def paper_from_result(result: arxiv.Result) -> Paper:
    bare_id = parse_arxiv_id(result.entry_id) or re.sub(r"v\d+$", "", result.get_short_id())
    # The version the API describes: full text is fetched and cached for exactly that one.
    version = re.search(r"v(\d+)$", result.entry_id)
    return Paper(
        id=bare_id,
        title=" ".join(result.title.split()),
        abstract=" ".join(result.summary.split()),
        authors=[author.name for author in result.authors],
        categories=list(result.categories),
        published=result.published.strftime("%Y-%m-%d"),
        version=int(version.group(1)) if version else None,
    )


def any_word_query(text: str) -> str:
    """`all:(w1 w2 ...)`: papers matching any of the words, ranked by the API's relevance.

    Free text is reduced to words so that a stray quote, colon or AND cannot change the query's syntax.
    """
    words = list(dict.fromkeys(re.findall(r"[A-Za-z0-9]+", text)))
    words = [w for w in words if w.upper() not in ("AND", "OR", "ANDNOT")][:MAX_QUERY_TERMS]
    return f"all:({' '.join(words)})" if words else ""


class LiveArxivSource:
    """Papers straight from the arXiv API, through one rate-limited client per process and host."""

    live = True

    def __init__(self, client: ArxivClient, name: str = "live arXiv API") -> None:
        self.name = name
        self._client = client
        self._fetched: dict[str, Paper] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._fetched)

    def get(self, paper_id: str) -> Paper | None:
        with self._lock:
            if paper_id in self._fetched:
                return self._fetched[paper_id]
        papers = self._fetch(arxiv.Search(id_list=[paper_id], max_results=1), f"the id {paper_id}")
        return next((p for p in papers if p.id == paper_id), None)

    def find_title(self, title: str) -> list[Paper]:
        wanted = normalise_title(title)
        if not wanted:
            return []
        search = arxiv.Search(query=f'ti:"{wanted}"', max_results=TITLE_CANDIDATES)
        found = self._fetch(search, f"the title {shown(title, limit=SHOWN_QUERY)}")
        return [p for p in found if normalise_title(p.title) == wanted]

    def search(self, query: str, k: int) -> list[tuple[Paper, float]]:
        api_query = any_word_query(query)
        if not api_query or k <= 0:
            return []
        search = arxiv.Search(query=api_query, max_results=k, sort_by=arxiv.SortCriterion.Relevance)
        papers = self._fetch(search, f"the query {shown(query, limit=SHOWN_QUERY)}")
        # The API gives a rank, not a score: 1.0 for the best hit, falling linearly with rank.
        return [(paper, 1.0 - rank / k) for rank, paper in enumerate(papers)]

    def texts(self) -> list[str]:
        return bundled_snapshot().texts()

    def _fetch(self, search: arxiv.Search, what: str) -> list[Paper]:
        papers: list[Paper] = []
        try:
            for result in self._client.results(search):
                papers.append(paper_from_result(result))
        except arxiv.UnexpectedEmptyPageError:
            # A later page came back empty even after retries (the API does this): keep what came before.
            log.warning("arXiv returned an empty page for %s; keeping the first %d results", what, len(papers))
        except MalformedFeedError as error:
            raise SourceError(f"arXiv answered {what} with malformed XML: {error.detail}.") from error
        except arxiv.HTTPError as error:
            tries = self._client.retries + 1 if is_transient(error) else 1
            raise SourceError(f"arXiv refused {what}: HTTP {error.status} ({_tries(tries)}).") from error
        except requests.RequestException as error:
            tries = self._client.retries + 1 if is_transient(error) else 1
            failure = type(error).__name__
            if isinstance(error, requests.ConnectionError | requests.Timeout):
                failure, hint = f"{failure}, {_connection_failure(error)}", f" {OFFLINE_HINT}"
            else:
                hint = ""
            raise SourceError(f"arXiv could not be reached for {what}: {failure} ({_tries(tries)}).{hint}") from error
        with self._lock:
            for paper in papers:
                self._fetched[paper.id] = paper
        return papers


def _connection_failure(error: requests.RequestException) -> str:
    """What went wrong, in the words a user checks their network with; requests names it only in its text."""
    if isinstance(error, requests.Timeout):
        return "timed out"
    text = str(error)
    if "NameResolution" in text or "resolve" in text:
        return "host name not resolved"
    if "refused" in text:
        return "connection refused"
    return "no connection"


def _tries(n: int) -> str:
    return "1 try" if n == 1 else f"{n} tries"


@cache
def live_arxiv_source(
    url: str = ARXIV_API_URL, delay: float = 3.0, timeout: float = 30.0, retries: int = 3, backoff: float = 1.0
) -> LiveArxivSource:
    """One source per process and settings, so every branch of a run shares its client and cache."""
    limiter = shared_limiter(urlsplit(url).netloc, delay)
    client = ArxivClient(query_url=url, limiter=limiter, timeout=timeout, retries=retries, backoff=backoff)
    host = urlsplit(url).netloc
    return LiveArxivSource(client, name="live arXiv API" if host == "export.arxiv.org" else f"arXiv API at {host}")
