"""Whether two texts are copies of each other, and whether a text is degenerate: what corroboration must know
before it counts a paper as independent evidence. Word shingles, no model: a planted copy shares most of its
5-word runs with its original whatever words were swapped, and a record that repeats one phrase has few
distinct runs."""

from __future__ import annotations

import re

SHINGLE = 5
# Share of the shorter text's shingles that the longer one also holds, from which two texts count as copies. A
# paper that cites another's sentence shares one sentence's shingles out of a whole abstract's: far below this.
COPY_CONTAINMENT = 0.5
# A text of at least this many words whose distinct shingles are fewer than this share of its shingles repeats
# itself: real abstracts stay above 0.9.
DEGENERATE_MIN_WORDS = 40
DEGENERATE_DISTINCT_SHARE = 0.5
# Far beyond any abstract (the longest arXiv allows are ~300 words): a record this long is not an abstract.
DEGENERATE_MAX_WORDS = 5_000

_WORD = re.compile(r"\w+")


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def shingles(text: str, size: int = SHINGLE) -> set[tuple[str, ...]]:
    tokens = words_of(text)
    if len(tokens) < size:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def containment(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """|a ∩ b| / the smaller set's size: 1.0 when one text is (almost) inside the other."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def are_copies(a: str, b: str) -> bool:
    return containment(shingles(a), shingles(b)) >= COPY_CONTAINMENT


def is_degenerate(text: str) -> bool:
    """Repetition (few distinct 5-word runs) or a length no abstract has."""
    tokens = words_of(text)
    if len(tokens) > DEGENERATE_MAX_WORDS:
        return True
    if len(tokens) < DEGENERATE_MIN_WORDS:
        return False
    runs = len(tokens) - SHINGLE + 1
    return len(shingles(text)) / runs < DEGENERATE_DISTINCT_SHARE
