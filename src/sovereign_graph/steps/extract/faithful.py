"""Does a model's claim follow from its own quote? A lexical check the model cannot steer, run on every claim a
model proposes before it enters the dossier (the offline extractor's claims are their quotes and pass trivially).

A claim is a restatement of its quote, so everything that carries its meaning must come from that quote:
- the quote is long enough to carry a finding (a one-word quote vouches for nothing);
- every number it states is in the quote, digits or words ("ninety-nine percent", "tenfold") — a name that
  holds digits ("GPT-4", "Qwen2-VL") is not a number when the passage or the paper's title names it;
- it adds no negation the quote lacks and drops none the quote has;
- it turns no direction around ("improves" where the quote says "degrades"), and no comparison ("B outperforms
  A" where the quote says "A outperforms B");
- it asserts nothing stronger than the quote ("invalidates", "replicated by independent labs", "proves"), and
  adds no name the passage and title do not hold;
- at most a few of its content words are new (a paraphrase re-words; it does not add findings).

Words may also come from the passage the quote stands in and the paper's title, so that a model can resolve
"it" or "the baseline" to what they name. Measured on the findings' paraphrases and reversals written by reading
(`evals/data/stance_reversals`, `evals/hostile_live_bench.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sovereign_graph.text.numbers import numbers_missing_from
from sovereign_graph.text.prose import stem, stems, words

MIN_QUOTE_WORDS = 6
MIN_QUOTE_CONTENT = 3
# New content words a claim may add beyond its quote, passage and title: at most this many, and at most this
# share of its own content words.
MAX_NEW_WORDS = 3
MAX_NEW_SHARE = 0.34


def _lexicon(text: str, stemmed: bool = True) -> frozenset[str]:
    """A word list written as a string (easier to read and extend), stemmed as the checks compare words."""
    return frozenset(stem(w) if stemmed else w for w in text.split())


_NEGATIONS = _lexicon(
    """not no never none neither nor cannot can't don't doesn't didn't isn't aren't wasn't weren't won't
    without unable fail fails failed failing lack lacks lacking absent unlike""",
    stemmed=False,
)
# Directions a finding states; a claim's direction word must be one its quote (or the passage) states, or at
# least not the opposite of the quote's.
_UP = _lexicon(
    """improve improves improved improvement improvements increase increases increased gain gains boost
    boosts boosted better best higher outperform outperforms outperformed surpass surpasses surpassed exceed
    exceeds exceeded superior enhance enhances enhanced enhancement faster benefit benefits beneficial helps
    help strengthen strengthens stronger robust robustness preserve preserves preserved maintain maintains
    retain retains effective advantage advantages accelerate accelerates speedup positive above exceeding gap
    comparable competitive matches match"""
)
_DOWN = _lexicon(
    """degrade degrades degraded degradation decrease decreases decreased reduce reduces reduced
    reduction drop drops dropped loss losses lose loses worse worst lower underperform underperforms
    underperformed inferior hurt hurts harm harms slower weaken weakens weaker fragile collapse collapses
    deteriorate deteriorates deterioration ineffective disadvantage penalty costly slowdown trail trails trailed
    lag lags lagged shrink shrinks shrinking short below fall falls fell struggle struggles expense skewed unstable
    instability negative limited limitation limitations fragility vulnerable"""
)
# Words that assert more than any single quote can: a claim may use them only when its quote does.
_STRONGER = _lexicon(
    """invalidate invalidates invalidated refute refutes refuted disprove disproves prove proves proven
    confirm confirms confirmed replicate replicates replicated replication reproduce reproduced independent
    independently conclusive conclusively definitive definitively guarantee guarantees guaranteed universal
    universally always every verified certainly undeniably established consensus unanimous"""
)
# How large an effect is: a claim may not make a "negligible" degradation "severe", nor a "marked" gain "slight".
_LARGE = _lexicon(
    """substantial substantially severe severely marked markedly large larger largest significant
    significantly major considerable considerably dramatic dramatically huge pronounced sharply sharp strong
    most"""
)
_SMALL = _lexicon(
    """negligible minor small smaller smallest slight slightly marginal marginally little modest modestly
    subtle minimal least less fewer"""
)
# Words that narrow or weaken a finding ("only at generous budgets", "little benefit"): a claim may use them only
# when its quote does.
_NARROWER = _lexicon(
    """only little hardly barely merely marginal marginally negligible slight slightly modest modestly rarely
    seldom occasionally sometimes partially partly""",
    stemmed=False,
)
# Words a restatement adds to frame a finding; they carry none of it.
_FRAMING = _lexicon(
    """paper papers author authors study studies work works report reports reported reporting show shows
    shown showed find finds finding findings result results demonstrate demonstrates demonstrated propose
    proposes proposed present presents presented observe observes observed note notes noted indicate indicates
    indicated suggest suggests suggested reveal reveals revealed according approach approaches method methods
    technique framework experiment experiments experimental evaluation evaluations evaluated analysis claim
    claims state states stated describe describes described introduce introduces introduced argue argues
    researchers research model models setting settings"""
)
# A comparison's pivot: what stands before it is compared with what stands after it.
_COMPARISON = re.compile(
    r"\b(?:outperform(?:s|ed|ing)?|surpass(?:es|ed|ing)?|exceed(?:s|ed|ing)?|beat(?:s|ing)?|"
    r"(?:better|worse|higher|lower|faster|slower|stronger|weaker|superior|inferior)\s+(?:than|to)|"
    r"compared\s+(?:to|with)|versus|vs\.?|over|whereas|while|rather\s+than|unlike|instead\s+of)\b",
    re.IGNORECASE,
)
# A name: a word with a capital after its first letter or with a digit ("MoE", "GPT-4", "LLaVA", "Qwen2-VL").
_NAME = re.compile(r"\b[A-Za-z][\w]*(?:[A-Z]|\d)[\w]*(?:[-.][\w]+)*\b")


@dataclass(frozen=True)
class Context:
    """Where a quote stands: its passage's full text and its paper's title (both may name what the claim
    resolves "it" or "the baseline" to)."""

    passage: str = ""
    title: str = ""


def _negations(text: str) -> int:
    return sum(w in _NEGATIONS or w.endswith("n't") for w in words(text.replace("’", "'")))


# Word roots that carry a direction whatever their ending ("degradements", "outperformance"): long enough that no
# unrelated word starts with them.
_UP_ROOTS = ("improv", "increas", "outperform", "surpass", "exceed", "enhanc", "strengthen", "accelerat", "benefi")
_DOWN_ROOTS = ("degrad", "decreas", "reduc", "underperform", "deteriorat", "weaken", "collaps", "declin", "worsen")


def _directions(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The direction words of a text, as stems: (up, down)."""
    up: set[str] = set()
    down: set[str] = set()
    for word in words(text):
        stemmed = stem(word)
        if stemmed in _UP or word.startswith(_UP_ROOTS):
            up.add(next((r for r in _UP_ROOTS if word.startswith(r)), stemmed))
        elif stemmed in _DOWN or word.startswith(_DOWN_ROOTS):
            down.add(next((r for r in _DOWN_ROOTS if word.startswith(r)), stemmed))
    return frozenset(up), frozenset(down)


def _magnitudes(text: str) -> tuple[frozenset[str], frozenset[str]]:
    found = {stem(w) for w in words(text)}
    return frozenset(found & _LARGE), frozenset(found & _SMALL)


def _sides(text: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """Content stems before and after the text's first comparison pivot; None without one."""
    match = _COMPARISON.search(text)
    if match is None:
        return None
    return stems(text[: match.start()]), stems(text[match.end() :])


def _turned_around(claim: str, quote: str) -> bool:
    """The claim puts on the winning side what the quote puts on the losing side, and the other way round."""
    claim_sides, quote_sides = _sides(claim), _sides(quote)
    if claim_sides is None or quote_sides is None:
        return False
    (claim_before, claim_after), (quote_before, quote_after) = claim_sides, quote_sides
    only_before, only_after = quote_before - quote_after, quote_after - quote_before
    # A pivot that turns the sense ("worse than" for "better than") is caught as a direction.
    return bool(claim_before & only_after) and bool(claim_after & only_before) and not (claim_before & only_before)


def _names(text: str) -> set[str]:
    return {m.group(0).casefold() for m in _NAME.finditer(text)}


def unfaithful(
    claim: str, quote: str, context: Context | None = None, *, exact_negations: bool = True, min_quote: bool = True
) -> str | None:
    """Why `claim` does not follow from `quote` (a short reason for the report), or None if it does.
    `exact_negations=False`: only an added negation counts (an Answer sentence citing several quotes restates
    some of them); `min_quote=False`: no length asked of the quote (the quotes were checked as claims already)."""
    context = context or Context()
    quote_words = words(quote)
    if min_quote and (len(quote_words) < MIN_QUOTE_WORDS or len(stems(quote)) < MIN_QUOTE_CONTENT):
        return f"quote too short to carry a finding ({len(quote_words)} words)"
    around = f"{context.passage} {context.title}"
    # Names the passage or title holds may carry digits ("GPT-4"): they are names there, not numbers.
    known_names = _names(f"{quote} {around}")
    plain = _NAME.sub(lambda m: " " if m.group(0).casefold() in known_names else m.group(0), claim)
    missing = numbers_missing_from(plain, quote)
    if missing:
        return f"numbers not in its quote: {', '.join(missing)}"
    # Counted, not just present: a "not" added to a quote that already says "without" turns it around too.
    if _negations(claim) > _negations(quote):
        return "adds a negation its quote lacks"
    if exact_negations and _negations(claim) < _negations(quote):
        return "drops its quote's negation"
    claim_up, claim_down = _directions(claim)
    quote_up, quote_down = _directions(quote)
    # A direction word the quote lacks stands only for a synonym of the quote's one direction.
    if (claim_up - quote_up and (quote_down or not quote_up)) or (
        claim_down - quote_down and (quote_up or not quote_down)
    ):
        return "states a direction its quote does not"
    claim_large, claim_small = _magnitudes(claim)
    quote_large, quote_small = _magnitudes(quote)
    if (claim_large - quote_large and quote_small) or (claim_small - quote_small and quote_large):
        return "changes how large its quote says the effect is"
    narrower = sorted(set(words(claim)) & _NARROWER - set(words(quote)))
    if narrower:
        return f"narrows its quote ({', '.join(narrower)})"
    if _turned_around(claim, quote):
        return "turns its quote's comparison around"
    quote_stems, around_stems = stems(quote), stems(around)
    stronger = sorted((stems(claim) & _STRONGER) - quote_stems)
    if stronger:
        return f"asserts more than its quote ({', '.join(stronger)})"
    new_names = sorted(n for n in _names(claim) if n not in known_names and stem(n) not in quote_stems | around_stems)
    if new_names:
        return f"names what its quote and passage do not ({', '.join(new_names)})"
    claim_stems = stems(claim)
    new = sorted(claim_stems - quote_stems - around_stems - _FRAMING)
    if len(new) > MAX_NEW_WORDS or (new and len(new) > MAX_NEW_SHARE * len(claim_stems)):
        return f"adds words its quote lacks ({', '.join(new)})"
    return None
