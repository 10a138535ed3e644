"""arXiv's HTML rendering of a paper (LaTeXML) as a `Document`: anchored paragraphs, tables and captions.

Read in one pass over `article.ltx_document` with bs4 + lxml:
- Blocks, in the page's order: each `div.ltx_para` (kind "paragraph"); in each `figure`, its `figcaption`
  ("table_caption" in a `figure.ltx_table`, else "figure_caption") and its `table.ltx_tabular` (kind "table":
  cells joined by " | ", one row a line, which is how `passages.py` cuts tables into runs of rows).
- Anchors are LaTeXML's ids, so `https://arxiv.org/html/<id>#<anchor>` opens the block (minus a suffix):
  a paragraph `S3.SS1.p2`; a table's cells `S4.T2` (its figure's id); a caption `S4.T2.caption`,
  `S1.F1.caption`; a footnote `footnote3`. A paragraph holding a list is cut around it: the list's items
  are paragraphs of their own (`A2.I1.i1.p1`), text after the list continues under its first element's id
  (`A3.SS2.SSS2.p2.2`). Should an id repeat, `-2`, `-3`... keep anchors unique.
- Text: math as its LaTeX `alttext`, whitespace collapsed, nothing else rewritten, so a quote taken from the
  page is found in the block. Left out: navigation, page header/footer, the bibliography, LaTeXML's
  conversion errors (`.ltx_ERROR`, e.g. "{mdframed}"), footnote marks, list bullets, equation numbers, text
  inside figures other than captions and tables. A footnote's text is a block after its paragraph, not inside it.
- Sections: the nearest enclosing `section.ltx_*` heading, number as printed ("4.2", "A" for "Appendix A").
  An unnumbered run-in `\\paragraph` keeps its parent's number, and its title follows the parent's:
  "Evaluation › Results", so a place reads "§3.2.2 Evaluation › Results".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PageElement, PreformattedString

from sovereign_graph.errors import shown
from sovereign_graph.sources.fulltext.document import Block, BlockKind, Document, UnreadableDocument

NO_HTML = "arXiv has no HTML for this paper"
NOT_LATEXML = "not an arXiv LaTeXML page"

_SECTIONS = frozenset(
    {"ltx_part", "ltx_chapter", "ltx_section", "ltx_subsection", "ltx_subsubsection", "ltx_appendix"}
    | {"ltx_paragraph", "ltx_subparagraph"}
)
_RUN_IN_SECTIONS = frozenset({"ltx_paragraph", "ltx_subparagraph"})  # \paragraph: unnumbered by default
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_DROPPED_TAGS = frozenset(
    {"head", "nav", "header", "footer", "script", "style", "noscript", "template", "button", "form", "svg"}
)
_DROPPED_CLASSES = frozenset(
    {"ltx_page_header", "ltx_page_footer", "ltx_page_navbar", "ltx_TOC", "ltx_bibliography", "ltx_ERROR"}
    | {"ltx_note_mark", "ltx_tag_note", "ltx_note_type", "ltx_tag_item", "ltx_tag_equation", "ltx_listing_data"}
)
# Read by their own rules (title, authors, abstract), never as body blocks.
_FRONT_MATTER = frozenset({"ltx_title_document", "ltx_authors", "ltx_abstract", "ltx_dates", "ltx_keywords"})
# Elements a browser sets apart: a space at each edge, so neighbours' words do not run together.
_BREAKING_TAGS = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "td", "th", "br", "hr"}
    | {"figure", "figcaption", "section", "article"}
    | _HEADINGS
)
_BREAKING_CLASSES = frozenset({"ltx_p", "ltx_tr", "ltx_td", "ltx_listingline"})
_INVISIBLE = str.maketrans("", "", "\u00ad\u200b\u200c\u200d\u2060\ufeff")

_NO_HTML_HEADING = re.compile(rb"<h1\b[^>]*>\s*No HTML for\b", re.IGNORECASE)
_HTML_PATH_ID = re.compile(r"/html/(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})(?:v(?P<version>\d+))?(?=[/#?]|$)")
_VERSION_SUFFIX = re.compile(r"v\d+$")
_SECTION_NUMBER_WORD = re.compile(r"^(?:appendix|chapter|part|section|§)\s*", re.IGNORECASE)
_CONTROL_WORD_END = re.compile(r"\\[A-Za-z]+$")
_TITLE_PREFIX = re.compile(r"^title:\s*", re.IGNORECASE)
# Authors: LaTeXML often packs names, affiliation marks, affiliations and emails into one `ltx_personname`.
_AUTHOR_SEPARATOR = re.compile(r"\s{2,}|[\u2002\u2003\u2009]|[,;&]|\band\b")
_AFFILIATION = re.compile(
    r"universit|institut|college|laborator|\blab\b|department|\bdept\b|school|research|\binc\b|\bltd\b|"
    r"corporation|cent(?:er|re)\b|academy|hospital|faculty|foundation|google|microsoft|deepmind|openai",
    re.IGNORECASE,
)
_MARK = "\x01"  # an affiliation mark (superscript) in an author line
_NAME_TRIM = "*†‡§¶ "


def is_no_html_page(content: bytes | str) -> bool:
    """Whether `content` is arXiv's "No HTML for '<id>'" page (served for a paper it could not convert).

    Read from the body, since the status alone does not tell it from another 404."""
    data = content.encode("utf-8", "replace") if isinstance(content, str) else content
    return bool(_NO_HTML_HEADING.search(data)) and b"ltx_document" not in data


def parse_arxiv_html(content: bytes | str, paper_id: str | None = None) -> Document:
    """The paper on an arXiv HTML (LaTeXML) page; `UnreadableDocument` when the page is not one."""
    data = content.encode("utf-8", "replace") if isinstance(content, str) else content
    if not data.strip():
        raise UnreadableDocument("empty page")
    if data.lstrip().startswith(b"%PDF-"):
        raise UnreadableDocument("a PDF, not an HTML page")
    if is_no_html_page(data):
        raise UnreadableDocument(NO_HTML)
    soup = BeautifulSoup(content, "lxml")
    article = soup.find("article", class_="ltx_document")
    if not isinstance(article, Tag):
        title = _normalise(soup.title.get_text()) if soup.title else ""
        raise UnreadableDocument(f"{NOT_LATEXML} ({shown(title)})" if title else NOT_LATEXML)
    reader = _BodyReader()
    reader.read(article)
    if not any(block.kind == "paragraph" for block in reader.blocks):
        raise UnreadableDocument("an arXiv LaTeXML page without body text")
    arxiv_id, version = _arxiv_id(soup)
    return Document(
        paper_id=paper_id or _VERSION_SUFFIX.sub("", arxiv_id or ""),
        version=version,
        origin="arxiv_html",
        title=_title(article, soup),
        authors=_authors(article),
        abstract=_abstract(article),
        arxiv_id=arxiv_id,
        blocks=reader.blocks,
    )


@dataclass
class _Sink:
    """The text of a block as it is read, and the footnotes met on the way (read as blocks of their own)."""

    pieces: list[str] = field(default_factory=list)
    notes: list[Tag] = field(default_factory=list)
    anchor: str | None = None
    # A paragraph's sink: nested paragraphs, figures and tables end the current block and become their own.
    splits: bool = False

    def text(self) -> str:
        return _normalise("".join(self.pieces))


@dataclass
class _Section:
    number: str = ""
    title: str = ""
    blocks: int = 0  # so far: the next block's `paragraph`


class _BodyReader:
    """One walk over the article's tree, appending blocks in reading order."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._sections = [_Section()]
        self._anchors: set[str] = set()

    def read(self, article: Tag) -> None:
        self._walk(article)

    # Structure: sections, paragraphs and figures; any other element is only looked into.
    def _walk(self, node: Tag, skip: Tag | None = None) -> None:
        for child in node.children:
            if not isinstance(child, Tag) or child is skip or _dropped(child):
                continue
            classes = _classes(child)
            if _FRONT_MATTER.intersection(classes):
                continue
            if child.name == "section" and _SECTIONS.intersection(classes):
                self._section(child, classes)
            elif child.name == "div" and "ltx_para" in classes:
                self._paragraph(child)
            elif child.name == "figure":
                self._figure(child, in_table="ltx_table" in classes)
            elif child.name == "table" and "ltx_tabular" in classes:
                self._table(child, _id(child))
            else:
                self._walk(child)

    def _section(self, section: Tag, classes: list[str]) -> None:
        heading = next((c for c in section.children if isinstance(c, Tag) and c.name in _HEADINGS), None)
        number, title = _heading(heading) if heading is not None else ("", "")
        parent = self._sections[-1]
        if not number and _RUN_IN_SECTIONS.intersection(classes):
            # A run-in heading ("Results.") names a part of its parent section, whose number is what a reader
            # looks up.
            number = parent.number
            title = " › ".join(t for t in (parent.title, title) if t)
        self._sections.append(_Section(number, title))
        self._walk(section, skip=heading)
        self._sections.pop()

    def _paragraph(self, para: Tag) -> None:
        sink = _Sink(anchor=_id(para) or None, splits=True)
        self._collect(para, sink)
        self._flush(sink, fallback=_id(para))

    def _figure(self, figure: Tag, in_table: bool) -> None:
        figure_id = _id(figure)
        tables = 0
        for element in _figure_parts(figure):
            classes = _classes(element)
            if element.name == "figure":
                # A panel (sub-figure or sub-table) keeps its parent's kind unless it says its own.
                self._figure(element, in_table="ltx_table" in classes or (in_table and "ltx_figure" not in classes))
            elif element.name == "figcaption":
                sink = _Sink()
                self._collect(element, sink)
                kind: BlockKind = "table_caption" if in_table else "figure_caption"
                self._add(kind, sink.text(), f"{figure_id or _id(element)}.caption")
                self._add_notes(sink)
            else:
                tables += 1
                self._table(element, figure_id if tables == 1 and figure_id else _id(element))

    def _table(self, table: Tag, anchor: str) -> None:
        self._add("table", _table_text(table), anchor or "table")

    def _collect(self, node: Tag, sink: _Sink) -> None:
        for child in node.children:
            self._collect_node(child, sink)

    def _collect_node(self, node: object, sink: _Sink) -> None:
        """The text of `node` into `sink`; in a paragraph, nested blocks become blocks of their own."""
        if isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):  # comments, CDATA, doctype
                sink.pieces.append(str(node))
            return
        if not isinstance(node, Tag) or _dropped(node):
            return
        classes = _classes(node)
        name = node.name
        if name == "math":
            alttext = _math_text(node)
            sink.pieces.append(f" {alttext} " if node.get("display") == "block" else alttext)
            return
        if "ltx_note" in classes:
            sink.notes.append(node)
            return
        if sink.splits:
            if (
                (name == "div" and "ltx_para" in classes)
                or name == "figure"
                or (name == "table" and "ltx_tabular" in classes)
            ):
                self._flush(sink, fallback=sink.anchor or _id(node))
                if name == "div":
                    self._paragraph(node)
                elif name == "figure":
                    self._figure(node, in_table="ltx_table" in classes)
                else:
                    self._table(node, _id(node))
                sink.anchor = None  # the text after it continues under the id of its first element
                return
            if sink.anchor is None and node.get("id"):
                sink.anchor = _id(node)
        breaks = name in _BREAKING_TAGS or bool(_BREAKING_CLASSES.intersection(classes))
        if breaks:
            sink.pieces.append(" ")
        self._collect(node, sink)
        if breaks:
            sink.pieces.append(" ")

    def _flush(self, sink: _Sink, fallback: str) -> None:
        self._add("paragraph", sink.text(), sink.anchor or fallback or "p")
        self._add_notes(sink)
        sink.pieces.clear()
        sink.notes.clear()

    def _add_notes(self, sink: _Sink) -> None:
        for note in sink.notes:
            note_sink = _Sink()
            self._collect(note, note_sink)  # a note in a note is dropped
            self._add("paragraph", note_sink.text(), _id(note) or "footnote")

    def _add(self, kind: BlockKind, text: str, anchor: str) -> None:
        if not text:
            return
        section = self._sections[-1]
        self.blocks.append(
            Block(
                kind=kind,
                text=text,
                section=section.number,
                section_title=section.title,
                paragraph=section.blocks,
                anchor=self._unique(anchor),
            )
        )
        section.blocks += 1

    def _unique(self, anchor: str) -> str:
        candidate, n = anchor, 1
        while candidate in self._anchors:
            n += 1
            candidate = f"{anchor}-{n}"
        self._anchors.add(candidate)
        return candidate


def _text_of(nodes: Iterable[PageElement]) -> str:
    """The text of `nodes` as one line: math as alttext, footnotes and dropped elements left out."""
    reader, sink = _BodyReader(), _Sink()
    for node in nodes:
        reader._collect_node(node, sink)
    return sink.text()


def _figure_parts(figure: Tag) -> list[Tag]:
    """The figure's own sub-figures, caption(s) and tables, in order (not those inside a sub-figure)."""
    parts: list[Tag] = []
    stack = [c for c in reversed(list(figure.children)) if isinstance(c, Tag)]
    while stack:
        element = stack.pop()
        if _dropped(element):
            continue
        if element.name in ("figure", "figcaption") or (element.name == "table" and "ltx_tabular" in _classes(element)):
            parts.append(element)
        else:
            stack.extend(c for c in reversed(list(element.children)) if isinstance(c, Tag))
    return parts


def _table_text(table: Tag) -> str:
    """One line per row, cells joined by " | "; a table nested in a cell is read as that cell's text."""
    lines: list[str] = []
    for row in table.find_all("tr"):
        if row.find_parent("table") is not table:
            continue
        cells = [_text_of(cell.children) for cell in row.find_all(["td", "th"], recursive=False)]
        if any(cells):
            lines.append(" | ".join(cells).strip())
    return "\n".join(lines)


def _heading(heading: Tag) -> tuple[str, str]:
    """(number as printed, title) of a section heading: ("3.1", "Design"), ("A", "Author contributions")."""
    tag = next((c for c in heading.children if isinstance(c, Tag) and "ltx_tag" in _classes(c)), None)
    number = _SECTION_NUMBER_WORD.sub("", _normalise(tag.get_text())).rstrip(".:") if tag is not None else ""
    return number, _text_of(c for c in heading.children if c is not tag)


def _title(article: Tag, soup: BeautifulSoup) -> str:
    heading = article.find("h1", class_="ltx_title_document")
    if isinstance(heading, Tag):
        title = _text_of(heading.children)  # footnote marks and thanks-notes left out
    else:
        title = _normalise(soup.title.get_text()) if soup.title else ""
    return _TITLE_PREFIX.sub("", title)


def _authors(article: Tag) -> list[str]:
    """Names only: affiliation lines (they start with a superscript mark), emails and institutions dropped."""
    block = article.find("div", class_="ltx_authors")
    people = block.find_all("span", class_="ltx_personname") if isinstance(block, Tag) else []
    names: list[str] = []
    for person in people:
        pieces: list[str] = []
        _author_line_text(person, pieces)
        lines = "".join(pieces).split("\n")
        # One person per element: the name is its first line; the rest is affiliation and address.
        for line in lines[:1] if len(people) > 1 else lines:
            for piece in _AUTHOR_SEPARATOR.split(line):
                if piece.strip().startswith(_MARK):
                    continue
                name = _normalise(piece.replace(_MARK, "")).strip(_NAME_TRIM)
                if _looks_like_name(name) and name not in names:
                    names.append(name)
    return names


def _author_line_text(node: Tag, pieces: list[str]) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, PreformattedString):
                pieces.append(str(child))
            continue
        if not isinstance(child, Tag) or _dropped(child):
            continue
        classes = _classes(child)
        if "ltx_note" in classes:
            continue
        if child.name == "br" or {"ltx_contact", "ltx_role_affiliation", "ltx_role_email"}.intersection(classes):
            pieces.append("\n")  # what follows a line break, or an affiliation, is not the same name
        elif child.name == "sup":
            pieces.append(_MARK)
        else:
            _author_line_text(child, pieces)


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return (
        1 <= len(words) <= 6
        and text[:1].isalpha()
        and not text[:1].islower()  # "王芳" has no case
        and "@" not in text
        and not any(ch.isdigit() for ch in text)
        and not _AFFILIATION.search(text)
    )


def _abstract(article: Tag) -> str:
    abstract = article.find("div", class_="ltx_abstract")
    if not isinstance(abstract, Tag):
        return ""
    heading = abstract.find(_HEADINGS, class_="ltx_title_abstract")
    return _text_of(c for c in abstract.children if c is not heading)


def _arxiv_id(soup: BeautifulSoup) -> tuple[str | None, int | None]:
    """The versioned id the page carries: its `<base href="/html/2501.11120v1/">`, canonical link or TOC links."""
    # find() in <head> and the first <nav>: a CSS select over the whole 0.7 MB tree costs a tenth of a second.
    hrefs: list[object] = []
    if soup.head is not None:
        hrefs += [tag.get("href") for tag in soup.head.find_all(["base", "link"], href=True, limit=20)]
        hrefs += [tag.get("content") for tag in soup.head.find_all("meta", property="og:url", limit=1)]
    toc = soup.find("nav", class_="ltx_TOC")
    link = toc.find("a", href=True) if isinstance(toc, Tag) else None
    if isinstance(link, Tag):
        hrefs.append(link.get("href"))
    for href in hrefs:
        found = _HTML_PATH_ID.search(href) if isinstance(href, str) else None
        if found:
            version = found.group("version")
            return found.group("id") + (f"v{version}" if version else ""), int(version) if version else None
    return None, None


def _math_text(math: Tag) -> str:
    alttext = math.get("alttext")
    if isinstance(alttext, str) and alttext.strip():
        text = alttext.strip()
    else:
        tex = math.find("annotation", attrs={"encoding": "application/x-tex"})
        text = (tex or math).get_text().strip()
    # "\\langle" then "SCENARIOS" would read as one macro: a control word ends at a space.
    return text + " " if _CONTROL_WORD_END.search(text) else text


def _dropped(tag: Tag) -> bool:
    return tag.name in _DROPPED_TAGS or bool(_DROPPED_CLASSES.intersection(_classes(tag)))


def _classes(tag: Tag) -> list[str]:
    classes = tag.get("class")
    return classes if isinstance(classes, list) else []


def _id(tag: Tag) -> str:
    value = tag.get("id")
    return value if isinstance(value, str) else ""


def _normalise(text: str) -> str:
    return " ".join(text.translate(_INVISIBLE).split())
