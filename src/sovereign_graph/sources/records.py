"""Reading paper records from JSONL(.gz) files in either supported format.

- ours (`../shared/data/arxiv`): `id, title, abstract, authors` (list), `categories` (list), `published`;
- the public arXiv metadata snapshot (Kaggle): `id, title, abstract, authors` ("A, B and C"),
  `categories` ("cs.CV cs.CL"), `versions` [{version, created}], `update_date`.

Fields are normalised per value type, so a file may even mix the two. A line that cannot become a paper
is counted with its line number, never fatal; a file without a single good record is an input error.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from sovereign_graph.errors import InputError, shown_path
from sovereign_graph.sources.ids import parse_arxiv_id
from sovereign_graph.state import Paper

GZIP_MAGIC = b"\x1f\x8b"
MAX_EXAMPLES = 5
_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


class MalformedRecord(ValueError):
    """A line that cannot become a paper; the message says why."""


@dataclass
class ReadReport:
    """What reading the input files found: the counts a build reports to its user."""

    papers: int = 0
    duplicates: int = 0
    malformed: int = 0
    examples: list[str] = field(default_factory=list)

    def add_malformed(self, where: str, reason: str) -> None:
        self.malformed += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"{where}: {reason}")


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _authors(record: dict[str, Any]) -> list[str]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed and all(isinstance(a, list) for a in parsed):
        # [last, first, suffix]: more reliable than splitting the display string.
        return [_text(" ".join(str(p) for p in (a[1:2] + a[:1] + a[2:3]) if p)) for a in parsed]
    authors = record.get("authors")
    if isinstance(authors, str):
        return [name for name in (_text(n) for n in _AUTHOR_SEPARATOR.split(authors)) if name]
    if isinstance(authors, list):
        return [_text(a) for a in authors if _text(a)]
    return []


def _categories(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    return [str(c) for c in value] if isinstance(value, list) else []


def _published(record: dict[str, Any]) -> str:
    if record.get("published"):
        return str(record["published"])
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict) and versions[0].get("created"):
        try:
            return parsedate_to_datetime(str(versions[0]["created"])).date().isoformat()
        except (TypeError, ValueError):
            pass
    return str(record.get("update_date") or "")


def paper_from_any(record: Any) -> Paper:
    """A paper from one decoded JSON line in either format, or MalformedRecord."""
    if not isinstance(record, dict):
        raise MalformedRecord(f"a JSON {type(record).__name__}, not an object")
    fields = {key: _text(record.get(key)) for key in ("id", "title", "abstract")}
    missing = [key for key, value in fields.items() if not value]
    if missing:
        raise MalformedRecord(f"no {', '.join(missing)}")
    paper_id = parse_arxiv_id(fields["id"])
    if paper_id is None:
        raise MalformedRecord(f"'{fields['id']}' is not an arXiv id")
    try:
        return Paper(
            id=paper_id,
            title=fields["title"],
            abstract=fields["abstract"],
            authors=_authors(record),
            categories=_categories(record.get("categories")),
            published=_published(record),
        )
    except ValidationError as error:
        raise MalformedRecord(f"invalid field {error.errors()[0]['loc']}") from None


def check_input_files(paths: list[Path]) -> list[Path]:
    if not paths:
        raise InputError("give at least one JSONL(.gz) file to build from.")
    for path in paths:
        if not path.exists():
            raise InputError(f"no file at {shown_path(path)}.")
        if not path.is_file():
            raise InputError(f"{shown_path(path)} is not a file.")
    return paths


def _open_text(path: Path) -> tuple[IO[bytes], IO[str]]:
    """(raw byte stream, text lines): the raw stream's position measures progress through the file."""
    raw = path.open("rb")
    if raw.read(2) == GZIP_MAGIC:
        raw.seek(0)
        return raw, gzip.open(raw, "rt", encoding="utf-8", errors="replace")
    raw.seek(0)
    return raw, io.TextIOWrapper(raw, encoding="utf-8", errors="replace")


def read_papers(
    paths: list[Path], report: ReadReport, on_bytes: Callable[[int], None] | None = None
) -> Iterator[Paper]:
    """Every good paper in the files, first occurrence of each id only; `report` counts the rest.

    `on_bytes` receives the bytes consumed of each file as it goes (for a progress bar).
    """
    seen: set[str] = set()
    for path in check_input_files(paths):
        good_in_file = 0
        raw, lines = _open_text(path)
        with raw, lines:
            last = 0
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    paper = paper_from_any(json.loads(line))
                except json.JSONDecodeError as error:
                    report.add_malformed(f"{path.name}:{number}", f"bad JSON ({error.msg})")
                    continue
                except MalformedRecord as error:
                    report.add_malformed(f"{path.name}:{number}", str(error))
                    continue
                good_in_file += 1
                if paper.id in seen:
                    report.duplicates += 1
                    continue
                seen.add(paper.id)
                report.papers += 1
                yield paper
                if on_bytes is not None and number % 500 == 0:
                    position = raw.tell()
                    on_bytes(position - last)
                    last = position
            if on_bytes is not None:
                on_bytes(path.stat().st_size - last)
        if good_in_file == 0:
            raise InputError(
                f"{shown_path(path)} has no paper records (expected JSON lines with id, title and abstract"
                + (f"; e.g. {report.examples[0]}" if report.examples else "")
                + ")."
            )
