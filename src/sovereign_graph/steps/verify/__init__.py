"""verify: every claim graded for grounding in its quote and corroboration by other passages: the trained SciFact
verifier (`trained.py`, default) or the seed TF-IDF method (`tfidf.py`)."""

from sovereign_graph.errors import InputError, shown

VERIFIERS = ("trained", "tfidf")


def check_verifier(name: str) -> str:
    if name not in VERIFIERS:
        raise InputError(f"unknown verifier {shown(name)} (available: {', '.join(VERIFIERS)}).")
    return name
