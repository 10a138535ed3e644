"""Live arXiv through the real `arxiv` client, pointed at a loopback server that speaks the API."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from sovereign_graph.errors import SourceError
from sovereign_graph.runtime.context import Context
from sovereign_graph.sources.arxiv_client import ArxivClient
from sovereign_graph.sources.arxiv_live import OFFLINE_HINT, LiveArxivSource, live_arxiv_source
from sovereign_graph.sources.rate_limit import RateLimiter
from sovereign_graph.sources.resolve import resolve_subject
from tests.arxiv_loopback import ArxivLoopback, arxiv_loopback
from tests.conftest import SMOES

DELAY = 0.05


@pytest.fixture
def server() -> Iterator[ArxivLoopback]:
    with arxiv_loopback() as s:
        yield s


def source_for(url: str, *, page_size: int = 100, retries: int = 2, timeout: float = 5.0) -> LiveArxivSource:
    client = ArxivClient(
        query_url=url,
        limiter=RateLimiter(DELAY),
        timeout=timeout,
        retries=retries,
        backoff=0.01,
        page_size=page_size,
    )
    return LiveArxivSource(client)


def test_search_returns_relevance_ranked_papers_with_bare_ids(server: ArxivLoopback) -> None:
    hits = source_for(server.url).search("modality-guided expert routing in vision-language models", 5)
    assert len(hits) == 5
    papers = [p for p, _ in hits]
    assert all("v" not in p.id for p in papers)
    smoes = next(p for p in papers if p.id == SMOES)
    assert smoes.title == "SMoES: Soft Modality-Guided Expert Specialization in MoE-VLMs"
    assert smoes.abstract.startswith("Mixture-of-Experts (MoE) has become") and "\n" not in smoes.abstract
    assert smoes.authors[0] == "Zi-Hao Bo" and smoes.published == "2026-04-27" and "cs.CV" in smoes.categories
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    (request,) = [a.params for a in server.arrivals]
    assert request["sortBy"] == "relevance"
    assert request["search_query"] == "all:(modality guided expert routing in vision language models)"


def test_results_beyond_one_page_are_fetched_page_by_page(server: ArxivLoopback) -> None:
    hits = source_for(server.url, page_size=3).search("mixture of experts vision language models", 8)
    assert len(hits) == 8 and len({p.id for p, _ in hits}) == 8
    assert [(a.params["start"], a.params["max_results"]) for a in server.arrivals] == [
        ("0", "3"),
        ("3", "3"),
        ("6", "3"),
    ]


@pytest.mark.parametrize("status", ["503", "429"])
def test_a_refusal_is_retried_after_waiting_its_turn(server: ArxivLoopback, status: str) -> None:
    server.queue = [status]
    hits = source_for(server.url).search("expert routing", 3)
    assert len(hits) == 3
    assert len(server.arrivals) == 2
    assert server.gaps()[0] >= DELAY - 0.01


def test_a_persistent_refusal_is_one_clear_error_naming_the_query(server: ArxivLoopback) -> None:
    server.queue = ["503"] * 10
    with pytest.raises(SourceError, match=r"arXiv refused the query 'expert routing': HTTP 503 \(3 tries\)"):
        source_for(server.url, retries=2).search("expert routing", 3)
    assert len(server.arrivals) == 3


def test_a_request_that_hangs_times_out_and_is_retried(server: ArxivLoopback) -> None:
    server.queue, server.hang_seconds = ["hang"], 2.0
    hits = source_for(server.url, timeout=0.3).search("expert routing", 2)
    assert len(hits) == 2 and len(server.arrivals) == 2


def test_an_unreachable_api_is_one_clear_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceError, match=r"could not be reached for the query 'expert routing': ConnectionError"):
        source_for(f"http://127.0.0.1:{port}/api/query", retries=1).search("expert routing", 2)


def test_an_empty_first_page_means_no_results(server: ArxivLoopback) -> None:
    server.queue = ["empty"]  # the real API's answer past the end of its results
    assert source_for(server.url).search("expert routing", 5) == []
    assert len(server.arrivals) == 1


def test_an_empty_later_page_keeps_the_results_before_it(server: ArxivLoopback) -> None:
    server.empty_from = 3
    hits = source_for(server.url, page_size=3, retries=1).search("mixture of experts vision language models", 8)
    assert len(hits) == 3
    assert [a.params["start"] for a in server.arrivals] == ["0", "3", "3"]  # the empty page was retried once


@pytest.mark.parametrize("bad", ["bad_xml", "html"])
def test_malformed_xml_is_a_clear_error_naming_the_query(server: ArxivLoopback, bad: str) -> None:
    server.queue = [bad]
    with pytest.raises(SourceError) as caught:
        source_for(server.url).search("expert routing robustness", 3)
    message = str(caught.value)
    assert message.startswith("arXiv answered the query 'expert routing robustness' with malformed XML")
    assert "\n" not in message


def test_get_by_id_uses_id_list(server: ArxivLoopback) -> None:
    source = source_for(server.url)
    paper = source.get(SMOES)
    assert paper is not None and paper.id == SMOES
    assert server.arrivals[0].params["id_list"] == SMOES and server.arrivals[0].params["search_query"] == ""
    assert source.get(SMOES) == paper and len(server.arrivals) == 1, "a paper fetched once is not asked for again"
    assert source.get("2601.00001") is None


def test_the_subject_resolves_by_id_url_or_exact_title(server: ArxivLoopback) -> None:
    source = source_for(server.url)
    assert resolve_subject(f"https://arxiv.org/abs/{SMOES}v1", source).id == SMOES
    title = "smoes: soft modality guided expert specialization in MoE-VLMs"
    assert resolve_subject(title, source).id == SMOES
    assert (
        server.arrivals[-1].params["search_query"]
        == 'ti:"smoes soft modality guided expert specialization in moe vlms"'
    )
    assert source.find_title("Soft Modality-Guided Expert Specialization") == [], "a partial title is not a match"


def test_sources_built_from_the_same_settings_are_one_object(server: ArxivLoopback) -> None:
    live_arxiv_source.cache_clear()
    assert live_arxiv_source(server.url, 0.05) is live_arxiv_source(server.url, 0.05)


def _dead_url() -> str:
    with socket.socket() as probe:  # bound, then closed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


def test_an_unreachable_api_suggests_the_offline_snapshot() -> None:
    live_arxiv_source.cache_clear()
    context = Context(source_name="arxiv", arxiv_url=_dead_url(), arxiv_retries=1, arxiv_backoff=0.01, arxiv_delay=0.01)
    with pytest.raises(SourceError) as caught:
        resolve_subject(SMOES, context.paper_source())
    message = str(caught.value)
    assert message.startswith(f"arXiv could not be reached for the id {SMOES}: ConnectionError, connection refused")
    assert "(2 tries)" in message
    assert message.endswith(" Offline? Run with --source snapshot (the bundled corpus).")


def test_a_timeout_suggests_the_offline_snapshot_and_an_http_refusal_does_not(server: ArxivLoopback) -> None:
    server.queue, server.hang_seconds = ["hang", "hang"], 1.0
    with pytest.raises(SourceError) as caught:
        source_for(server.url, retries=1, timeout=0.2).search("expert routing", 2)
    assert "ReadTimeout, timed out (2 tries)" in str(caught.value) and str(caught.value).endswith(OFFLINE_HINT)
    server.queue = ["400"]
    with pytest.raises(SourceError) as caught:
        source_for(server.url).search("expert routing", 2)
    assert str(caught.value) == "arXiv refused the query 'expert routing': HTTP 400 (1 try)."


def test_a_long_query_is_cut_in_the_error() -> None:
    query = "expert routing " * 1000
    with pytest.raises(SourceError) as caught:
        source_for(_dead_url(), retries=0).search(query, 2)
    assert f"…' ({len(query)} characters): ConnectionError" in str(caught.value) and len(str(caught.value)) < 400
