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
# A UTF-16 surrogate half left alone: not a character, and text holding one cannot be encoded (as JSON, UTF-8).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"
# Stands in for the second unit of a surrogate pair, so a page's text keeps one entry per pdfium character
# index (the geometry is looked up by index); `_clean` removes it like the other zero-width characters.
PAIR_FILLER = "\u200b"


def decode_units(codes: list[int]) -> tuple[str, int]:
    """pdfium's per-character codes as text, one entry per index, and how many could not be decoded.

    pdfium stores a character above U+FFFF (math italic 𝑥, some CJK) as two entries, its UTF-16 surrogate
    halves; some fonts map a glyph to a half alone. A pair becomes its character (and a filler); a half that
    pairs with nothing, or a code that is no character, becomes U+FFFD and is counted."""
    out: list[str] = []
    replaced = 0
    i, n = 0, len(codes)
    while i < n:
        code = codes[i]
        if 0xD800 <= code < 0xDC00 and i + 1 < n and 0xDC00 <= codes[i + 1] < 0xE000:
            out.append(chr(0x10000 + ((code - 0xD800) << 10) + (codes[i + 1] - 0xDC00)))
            out.append(PAIR_FILLER)
            i += 2
            continue
        if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000:
            out.append(chr(code))
        else:
            out.append(REPLACEMENT)
            replaced += 1
        i += 1
    return "".join(out), replaced


def repair_surrogates(text: str) -> tuple[str, int]:
    """`text` with surrogate halves paired where they form a pair, the rest as U+FFFD; and how many were
    replaced. For strings pdfium decoded as a whole (metadata, outline titles)."""
    if _LONE_SURROGATE.search(text) is None:
        return text, 0
    # A Python string keeps each surrogate half as a code point of its own: they pair as pdfium's codes do.
    repaired, replaced = decode_units([ord(ch) for ch in text])
    return repaired.replace(PAIR_FILLER, ""), replaced


def _phrases(text: str) -> frozenset[str]:
    return frozenset(phrase.strip() for phrase in text.split(",") if phrase.strip())


def _clean(text: str) -> str:
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    # Surrogates are repaired where the text is read (`reading._page_text`); any left become U+FFFD here, so
    # no text of the parser can fail to encode.
    text = _LONE_SURROGATE.sub(REPLACEMENT, text)
    text = _CONTROL.sub("", text.replace("\u00a0", " "))
    text = _SPACING_ACCENT.sub(lambda m: unicodedata.normalize("NFC", m[2] + _COMBINING[m[1]]), text)
    return _SPACES.sub(" ", text).strip()


def _norm(text: str) -> str:
    """Letters and digits only, case folded: how a heading line and an outline title are compared."""
    return _NOT_ALNUM.sub("", text.casefold())
