"""Finding or background? Word cues that tell a reported result from motivation and method description."""

from __future__ import annotations

import re

from sovereign_graph.text.numbers import numbers

# Findings: comparisons, measured effects, reported observations.
_FINDING = re.compile(
    r"\b(outperform\w*|improv\w*|achiev\w*|reduc\w*|increas\w*|decreas\w*|gain\w*|surpass\w*|degrad\w*"
    r"|boost\w*|speed-?up\w*|faster|slower|better|worse|higher|lower|fewer|more\s+\w+\s+than|less\s+\w+\s+than"
    r"|we\s+(?:find|found|show|observe|demonstrate|reveal)\w*|results?\s+(?:show|indicate|suggest|demonstrate)\w*"
    r"|experiments?\s+\w*\s*(?:show|demonstrate|reveal)\w*|state-of-the-art|consistently|significantly)\b",
    re.IGNORECASE,
)
# Background and motivation: what a field believes, not what a paper found.
_BACKGROUND = re.compile(
    r"\b(has\s+become|have\s+become|has\s+emerged|have\s+emerged|remains?\s+(?:largely\s+|poorly\s+)?"
    r"(?:under-?explored|unexplored|unclear|unknown|challenging|open|understudied|understood)"
    r"|poorly\s+understood|under-?explored|have\s+been\s+proposed|has\s+attracted|have\s+attracted"
    r"|is\s+an?\s+(?:central|key|fundamental|critical|crucial|long-standing|open)\s+(?:goal|challenge|problem|question)"
    r"|(?:are|is)\s+widely\s+(?:used|adopted|deployed)|recent(?:ly)?\s+(?:advances|years|work|studies)"
    r"|however,\s+(?:existing|current|most|these|such|prior)|existing\s+(?:methods|approaches|works?)"
    r"|to\s+(?:address|tackle|overcome|mitigate|bridge|fill)\s+(?:this|these|the)"
    r"|in\s+this\s+(?:paper|work),\s+we\s+(?:propose|introduce|present)"
    r"|we\s+(?:propose|introduce|present|develop|design)|this\s+(?:paper|work)\s+(?:proposes|introduces|presents))\b",
    re.IGNORECASE,
)


# Set-up and advice: what a study did or recommends, not what it found.
_SETUP = re.compile(
    r"\b(?:we|this\s+(?:paper|work|study))\s+(?:evaluate|study|investigate|analy[sz]e|examine|explore|benchmark|"
    r"conduct|test|assess|measure|compare)\b|\b(?:should|must|need\s+to)\s+be\b|\bwe\s+(?:call|argue|advocate)\b",
    re.IGNORECASE,
)


def is_setup(text: str) -> bool:
    return bool(_SETUP.search(text))


def is_background(text: str) -> bool:
    return bool(_BACKGROUND.search(text))


def reports_finding(text: str) -> bool:
    """A finding cue (a comparison, a measured effect, "we find"), and neither background nor set-up: a body
    sentence must read as a result to be claimed, since a paper's body is mostly method and context."""
    return bool(_FINDING.search(text)) and not is_background(text) and not is_setup(text)


def finding_strength(text: str) -> float:
    """0..1: how much the sentence reads as a reported result rather than background."""
    score = min(len(_FINDING.findall(text)), 3) / 3
    if numbers(text):
        score += 0.4
    if _BACKGROUND.search(text):
        score -= 0.6
    return max(0.0, min(1.0, score))
