"""The facet grammar's word lists: the verbs, adjectives, auxiliaries, measures and generic heads it knows, kept
apart from the rules that use them, so a list can be extended without reading a regular expression."""

from __future__ import annotations

from sovereign_graph.text.prose import stem

# Quantities a study measures: an outcome facet's heads are the ones it names.
MEASURE_WORDS = (
    "robustness robust accuracy throughput latency efficiency flops speed speedup memory cost error errors "
    "performance generalization generalisation generalize degradation calibration faithfulness hallucination "
    "specialization specialisation overhead communication energy perplexity recall precision f1 score scores "
    "win rate gain gains calibrated hallucinate hallucinations quality yield"
)


MEASURES = frozenset(stem(w) for w in MEASURE_WORDS.split())


# Acronyms of model families and units, not benchmarks.
MODEL_ACRONYMS = (
    "MoE MoEs VLM VLMs LVLM LVLMs MLLM MLLMs LLM LLMs MoE-VLM MoE-VLMs FLOPs GPU GPUs EP TTFT TPOT OOD AI OCR VQA QA "
    "AP mAP IoU mIoU FID BLEU ROUGE ECE AUC CLIP ViT ViTs RAG SFT RL RLHF DPO KV CoT"
)


NOT_BENCHMARKS = frozenset(w.lower() for w in (MODEL_ACRONYMS + " VLA VLAs VLN MoE-LLaVA").split())


VERBS = (
    r"improve|affect|impact|influence|change|increase|decrease|reduce|boost|hurt|harm|degrade|alter|shape|"
    r"generali[sz]e|transfer|outperform|enhance|compare|preserve|maintain|retain|lose|sacrifice|suffer|cause|"
    r"lead|help|mitigate|alleviate|prevent|eliminate|raise|lower|accelerate|speed|slow|benefit|yield|achieve|"
    r"scale|match|exceed|surpass|beat|handle|struggle|fail|correlate|depend|trade|address|resolve|induce|"
    r"amplify|worsen|cut|save|close|narrow|widen|remove|avoid|offer|provide|deliver|produce|keep|cost|make|replace|"
    r"get|reach|counter|give|describe|recover|add|rise|fall|grow|drop|shrink|rival|maximi[sz]e|minimi[sz]e|"
    r"hold|separate|distinguish|detect|predict|explain|overcome|stabili[sz]e|destabili[sz]e|hallucinate|rely|ignore|"
    r"differ|read|run|speciali[sz]e|perform|work|learn|capture|encode|attend|route|forget|collapse|converge|"
    r"require|need|exploit|leverage|support|enable|hinder|limit|bias|mislead|understand|recogni[sz]e|count|"
    r"locali[sz]e|ground|answer|solve|follow|generate|adapt|attain|obtain|vary|behave|skew|reflect|mirror|"
    r"encourage|discourage|promote|lose|outweigh|translate|need|suffer|show|exhibit|display|use|adopt|prefer|"
    r"choose|employ|apply"
)


# Verbs whose object is what the intervention is compared against ("X beats Z for Y").
SUPERIORITY = ("beat", "outperform", "surpass", "exceed", "rival", "match", "replace", "substitute")


# Verbs without an object: the outcome is the subject's change ("sea level rise", "the speedups add up").
INTRANSITIVE = ("rise", "fall", "grow", "drop", "shrink", "add", "hold", "scale")


# Verbs whose object is the intervention and whose subject is the setting ("Should MoE inference use offloading").
CHOICE = ("use", "adopt", "prefer", "choose", "employ", "apply")


# Verbs that take their outcome through a preposition ("rely on single-frame cues").
PREPOSITIONAL = ("rely", "depend", "focus", "attend", "fail", "struggle", "succeed")


# Adjectives a "Is/Are X ADJ ...?" question asks about: the outcome is the adjective and what follows it.
ADJECTIVES = (
    r"robust|effective|efficient|accurate|stable|faithful|reliable|sensitive|vulnerable|capable|better|worse|"
    r"faster|slower|cheaper|necessary|sufficient|beneficial|harmful|useful|competitive|consistent|calibrated|"
    r"fair|biased|scalable|superior|inferior|comparable|prone|damaging|resilient|susceptible|effective|expensive"
)


AUX = (
    r"(?:does|do|did|can|could|will|would|is|are|was|were|has|have|had|should|might|may|must|isn't|aren't|doesn't|"
    r"don't|didn't|can't|won't|wouldn't|shouldn't|hasn't|haven't)"
)


# After do-support or a modal the verb is in its base form ("Would caching frequently used experts reduce ...":
# "used" is not the verb); after has/have it is a participle.
MODAL = (
    r"(?:does|do|did|can|could|will|would|should|might|may|must|doesn't|don't|didn't|can't|won't|wouldn't|"
    r"shouldn't)"
)


GENERIC_HEADS = frozenset(
    stem(w)
    for w in [
        "model",
        "models",
        "method",
        "methods",
        "approach",
        "approaches",
        "framework",
        "frameworks",
        "technique",
        "techniques",
        "system",
        "systems",
        "strategy",
        "strategies",
        "network",
        "networks",
        "architecture",
        "architectures",
        "variant",
        "variants",
        "baseline",
        "baselines",
        "trick",
        "tricks",
        "scheme",
        "schemes",
        "mechanism",
        "mechanisms",
    ]
)


# Words after which a noun-or-verb word ("score", "form") is used as a verb: "score higher", "form a topos".
AFTER_VERB = frozenset(
    [
        "a",
        "an",
        "the",
        "their",
        "its",
        "his",
        "her",
        "this",
        "these",
        "those",
        "more",
        "less",
        "higher",
        "lower",
        "better",
        "worse",
        "up",
        "down",
        "to",
        "in",
        "on",
        "with",
        "from",
        "any",
        "all",
        "each",
        "every",
        "much",
        "many",
        "well",
    ]
)


BEFORE_NOUN = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "for",
        "with",
        "by",
        "to",
        "from",
        "their",
        "its",
        "this",
        "these",
        "that",
        "those",
    ]
)


BARE_COMPARATIVES = frozenset({"better", "worse", "superior", "inferior", "comparable", ""})


# Words in an owner's note that ask for something rather than name it: "look for evidence on X", "please check
# X", "focus on X". As facets they would be outcomes no paper measures ("look", "evidence"), permanent gaps that
# rule out ACCEPT; the note's facets are what is left. Small words around them ("for", "on") are stop words.
NOTE_INSTRUCTIONS = frozenset(
    """
    look looking looks search searching find finding check checking verify verifying confirm focus focusing
    please kindly investigate investigating examine examining explore exploring consider considering dig
    include including add adding emphasize emphasise prioritize prioritise want need needs would like try
    evidence evidences proof support supporting papers paper studies study literature sources references
    work works more also additional further especially particularly specifically
    """.split()  # noqa: SIM905
)
