"""arXiv identifiers in the forms researchers paste them."""

from __future__ import annotations

import re

from sovereign_graph.errors import InputError, shown

_NEW_STYLE = r"\d{4}\.\d{4,5}"
_OLD_STYLE = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_ID = re.compile(
    rf"^(?:arxiv:\s*)?(?:https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)?"
    rf"(?P<id>{_NEW_STYLE}|{_OLD_STYLE})(?:v\d+)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)
# Anything that starts like an id but does not parse is a typo in an id, not a title.
_LOOKS_LIKE_ID = re.compile(r"^(?:arxiv:|https?://|\d{3,}[.\d]*v?\d*$)", re.IGNORECASE)


def parse_arxiv_id(text: str) -> str | None:
    """The bare id (no version) if `text` is an arXiv id, URL or `arXiv:` reference, else None."""
    match = _ID.match(text.strip())
    return match.group("id") if match else None


def looks_like_arxiv_id(text: str) -> bool:
    return bool(_LOOKS_LIKE_ID.match(text.strip()))


def require_arxiv_id(text: str) -> str:
    parsed = parse_arxiv_id(text)
    if parsed is None:
        raise InputError(
            f"{shown(text)} is not a valid arXiv id (expected e.g. 2604.23996, arXiv:2604.23996v2, "
            "https://arxiv.org/abs/2604.23996 or hep-th/9901001)."
        )
    return parsed


def reference(paper_id: str) -> str:
    """How a report cites a paper: 'arXiv:2604.23996', or a local library id as it is."""
    return f"arXiv:{paper_id}" if parse_arxiv_id(paper_id) == paper_id else paper_id
