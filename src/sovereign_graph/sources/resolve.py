"""Resolving the subject paper: never analyse the wrong paper."""

from __future__ import annotations

import shlex
from difflib import SequenceMatcher
from pathlib import Path

from sovereign_graph.errors import InputError, PaperNotFoundError, require_text, shown, shown_path
from sovereign_graph.printable import strip_controls
from sovereign_graph.sources.base import PaperSource, describe_source, is_live
from sovereign_graph.sources.fulltext.library import FileFinder, is_library_file, is_local_id
from sovereign_graph.sources.ids import looks_like_arxiv_id, parse_arxiv_id, require_arxiv_id
from sovereign_graph.state import Paper
from sovereign_graph.text.prose import content_words, normalise_title

MAX_CANDIDATES = 5


# A title this close to exactly one paper's (difflib ratio on normalised titles) is that paper; two within
# the margin of each other are ambiguous. Tuned so British/American spellings and a dropped or doubled
# letter still match, while sibling papers ("MoDES" vs "SMoES") do not.
TITLE_MATCH = 0.9
TITLE_MARGIN = 0.04
LIVE_HINT = "Live mode (--source arxiv) can fetch papers outside the offline corpus."


def resolve_subject(reference: str, source: PaperSource) -> Paper:
    """The paper named by an arXiv id/URL, its title (any case, punctuation, spacing, small typos), a library
    paper's local id, or the path of a PDF/HTML file a corpus was built from.

    An unknown or ambiguous paper is an error listing the closest candidates; another paper is never
    substituted.
    """
    as_path = Path(reference.strip())
    if is_library_file(as_path):
        # `2501.10120v1.pdf` is that file in a corpus that has files and the file exists, else the id.
        named_id = parse_arxiv_id(reference) is not None
        if not named_id or (isinstance(source, FileFinder) and _is_file(as_path)):
            # A file is found by its content, so a renamed or moved copy is still its paper.
            return _paper_for_file(as_path, source)
    reference = " ".join(strip_controls(reference).split())
    if not reference:
        raise InputError("the subject paper is empty: give an arXiv id (e.g. 2604.23996) or its exact title.")
    if is_local_id(reference):
        if not isinstance(source, FileFinder):  # never sent to arXiv: only a built corpus has local ids
            raise PaperNotFoundError(f"{reference} names a paper of a corpus built from PDF/HTML files: use --corpus.")
        paper = source.get(reference)
        if paper is None:
            raise PaperNotFoundError(f"{reference} is not in the {describe_source(source)}.")
        return paper
    paper_id = parse_arxiv_id(reference)
    if paper_id is None and looks_like_arxiv_id(reference):
        require_arxiv_id(reference)
    if paper_id is not None:
        paper = source.get(paper_id)
        if paper is None:
            raise PaperNotFoundError(f"arXiv:{paper_id} is not in the {describe_source(source)}.{_hint(source)}")
        return paper
    exact = source.find_title(reference)
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise PaperNotFoundError(
            f"the title {shown(reference)} matches several papers; give the arXiv id.", [(p.id, p.title) for p in exact]
        )
    return _fuzzy_title(reference, source)


def _fuzzy_title(reference: str, source: PaperSource) -> Paper:
    wanted = normalise_title(reference)
    scored = sorted(
        ((SequenceMatcher(None, wanted, normalise_title(p.title)).ratio(), p) for p, _ in source.search(reference, 20)),
        key=lambda pair: -pair[0],
    )
    candidates = [(p.id, p.title) for _, p in scored[:MAX_CANDIDATES]]
    if scored and scored[0][0] >= TITLE_MATCH:
        rivals = [p for ratio, p in scored[1:] if ratio >= scored[0][0] - TITLE_MARGIN]
        if not rivals:
            return scored[0][1]
        raise PaperNotFoundError(
            f"the title {shown(reference)} is close to several papers; give the arXiv id.", candidates
        )
    message = f"no paper titled {shown(reference)} in the {describe_source(source)}.{_hint(source)}"
    raise PaperNotFoundError(message, candidates)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system is no file
        return False


def _paper_for_file(path: Path, source: PaperSource) -> Paper:
    """The corpus paper whose library file has the same content as `path` (a built corpus keeps every file's
    sha256); any other source has no files."""
    if not _is_file(path):
        raise InputError(f"no file at {shown_path(path)}.")
    quoted = shlex.quote(str(path))
    if not isinstance(source, FileFinder):
        raise InputError(
            f"{shown_path(path)}: a PDF or HTML file is analysed from a corpus built from it: "
            f"{shown_path(f'sovereign corpus build {quoted} --name NAME')}, then run --corpus NAME --paper FILE."
        )
    try:
        paper = source.paper_for_file(path)
    except OSError as error:
        raise InputError(f"cannot read {shown_path(path)} ({error.strerror or type(error).__name__}).") from None
    if paper is None:
        # A rebuild replaces the corpus: the command keeps what it was built from and adds the file.
        command = ["sovereign corpus build", *map(shlex.quote, source.sources), quoted, "--name", source.corpus_name]
        raise PaperNotFoundError(
            f"{shown_path(path)} is not in corpus {shown(source.corpus_name)}; add it with: "
            + shown_path(" ".join(command))
        )
    return paper


def _hint(source: PaperSource) -> str:
    return "" if is_live(source) else f" {LIVE_HINT}"


# A research question is a sentence or a short paragraph. The cap keeps a pasted document (or a runaway
# file) from being searched for, written into every checkpoint, and, in live mode, sent to every model role.
MAX_QUESTION_CHARS = 2000
# Latin letters (Basic Latin to Latin Extended-B): a question mostly written in another script cannot be read by
# the offline engines, whose tokeniser, stop words and stems are English, nor matched against arXiv's English.
_LATIN_END = "\u0250"
LANGUAGES = "the offline engines read English only (their words, stop words and stems are English); ask in English"


def require_question(question: str) -> str:
    """The question on one line, as the user saw it: a pasted newline or tab is a space, and a terminal's
    escape sequences (colours a copy from a terminal carries) and other control characters are dropped.

    Refused, each with one line saying why: bytes that are not text, an empty or over-long question, one in
    a script the engines cannot read, one too short to search for, and one with nothing but stop words."""
    require_text(question, "the research question")
    question = " ".join(strip_controls(question).split())
    if not question:
        raise InputError("the research question is empty.")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(
            f"the research question is {len(question)} characters; at most {MAX_QUESTION_CHARS} are read: "
            "ask one question, not a document."
        )
    letters = [char for char in question if char.isalpha()]
    if 2 * sum(char < _LATIN_END for char in letters) < len(letters):
        raise InputError(f"the research question {shown(question)} is not in English: {LANGUAGES}.")
    if len(question) < 10 or len(question.split()) < 3:
        raise InputError(f"the research question {shown(question)} is too short to search for (3 words at least).")
    if not content_words(question):
        raise InputError(
            f"the question has no content words: {shown(question)}; name what to look for (a method, a measure)."
        )
    return question
