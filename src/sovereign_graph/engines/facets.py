"""Splitting a research question into typed facets: intervention, outcome, benchmark, comparison, condition.

Rule-based and deterministic. The clause markers ("compared to", "on", "when", "under", "measured by",
...) cut the question into spans; the main clause's verb ("Does X improve Y", "How does X affect Y",
"How does the Y of X compare", "What is the Y ...") tells the intervention from the outcome. A question
the rules do not parse falls back to its key phrases as untyped "topic" facets.

Each facet carries `terms` (stems of its content words) and `heads` (the stems a passage must contain to
address it at all: the measured quantity for an outcome, the benchmark names for a benchmark).
"""

from __future__ import annotations

import re

from sovereign_graph.engines.text import STOPWORDS, key_phrases, stem, stems, words
from sovereign_graph.state import Facet, FacetKind

# Quantities a study measures: an outcome facet's heads are the ones it names.
_MEASURE_WORDS = (
    "robustness robust accuracy throughput latency efficiency flops speed speedup memory cost error errors "
    "performance generalization generalisation generalize degradation calibration faithfulness hallucination "
    "specialization specialisation overhead communication energy perplexity recall precision f1 score scores "
    "win rate gain gains"
)
MEASURES = frozenset(stem(w) for w in _MEASURE_WORDS.split())
# Acronyms of model families and units, not benchmarks.
_MODEL_ACRONYMS = "MoE MoEs VLM VLMs MLLM MLLMs LLM LLMs MoE-VLM MoE-VLMs FLOPs GPU GPUs EP TTFT TPOT OOD AI"
NOT_BENCHMARKS = frozenset(w.lower() for w in _MODEL_ACRONYMS.split())
_VERBS = (
    r"improve|affect|impact|influence|change|increase|decrease|reduce|boost|hurt|degrade|alter|shape|"
    r"generali[sz]e|transfer|outperform|enhance|compare"
)
_MAIN = [
    # "Does/How does X verb Y"
    re.compile(
        rf"^(?:how\s+)?(?:does|do|did|can|could|will|would|is|are)\s+(?P<x>.+?)\s+(?P<verb>{_VERBS})\w*\s*(?P<y>.*)$"
    ),
    # "How does the Y of X (compare ...)" -> outcome Y, intervention X
    re.compile(r"^how\s+(?:does|do|did|would|will)\s+(?:the\s+)?(?P<y>.+?)\s+of\s+(?P<x>.+?)(?:\s+compare[sd]?)?$"),
    # "What is the Y (on|in|between|of) ..."
    re.compile(r"^what\s+(?:is|are)\s+the\s+(?P<y>.+?)(?:\s+(?:on|in|between|of|for)\s+(?P<rest>.*))?$"),
]
# Clause markers, each opening a span of one kind; the span runs to the next marker.
_MARKERS = re.compile(
    r"\b(?P<comparison>(?:when\s+)?compared\s+(?:to|with)|compare[sd]?\s+(?:against|with|to)|versus|vs\.?|relative\s+to"
    r"|between)\b|\b(?P<benchmark>on)\b|\b(?P<measure>measured\s+by|in\s+terms\s+of)\b"
    r"|\b(?P<condition>when(?:\s+(?:using|evaluated|trained|tested|run))?|under|without|using|at)\b",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(?:the|a|an|its|their|to|in|of|on|like|such as|e\.g\.,?)\s+", re.IGNORECASE)
_PREPOSITION = re.compile(r"\s+(?:to|of|in|on|for|with|under|by|across|from|learned)\s+", re.IGNORECASE)


def _clean(phrase: str) -> str:
    phrase = phrase.strip(" ,.;:?!()")
    while _LEADING.match(phrase):
        phrase = _LEADING.sub("", phrase, count=1).strip()
    return phrase.strip(" ,.;:?!()")


def benchmark_names(text: str, exclude: set[str]) -> list[str]:
    """Dataset-looking tokens: mixed case or upper case with a letter run (MMMU, MathVista, SNLI-VE, GQA)."""
    names: list[str] = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9]", text):
        # In a benchmark span a capitalised word is a name (Winoground), as is any run of capitals (MMMU).
        named = token[0].isupper() or sum(c.isupper() for c in token) >= 2
        if not named or token.lower() in NOT_BENCHMARKS or token.lower() in exclude:
            continue
        if token.lower().rstrip("s") in exclude or any(token.lower().startswith(e) for e in exclude):
            continue
        if token not in names:
            names.append(token)
    return names


def _heads(phrase: str, kind: FacetKind, benchmarks: list[str]) -> list[str]:
    if kind == "benchmark":
        return sorted({b.lower() for b in benchmarks}) or sorted(stems(phrase))
    if kind == "outcome":
        measured = sorted({stem(w) for w in words(phrase) if stem(w) in MEASURES})
        if measured:
            return measured
    # The head of a noun phrase: its last content word before any preposition ("number of experts": experts).
    core = _PREPOSITION.split(phrase)[0]
    if re.search(r"\bnumber\s*$", core, re.IGNORECASE) and _PREPOSITION.search(phrase):
        core = _PREPOSITION.split(phrase)[1]
    content = [w for w in words(core) if w not in STOPWORDS and len(w) > 1]
    return [stem(content[-1])] if content else sorted(stems(phrase))[:1]


def _facet(index: int, text: str, kind: FacetKind, exclude: set[str]) -> Facet | None:
    text = _clean(text)
    terms = sorted(stems(text))
    if not terms:
        return None
    benchmarks = benchmark_names(text, exclude) if kind == "benchmark" else []
    if kind == "benchmark" and not benchmarks and not any(w in text.lower() for w in ("benchmark", "dataset")):
        kind = "condition"
    return Facet(id=f"F{index}", text=text, kind=kind, terms=terms, heads=_heads(text, kind, benchmarks))


def split_facets(question: str, subject_names: tuple[str, ...] = (), max_facets: int = 6) -> list[Facet]:
    """Typed facets of the question; `subject_names` (the paper's method name) are never benchmarks."""
    text = " ".join(question.split()).rstrip("?.! ")
    exclude = {n.lower() for n in subject_names}
    examples = re.findall(r"\((?:e\.g\.,?|i\.e\.,?|such as)?\s*([^)]*)\)", text)
    text = re.sub(r"\([^)]*\)", " ", text)
    spans: list[tuple[FacetKind, str]] = []
    cut = _MARKERS.search(text)
    main, tail = (text[: cut.start()], text[cut.start() :]) if cut else (text, "")
    parsed = _parse_main(main.strip())
    if parsed is None:
        return _topics(question, max_facets)
    spans += parsed
    for match in _MARKERS.finditer(tail):
        following = _MARKERS.search(tail, match.end())
        span = tail[match.end() : following.start() if following else len(tail)]
        kind = next(k for k, v in match.groupdict().items() if v)
        if match.group(0).lower().startswith(("versus", "vs")) and spans:
            # "top-1 versus top-4 routing" is one comparison, not a condition and a comparison.
            spans[-1] = ("comparison", f"{_clean(spans[-1][1])} versus {_clean(span)}")
            continue
        spans.append(("outcome" if kind == "measure" else kind, span))  # type: ignore[arg-type]
    spans += [("benchmark", e) for e in examples]

    facets: list[Facet] = []
    for kind, span in spans:
        facet = _facet(len(facets) + 1, span, kind, exclude)
        if facet is not None and not any(f.terms == facet.terms for f in facets):
            facets.append(facet)
    return facets[:max_facets] if facets else _topics(question, max_facets)


def _parse_main(main: str) -> list[tuple[FacetKind, str]] | None:
    for pattern in _MAIN:
        match = pattern.match(main.lower())
        if not match:
            continue
        # Work on the original casing: the regex ran on the lower-cased copy of the same length.
        groups = {k: main[match.start(k) : match.end(k)] for k, v in match.groupdict().items() if v is not None}
        spans: list[tuple[FacetKind, str]] = []
        if groups.get("x"):
            spans.append(("intervention", groups["x"]))
        if groups.get("verb", "").lower().startswith(("generali", "transfer")):
            spans.append(("outcome", f"generalization to {_clean(groups.get('y', ''))}"))
        elif groups.get("y"):
            spans.append(("outcome", groups["y"]))
        if groups.get("rest"):
            spans.append(("comparison" if " and " in groups["rest"] else "benchmark", groups["rest"]))
        return spans
    return None


def note_facets(note: str, max_facets: int = 3) -> list[Facet]:
    """The owner's revise note as facets: what they want measured, so claims about it count as on topic."""
    return [f.model_copy(update={"kind": "outcome"}) for f in _topics(note, max_facets)]


def _topics(question: str, max_facets: int) -> list[Facet]:
    facets: list[Facet] = []
    for phrase in key_phrases(question, max_phrases=max_facets):
        terms = sorted(stems(phrase))
        if terms:
            facets.append(Facet(id=f"F{len(facets) + 1}", text=phrase, kind="topic", terms=terms, heads=terms))
    return facets


FULL_COVERAGE = 0.75


def facet_coverage(facet: Facet, sentence_stems: set[str], sentence: str) -> float:
    """0 when the passage lacks every head of the facet; else the share of the facet's terms it contains
    (at least a little, since the head is there). At FULL_COVERAGE or more the facet is fully addressed."""
    lowered = sentence.lower()
    if facet.heads and not any(h in sentence_stems or (len(h) >= 4 and h in lowered) for h in facet.heads):
        return 0.0
    share = len(sentence_stems.intersection(facet.terms)) / len(facet.terms) if facet.terms else 0.0
    if facet.kind == "benchmark":
        return 1.0
    return max(share, 0.01)


def required_facets(facets: list[Facet]) -> list[Facet]:
    """What a claim must address to be on topic: the outcomes (every facet, if the question names none)."""
    outcomes = [f for f in facets if f.kind == "outcome"]
    return outcomes or facets
