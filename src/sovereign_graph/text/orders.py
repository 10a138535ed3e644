"""Text that speaks to the system instead of about the evidence: what an instruction planted in a paper reads like,
and what a model that obeyed one repeats. A reviewer's rationale that gives orders is set aside
(`steps/review/guard.py`); a quote that gives orders is no finding, and no claim may rest on it
(`steps/extract/checks.py`)."""

from __future__ import annotations

import re

# Orders to the system, not findings about a dossier: what an injected sentence in a paper makes a model repeat.
_ORDERS = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+|your\s+)*(?:previous|prior|above|earlier|preceding|"
    r"other|system)\b|\bsystem\s+(?:prompt|message|instructions?)\b|\byou\s+(?:must|are\s+(?:required|instructed)|"
    r"should\s+now)\b|\b(?:must|should|shall)\s+be\s+(?:accepted|approved|rated|scored|given)\b|"
    r"\b(?:rate|score|mark|grade)\s+(?:this|it|the\s+(?:dossier|evidence|claims?))\s+(?:as\s+)?"
    r"(?:conclusive|verified|10|ten|perfect|high(?:ly)?|accept)|\b(?:reviewers?|tribunal|validators?)\s+(?:should|must)\b|"
    r"\bnew\s+instructions?\b|\bas\s+an\s+ai\b",
    re.IGNORECASE,
)


def gives_orders(text: str) -> str | None:
    """The first phrase of `text` that speaks to the system rather than about the dossier, or None."""
    match = _ORDERS.search(" ".join(text.split()))
    return match.group(0) if match else None
