"""Word cues that carry a sentence's polarity: negation, direction of change, null results, numbers.

TF-IDF and LSA see that a claim and a sentence talk about the same thing; these cues are what can tell
"X increases Y" from "X does not increase Y" or "X decreases Y". Matched on lower-cased words (stop
words kept: "not" and "no" are stop words) by prefix, so "increas" covers increase/increased/increasing.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from sovereign_graph.text.numbers import numbers
from sovereign_graph.text.prose import words

NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "none",
        "neither",
        "nor",
        "without",
        "cannot",
        "can't",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "won't",
        "lack",
        "lacks",
        "lacking",
        "absence",
        "absent",
        "unable",
        "fail",
        "fails",
        "failed",
        "unaffected",
        "unchanged",
        "ineffective",
        "unrelated",
        "insufficient",
        "nonsignificant",
        "non-significant",
        "neutral",
    }
)
UP_PREFIXES = (
    "increas",
    "higher",
    "greater",
    "more",
    "larger",
    "elevat",
    "enhanc",
    "improv",
    "promot",
    "upregul",
    "up-regul",
    "induc",
    "activat",
    "stimulat",
    "accelerat",
    "rais",
    "rise",
    "boost",
    "augment",
    "exceed",
    "gain",
    "positive",
    "benefi",
    "superior",
    "longer",
    "faster",
)
DOWN_PREFIXES = (
    "decreas",
    "lower",
    "less",
    "fewer",
    "smaller",
    "reduc",
    "diminish",
    "declin",
    "inhibit",
    "suppress",
    "downregul",
    "down-regul",
    "impair",
    "attenuat",
    "prevent",
    "block",
    "negative",
    "loss",
    "lose",
    "deplet",
    "drop",
    "abolish",
    "worse",
    "inferior",
    "shorter",
    "slower",
    "protect",
)
NULL_PHRASES = (
    "no significant",
    "not significant",
    "no difference",
    "no effect",
    "no association",
    "not associated",
    "no change",
    "did not",
    "does not",
    "do not",
    "was not",
    "were not",
    "is not",
    "are not",
    "similar",
    "comparable",
    "independent of",
)
RESULT_PREFIXES = (
    "significan",
    "associat",
    "result",
    "show",
    "demonstrat",
    "found",
    "find",
    "suggest",
    "conclu",
    "indicat",
    "reveal",
    "observ",
    "correlat",
    "effect",
    "odds",
    "risk",
    "ratio",
)

# Word pairs whose swap turns a claim into its contradiction (matched by prefix, either way round).
ANTONYMS = (
    (
        ("increas", "elevat", "higher", "rais", "upregul", "up-regul"),
        ("decreas", "reduc", "lower", "downregul", "down-regul"),
    ),
    (("more", "greater", "larger"), ("less", "fewer", "smaller")),
    (
        ("promot", "induc", "activat", "stimulat", "enhanc", "facilitat"),
        ("inhibit", "imped", "suppress", "prevent", "block", "impair"),
    ),
    (("improv", "benefi", "better", "superior"), ("wors", "harm", "inferior", "deterior")),
    (("dependent",), ("independent",)),
    (("effective", "efficac"), ("ineffective", "inefficac")),
    (("required", "essential", "necessary", "crucial", "critical"), ("dispensable", "unnecessary", "trivial")),
    (("positive", "positively"), ("negative", "negatively", "inverse")),
    (("gain",), ("loss", "lose")),
    (("accelerat", "faster", "earlier", "shorter"), ("delay", "slower", "later", "longer")),
    (("stabil",), ("destabil", "unstabl")),
    (("sensitiv", "susceptib"), ("resist", "tolera")),
    (("high",), ("low",)),
    (("common", "frequent"), ("rare", "infrequent")),
    (("associated", "correlated", "linked"), ("unassociated", "uncorrelated", "unrelated", "unlinked")),
    (("agonist",), ("antagonist",)),
    (("major",), ("minor",)),
)

# Verbs that set a direction when they govern a term ("delays resistance", "worsens insulin resistance"): the
# direction lists above plus the verbs SciFact's annotators swap in to write a contradicting claim. Read only
# next to a term the claim and its rationale share (`local_directions`), where they are far less noisy than
# counted over a whole sentence. Down is matched first: "lower" and "slow" must not read as up.
GOVERNING_UP = (
    *UP_PREFIXES,
    "encourag",
    "worsen",
    "exacerbat",
    "aggravat",
    "amplif",
    "potentiat",
    "trigger",
    "restor",
    "rescu",
    "strengthen",
    "increment",
    "expand",
    "extend",
    "prolong",
    "favor",
    "favour",
    "support",
    "maintain",
    "sustain",
    "spur",
    "heighten",
    "intensif",
)
GOVERNING_DOWN = (
    *DOWN_PREFIXES,
    "delay",
    "halt",
    "repress",
    "ameliorat",
    "alleviat",
    "abrogat",
    "limit",
    "restrict",
    "hinder",
    "imped",
    "counteract",
    "disrupt",
    "eliminat",
    "ablat",
    "silenc",
    "mitigat",
    "damag",
    "harm",
    "weaken",
    "dampen",
    "lessen",
    "shorten",
    "slow",
    "curb",
    "hamper",
    "arrest",
    "revers",
    "destabil",
    "degrad",
    "antagoniz",
    "interfer",
    "shrink",
    "fall",
)
GOVERNING_WINDOW = 3  # words before a term that may govern it; 3 measured best of 2-6 on SciFact stance

CUE_NAMES = ("negation", "up", "down", "null", "result", "numbers", "words")
_NULL = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in NULL_PHRASES) + r")\b")


@lru_cache(maxsize=200_000)
def _antonym_sides(token: str) -> tuple[int, ...]:
    """Which side of each antonym pair the word is on (0 = neither), one entry per pair."""
    sides = []
    for first, second in ANTONYMS:
        # The negative prefixes come first: "independent" must not count as "dependent".
        sides.append(2 if token.startswith(second) else 1 if token.startswith(first) else 0)
    return tuple(sides)


def antonym_vector(text: str) -> np.ndarray:
    """For each antonym pair: is its first word in the text, its second? (2 columns per pair)"""
    found = np.zeros(2 * len(ANTONYMS), dtype=bool)
    for token in words(text):
        for i, side in enumerate(_antonym_sides(token)):
            if side:
                found[2 * i + side - 1] = True
    return found


@lru_cache(maxsize=200_000)
def _word_cues(token: str) -> tuple[int, int, int, int]:
    return (
        token in NEGATIONS,
        token.startswith(UP_PREFIXES),
        token.startswith(DOWN_PREFIXES),
        token.startswith(RESULT_PREFIXES),
    )


def cue_vector(text: str) -> np.ndarray:
    """Counts of each cue in CUE_NAMES for one text."""
    tokens = words(text)
    negation = up = down = result = 0
    for token in tokens:
        n, u, d, r = _word_cues(token)
        negation += n
        up += u
        down += d
        result += r
    null = len(_NULL.findall(text.lower()))
    return np.array([negation, up, down, null, result, len(numbers(text)), len(tokens)], dtype=np.float32)


@lru_cache(maxsize=200_000)
def _governing(token: str) -> int:
    """1 up, -1 down, 2 negation, 0 neither."""
    if token in NEGATIONS:
        return 2
    if token.startswith(GOVERNING_DOWN):
        return -1
    return 1 if token.startswith(GOVERNING_UP) else 0


def local_directions(tokens: list[str], stems: list[str | None]) -> dict[str, int]:
    """Per content stem, the summed direction of the cues just before it: +1 for "increases X", -1 for
    "reduces X" or "does not affect X", +1 for "does not reduce X". `stems[i]` is token i's stem, None for a
    stop word. Terms with no cue before them are left out."""
    found: dict[str, int] = {}
    for i, (token, term) in enumerate(zip(tokens, stems, strict=True)):
        if term is None or _governing(token):
            continue
        direction, negated = 0, False
        for word in tokens[max(0, i - GOVERNING_WINDOW) : i]:
            cue = _governing(word)
            if cue == 2:
                negated = True
            elif cue:
                direction = cue
        if direction or negated:
            found[term] = found.get(term, 0) + (direction or 1) * (-1 if negated else 1)
    return found
