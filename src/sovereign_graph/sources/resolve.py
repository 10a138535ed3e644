"""Resolving the subject paper: never analyse the wrong paper."""

from __future__ import annotations

from sovereign_graph.errors import InputError, PaperNotFoundError
from sovereign_graph.sources.base import PaperSource
from sovereign_graph.sources.ids import looks_like_arxiv_id, parse_arxiv_id, require_arxiv_id
from sovereign_graph.state import Paper

MAX_CANDIDATES = 5


def resolve_subject(reference: str, source: PaperSource) -> Paper:
    """The paper named by an arXiv id/URL or its exact title (case, punctuation and spacing aside).

    An unknown paper is an error listing the closest candidates; another paper is never substituted.
    """
    reference = reference.strip()
    if not reference:
        raise InputError("the subject paper is empty: give an arXiv id (e.g. 2604.23996) or its exact title.")
    paper_id = parse_arxiv_id(reference)
    if paper_id is None and looks_like_arxiv_id(reference):
        require_arxiv_id(reference)
    if paper_id is not None:
        paper = source.get(paper_id)
        if paper is None:
            raise PaperNotFoundError(
                f"arXiv:{paper_id} is not in the {source.name} ({len(source)} papers); "
                "check the id, or search a larger corpus."
            )
        return paper
    matches = source.find_title(reference)
    if len(matches) == 1:
        return matches[0]
    candidates = [(p.id, p.title) for p, _ in source.search(reference, MAX_CANDIDATES)]
    if len(matches) > 1:
        raise PaperNotFoundError(
            f"the title '{reference}' matches several papers; give the arXiv id.",
            [(p.id, p.title) for p in matches],
        )
    raise PaperNotFoundError(f"no paper titled '{reference}' in the {source.name}; give its arXiv id.", candidates)


def require_question(question: str) -> str:
    question = " ".join(question.split())
    if not question:
        raise InputError("the research question is empty.")
    if len(question) < 10 or len(question.split()) < 3:
        raise InputError(f"the research question '{question}' is too short to search for (3 words at least).")
    return question
