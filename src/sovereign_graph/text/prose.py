"""Plain-text helpers shared by the offline engines: sentences, words, stems, key phrases (numbers: `numbers.py`)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from sovereign_graph.text.stopwords import QUESTION_STOP_WORDS

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*|\d+(?:\.\d+)?%?")
# A sentence ends at . ! ? followed by space and an upper-case letter, digit or bracket; the look-behinds
# (which end at the full stop, as the position does) keep abbreviations ("e.g.", "et al.", "vs.", "Fig.") and
# decimals inside one sentence.
_SENTENCE_END = re.compile(
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bet al\.)(?<!\bvs\.)(?<!\bFig\.)(?<!\bEq\.)(?<!\bcf\.)(?<=[.!?])\s+"
    r"(?=[A-Z0-9(\[])"
)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in QUESTION_STOP_WORDS and len(w) > 1]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'routing'/'routed', 'experts'/'expert'."""
    for suffix in ("ations", "ation", "ities", "ness", "ings", "ing", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=8192)
def stems(text: str) -> frozenset[str]:
    """Stems of the content words; a hyphenated compound also counts its parts ("MoE-VLMs": moe, vlm). Cached:
    extraction, relevance and the rubrics read the same sentences many times."""
    found: set[str] = set()
    for word in content_words(text):
        word = word.removesuffix("-based")
        found.add(stem(word))
        if "-" in word:
            found.update(stem(part) for part in word.split("-") if part not in QUESTION_STOP_WORDS and len(part) > 1)
    return frozenset(found)


def join_distinct(*phrases: str) -> str:
    """Phrases joined, each word once (case-insensitive): 'MoE-VLMs' + 'MoE-VLMs routing' -> one MoE-VLMs."""
    seen: set[str] = set()
    kept: list[str] = []
    for word in " ".join(phrases).split():
        if word.lower() not in seen:
            seen.add(word.lower())
            kept.append(word)
    return " ".join(kept)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`, so each sentence is a verbatim substring."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def normalise_title(title: str) -> str:
    """Case-, accent-, punctuation- and spacing-insensitive form of a title."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", folded))


def key_phrases(text: str, max_phrases: int = 6) -> list[str]:
    """Candidate phrases split at stop words and punctuation (RAKE), in order of appearance.

    Keeps the question's own wording, which is what a reader expects to see as its facets.
    """
    phrases: list[str] = []
    for chunk in re.split(r"[,;:?!()\"]|\s-\s|\.(?:\s|$)", text):
        current: list[str] = []
        for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9\-/.']*", chunk):
            token = token.rstrip(".'")
            if token.lower() in QUESTION_STOP_WORDS or len(token) < 2:
                if current:
                    phrases.append(" ".join(current))
                current = []
            else:
                current.append(token)
        if current:
            phrases.append(" ".join(current))
    unique: list[str] = []
    seen: set[str] = set()
    for phrase in phrases:
        key = phrase.lower()
        if key not in seen:
            seen.add(key)
            unique.append(phrase)
    return unique[:max_phrases]
