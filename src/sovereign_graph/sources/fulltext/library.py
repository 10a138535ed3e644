"""A user's library of papers as files: PDFs and saved arXiv HTML pages, read into (Paper, Document) pairs.

`corpus build` takes such files, or directories of them, beside JSONL records. Each file is read whole,
hashed (sha256) and parsed; one that cannot be read (corrupt, truncated, encrypted, empty, scanned, an HTML
error page saved as `.pdf`) is listed with its reason and skipped, never fatal.

A paper's id is the bare arXiv id when the document carries one (arXiv's stamp in a PDF, the `<base href>` of
an arXiv HTML page); otherwise `local-` and the first 12 hex digits of the file's sha256
(`local-145c91b72086`): the same bytes give the same id on every machine and every rebuild, and a copy of
the file under another name is recognised as the same paper. The file's sha256 is what `--paper FILE`
looks up in a built corpus, so a file is found by its content, never by its name.

Nothing here writes anywhere; file names are only ever read and shown.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from sovereign_graph.sources.fulltext.document import Document, UnreadableDocument
from sovereign_graph.sources.fulltext.isolation import Outcome, Parsed, ParseLimits, parse_files
from sovereign_graph.sources.ids import parse_arxiv_id
from sovereign_graph.state import Paper

log = logging.getLogger(__name__)

LIBRARY_SUFFIXES = {".pdf": "pdf", ".html": "html", ".htm": "html"}
LOCAL_PREFIX = "local-"
# For code that finds ids in text (a report's number check must not read `local-145c91b72086` as "145").
LOCAL_ID_PATTERN = r"local-[0-9a-f]{12}"
LOCAL_ID = re.compile(rf"^{LOCAL_ID_PATTERN}$")
# The fallback abstract of a document without one: its first paragraphs, whole, up to about this long.
FALLBACK_ABSTRACT_CHARS = 1200
_VERSION = re.compile(r"v(\d+)$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BadFile:
    path: Path
    reason: str  # as the build's summary says it: "encrypted (needs a password)"


@dataclass(frozen=True)
class RepairedFile:
    path: Path
    replaced: int  # characters that could not be decoded, now U+FFFD


@dataclass(frozen=True)
class DuplicateFile:
    path: Path
    paper_id: str
    first: Path  # the earlier file of the same paper: the one kept


@dataclass(frozen=True)
class MisattributedFile:
    """A file that carries a corpus record's arXiv id (a PDF's stamp, an HTML page's base href) but not its title:
    a forged or mistaken stamp. It is not attached to the record."""

    path: Path
    paper_id: str
    record_title: str
    document_title: str


@dataclass(frozen=True)
class LibraryEntry:
    paper: Paper
    document: Document
    path: Path
    sha256: str
    duplicate_of: Path | None = None  # an earlier file of this read had the same id (kept: that one)


@dataclass
class LibraryReport:
    files: int = 0  # library files found
    documents: int = 0  # read, first of their id
    duplicates: list[DuplicateFile] = field(default_factory=list)
    bad: list[BadFile] = field(default_factory=list)
    repaired: list[RepairedFile] = field(default_factory=list)  # read, with characters replaced
    misattributed: list[MisattributedFile] = field(default_factory=list)  # a record's arXiv id, not its title


@runtime_checkable
class FileFinder(Protocol):
    """A source that knows the library files it was built from, by content: a built corpus."""

    corpus_name: str
    sources: list[str]  # what it was built from, as a rebuild would be given them

    def paper_for_file(self, path: Path) -> Paper | None: ...


def is_library_file(path: Path) -> bool:
    return path.suffix.lower() in LIBRARY_SUFFIXES


def is_library_input(path: Path) -> bool:
    """A directory (of PDFs/HTML) or a PDF/HTML file; anything else is read as JSONL records."""
    return path.is_dir() or is_library_file(path)


def local_id(sha256: str) -> str:
    return LOCAL_PREFIX + sha256[:12]


def is_local_id(text: str) -> bool:
    return bool(LOCAL_ID.match(text))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def library_files(paths: Iterable[Path], unreadable: list[BadFile] | None = None) -> list[Path]:
    """The given files, and every *.pdf / *.html / *.htm under the given directories (sorted, recursively).

    In a directory, hidden entries (`.git`, macOS's `._paper.pdf`) are skipped and symlinked directories are
    not entered (no loops, no walking out of the library); a symlinked file is read like the file itself. A
    directory that cannot be listed goes to `unreadable`, so its papers are not missed in silence.
    """
    found: list[Path] = []

    def cannot_list(error: OSError) -> None:
        if unreadable is not None:
            where = Path(error.filename) if error.filename else Path()
            unreadable.append(BadFile(where, f"cannot list the directory ({error.strerror or type(error).__name__})"))

    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        for directory, subdirectories, files in os.walk(path, onerror=cannot_list):  # followlinks=False
            subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
            found.extend(
                Path(directory, name)
                for name in sorted(files)
                if not name.startswith(".") and is_library_file(Path(name))
            )
    return found


def _parse(data: bytes, path: Path, max_characters: int | None) -> Document:
    # The parsers load bs4/lxml and pdfium: only when a build has library files.
    if LIBRARY_SUFFIXES[path.suffix.lower()] == "pdf":
        from sovereign_graph.sources.fulltext.pdf import parse_pdf

        return parse_pdf(data, name=path.name, max_characters=max_characters)
    from sovereign_graph.sources.fulltext.html import parse_arxiv_html

    document = parse_arxiv_html(data)
    if max_characters is not None and sum(len(block.text) for block in document.blocks) > max_characters:
        raise UnreadableDocument(f"over the limit of {max_characters:,} characters of text")
    return document


def _fallback_abstract(document: Document) -> str:
    parts: list[str] = []
    for block in document.blocks:
        if block.kind != "paragraph" or not block.text.strip():
            continue
        parts.append(block.text.strip())
        if sum(len(p) for p in parts) >= FALLBACK_ABSTRACT_CHARS:
            break
    return " ".join(parts)


def _identity(document: Document, sha256: str) -> tuple[str, int | None]:
    """(paper id, arXiv version): the arXiv id the document carries, else the local id of its bytes."""
    arxiv_id = parse_arxiv_id(document.arxiv_id) if document.arxiv_id else None
    if arxiv_id is None:
        return local_id(sha256), None
    found = _VERSION.search(document.arxiv_id or "")
    return arxiv_id, int(found.group(1)) if found else document.version


def read_document(path: Path, data: bytes, sha256: str, max_characters: int | None = None) -> tuple[Paper, Document]:
    """The paper and its document from one file's bytes; UnreadableDocument if it holds no readable paper
    (or more than `max_characters` of text)."""
    document = _parse(data, path, max_characters)
    abstract = " ".join(document.abstract.split()) or _fallback_abstract(document)
    if not abstract and not document.blocks:
        raise UnreadableDocument("no text found (scanned?)")
    paper_id, version = _identity(document, sha256)
    document = document.model_copy(update={"paper_id": paper_id, "version": version})
    paper = Paper(
        id=paper_id,
        title=" ".join(document.title.split()) or path.stem,
        abstract=abstract,
        authors=[a for a in (" ".join(a.split()) for a in document.authors) if a],
        version=version,
    )
    return paper, document


def unreadable_reason(error: BaseException) -> str:
    if isinstance(error, UnreadableDocument):
        return error.reason
    if isinstance(error, OSError):
        return f"cannot read it ({error.strerror or type(error).__name__})"
    return f"could not be parsed ({type(error).__name__}: {error})"


def parse_file(path: Path, limits: ParseLimits) -> Outcome:
    """One file read and parsed in this process (a worker's, see `isolation.py`); every failure is a reason,
    never an exception."""
    try:
        if not path.is_file():  # a FIFO or a device would block or never end
            raise UnreadableDocument("not a regular file")
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        paper, document = read_document(path, data, sha256, limits.characters)
    except MemoryError:
        return f"over the memory limit ({limits.memory_mb:,} MB)"
    except Exception as error:  # one bad file, whatever the parser raised, is reported, not fatal
        log.debug("unreadable library file %s", path, exc_info=True)
        return unreadable_reason(error)
    return Parsed(paper, document, sha256)


def parse_downloaded_pdf(data: bytes, paper_id: str, limits: ParseLimits) -> Document | str:
    """A PDF fetched for `paper_id`, parsed as a library file is (in a worker, under `limits`), or the reason it
    is not read. The document is `paper_id`'s; the stamp's version only if the stamp names that paper."""
    with tempfile.TemporaryDirectory(prefix="sovereign-pdf-") as directory:
        path = Path(directory) / "downloaded.pdf"
        path.write_bytes(data)
        ((_, outcome),) = list(parse_files([path], limits, parse_file))
    if not isinstance(outcome, Parsed):
        return outcome
    document = outcome.document
    version = document.version if document.paper_id == paper_id else None
    return document.model_copy(update={"paper_id": paper_id, "version": version})


def read_library(
    paths: Iterable[Path],
    report: LibraryReport,
    on_file: Callable[[Path], None] | None = None,
    limits: ParseLimits | None = None,
) -> Iterator[LibraryEntry]:
    """Every readable file under `paths`, in order; a later file with an id already read comes with
    `duplicate_of` set (its hash still names the paper). Each file is parsed in a worker process under
    `limits` (by default `ParseLimits.from_env()`, see `isolation.py`); bad files go to `report.bad`, with
    the reason, and one file never raises or stops the others (Ctrl-C does). `on_file` is called after each
    file (for a progress bar)."""
    seen: dict[str, Path] = {}
    for path, outcome in parse_files(paths, limits or ParseLimits.from_env(), parse_file):
        report.files += 1
        try:
            if not isinstance(outcome, Parsed):
                report.bad.append(BadFile(path, outcome))
                continue
            paper, document = outcome.paper, outcome.document
            if document.replaced_characters:
                report.repaired.append(RepairedFile(path, document.replaced_characters))
            first = seen.setdefault(paper.id, path)
            if first is path:
                report.documents += 1
            else:
                report.duplicates.append(DuplicateFile(path, paper.id, first))
            yield LibraryEntry(paper, document, path, outcome.sha256, None if first is path else first)
        finally:
            if on_file is not None:
                on_file(path)


# Of a record title's words, the share a document's first page must hold to be that record's paper. Real copies hold
# nearly all (a word split by a line break or a ligature may be lost); another paper holds a few common ones.
TITLE_WORDS_FOUND = 0.6
_FIRST_PAGE_BLOCKS = 15


def _title_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", text).lower()) if len(w) > 2}


def not_titled(title: str, document: Document) -> bool:
    """True when `document` says it is arXiv's paper (a stamp, a base href) but its first page lacks most words of
    `title`, the title the corpus knows that paper by. A document without an arXiv id of its own is never
    checked: it was named by the caller, not by itself."""
    if not document.arxiv_id:
        return False
    wanted = _title_words(title)
    if len(wanted) < 2:
        return False
    first_page = [document.title, document.abstract, *(b.text for b in document.blocks[:_FIRST_PAGE_BLOCKS])]
    return len(wanted & _title_words(" ".join(first_page))) / len(wanted) < TITLE_WORDS_FOUND
