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

from sovereign_graph.state import Facet, FacetKind
from sovereign_graph.steps.plan.facets.lexicon import (
    ADJECTIVES,
    AFTER_VERB,
    AUX,
    BARE_COMPARATIVES,
    BEFORE_NOUN,
    CHOICE,
    GENERIC_HEADS,
    INTRANSITIVE,
    MEASURES,
    MODAL,
    NOT_BENCHMARKS,
    NOTE_INSTRUCTIONS,
    PREPOSITIONAL,
    SUPERIORITY,
    VERBS,
)
from sovereign_graph.text.prose import key_phrases, stem, stems, words
from sovereign_graph.text.stopwords import QUESTION_STOP_WORDS

# Model families are what is run, not what it is run on.
_MODEL_FAMILY = re.compile(
    r"^(?:qwen|llava|mixtral|llama|gpt|deepseek|gemini|claude|olmoe|mistral|phi|internvl|clip|vit|dino|sam|blip|"
    r"flamingo|t5|bert|gemma|grok|yolo|resnet|switch|gshard|dbrx|jamba|kimi|minicpm|idefics|paligemma|molmo)",
    re.IGNORECASE,
)


# Verbs of effect: the outcome is their object ("improve accuracy" -> accuracy). Any other verb is part of what
# is measured ("localize industrial defects", "hallucinate objects").
_EFFECT_VERBS = re.compile(
    r"^(?:improve|affect|impact|influence|change|increase|decrease|reduce|boost|hurt|harm|degrade|alter|shape|enhance|"
    r"preserve|maintain|retain|lose|sacrifice|raise|lower|accelerate|speed|slow|benefit|yield|achieve|cut|save|close|"
    r"narrow|widen|mitigate|alleviate|prevent|eliminate|worsen|amplify|induce|cause|give|reach|cost|keep|offer|"
    r"provide|deliver|produce|attain|obtain|show|exhibit|display|recover|counter|make|get|help|match|exceed|surpass|"
    r"beat|outperform|rival|trade|outweigh|stabili[sz]e|destabili[sz]e|remove|avoid|address|resolve|overcome)"
)


_LEAD = (
    r"^(?:(?:how|why|when|whether|to\s+what\s+extent|in\s+what\s+ways?|how\s+(?:much|well|far|strongly|often|"
    r"accurately|reliably|quickly|efficiently|effectively|consistently|precisely))\s+)?"
)


# The main verb of a question is in its base form, or -s / -ed ("What X improves Y", "Has X improved Y"); an -ing
# word after the subject is a noun ("temporal grounding accuracy"), not the verb.
_VERB = rf"(?P<verb>(?:{VERBS})(?:s|es|ed|d|ted|ped|ned)?)\b"


_ADVERB = r"(?:still|also|really|actually|even|ever|always|often|reliably|consistently|truly|necessarily|generally)"


_IRREGULAR = r"(?:run|made|done|kept|put|set|cut|built|held|shown|found|taught|left|split|spread|fed|given|seen)"


_ADJECTIVE = rf"(?P<y>(?:[a-z0-9]+-)?(?:{ADJECTIVES})\b.*)"


# Each pattern names its shape; `_parse_main` turns the groups into typed spans.
_MAIN: list[tuple[str, re.Pattern[str]]] = [
    # "Can X be pruned (without losing Y)": the intervention is X and its verb; outcomes come from the clauses
    ("passive", re.compile(rf"{_LEAD}{AUX}\s+(?P<x>.+?\s+be\s+(?:\w+(?:ed|en)|{_IRREGULAR}))\b(?P<y>\s+.*)?$")),
    # "Do X still hallucinate Y": the word after the adverb is the verb, whatever it is
    ("svo", re.compile(rf"{_LEAD}{AUX}\s+(?P<x>.+?)\s+{_ADVERB}\s+(?P<verb>[a-z][\w-]*)(?:\s+(?P<y>.*))?$")),
    # "How do X and Z differ in Y"
    ("differ", re.compile(r"^how\s+(?:do|does|did)\s+(?P<x>.+?)\s+and\s+(?P<z>.+?)\s+differ\s+(?:in|on)\s+(?P<y>.+)$")),
    # "How robust is X to Y", "How accurate is X on B"
    (
        "how_adjective",
        re.compile(
            rf"^how\s+(?P<adj>{ADJECTIVES})\s+(?:is|are|was|were)\s+(?P<x>.+?)(?P<rest>\s+(?:to|on|against|for|under|when|at|in)\s+.*)?$"
        ),
    ),
    # "Is/Are X (more|less) ADJ (to Y) ..." -> intervention X, outcome "ADJ (to Y)"
    (
        "adjective",
        re.compile(
            rf"{_LEAD}(?:is|are|was|were|isn't|aren't)\s+(?P<x>.+?)\s+(?:just\s+|really\s+|still\s+)?"
            rf"(?:(?:more|less|as|equally)\s+)?{_ADJECTIVE}$"
        ),
    ),
    # "(How/Why) does X verb Y ..." -> intervention X, outcome Y (what follows is cut by the clause markers)
    ("svo", re.compile(rf"{_LEAD}{MODAL}\s+(?P<x>.+?)\s+(?P<verb>(?:{VERBS}))\b(?:\s+(?P<y>.*))?$")),
    ("svo", re.compile(rf"{_LEAD}(?:has|have|had|hasn't|haven't)\s+(?P<x>.+?)\s+{_VERB}(?:\s+(?P<y>.*))?$")),
    # "What fraction of experts are never activated when ...": the quantity is the outcome
    (
        "quantity",
        re.compile(
            r"^what\s+(?P<y>(?:fraction|proportion|share|percentage|number|amount|portion|part)\s+of\s+.+?)\s+"
            r"(?:is|are|was|were|gets?|remains?)\s+(?P<rest>.+)$"
        ),
    ),
    # "Which components of X matter most for Y"
    (
        "matters",
        re.compile(
            r"^(?:which|what)\s+(?P<x>.+?)\s+(?:matters?|contributes?|helps?|counts?)\s+(?:the\s+)?(?:most|more|least)"
            r"\s+(?:for|to|in)\s+(?P<y>.+)$"
        ),
    ),
    # "How much faster (, in tokens per second,) is X than Z ..."
    (
        "how_much_adjective",
        re.compile(
            r"^how\s+much\s+(?P<adj>(?:more|less)\s+[\w-]+|[\w-]+er)\b(?:,\s*(?P<unit>[^,]+),)?\s+(?:is|are|was|were)"
            r"\s+(?P<x>.+?)(?P<rest>\s+than\s+.*)?$"
        ),
    ),
    # "What do X reveal about Y"
    (
        "reveal",
        re.compile(
            r"^what\s+(?:do|does|did|can|could)\s+(?P<x>.+?)\s+(?:reveal|tell\s+us|show|say|indicate|suggest)\s+"
            r"about\s+(?P<y>.+)$"
        ),
    ),
    # "What trade-off between A and B emerges when X"
    (
        "emerges",
        re.compile(
            r"^what\s+(?P<y>.+?)\s+(?:emerges?|arises?|appears?|occurs?|results?|follows?)\s+(?:when|if|as|after)\s+"
            r"(?P<x>.+)$"
        ),
    ),
    # "Is the Y of X high enough for Z"
    (
        "enough",
        re.compile(
            r"^(?:is|are)\s+(?:the\s+)?(?P<y>.+?)\s+of\s+(?P<x>.+?)\s+(?:high|low|good|accurate|reliable|strong|fast|"
            r"small|large)\s+enough\b(?P<rest>.*)$"
        ),
    ),
    # "How does the Y of X compare" -> outcome Y, intervention X
    (
        "y_of_x",
        re.compile(r"^how\s+(?:does|do|did|would|will)\s+(?:the\s+)?(?P<y>.+?)\s+of\s+(?P<x>.+?)\s+compare[sd]?$"),
    ),
    # "What is the effect of X on Y ..." -> intervention X, outcome Y
    (
        "effect",
        re.compile(
            r"^what\s+(?:is|are)\s+the\s+(?:effects?|impacts?|influence|role)\s+of\s+(?P<x>.+?)\s+on\s+(?P<y>.*)$"
        ),
    ),
    # "What/Which is the Y (of X | on B | between A and B | ...)": the outcome, then the clauses
    (
        "what_is",
        re.compile(
            r"^(?:what|which)\s+(?:is|are|was|were)\s+the\s+(?P<y>.+?)(?P<rest>\s+(?:on|in|between|of|for)\s+.*)?$"
        ),
    ),
    # "Which is better for Y, X or Z"
    (
        "which_better",
        re.compile(
            r"^which\s+(?:is|are)\s+(?:better|best|preferable|more\s+\w+)\s+(?:for|at|in|on)\s+(?P<y>.+?),\s+(?P<x>.+?)\s+or\s+(?P<z>.+)$"
        ),
    ),
    # "What role does X play in Y"
    ("role", re.compile(r"^what\s+role\s+(?:does|do|did)\s+(?P<x>.+?)\s+play\s+in\s+(?P<y>.+)$")),
    # "What trade-off does X make between A and B"
    (
        "trade_off",
        re.compile(
            r"^what\s+trade-?offs?\s+(?:does|do|did)\s+(?P<x>.+?)\s+(?:make|strike|offer|face)\s+between\s+(?P<y>.+?)"
            r"\s+and\s+(?P<z>.+)$"
        ),
    ),
    # "What makes X fail on Y"
    (
        "makes_fail",
        re.compile(
            r"^what\s+makes\s+(?P<x>.+?)\s+(?P<y>(?:fail|struggle|hallucinate|break|succeed|work|collapse|err)\b.*)$"
        ),
    ),
    # "What explains the drop in Y when X"
    (
        "explains",
        re.compile(r"^what\s+(?:explains|drives|causes)\s+(?:the\s+)?(?P<y>.+?)\s+(?:when|if|as|after)\s+(?P<x>.+)$"),
    ),
    # "Is X enough to keep Y under Z"
    ("enough_to", re.compile(r"^(?:is|are)\s+(?P<x>.+?)\s+(?:enough|sufficient)\s+to\s+(?P<y>.+)$")),
    # "What causes X to Y", "What makes X Y"
    ("causes", re.compile(r"^what\s+(?:causes|makes|leads|drives|pushes)\s+(?P<x>.+?)\s+to\s+(?P<y>.+)$")),
    # "What limits Y in X"
    (
        "limits",
        re.compile(
            r"^what\s+(?:limits|bounds|determines|drives|governs|bottlenecks)\s+(?P<y>.+?)\s+(?:in|of|for|during)\s+(?P<x>.+)$"
        ),
    ),
    # "What happens to Y when X"
    ("happens", re.compile(r"^what\s+happens\s+to\s+(?P<y>.+?)\s+(?:when|if|as|after|once)\s+(?P<x>.+)$")),
    # "What Y does X reach (on B)", "How much Y can X retain" -> outcome Y, intervention X
    (
        "y_does_x",
        re.compile(
            rf"^(?:what|which|how\s+much|how\s+many)\s+(?P<y>.+?)\s+{MODAL}\s+(?P<x>.+?)\s+(?P<verb>(?:{VERBS}))\b"
            r"(?P<rest>\s+.*)?$"
        ),
    ),
    # "Which X gives the best Y ..." -> intervention X, outcome Y
    (
        "which_best",
        re.compile(
            r"^(?:what|which)\s+(?P<x>.+?)\s+(?:gives?|yields?|achieves?|has|have|offers?|provides?|works?|performs?)\s+"
            r"(?:the\s+)?(?:best|highest|lowest|most|least|strongest|largest|smallest)\s+(?P<y>.*)$"
        ),
    ),
    # "What/Which X verb Y" -> intervention X, outcome Y
    ("svo", re.compile(rf"^(?:what|which)\s+(?P<x>.+?)\s+{_VERB}\s+(?P<y>.*)$")),
]


# "Is there evidence that X ...": the claim after it is the question.
_EVIDENCE_PREFIX = re.compile(
    r"^(?:is\s+there\s+(?:any\s+)?evidence\s+that|is\s+it\s+true\s+that|do\s+we\s+know\s+(?:whether|if)"
    r"|is\s+it\s+the\s+case\s+that)\s+",
    re.IGNORECASE,
)


_DIRECTION = re.compile(
    r"^(?:for\s+|at\s+|in\s+)?(?:reducing|improving|increasing|lowering|minimi[sz]ing|maximi[sz]ing|preserving|boosting"
    r"|avoiding|cutting|raising)\s+",
    re.IGNORECASE,
)


# Clause markers, each opening a span of one kind; the span runs to the next marker.
_MARKERS = re.compile(
    r"\b(?P<comparison>(?:when\s+)?compared\s+(?:to|with|against)|in\s+comparison\s+(?:to|with)|compare[sd]?\s+"
    r"(?:against|with|to)|versus|vs\.?|relative\s+to|rather\s+than|instead\s+of|than|over\s+(?=(?:the\s+)?(?:baselines?|"
    r"standard|vanilla|dense|conventional|existing|prior|static|fixed|uniform|naive|random|top-|\w+-style|\w+-based))"
    r"|between)\b(?!-)|\b(?P<intervention>via|through\s+(?=using|adding|applying))\b(?!-)"
    r"|\b(?P<benchmark>on)\b(?!-)|\b(?P<measure>measured\s+by|in\s+terms\s+of|without\s+(?:hurting|degrading|losing|"
    r"sacrificing|harming|compromising|reducing|affecting|hurt|loss\s+of)|while\s+(?:preserving|maintaining|keeping|"
    r"retaining|reducing|improving|cutting|lowering|increasing)|with\s+(?:little|no|minimal|negligible|small|minor)\s+"
    r"(?:loss|drop|degradation|decrease)\s+(?:in|of)|without\s+(?:unacceptable|excessive|significant|noticeable|large)"
    r"|to\s+(?:maximi[sz]e|minimi[sz]e|improve|reduce|increase|boost|cut|lower|raise)|at\s+what\s+cost\s+(?:in|to))\b(?!-)"
    r"|\b(?P<condition>when(?:\s+(?:using|evaluated|trained|tested|run|applied))?|under|without|using|at|during|"
    r"across|within|while|if|given|for\s+(?=(?:videos?|images?|long|short|small|large|low|high|models?|tasks?|"
    r"inputs?|sequences?|documents?|batch)\s)|by\s+(?=\d|half|a\s+factor)|after|before"
    r"|in\s+(?=(?:\S+\s+){0,2}(?:regions?|settings?|conditions?|scenarios?|environments?|regimes?)\b)"
    r"|with\s+(?=(?:[\w-]+\s+){0,3}(?:models?|llms?|vlms?|mllms?|backbones?|encoders?)\b))\b(?!-)",
    re.IGNORECASE,
)


# A clause before the main question ("For videos longer than 10 minutes, does ..."): a condition, or with
# "rather than" a comparison.
# The setting an outcome is measured in ("perplexity in MoE language models", "latency for MoE models").
_OUTCOME_SETTING = re.compile(
    r"^(?P<y>.+?)\s+(?:in|for)\s+(?P<x>(?:[\w-]+\s+){0,3}(?:models?|llms?|vlms?|mllms?|lvlms?|transformers?|networks?|"
    r"moes?|inference|training|videos?|images?|forms?|documents?)\b.*)$",
    re.IGNORECASE,
)


_LEADING_CLAUSE = re.compile(
    r"^(?P<marker>for|under|at|on|given|with|without|when|if|while|in|after|before|during|beyond|rather\s+than|"
    r"instead\s+of"
    r"|compared\s+(?:to|with))\s+(?P<body>[^,]+),\s+(?P<rest>.+)$",
    re.IGNORECASE,
)


# A second question joined by "and" ("..., and how does it compare with Z?") is parsed on its own.
_SECOND_QUESTION = re.compile(
    r",?\s+and\s+(?=(?:how|why|what|which|does|do|did|is|are|can|could|would|will|should)\b)", re.IGNORECASE
)


_AT_WHAT_COST = re.compile(r",?\s+and\s+(?=at\s+what\s+cost\b)", re.IGNORECASE)


_PRONOUN = re.compile(r"^(?:it|they|this|these|that|those|them)$", re.IGNORECASE)


_ADVERBS = re.compile(
    r"\s+(?:still|also|actually|really|even|itself|themselves|further|so\s+much|much|more|at\s+all)$", re.I
)


_LEADING_COMPARATIVE = re.compile(
    r"^(?:the\s+)?(?:more|less|higher|lower|better|worse|greater|larger|smaller|best|highest|lowest|most|least|high|low"
    r"|strong)\s+(?=\S)",
    re.I,
)


# A comparative that ends the outcome before "than" ("preserve accuracy better than Z").
_TRAILING_COMPARATIVE = re.compile(
    r"\s+(?:much\s+|significantly\s+|far\s+)?(?:better|worse|more|less|higher|lower|greater)$", re.I
)


_LEADING = re.compile(
    r"^(?:the|a|an|its|their|to|in|of|on|from|with|by|like|such as|e\.g\.,?|any|some|overall)\s+", re.IGNORECASE
)


_PARTICIPLE = re.compile(r"\s+(?:designed|based|trained|used|proposed|applied|built|tailored|developed)\b", re.I)


_PREPOSITION = re.compile(r"\s+(?:to|of|in|on|for|with|under|by|across|from|learned)\s+", re.IGNORECASE)


def _clean(phrase: str) -> str:
    phrase = phrase.strip(" ,.;:?!()")
    while _LEADING.match(phrase):
        phrase = _LEADING.sub("", phrase, count=1).strip()
    while _ADVERBS.search(phrase):
        phrase = _ADVERBS.sub("", phrase).strip()
    return phrase.strip(" ,.;:?!()")


def benchmark_names(text: str, exclude: set[str]) -> list[str]:
    """Dataset-looking tokens: mixed case or upper case with a letter run (MMMU, MathVista, SNLI-VE, GQA)."""
    names: list[str] = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9]", text):
        # In a benchmark span a capitalised word is a name (Winoground), as is any run of capitals (MMMU).
        named = token[0].isupper() or sum(c.isupper() for c in token) >= 2
        if not named or token.lower() in NOT_BENCHMARKS or token.lower() in exclude or _MODEL_FAMILY.match(token):
            continue
        if token.lower().rstrip("s") in exclude or any(token.lower().startswith(e) for e in exclude):
            continue
        if token not in names:
            names.append(token)
    # Adjacent names are one benchmark ("MS COCO").
    joined: list[str] = []
    for name in names:
        if joined and re.search(rf"\b{re.escape(joined[-1])}\s+{re.escape(name)}\b", text):
            joined[-1] = f"{joined[-1]} {name}"
        else:
            joined.append(name)
    return joined


def _heads(phrase: str, kind: FacetKind, benchmarks: list[str]) -> list[str]:
    if kind == "benchmark":
        return sorted({b.lower() for b in benchmarks}) or sorted(stems(phrase))
    if kind == "outcome":
        measured = sorted({stem(w) for w in words(phrase) if stem(w) in MEASURES})
        if measured:
            return measured
    # The head of a noun phrase: its last content word before any preposition ("number of experts": experts).
    core = _PARTICIPLE.split(_PREPOSITION.split(phrase)[0])[0]
    if re.search(r"\bnumber\s*$", core, re.IGNORECASE) and _PREPOSITION.search(phrase):
        core = _PREPOSITION.split(phrase)[1]
    content = [w for w in words(core) if w not in QUESTION_STOP_WORDS and len(w) > 1]
    # "MoE models", "skipping methods": a generic head says nothing; its modifier names the thing.
    while len(content) > 1 and stem(content[-1]) in GENERIC_HEADS:
        content.pop()
    return [stem(content[-1])] if content else sorted(stems(phrase))[:1]


def _facets(index: int, text: str, kind: FacetKind, exclude: set[str]) -> list[Facet]:
    """The span's facet; a benchmark span naming several benchmarks ("MLVU or Video-MME") gives one each."""
    if kind == "benchmark" and (names := benchmark_names(_clean(text), exclude)):
        # "MMMU accuracy", "POPE better or worse calibrated": the names are benchmarks, a measure left over
        # is an outcome.
        found = [f for i, name in enumerate(names) if (f := _facet(index + i, name, kind, exclude)) is not None]
        rest = _clean(re.sub("|".join(re.escape(n) for n in names), " ", text))
        rest = " ".join(w for w in rest.split() if w.lower() not in ("or", "and", "like", "benchmarks", "benchmark"))
        # What is left names a measure (an outcome) or a setting ("fine-grained tasks like TextVQA").
        left_kind: FacetKind = "outcome" if any(stem(w) in MEASURES for w in words(rest)) else "condition"
        found += [f for f in [_facet(index + len(found), rest, left_kind, exclude)] if f is not None]
        return found
    if kind == "outcome" and (setting := _OUTCOME_SETTING.match(_clean(text))):
        return [
            f
            for f in (
                _facet(index, setting.group("y"), "outcome", exclude),
                _facet(index + 1, setting.group("x"), "condition", exclude),
            )
            if f
        ]
    if kind == "outcome" and (of := re.split(r"\s+of\s+", _clean(text), maxsplit=1)) and len(of) == 2:
        measured = [w for w in words(of[0]) if w not in QUESTION_STOP_WORDS]
        if measured and all(stem(w) in MEASURES for w in measured):
            # "accuracy of MoE vision-language models": the measure is the outcome, what it is of a condition.
            return [
                f
                for f in (_facet(index, of[0], "outcome", exclude), _facet(index + 1, of[1], "condition", exclude))
                if f
            ]
    facet = _facet(index, text, kind, exclude)
    return [facet] if facet is not None else []


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
    text = " ".join(re.sub(r"\([^)]*\)", " ", text).split())
    leading: list[tuple[FacetKind, str]] = []
    if clause := _LEADING_CLAUSE.match(text):
        marker = clause.group("marker").lower()
        kind: FacetKind = "comparison" if marker.startswith(("rather", "instead", "compared")) else "condition"
        applied = re.match(
            r"(?P<x>.+?)\s+(?:is|are)\s+(?:applied|added|used)\s+(?:to|in|with)\s+(?P<y>.+)$", clause.group("body")
        )
        if marker == "beyond":
            pass  # "Beyond accuracy, ...": what the question sets aside is no facet
        elif marker == "on" and benchmark_names(clause.group("body"), set()):
            leading.append(("benchmark", clause.group("body")))  # "On SIMPLER, does ..."
        elif applied and kind == "condition":
            # "When visual token pruning is applied to an MoE VLM, ...": what is applied is an intervention.
            leading += [("intervention", applied.group("x")), ("condition", applied.group("y"))]
        else:
            leading.append((kind, clause.group("body")))
        text = clause.group("rest")
    text = _AT_WHAT_COST.sub(" ", text)
    first, *others = _SECOND_QUESTION.split(text)
    spans = _parse_main(first)
    if spans is None:
        return _topics(question, max_facets)
    for other in others:
        spans += [
            (k, t) for k, t in _parse_main(other) or [] if not (k == "intervention" and _PRONOUN.match(_clean(t)))
        ]
    spans = spans + leading + [("benchmark", e) for e in examples]

    facets: list[Facet] = []
    for kind, span in spans:
        for facet in _facets(len(facets) + 1, span, kind, exclude):
            if not any(f.terms == facet.terms for f in facets):
                facets.append(facet.model_copy(update={"id": f"F{len(facets) + 1}"}))
    if not any(f.kind == "outcome" for f in facets):
        return _topics(question, max_facets)
    return facets[:max_facets]


def _parse_main(text: str) -> list[tuple[FacetKind, str]] | None:
    """The main clause's intervention and outcome, then the clauses the markers open after the outcome.
    Markers are read only after the main verb, so a marker word inside the subject ("training on X")
    does not cut it."""
    text = _EVIDENCE_PREFIX.sub("does ", text)
    lowered = text.lower()
    for shape, pattern in _MAIN:
        match = pattern.match(lowered)
        if match:
            # Work on the original casing: the regex ran on the lower-cased copy of the same length.
            groups = {k: text[match.start(k) : match.end(k)] for k, v in match.groupdict().items() if v is not None}
            return _comparative_outcome(_split_measured_names(_spans(shape, groups)))
    found = _any_verb(text)
    return _comparative_outcome(_split_measured_names(_spans(*found))) if found else None


_QUESTION_BODY = re.compile(rf"{_LEAD}(?P<aux>{AUX})\s+(?P<body>.+)$", re.IGNORECASE)


_MEASURE_FIRST = re.compile(
    rf"^(?:what|which|how\s+much|how\s+many)\s+(?P<y>.+?)\s+(?P<aux>{AUX})\s+(?P<body>.+)$", re.IGNORECASE
)


def _any_verb(text: str) -> tuple[str, dict[str, str]] | None:
    """A question whose verb is not in the lexicon: the first word after the subject that English uses as a
    verb in the form the auxiliary asks for (base form after do/can/will, also a participle after has)."""
    from lemminflect import getAllLemmas  # loaded on first use: a dictionary look-up, no model

    measure_first = _MEASURE_FIRST.match(text)
    match = measure_first or _QUESTION_BODY.match(text)
    if not match:
        return None
    body, aux = match.group("body"), match.group("aux").lower()
    tokens = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"\S+", body)]
    for i in range(1, len(tokens)):
        _start, end, word = tokens[i]
        plain = word.strip(",;:")
        if not plain.isalpha() or not plain.islower() or tokens[i - 1][2].lower() in BEFORE_NOUN:
            continue
        verbs = getAllLemmas(plain, upos="VERB").get("VERB", ())
        base = plain in verbs or (aux in ("has", "have", "had") and plain.endswith("ed") and bool(verbs))
        if not base:
            continue
        following = tokens[i + 1][2].lower() if i + 1 < len(tokens) else ""
        if getAllLemmas(plain, upos="NOUN") and following and following not in AFTER_VERB:
            continue  # "flow matching": a noun here
        groups = {"x": body[: tokens[i - 1][1]], "verb": plain, "y": body[end:].strip()}
        if measure_first:
            return "y_does_x", {
                "y": measure_first.group("y"),
                "x": groups["x"],
                "verb": plain,
                "rest": " " + groups["y"],
            }
        return "svo", groups
    return None


def _spans(shape: str, groups: dict[str, str]) -> list[tuple[FacetKind, str]]:
    x, y, rest = groups.get("x", ""), groups.get("y", ""), groups.get("rest", "")
    if shape in ("differ", "which_better"):
        return [("intervention", x), ("comparison", groups["z"]), ("outcome", y)]
    if shape == "trade_off":
        second, clauses = _clauses(groups["z"])
        return [("intervention", x), ("outcome", y), ("outcome", second), *clauses]
    if shape == "explains":
        head, clauses = _clauses(y)
        cause, when = _clauses(x)
        return [("outcome", head), ("intervention", cause), *clauses, *when]
    if shape in ("role", "makes_fail", "enough_to"):
        head, clauses = _clauses(y)
        if shape == "enough_to":
            head = re.sub(r"^(?:keep|reach|match|get|make|hold|stay)\s+", "", head.strip())
        return [("intervention", x), ("outcome", head), *clauses]
    if shape in ("causes", "happens", "limits", "effect", "y_of_x"):
        head, clauses = _clauses(y)
        return [("intervention", x), ("outcome", head), *clauses]
    if shape == "quantity":
        head, clauses = _clauses(" " + rest)
        return [("outcome", f"{y} {head.strip()}".strip()), *clauses]
    if shape == "how_much_adjective":
        _, clauses = _clauses(rest)
        unit = groups.get("unit", "")
        return [("intervention", x), ("outcome", f"{groups['adj']} {unit}".strip()), *clauses]
    if shape in ("matters", "reveal"):
        head, clauses = _clauses(y)
        return [("intervention", x), ("outcome", head), *clauses]
    if shape == "emerges":
        head, clauses = _clauses(x)
        return [("outcome", y), ("intervention", head), *clauses]
    if shape == "enough":
        head, clauses = _clauses(rest)
        return [("outcome", y), ("intervention", x), ("condition", head), *clauses]
    if shape == "how_adjective":
        head, clauses = _clauses(rest)
        tail = re.sub(r"^\s*(?:to|against|on|for|under|in|at)\s+", "", head)
        return [("intervention", x), ("outcome", groups["adj"]), ("condition", tail), *clauses]
    if shape == "adjective":
        head, clauses = _clauses(y)
        as_much = re.match(r"^(?P<adj>[\w-]+)\s+as\s+(?P<z>.+)$", y.strip())
        if as_much:
            # "just as effective as Z for Y": Z is the comparison, Y what they are compared at.
            rival_head, rival_clauses = _clauses(as_much.group("z"))
            parts = re.split(r"\s+(?:for|at|in)\s+", rival_head, maxsplit=1)
            task: list[tuple[FacetKind, str]] = [("outcome", parts[1])] if len(parts) == 2 else []
            return [
                ("intervention", x),
                ("outcome", as_much.group("adj")),
                ("comparison", parts[0]),
                *task,
                *rival_clauses,
            ]
        adjective = re.match(r"^(?P<adj>[\w-]+)\s+(?:to|against)\s+(?P<obj>.+)$", head.strip())
        if adjective and adjective.group("adj").lower() in ("prone", "susceptible", "vulnerable"):
            # "prone to catastrophic forgetting": what it is prone to is measured.
            return [("intervention", x), ("outcome", adjective.group("obj")), *clauses]
        if adjective:
            return [
                ("intervention", x),
                ("outcome", adjective.group("adj")),
                ("condition", adjective.group("obj")),
                *clauses,
            ]
        return [("intervention", x), ("outcome", head), *clauses]
    if shape in ("y_does_x",):
        _, clauses = _clauses(rest)
        return [("outcome", y), ("intervention", x), *clauses]
    if shape == "which_best":
        head, clauses = _clauses(y)
        return [("intervention", x), ("outcome", _DIRECTION.sub("", head.strip())), *clauses]
    if shape == "what_is":
        head, clauses = _clauses(y + rest)
        head, of_part = _split_of(head)
        if of_part and re.search(r"\b(?:cause|causes|source|sources|reason|reasons|driver|drivers|origin)$", head):
            # "What is the main cause of object hallucination in VLMs": what is explained is the outcome.
            return [("outcome", of_part), *clauses]
        studied: list[tuple[FacetKind, str]] = [("intervention", of_part)] if of_part else []
        return [("outcome", head), *studied, *clauses]
    head, clauses = _clauses(y)
    if shape == "passive":
        return [("intervention", f"{x} {head}"), *clauses]
    verb = groups.get("verb", "").lower()
    spans: list[tuple[FacetKind, str]] = []
    of = re.split(r"\s+of\s+", x, maxsplit=1)
    if verb.startswith("compar") and len(of) == 2 and any(stem(w) in MEASURES for w in words(of[0])):
        # "How does the throughput of X compare against Z": the measure is the outcome, X the intervention.
        spans.append(("outcome", of[0]))
        x = of[1]
    if verb.startswith(INTRANSITIVE) and _clean(head).lower() in ("", "up", "down", "out", "off"):
        return [("outcome", f"{x} {verb} {_clean(head)}"), *clauses]
    if verb.startswith(CHOICE):
        # "Should MoE inference use expert offloading (rather than Z) to maximize Y": the object is the intervention.
        return [("condition", x), ("intervention", head), *clauses]
    bare = _clean(_TRAILING_COMPARATIVE.sub("", head.strip(" ,"))).lower() in ("", "more", "less", "better", "worse")
    if verb.startswith(PREPOSITIONAL) and not _clean(head) and clauses:
        # "rely on single-frame cues": the verb and its object are what is measured.
        spans += [("intervention", x), ("outcome", f"{verb} {_clean(clauses[0][1])}")]
        return spans + clauses[1:]
    if re.match(r"^(?:up|down|out|off)\b", head.strip()) or (bare and shape == "svo"):
        # "speed up decoding", "hallucinate more (on X than on Z)": the verb itself is the outcome.
        return [*spans, ("intervention", x), ("outcome", f"{verb} {head.strip()}".strip()), *clauses]
    if x:
        spans.append(("intervention", x))
    compared_in = re.match(r"^\s*in\s+(?:terms\s+of\s+)?(?P<y>.+?)\s+(?:with|to|against)\s+(?P<z>.+)$", head)
    if verb.startswith("compar") and compared_in:
        # "compare in accuracy with Z"
        spans += [("outcome", compared_in.group("y")), ("comparison", compared_in.group("z"))]
    elif verb.startswith("compar"):
        parts = re.split(r"\s+in(?:\s+terms\s+of)?\s+", head, maxsplit=1)
        spans.append(("comparison", re.sub(r"^\s*(?:with|to|against)\s+", "", parts[0])))
        if len(parts) == 2:
            spans.append(("outcome", parts[1]))
    elif verb.startswith(("generali", "transfer")):
        spans.append(("outcome", f"generalization to {_clean(head)}"))
    elif verb.startswith(SUPERIORITY):
        # "X beats Z for long-video QA": Z is the comparison, what it is beaten at the outcome.
        parts = re.split(r"\s+(?:for|at|in)\s+", head, maxsplit=1)
        of = re.split(r"\s+of\s+", _clean(parts[0]), maxsplit=1)
        if len(of) == 2 and any(stem(w) in MEASURES for w in words(of[0])):
            # "match the accuracy of larger dense models": the measure is the outcome, whose it is the comparison.
            spans += [("outcome", of[0]), ("comparison", of[1])]
        else:
            spans.append(("comparison", parts[0]))
        if len(parts) == 2:
            spans.append(("outcome" if len(of) != 2 else "condition", parts[1]))
    elif shape == "svo" and groups.get("verb") and not _EFFECT_VERBS.match(verb):
        # Not a verb of effect: the verb is part of what is measured ("hallucinate objects").
        spans.append(("outcome", f"{groups['verb']} {_TRAILING_COMPARATIVE.sub('', head.strip(' ,'))}"))
    else:
        outcome = _LEADING_COMPARATIVE.sub("", _TRAILING_COMPARATIVE.sub("", head.strip(" ,")))
        spans.append(("outcome", outcome))
    return spans + clauses


def _split_measured_names(spans: list[tuple[FacetKind, str]]) -> list[tuple[FacetKind, str]]:
    """'MMLU accuracy' as an outcome: the benchmark name is a facet of its own."""
    out: list[tuple[FacetKind, str]] = []
    for kind, text in spans:
        names = benchmark_names(text, set()) if kind == "outcome" else []
        # Only a name that qualifies a measure ("MMLU accuracy", "Winoground group scores").
        names = [
            n
            for n in names
            if sum(c.isupper() for c in n) >= 2
            and (after := re.search(rf"{re.escape(n)}\s+((?:[\w-]+\s+)?[\w-]+)", text))
            and any(stem(w) in MEASURES for w in words(after.group(1)))
        ]
        rest = _clean(re.sub("|".join(re.escape(n) for n in names), " ", text)) if names else text
        if names and any(stem(w) in MEASURES for w in words(rest)):
            out += [("outcome", rest), *(("benchmark", n) for n in names)]
        else:
            out.append((kind, text))
    return out


def _split_of(head: str) -> tuple[str, str]:
    """'boiling point of water' -> ('boiling point', 'water'): in a 'What is the Y of X' question, X is
    what is studied."""
    parts = re.split(r"\s+of\s+", head, maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 and parts[1].strip() else (head, "")


def _clauses(tail: str) -> tuple[str, list[tuple[FacetKind, str]]]:
    """The text before the first marker, and each marker's span typed by the marker."""
    first = _MARKERS.search(tail)
    head = tail[: first.start()] if first else tail
    spans: list[tuple[FacetKind, str]] = []
    carried: str | None = None
    for match in _MARKERS.finditer(tail):
        following = _MARKERS.search(tail, match.end())
        span = tail[match.end() : following.start() if following else len(tail)]
        kind = carried or next(k for k, v in match.groupdict().items() if v)
        # "than on general VQA": an empty span hands its kind to the next one.
        carried = kind if not span.strip() else None
        if carried:
            continue
        if match.group(0).lower() == "between" and " and " in span:
            # "between SMoES and modality-agnostic MoE-VLMs": the first is studied, the second its comparison.
            studied, rival = span.split(" and ", 1)
            spans += [("intervention", studied), ("comparison", rival)]
            continue
        if match.group(0).lower().startswith(("versus", "vs")) and spans:
            # "top-1 versus top-4 routing" is one comparison, not a condition and a comparison.
            spans[-1] = ("comparison", f"{_clean(spans[-1][1])} versus {_clean(span)}")
            continue
        spans.append(("outcome" if kind == "measure" else kind, span))  # type: ignore[arg-type]
    # A span opened by a marker the spans end at ("via X" inside "on Y") keeps its own kind; nothing else to do.
    return head, spans


def _comparative_outcome(spans: list[tuple[FacetKind, str]]) -> list[tuple[FacetKind, str]]:
    """'Is X better than Z at counting?': a bare comparative is no outcome; the condition after it is."""
    outcome = next((i for i, (kind, _) in enumerate(spans) if kind == "outcome"), None)
    if outcome is None or _clean(spans[outcome][1]).lower() not in BARE_COMPARATIVES:
        return spans
    condition = next((i for i, (kind, _) in enumerate(spans) if kind == "condition" and i > outcome), None)
    rest = [s for i, s in enumerate(spans) if i != outcome]
    if condition is None:
        # "better than Z for MLLM reasoning": what it is better at is the outcome.
        for i, (kind, text) in enumerate(rest):
            parts = re.split(r"\s+(?:for|at|in)\s+", text, maxsplit=1) if kind == "comparison" else []
            if len(parts) == 2:
                return [*rest[:i], ("comparison", parts[0]), ("outcome", parts[1]), *rest[i + 1 :]]
        return rest
    return [("outcome", text) if (kind, text) == spans[condition] else (kind, text) for kind, text in rest]


# An instruction word, whole (not inside "look-up" or "workload"), becomes a phrase break.
_INSTRUCTION = re.compile(r"(?<![\w-])(?:" + "|".join(sorted(NOTE_INSTRUCTIONS)) + r")(?![\w-])", re.IGNORECASE)


def note_facets(note: str, max_facets: int = 3) -> list[Facet]:
    """The owner's revise note as facets: what they want measured, so claims about it count as on topic.

    The note's instructions ("look for evidence on", "please check") are no facets: they are cut out first."""
    asked = _INSTRUCTION.sub(",", note)
    return [f.model_copy(update={"kind": "outcome"}) for f in _topics(asked, max_facets)]


def _topics(question: str, max_facets: int) -> list[Facet]:
    facets: list[Facet] = []
    for phrase in key_phrases(question, max_phrases=max_facets):
        terms = sorted(stems(phrase))
        if terms:
            facets.append(Facet(id=f"F{len(facets) + 1}", text=phrase, kind="topic", terms=terms, heads=terms))
    return facets
