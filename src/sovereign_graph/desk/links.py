"""The links a page may carry: only http(s) URLs (a corpus record's `javascript:` URL is text, never a link),
and for a claim, the passage its quote stands in where the source can open it (arXiv HTML anchors, PDF pages)."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from sovereign_graph.sources.ids import parse_arxiv_id
from sovereign_graph.state import Claim

SAFE_SCHEMES = frozenset({"http", "https"})
PDF_ANCHOR = re.compile(r"^p(\d+)\.b\d+$")  # a PDF block: page 6, block 3
SENTENCE_SUFFIX = re.compile(r"\.s\d+$")  # passages.py: `<anchor>.s<k>`
UNIQUE_SUFFIX = re.compile(r"-\d+$")  # html.py: a repeated LaTeXML id made unique
ARXIV_DOCUMENT = re.compile(r"^arXiv:(\S+)")


def safe_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL with a host; None for anything a browser might run or resolve."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc or any(c in url for c in "\x00\r\n\t "):
        return None
    return url


def passage_link(claim: Claim, paper_url: str | None) -> str | None:
    """Where a reader opens the passage of the claim's quote: the arXiv HTML block, the PDF page, or the paper's
    own page for an abstract sentence; None for a local library file."""
    _, _, anchor = claim.passage_id.partition("#")
    document = ARXIV_DOCUMENT.match(claim.place)
    if not anchor or anchor.isdigit() or document is None:
        return safe_url(paper_url) if parse_arxiv_id(claim.paper_id) == claim.paper_id else None
    versioned = document.group(1)
    if parse_arxiv_id(versioned) is None:
        return None
    block = UNIQUE_SUFFIX.sub("", SENTENCE_SUFFIX.sub("", anchor))
    page = PDF_ANCHOR.match(block)
    if page is not None:
        return f"https://arxiv.org/pdf/{quote(versioned)}#page={page.group(1)}"
    return f"https://arxiv.org/html/{quote(versioned)}#{quote(block.removesuffix('.caption'))}"
