"""What a desk page may link to, and the tribunal chart's geometry."""

from __future__ import annotations

import pytest

from sovereign_graph.desk.chart import tribunal_chart
from sovereign_graph.desk.links import passage_link, safe_url
from sovereign_graph.desk.security import Guard, host_of, is_loopback
from sovereign_graph.state import Claim, Review


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "//evil.example/x",
        "/relative",
        "http://",
        "https://arxiv.org/abs/1 2",
        "",
        None,
    ],
)
def test_only_absolute_http_urls_become_links(url: str | None) -> None:
    assert safe_url(url) is None


def test_http_and_https_urls_are_kept() -> None:
    assert safe_url("https://arxiv.org/abs/2604.23996") == "https://arxiv.org/abs/2604.23996"
    assert safe_url("http://example.org/a?b=1#c") == "http://example.org/a?b=1#c"


def claim(passage_id: str, place: str, paper_id: str = "2501.10120") -> Claim:
    return Claim(id="C1", text="t", quote="t", paper_id=paper_id, passage_id=passage_id, place=place)


def test_a_claim_links_to_the_block_of_its_quote() -> None:
    url = "https://arxiv.org/abs/2501.10120"
    html_block = claim("2501.10120#S4.SS2.p3.s1", "arXiv:2501.10120v1 §4.2 Crawler")
    assert passage_link(html_block, url) == "https://arxiv.org/html/2501.10120v1#S4.SS2.p3"
    repeated = claim("2501.10120#S3.p1-2.s0", "arXiv:2501.10120v2 §3")
    assert passage_link(repeated, url) == "https://arxiv.org/html/2501.10120v2#S3.p1"
    caption = claim("2501.10120#S4.T2.caption.s0", "arXiv:2501.10120v1 §4 Table 2")
    assert passage_link(caption, url) == "https://arxiv.org/html/2501.10120v1#S4.T2"
    pdf_block = claim("2501.10120#p6.b3.s2", "arXiv:2501.10120v1 §4.2 Crawler, p. 6")
    assert passage_link(pdf_block, url) == "https://arxiv.org/pdf/2501.10120v1#page=6"
    abstract = claim("2501.10120#4", "")
    assert passage_link(abstract, url) == url
    assert passage_link(abstract, "javascript:alert(1)") is None


def test_a_library_file_has_no_link() -> None:
    local = claim("lab-pasa#p2.b1.s0", "pasa.pdf §2, p. 2", paper_id="lab-pasa")
    assert passage_link(local, None) is None


def review(role: str, round_number: int, score: float) -> Review:
    return Review(role=role, round=round_number, score=score, rationale="r")  # type: ignore[arg-type]


def test_the_chart_has_a_bar_per_review_a_mean_per_round_and_the_threshold() -> None:
    reviews = [
        review("SKEPTIC", 0, 2.0),
        review("VALIDATOR", 0, 6.0),
        review("SYNTHESIZER", 0, 4.0),
        review("SKEPTIC", 1, 8.0),
        review("VALIDATOR", 1, 10.0),
        review("SYNTHESIZER", 1, 9.0),
    ]
    chart = tribunal_chart(reviews, 6.5)
    assert chart is not None
    assert [g.label for g in chart.groups] == ["round 0", "round 1"]
    assert [g.mean for g in chart.groups] == [4.0, 9.0]
    first = chart.groups[0].bars
    assert [b.label for b in first] == [
        "round 0 · SKEPTIC 2.0/10",
        "round 0 · VALIDATOR 6.0/10",
        "round 0 · SYNTHESIZER 4.0/10",
    ]
    # Heights are proportional to the scores, bars stand on the same baseline.
    assert first[1].height == pytest.approx(3 * first[0].height)
    assert {round(b.y + b.height, 1) for g in chart.groups for b in g.bars} == {chart.plot_bottom}
    full = chart.groups[1].bars[1]
    assert full.y == chart.plot_top  # 10/10 reaches the top
    assert chart.plot_top < chart.threshold_y < chart.plot_bottom
    assert chart.threshold_y == pytest.approx(chart.plot_bottom - 6.5 / 10 * (chart.plot_bottom - chart.plot_top))
    assert tribunal_chart([], 6.5) is None


def test_loopback_hosts_and_host_headers() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.0.2.1", "::", "example.org", ""))
    assert host_of("localhost:8765") == "localhost" and host_of("[::1]:8765") == "::1" and host_of("a.b") == "a.b"


def test_a_csrf_token_is_bound_to_its_thread_its_pause_and_this_server() -> None:
    guard = Guard()
    token = guard.csrf_for("moe", "pause-1")
    assert guard.csrf_ok("moe", "pause-1", token)
    assert not guard.csrf_ok("silent", "pause-1", token)
    assert not guard.csrf_ok("moe", "pause-2", token)
    assert not Guard().csrf_ok("moe", "pause-1", token)  # another server (a restart) signs differently
    assert not guard.csrf_ok("moe", "pause-1", "é" * 64)  # non-ASCII input is refused, not an error
    assert Guard(token=None).token_ok("") and not Guard(token="abcdefgh").token_ok("abcdefgx")


def test_a_thread_with_no_report_yet_is_a_page_that_says_where_it_stands() -> None:
    from sovereign_graph.desk.pages import ThreadPage, render_thread

    page = render_thread(
        ThreadPage(thread_id="t1", status="stopped before extract", question="Why <b>this</b>?", report=None)
    )
    assert "This thread has no report yet" in page and "Why &lt;b&gt;this&lt;/b&gt;?" in page
    assert "continue it with <code>sovereign resume t1</code>" in page
    assert 'id="decision-form"' not in page and "refresh" not in page
