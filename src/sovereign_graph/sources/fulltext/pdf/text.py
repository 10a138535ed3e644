"""Text normalisation shared by the PDF parser's modules: pdfium's characters as clean text (ligatures, TeX's
spacing accents, control characters, runs of spaces), the folded form in which lines are compared, and the
comma-separated word lists the rules are written in."""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_SPACES = re.compile(r"\s+")
# TeX's OT1 fonts set an accent as its own glyph before the letter: "Jim´enez", "M¨uller" -> "Jiménez", "Müller".
# (Not the circumflex or grave: "Vˆϕ" and `code` are math and code far more often than names.)
_COMBINING = {"´": "\u0301", "¨": "\u0308", "˜": "\u0303", "¸": "\u0327", "˚": "\u030a", "ˇ": "\u030c"}
_SPACING_ACCENT = re.compile(r"([´¨˜¸˚ˇ])([A-Za-z])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\ufeff\ufffe\uffff]")
_NOT_ALNUM = re.compile(r"[\W_]+")


def _phrases(text: str) -> frozenset[str]:
    return frozenset(phrase.strip() for phrase in text.split(",") if phrase.strip())


def _clean(text: str) -> str:
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    text = _CONTROL.sub("", text.replace("\u00a0", " "))
    text = _SPACING_ACCENT.sub(lambda m: unicodedata.normalize("NFC", m[2] + _COMBINING[m[1]]), text)
    return _SPACES.sub(" ", text).strip()


def _norm(text: str) -> str:
    """Letters and digits only, case folded: how a heading line and an outline title are compared."""
    return _NOT_ALNUM.sub("", text.casefold())
