"""Text that is safe to print on a terminal, whoever wrote it.

A question, a title, a quote or an owner's note can carry ESC sequences and other C0/C1 controls (pasted
from a terminal, or present in a corpus record). Printed raw, a terminal obeys them: it clears the screen,
retitles the window, moves the cursor over text already shown. So what is displayed gets them escaped
(`\\x1b`), visible and inert, and what is typed as input gets them removed the way the terminal showed it.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, lone surrogates (an undecodable byte in argv becomes one; it cannot be
# written as UTF-8 at all), and the bidirectional controls (embeddings, overrides, isolates, marks): U+202E
# shown raw reverses the rest of the line, so a title can make text read as something else ("Trojan Source").
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(rf"\r\n|[\x00-\x1f\x7f-\x9f\ud800-\udfff{_BIDI}]")
_BIDI_CHAR = re.compile(f"[{_BIDI}]")
# What a terminal consumes whole and never displays: CSI (colours, cursor moves, clear screen), OSC (window
# title, hyperlinks) up to its terminator, and the two-character escapes. Both the 7-bit (ESC [) and the
# 8-bit (CSI, U+009B) introducers.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]"
)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, keep: str = "\n\t") -> str:
    """`text` with every control character not in `keep` written as a visible escape (ESC as `\\x1b`).

    A CR LF pair counts as a newline (a note pasted from Windows).
    """

    def one(match: re.Match[str]) -> str:
        found = match.group()
        if found == "\r\n":
            return "\n" if "\n" in keep else "\\x0d\\x0a"
        return found if found in keep else _escaped(found)

    return _CONTROL.sub(one, text)


def strip_controls(text: str) -> str:
    """`text` as a terminal displayed it: escape sequences and bidi controls (which take no place) dropped
    whole, any other control a space."""
    return _CONTROL.sub(" ", _BIDI_CHAR.sub("", _SEQUENCE.sub("", text)))


def one_line(text: object) -> str:
    """`text` for one line of a terminal (a progress line, a table cell, an error): every control escaped."""
    return escape_controls(str(text), keep="")
