"""Claim verifiers: the trained SciFact model (default) and the seed TF-IDF method ('tfidf')."""

from sovereign_graph.errors import InputError, shown

VERIFIERS = ("trained", "tfidf")


def check_verifier(name: str) -> str:
    if name not in VERIFIERS:
        raise InputError(f"unknown verifier {shown(name)} (available: {', '.join(VERIFIERS)}).")
    return name
