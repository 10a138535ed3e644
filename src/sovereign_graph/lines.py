"""Data files read one line at a time, each line on its own: a line too long, not UTF-8, not JSON, nested too
deep or holding a value of the wrong type is refused with its reason, and the lines around it are kept.

Shared by corpus record files (`sources/records.py`), batch files (`batch/rows.py`) and the bundled snapshot.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GZIP_MAGIC = b"\x1f\x8b"
KB = 1024
_DRAIN_CHUNK = 64 * KB


@dataclass(frozen=True)
class LineLimits:
    """How large one line, one text field and one abstract may be; larger ones are refused, never truncated.

    The defaults sit far above real records and far below what hurts: an arXiv abstract is at most 1,920
    characters and a whole Kaggle metadata line under 10 KB, so 1 MB a line, 256 KB a field and 100 KB an
    abstract refuse only what is not a paper record (a dumped PDF, a base64 image), while a 144 MB abstract,
    accepted, would cost minutes of tokenising and gigabytes of memory for one paper.
    """

    line_bytes: int = 1024 * KB
    field_chars: int = 256 * KB
    abstract_chars: int = 100 * KB


class BadLine(ValueError):
    """A line (or a value in it) that cannot be used; the message is the reason, without the line number."""


@dataclass(frozen=True)
class Line:
    """One line of a file: its text, or why it cannot be read (`text` is None then)."""

    number: int
    text: str | None
    problem: str | None = None
    position: int = 0  # bytes of the file (compressed, for gzip) read so far: for a progress bar


@contextmanager
def _unzipped(raw: io.BufferedReader) -> Iterator[io.BufferedIOBase]:
    """The file's bytes, through gzip when it starts with gzip's magic number."""
    gzipped = raw.read(2) == GZIP_MAGIC
    raw.seek(0)
    if not gzipped:
        yield raw
        return
    with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
        yield unzipped


def _drain(stream: io.BufferedIOBase) -> None:
    """Skip the rest of an over-long line without holding it in memory."""
    while chunk := stream.readline(_DRAIN_CHUNK):
        if chunk.endswith(b"\n"):
            return


def _decoded(data: bytes) -> tuple[str | None, str | None]:
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1].hex()
        return None, f"not UTF-8 text (byte 0x{bad} at column {error.start + 1})"


def read_lines(path: Path, limits: LineLimits, *, skip_bom: bool = False) -> Iterator[Line]:
    """Every line of `path` (gzip or plain), decoded on its own. A gzip file cut short ends with a Line whose
    problem says so: the lines before it were read."""
    number = 0
    with path.open("rb") as raw, _unzipped(raw) as stream:
        try:
            while data := stream.readline(limits.line_bytes + 1):
                number += 1
                if len(data) > limits.line_bytes and not data.endswith(b"\n"):
                    _drain(stream)
                    too_long = f"longer than the {limits.line_bytes:,}-byte limit for a line"
                    yield Line(number, None, too_long, raw.tell())
                    continue
                if number == 1 and skip_bom:
                    data = data.removeprefix(b"\xef\xbb\xbf")
                text, problem = _decoded(data)
                yield Line(number, text, problem, raw.tell())
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            # Python names neither the file nor where it stopped: say both, after the lines that were read.
            cut = f"the gzip file is cut short or damaged here ({error}); lines 1-{number} were read"
            yield Line(number + 1, None, cut, raw.tell())


def decode_json(text: str) -> Any:
    """One JSON value, or BadLine with the reason."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadLine(f"not JSON ({error.msg})") from None
    except RecursionError:  # the C decoder recurses once per level: 200,000 nested brackets overflow it
        raise BadLine("JSON nested too deep to read") from None


_TYPE_NAMES = {"str": "a string", "list": "a list", "dict": "an object", "bool": "a boolean", "NoneType": "null"}


def type_name(value: object) -> str:
    """How a JSON value's type reads in a message: "a list", "a number", "an object"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return _TYPE_NAMES.get(type(value).__name__, type(value).__name__)


def checked_text(name: str, value: object, max_chars: int) -> str:
    """`value` as a field's text: a string (never another type stringified), valid Unicode, within the cap."""
    if not isinstance(value, str):
        if name in ("id", "paper") and isinstance(value, int | float) and not isinstance(value, bool):
            # 2301.10000 as a JSON number reads as 2301.1: another paper. Only a string keeps every digit.
            raise BadLine(
                f"{name} must be a string, not a number ({value!r}): a number may have lost digits "
                "(2301.10000 reads as 2301.1); put it in quotes"
            )
        raise BadLine(f"{name} must be a string, not {type_name(value)}")
    if not value.isascii():  # (fast, and most text is ASCII, which holds no surrogate)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:  # a lone surrogate escape such as "\ud800": no character at all
            code = ord(value[error.start])
            raise BadLine(f"{name} holds a lone surrogate (\\u{code:04x}), which is not text") from None
    if len(value) > max_chars:
        raise BadLine(f"{name} is {len(value):,} characters, over the {max_chars:,} limit")
    return value
