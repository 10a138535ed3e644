"""verify: every claim graded for grounding in its quote and corroboration by other passages: the verifier trained
on SciFact (`trained.py`), on lexical features ('trained') or with the embedded reader's stance stacked on them
('neural'), or the seed TF-IDF method (`tfidf.py`)."""

from sovereign_graph.errors import InputError, shown

VERIFIERS = ("neural", "trained", "tfidf")


def check_verifier(name: str) -> str:
    if name not in VERIFIERS:
        raise InputError(f"unknown verifier {shown(name)} (available: {', '.join(VERIFIERS)}).")
    return name
