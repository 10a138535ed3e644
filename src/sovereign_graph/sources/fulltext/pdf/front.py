"""The paper's front matter: its title (the metadata's when sensible, else the first page's largest text), its
authors (the metadata's, else the lines between title and affiliations) and its abstract, and which lines of
the stream these take, so they do not come out again as body blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sovereign_graph.sources.fulltext.pdf.headings import _FRONT_MATTER_HEADING, _Marks
from sovereign_graph.sources.fulltext.pdf.layout import _Layout
from sovereign_graph.sources.fulltext.pdf.reading import _Line
from sovereign_graph.sources.fulltext.pdf.text import _SPACES

_ABSTRACT = re.compile(r"^(?:abstract|summary)\s*[.:—–-]?\s*(?P<rest>.*)$", re.I)
_AFFILIATION = re.compile(
    r"@|https?:|www\.|universit|institut|college|laborator|\blab\b|department|\bdept\b|school|research\b|\binc\b|"
    r"\bltd\b|corporation|cent(?:er|re)\b|academy|hospital|faculty|\bemail\b|e-mail",
    re.I,
)


@dataclass(slots=True)
class _Front:
    candidates: list[int]  # page-1 lines before the abstract (or first section): title, authors, affiliations
    title_lines: list[int]
    abstract: list[_Line]
    excluded: set[int]  # stream indices that are no body block: front matter and abstract


def _front_matter(stream: list[_Line], marks: _Marks) -> _Front:
    first_page = stream[0].page if stream else 1
    abstract_at = None
    for i, line in enumerate(stream):
        if line.page > first_page + 1:
            break
        heading = marks.heading_at.get(i)
        match = _ABSTRACT.match(line.text)
        if (heading is not None and heading.kind == "abstract") or (
            match and (not match["rest"] or re.match(r"(?i)^(?:abstract|summary)\s*[.:—–-]", line.text))
        ):
            abstract_at = i
            break
    sections = sorted(
        i
        for i, h in (*marks.heading_at.items(), *marks.opens_before.items())
        if h.kind == "section" and stream[i].page == first_page
    )
    end = abstract_at if abstract_at is not None else (sections[0] if sections else None)
    candidates = [
        i for i, line in enumerate(stream[: end if end is not None else len(stream)]) if line.page == first_page
    ]
    # A first line that is already a heading (no abstract, a large first heading) still names the paper.
    title_lines = _title_lines(stream, candidates or [i for i, line in enumerate(stream) if line.page == first_page])
    # Without an abstract or a first-page heading, only the title is known to be front matter.
    excluded = set(candidates) if end is not None else set(title_lines)
    abstract: list[_Line] = []
    if abstract_at is not None:
        excluded.add(abstract_at)
        marks.heading_at.pop(abstract_at, None)
        rest = _ABSTRACT.match(stream[abstract_at].text)
        first = abstract_at + 1
        if rest and rest["rest"]:
            abstract.append(replace(stream[abstract_at], text=rest["rest"]))
        for i in range(first, len(stream)):
            line = stream[i]
            reference = abstract[0] if abstract else line
            if (
                i in marks.heading_at
                or i in marks.opens_before
                or line.page > stream[abstract_at].page + 1
                or abs(line.size - reference.size) > 0.08 * reference.size
                or _FRONT_MATTER_HEADING.match(line.text)
            ):
                break
            abstract.append(line)
            excluded.add(i)
    return _Front(candidates, title_lines, abstract, excluded)


def _sensible_title(title: str, first_page_text: str) -> bool:
    """Metadata titles are often a file name or a template's ("Microsoft Word - draft3.docx"): trust one that
    reads like a title and whose words are on the first page."""
    words = re.findall(r"\w+", title.casefold())
    if len(words) < 2 or len(title) < 8 or re.search(r"(?i)\.(?:pdf|docx?|tex|dvi|ps)$|^untitled|^microsoft", title):
        return False
    if "_" in title and " " not in title:
        return False
    page_words = set(re.findall(r"\w+", first_page_text.casefold()))
    return sum(word in page_words for word in words) >= 0.6 * len(words)


def _title(metadata: dict[str, str], stream: list[_Line], front: _Front) -> str:
    """The metadata title when it is sensible, else the first page's largest text."""
    first_page = " ".join(line.text for line in stream if line.page == stream[0].page)
    meta_title = _SPACES.sub(" ", metadata.get("Title", "")).strip()
    if meta_title and _sensible_title(meta_title, first_page):
        return meta_title
    return _SPACES.sub(" ", " ".join(stream[i].text for i in front.title_lines)).strip()


def _title_lines(stream: list[_Line], candidates: list[int]) -> list[int]:
    """The first run of lines in the largest font on the first page (two words at least, so a lone number or
    symbol does not win)."""
    wordy = [i for i in candidates if len(re.findall(r"[^\W\d_]{2,}", stream[i].text)) >= 2]
    if not wordy:
        return []
    size = max(stream[i].size for i in wordy)
    start = next(i for i in wordy if stream[i].size >= size - 0.5)
    run = [start]
    for i in range(start + 1, len(stream)):
        prev, line = stream[run[-1]], stream[i]
        if line.page != prev.page or abs(line.size - size) > 0.5 or not 0 < prev.baseline - line.baseline < 2.2 * size:
            break
        run.append(i)
    return run


def _authors(metadata: dict[str, str], stream: list[_Line], front: _Front, layout: _Layout) -> list[str]:
    author = metadata.get("Author", "").strip()
    if author:
        parts = re.split(r"\s*;\s*", author) if ";" in author else re.split(r"\s*,\s*|\s+and\s+|\s*&\s*", author)
        return [part for part in (p.strip() for p in parts) if part]
    # Best effort: the lines after the title, in one font, up to the affiliations (smaller, or institution
    # words, or e-mail); names are separated by commas, "and" or footnote marks.
    if not front.title_lines:
        return []
    after = [i for i in front.candidates if i > front.title_lines[-1]]
    lines: list[_Line] = []
    for i in after:
        line = stream[i]
        if _AFFILIATION.search(line.text) or (lines and abs(line.size - lines[0].size) > 0.1 * lines[0].size):
            break
        if line.size < 0.9 * layout.body_size or re.match(r"^[\d∗†‡§¶*]", line.text):
            break
        lines.append(line)
    text = " ".join(line.text for line in lines)
    text = re.sub(r"(?<=[a-z])[α-ω]+", ",", text)  # Greek-letter affiliation marks: "Kyle Loα∗"
    names = []
    for piece in re.split(r"[^\w\s.'’-]|\d|_|\band\b", text):
        name = _SPACES.sub(" ", piece).strip(" .-")
        words = name.split()
        if 2 <= len(words) <= 5 and all(
            w[0].isupper() or w in {"van", "de", "von", "der", "di", "da", "le"} for w in words
        ):
            names.append(name)
    return names
