"""Live arXiv full text (HTML, else PDF, through the disk cache) against a loopback arxiv.org serving the
real fixtures: what a run gets for each paper, how it was obtained, and why not when it was not."""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sovereign_graph.errors import InputError
from sovereign_graph.sources.arxiv_client import ArxivClient
from sovereign_graph.sources.arxiv_live import LiveArxivSource
from sovereign_graph.sources.fulltext.cache import FullTextCache, cache_key
from sovereign_graph.sources.fulltext.document import Block, Document
from sovereign_graph.sources.fulltext.fetch import NO_HTML_NO_PDF, ArxivFullText, limiter_host, user_agent
from sovereign_graph.sources.rate_limit import shared_limiter
from sovereign_graph.state import Paper
from tests.fulltext_loopback import FullTextLoopback, fulltext_loopback

DELAY = 0.05
HTML_PAPER = Paper(id="2501.11120", title="Tell me about yourself", abstract="LLMs are aware...", version=1)
PDF_PAPER = Paper(id="2501.10120", title="PaSa", abstract="An LLM agent for paper search.", version=1)
STAMPED_PAPER = Paper(id="2304.02623", title="Beyond Summarization", abstract="Expository writing.", version=1)
ABSENT_PAPER = Paper(id="2601.00001", title="Nowhere", abstract="Neither HTML nor PDF.", version=1)


@pytest.fixture
def server() -> Iterator[FullTextLoopback]:
    with fulltext_loopback(hang_seconds=0.6) as s:
        yield s


@pytest.fixture
def cache_root(tmp_path: Path) -> Path:
    return tmp_path / "fulltext"


@pytest.fixture
def reader(server: FullTextLoopback, cache_root: Path) -> Iterator[ArxivFullText]:
    with reader_for(server.url, cache_root) as r:
        yield r


def reader_for(url: str, cache_root: Path, **options: Any) -> ArxivFullText:
    settings: dict[str, Any] = {"delay": DELAY, "timeout": 2.0, "retries": 2, "backoff": 0.01} | options
    return ArxivFullText(url, cache=FullTextCache(cache_root), **settings)


def test_arxiv_html_is_read_when_arxiv_has_it(server: FullTextLoopback, reader: ArxivFullText) -> None:
    got = reader.full_text(HTML_PAPER)
    assert got.document is not None and got.reason is None
    assert got.how == "arXiv HTML"
    assert got.document.origin == "arxiv_html" and got.document.paper_id == "2501.11120"
    assert got.document.version == 1
    anchors = [b.anchor for b in got.document.blocks]
    assert "S1.p1" in anchors and len(anchors) > 100
    assert server.paths() == ["/html/2501.11120v1"]
    assert server.arrivals[0].user_agent.startswith("sovereign-graph/")


def test_without_html_the_pdf_is_read(server: FullTextLoopback, reader: ArxivFullText) -> None:
    got = reader.full_text(PDF_PAPER)
    assert got.document is not None and got.reason is None
    assert got.how == "arXiv PDF (no HTML)"
    assert got.document.origin == "pdf" and got.document.version == 1
    assert any(b.page is not None and b.page > 1 for b in got.document.blocks)
    assert server.paths() == ["/html/2501.10120v1", "/pdf/2501.10120v1"]


def test_a_paper_without_a_version_is_asked_for_by_its_bare_id(server: FullTextLoopback, reader: ArxivFullText) -> None:
    got = reader.full_text(STAMPED_PAPER.model_copy(update={"version": None}))
    assert got.document is not None and got.document.origin == "pdf"
    assert server.paths() == ["/html/2304.02623", "/pdf/2304.02623"]


def test_neither_html_nor_pdf_leaves_the_paper_abstract_only_and_is_not_asked_again(
    server: FullTextLoopback, reader: ArxivFullText
) -> None:
    got = reader.full_text(ABSENT_PAPER)
    assert got.document is None and got.reason == NO_HTML_NO_PDF
    assert server.paths() == ["/html/2601.00001v1", "/pdf/2601.00001v1"]
    again = reader.full_text(ABSENT_PAPER)
    assert again.document is None and again.reason == NO_HTML_NO_PDF and again.how == "cache"
    assert len(server.arrivals) == 2


def test_a_missing_entry_expires(
    server: FullTextLoopback, reader: ArxivFullText, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader.full_text(ABSENT_PAPER)
    monkeypatch.setattr("sovereign_graph.sources.fulltext.cache.MISSING_TTL_SECONDS", -1.0)
    assert reader.full_text(ABSENT_PAPER).reason == NO_HTML_NO_PDF
    assert len(server.arrivals) == 4


def test_rate_limiting_is_retried_after_the_servers_retry_after(
    server: FullTextLoopback, reader: ArxivFullText
) -> None:
    server.script("/html/2501.11120v1", "429")
    got = reader.full_text(HTML_PAPER)
    assert got.document is not None and got.how == "arXiv HTML"
    assert server.paths() == ["/html/2501.11120v1"] * 2
    assert server.gaps()[0] >= 1.0 - 0.05  # Retry-After: 1, not the 0.01 s backoff


def test_an_overloaded_server_is_retried(server: FullTextLoopback, reader: ArxivFullText) -> None:
    server.script("/pdf/2501.10120v1", "503")
    got = reader.full_text(PDF_PAPER)
    assert got.document is not None and got.how == "arXiv PDF (no HTML)"
    assert server.paths() == ["/html/2501.10120v1", "/pdf/2501.10120v1", "/pdf/2501.10120v1"]


def test_a_timeout_is_retried(server: FullTextLoopback, cache_root: Path) -> None:
    server.script("/html/2501.11120v1", "hang")
    with reader_for(server.url, cache_root, timeout=0.2) as reader:
        got = reader.full_text(HTML_PAPER)
    assert got.document is not None and len(server.arrivals) == 2


def test_retries_spent_name_the_failure(server: FullTextLoopback, cache_root: Path) -> None:
    server.script("/html/2501.11120v1", "hang", "hang")
    with reader_for(server.url, cache_root, timeout=0.2, retries=1) as reader:
        got = reader.full_text(HTML_PAPER)
    assert got.document is None and got.reason == "arXiv unreachable (ReadTimeout, 2 tries)"
    server.script("/html/2501.11120v1", "503", "503")
    with reader_for(server.url, cache_root, retries=1) as reader:
        assert reader.full_text(HTML_PAPER).reason == "arXiv refused (HTTP 503, 2 tries)"


def test_a_404_is_an_answer_never_retried(server: FullTextLoopback, reader: ArxivFullText) -> None:
    reader.full_text(ABSENT_PAPER)
    assert len(server.arrivals) == 2  # one HTML request and one PDF request, each answered 404


def test_a_truncated_pdf_leaves_the_paper_abstract_only_and_says_why(
    server: FullTextLoopback, reader: ArxivFullText
) -> None:
    server.script("/pdf/2501.10120v1", "truncated")
    got = reader.full_text(PDF_PAPER)
    assert got.document is None
    assert got.reason == "arXiv PDF: truncated or damaged PDF"


def test_a_downloaded_pdf_is_parsed_under_the_library_limits(
    server: FullTextLoopback, cache_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a library file is: a PDF that makes pdfium allocate without bound costs a worker, not the run.
    monkeypatch.setenv("SOVEREIGN_PDF_MEMORY_MB", "256")
    server.script("/pdf/2501.10120v1", "bomb")
    with reader_for(server.url, cache_root) as reader:
        got = reader.full_text(PDF_PAPER)
        assert got.document is None and got.reason is not None
        assert got.reason.startswith("arXiv PDF: the parser crashed") and "256 MB" in got.reason
        again = reader.full_text(STAMPED_PAPER)  # the next paper is read as ever
    assert again.document is not None and again.document.version == 1 and again.document.paper_id == "2304.02623"


def test_a_download_over_the_cap_is_not_read_whole(
    server: FullTextLoopback, cache_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOVEREIGN_FULLTEXT_MAX_MB", "2")
    server.script("/pdf/2501.10120v1", "huge")
    with reader_for(server.url, cache_root) as reader:
        got = reader.full_text(PDF_PAPER)
    assert got.document is None and got.reason == "arXiv PDF: larger than 2 MB (SOVEREIGN_FULLTEXT_MAX_MB)"
    monkeypatch.setenv("SOVEREIGN_FULLTEXT_MAX_MB", "lots")
    with pytest.raises(InputError, match="SOVEREIGN_FULLTEXT_MAX_MB must be a number of megabytes"):
        reader_for(server.url, cache_root)


def test_an_html_page_on_the_pdf_url_is_not_taken_for_the_paper(
    server: FullTextLoopback, reader: ArxivFullText
) -> None:
    server.script("/pdf/2501.10120v1", "html_as_pdf")
    got = reader.full_text(PDF_PAPER)
    assert got.document is None and got.reason == "arXiv PDF: an HTML page, not a PDF"
    assert reader.cache.get(PDF_PAPER.id, 1) is None and reader.cache.missing(PDF_PAPER.id, 1) is None


def test_an_html_page_that_is_not_the_paper_falls_back_to_the_pdf(
    server: FullTextLoopback, reader: ArxivFullText
) -> None:
    server.script("/html/2501.10120v1", "html_as_pdf")
    got = reader.full_text(PDF_PAPER)
    assert got.document is not None and got.document.origin == "pdf"
    assert got.how.startswith("arXiv PDF (HTML: ") and "LaTeXML" in got.how
    assert reader.cache.get(PDF_PAPER.id, 1) == got.document


def test_a_redirect_is_followed_and_each_hop_waits_its_turn(server: FullTextLoopback, reader: ArxivFullText) -> None:
    server.script("/html/2501.11120v1", "redirect")
    assert reader.full_text(HTML_PAPER).how == "arXiv HTML"
    assert server.paths() == ["/html/2501.11120v1"] * 2
    assert server.gaps()[0] >= DELAY - 0.01


def test_parallel_fetches_are_spaced_by_the_shared_limiter(server: FullTextLoopback, tmp_path: Path) -> None:
    delay = 0.25
    papers = [HTML_PAPER, PDF_PAPER, STAMPED_PAPER, ABSENT_PAPER]
    # Separate readers and caches, one host: they still share one limiter, as the graph's branches do.
    readers = [reader_for(server.url, tmp_path / f"cache{i}", delay=delay) for i in range(len(papers))]
    results: dict[str, str | None] = {}
    threads = [
        threading.Thread(target=lambda r=r, p=p: results.__setitem__(p.id, r.full_text(p).how))
        for r, p in zip(readers, papers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for r in readers:
        r.close()
    assert results[HTML_PAPER.id] == "arXiv HTML" and results[PDF_PAPER.id] == "arXiv PDF (no HTML)"
    assert len(server.arrivals) == 7
    assert min(server.gaps()) >= delay - 0.01


def test_full_text_and_the_api_take_turns_on_one_limiter(tmp_path: Path) -> None:
    delay = 0.2
    with fulltext_loopback(api=True) as server, reader_for(server.url, tmp_path / "c", delay=delay) as reader:
        assert server.api is not None
        api = ArxivClient(query_url=server.api.url, limiter=shared_limiter(limiter_host(server.url), delay))
        source = LiveArxivSource(api)
        found: list[object] = []
        searching = threading.Thread(target=lambda: found.extend(source.search("expert routing", 3)))
        searching.start()
        got = reader.full_text(PDF_PAPER)
        searching.join()
        assert got.document is not None and len(found) == 3
        assert len(server.api.arrivals) == 1 and len(server.arrivals) == 2
        assert min(server.gaps()) >= delay - 0.01


def test_a_second_fetch_with_arxiv_gone_is_served_from_the_cache(cache_root: Path) -> None:
    with fulltext_loopback() as server, reader_for(server.url, cache_root) as reader:
        first = reader.full_text(PDF_PAPER)
        url = server.url
    assert first.document is not None
    # A new process's cache on the same directory, and nothing listening any more.
    with reader_for(url, cache_root) as later:
        again = later.full_text(PDF_PAPER)
        assert again.how == "cache (arXiv PDF)" and again.document == first.document
        unreachable = later.full_text(HTML_PAPER)
    assert unreachable.document is None and unreachable.reason == "arXiv unreachable (ConnectError, 3 tries)"


def test_limiter_host_counts_arxiv_org_with_the_api() -> None:
    assert limiter_host("https://arxiv.org") == limiter_host("https://export.arxiv.org/api/query")
    assert limiter_host("http://127.0.0.1:8080") == "127.0.0.1:8080"


def test_user_agent_names_the_package_and_its_version() -> None:
    from importlib.metadata import version

    assert user_agent("").startswith(f"sovereign-graph/{version('sovereign-graph')}")
    assert user_agent("me@example.org").endswith("mailto:me@example.org)")


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A read-only mount (root ignores permission bits, not a read-only file system)."""
    target = tmp_path / "ro"
    target.mkdir()
    if os.geteuid() != 0:
        target.chmod(0o555)
        yield target
        target.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(target)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_a_read_only_cache_does_not_fail_the_fetch(
    server: FullTextLoopback, read_only_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), reader_for(server.url, read_only_dir / "fulltext") as reader:
        assert reader.full_text(HTML_PAPER).how == "arXiv HTML"
        assert reader.full_text(PDF_PAPER).how == "arXiv PDF (no HTML)"
    warnings = [r for r in caplog.records if "cannot be written" in r.getMessage()]
    assert len(warnings) == 1
    assert FullTextCache(read_only_dir / "fulltext").entries() == []


def _document(paper_id: str, words: int, version: int | None = 1) -> Document:
    # Distinct words, so gzip cannot shrink documents of different lengths to the same size.
    text = " ".join(f"{paper_id}-{i}" for i in range(words))
    return Document(paper_id=paper_id, version=version, origin="pdf", blocks=[Block(text=text, anchor="p1.b0")])


def test_the_cache_survives_a_new_instance(cache_root: Path) -> None:
    document = _document("2501.00001", 50)
    FullTextCache(cache_root).put(document)
    assert FullTextCache(cache_root).get("2501.00001", 1) == document
    assert FullTextCache(cache_root).get("2501.00001", 2) is None
    assert FullTextCache(cache_root).get("2501.00001", None) is None


def test_a_document_from_an_older_parser_is_a_miss(cache_root: Path) -> None:
    cache = FullTextCache(cache_root)
    cache.put(_document("2501.00001", 10).model_copy(update={"parser_version": 0}))
    assert cache.get("2501.00001", 1) is None


def test_over_the_cap_the_least_recently_used_entries_go(cache_root: Path) -> None:
    cache = FullTextCache(cache_root, max_bytes=10**9)
    for n in range(3):
        cache.put(_document(f"2501.0000{n}", 2000))
        os.utime(cache.path(cache_key(f"2501.0000{n}", 1)), (1000 + n, 1000 + n))  # a clear order of use
    assert cache.get("2501.00000", 1) is not None  # used now: the most recent
    sizes = [e.bytes for e in cache.entries()]
    cache.max_bytes = sum(sizes) + min(sizes) - 1  # room for these three and a small one, not a bigger one
    cache.put(_document("2501.00003", 3000))
    assert sorted(e.key for e in cache.entries()) == ["2501.00000v1", "2501.00002v1", "2501.00003v1"]
    assert sum(e.bytes for e in cache.entries()) <= cache.max_bytes


def test_a_document_bigger_than_the_whole_cap_is_not_cached(cache_root: Path) -> None:
    cache = FullTextCache(cache_root, max_bytes=100)
    cache.put(_document("2501.00001", 2000))
    assert cache.entries() == []


def test_the_cap_comes_from_the_environment(cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOVEREIGN_FULLTEXT_CACHE_MB", "2")
    assert FullTextCache(cache_root).max_bytes == 2 * 1024 * 1024
    monkeypatch.setenv("SOVEREIGN_FULLTEXT_CACHE_MB", "lots")
    with pytest.raises(InputError, match="SOVEREIGN_FULLTEXT_CACHE_MB"):
        FullTextCache(cache_root)


def test_clear_empties_the_cache_and_counts_what_it_freed(cache_root: Path) -> None:
    cache = FullTextCache(cache_root)
    cache.put(_document("2501.00001", 100))
    cache.put(_document("hep-th/9901001", 100, version=2))
    cache.put_missing("2601.00001", 1, NO_HTML_NO_PDF)
    entries = cache.entries()
    assert {(e.key, e.origin) for e in entries} == {
        ("2501.00001v1", "pdf"),
        ("hep-th/9901001v2", "pdf"),
        ("2601.00001v1", "missing"),
    }
    assert cache.clear() == (3, sum(e.bytes for e in entries))
    assert cache.entries() == [] and cache.get("2501.00001", 1) is None and list(cache_root.iterdir()) == []
    assert FullTextCache(cache_root / "never-made").clear() == (0, 0)


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "/etc/passwd", "2501.00001/../../x", "..", "", "2501.1 2"])
def test_an_id_cannot_name_a_path_outside_the_cache(
    bad_id: str, server: FullTextLoopback, reader: ArxivFullText, cache_root: Path
) -> None:
    with pytest.raises(InputError):
        cache_key(bad_id, None)
    with pytest.raises(InputError):
        FullTextCache(cache_root).put(_document(bad_id, 5, version=None))
    got = reader.full_text(Paper(id=bad_id, title="t", abstract="a"))
    assert got.document is None and got.reason == "not an arXiv id"
    assert server.arrivals == [] and not cache_root.exists()


def test_an_old_style_id_is_one_file_inside_the_cache(cache_root: Path) -> None:
    cache = FullTextCache(cache_root)
    cache.put(_document("hep-th/9901001", 5, version=2))
    assert [p.name for p in cache_root.iterdir()] == ["hep-th_9901001v2.json.gz"]
    assert cache.get("hep-th/9901001", 2) is not None
