"""Words broken at line ends: joined when the joined word occurs elsewhere in the paper or in the English word
list (lemminflect's tables), kept hyphenated when both halves are words ("token-level"); a word broken across
two blocks moves whole into the first. Also `broken_word_share`, the benchmark measure of words left broken."""

from __future__ import annotations

import gzip
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache

from sovereign_graph.sources.fulltext.document import Document
from sovereign_graph.sources.fulltext.pdf.layout import _CAPTION, _Layout
from sovereign_graph.sources.fulltext.pdf.paragraphs import _is_prose, _Paragraph
from sovereign_graph.sources.fulltext.pdf.reading import _Line
from sovereign_graph.sources.fulltext.pdf.text import _phrases

# Function words of 4+ letters that the lemminflect word list (nouns, verbs, adjectives, adverbs) lacks.
_FUNCTION_WORDS = _phrases(
    "with, from, that, this, these, those, which, what, when, where, whom, whose, while, than, then, there, "
    "their, they, them, into, onto, upon, unto, over, under, about, above, below, among, amongst, across, along, "
    "around, through, throughout, within, without, between, beyond, toward, towards, against, although, though, "
    "unless, until, whereas, whether, because, since, both, each, either, neither, such, some, many, much, more, "
    "most, other, another, every, none, nothing, anything, something, everything, could, would, should, shall, "
    "might, must, cannot, thus, hence, also, very, only, just, even, ever, however, therefore, moreover, "
    "furthermore, nevertheless, otherwise, whereby, itself, themselves, whatever, whichever, during, three, four, "
    "five, seven, eight, nine, twelve, twenty, thirty, hundred, thousand"
)
_WORD = re.compile(r"\w+(?:[-‐]\w+)*")


def _word_counts(stream: Iterable[_Line]) -> Counter[str]:
    """Every word of the paper as printed (lower case, hyphenated compounds whole): the evidence for joining a
    broken word."""
    counts: Counter[str] = Counter()
    for line in stream:
        counts.update(word.casefold() for word in _WORD.findall(line.text))
    return counts


def _join_lines(lines: Sequence[_Line], evidence: Counter[str]) -> str:
    text = lines[0].text
    for prev, line in itertools.pairwise(lines):
        text = _join_pair(text, prev.hyphen_end, line.text, evidence)
    return text


def _join_pair(left: str, marked: bool, right: str, evidence: Counter[str]) -> str:
    """`left` and `right` (consecutive lines) as one text, joining a word broken between them."""
    if marked:
        return _join_broken(left, right, evidence, marked=True)
    if left.endswith(("-", "‐")) and right[:1].islower() and left[-2:-1].isalpha():
        return _join_broken(left[:-1], right, evidence, marked=False)
    if left.endswith(("–", "—", "/")):
        return left + right
    return f"{left} {right}"


def _join_broken(left: str, right: str, evidence: Counter[str], marked: bool) -> str:
    """`left` + `right` where the last word of `left` was broken at a line end (its hyphen already removed)."""
    head = re.search(r"\w+(?:-\w+)*$", left)
    tail = re.match(r"\w+", right)
    if head is None or tail is None:
        return f"{left}-{right}"
    return left + _joiner(head[0], tail[0], evidence, marked) + right


def _joiner(head: str, tail: str, evidence: Counter[str], marked: bool) -> str:
    """'' to join a word broken at a line end, '-' to keep a compound's hyphen: the paper's own spelling first,
    then the word list; pdfium's marker between two lower-case fragments is a hyphenation by default."""
    if "-" in head:
        return "-"  # "state-of-the-" + "art": broken at one of the compound's hyphens
    joined, hyphenated = (head + tail).casefold(), f"{head}-{tail}".casefold()
    if evidence[joined]:
        return ""
    if evidence[hyphenated]:
        return "-"
    if not (head[-1].isalpha() and tail[0].isalpha() and tail[0].islower()):
        return "-"  # "GPT-4o", "PaSa-GPT": names and numbers keep their hyphen
    words = _english_words()
    if joined in words:
        return ""
    if head.casefold() in words and tail.casefold() in words:
        return "-"  # "token-level"
    return "" if marked else "-"


@cache
def _english_words() -> frozenset[str]:
    """English words: every form in lemminflect's lemma and inflection tables (nouns, verbs, adjectives,
    adverbs; ~69k forms, MIT) plus common function words of four letters or more, which those tables lack."""
    from lemminflect import config

    words: set[str] = set(_FUNCTION_WORDS)
    for path in (config.lemma_lu_fn, config.inflection_lu_fn):
        with gzip.open(path, "rt", encoding="utf-8") as table:
            rows = table.read().casefold().splitlines()
        # lemma_lu: "form,upos,lemma/lemma"; infl_lu: "lemma,upos,form,form,..." (alternatives split by "/")
        for row in rows:
            first, _, rest = row.partition(",")
            words.add(first)
            words.update(rest.partition(",")[2].replace(",", "/").split("/"))
    words.discard("")
    return frozenset(words)


def _heal_breaks_between(paragraphs: list[_Paragraph], evidence: Counter[str], layout: _Layout) -> None:
    """A word broken at the end of a column or page whose rest opens the next block of the same font moves
    back whole into the block it started in."""
    for i, para in enumerate(paragraphs):
        marked = para.lines[-1].hyphen_end
        plain = not marked and para.text.endswith("-") and para.text[-2:-1].isalpha()
        if not (marked or plain):
            continue
        size = para.lines[-1].size
        # The continuation may follow footnotes or a float set in another font: skip those, up to the next page.
        for following in paragraphs[i + 1 : i + 12]:
            if following.page > para.page + 1:
                break
            if abs(following.lines[0].size - size) > 0.1 * size or _CAPTION.match(following.text):
                continue
            if not following.text[:1].islower() and not _is_prose(following, layout):
                continue  # a table's rows between the two halves
            if following.text[:1].islower():
                fragment = following.text.split(" ", 1)
                head = para.text if marked else para.text[:-1]
                para.text = _join_broken(head, fragment[0], evidence, marked=marked)
                following.text = fragment[1] if len(fragment) > 1 else ""
            break


def broken_word_share(document: Document, dictionary: frozenset[str] | None = None) -> float:
    """The share of blocks with at least one broken word: a token of four letters or more that occurs only once
    in the document's text (title, abstract, blocks) and is not a dictionary word. The default dictionary is
    every form in lemminflect's lemma and inflection tables (`lemminflect/resources/lemma_lu.csv.gz` and
    `infl_lu.csv.gz`, ~69k nouns, verbs, adjectives and adverbs) plus common function words. Rare names and
    terms count too, so compare parsers on the same papers rather than reading the value as an error rate."""
    if not document.blocks:
        return 0.0
    words = _english_words() if dictionary is None else dictionary
    letters = re.compile(r"[^\W\d_]{4,}")
    texts = [document.title, document.abstract, *(block.text for block in document.blocks)]
    counts = Counter(token.casefold() for text in texts for token in letters.findall(text))

    def broken(token: str) -> bool:
        folded = token.casefold()
        return counts[folded] == 1 and folded not in words

    damaged = sum(any(broken(token) for token in letters.findall(block.text)) for block in document.blocks)
    return damaged / len(document.blocks)
