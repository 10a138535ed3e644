"""Reading paper records from JSONL(.gz) files in either supported format.

- ours (`../shared/data/arxiv`): `id, title, abstract, authors` (list), `categories` (list), `published`;
- the public arXiv metadata snapshot (Kaggle): `id, title, abstract, authors` ("A, B and C"),
  `categories` ("cs.CV cs.CL"), `versions` [{version, created}], `update_date`.

Fields are normalised per value type, so a file may even mix the two; a value of the wrong type is refused
by name, never stringified. A line that cannot become a paper is skipped with its line number and reason,
never fatal; a file without a single good record is an input error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sovereign_graph.errors import InputError, shown, shown_path
from sovereign_graph.lines import BadLine, Line, LineLimits, checked_text, decode_json, read_lines
from sovereign_graph.sources.ids import parse_arxiv_id
from sovereign_graph.state import Paper

MAX_NAMED = 1000  # skipped lines named one by one; past that a dump with a systematic fault is only counted
_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


class MalformedRecord(ValueError):
    """A line that cannot become a paper; the message says why."""


@dataclass
class ReadReport:
    """What reading the input files found: the counts a build reports to its user, and each skipped line."""

    papers: int = 0
    duplicates: int = 0
    malformed: int = 0
    examples: list[str] = field(default_factory=list)  # "file:line: reason", the first MAX_NAMED
    # Records kept for search whose abstract is degenerate (a phrase repeated, a length no abstract has): they
    # are never evidence (steps/verify/independence.py), and the build says so rather than keeping quiet.
    degenerate: list[str] = field(default_factory=list)

    def add_malformed(self, where: str, reason: str) -> None:
        self.malformed += 1
        if len(self.examples) < MAX_NAMED:
            self.examples.append(f"{where}: {reason}")


def _text(value: str) -> str:
    return " ".join(value.split())


def _strings(name: str, values: list[Any], limits: LineLimits) -> list[str]:
    return [_text(checked_text(name, value, limits.field_chars)) for value in values]


def _authors(record: dict[str, Any], limits: LineLimits) -> list[str]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed and all(isinstance(a, list) for a in parsed):
        # [last, first, suffix]: more reliable than splitting the display string.
        names = [_strings("authors_parsed", a[1:2] + a[:1] + a[2:3], limits) for a in parsed]
        return [" ".join(p for p in parts if p) for parts in names]
    authors = record.get("authors")
    if authors is None:
        return []
    if isinstance(authors, list):
        return [a for a in _strings("authors", authors, limits) if a]
    text = checked_text("authors", authors, limits.field_chars)
    return [name for name in (_text(n) for n in _AUTHOR_SEPARATOR.split(text)) if name]


def _categories(value: Any, limits: LineLimits) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return _strings("categories", value, limits)
    return checked_text("categories", value, limits.field_chars).split()


def _published(record: dict[str, Any], limits: LineLimits) -> str:
    if record.get("published"):
        return checked_text("published", record["published"], limits.field_chars)
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict) and versions[0].get("created"):
        try:
            return parsedate_to_datetime(str(versions[0]["created"])).date().isoformat()
        except (TypeError, ValueError):
            pass
    update = record.get("update_date")
    return checked_text("update_date", update, limits.field_chars) if update else ""


def paper_from_any(record: Any, limits: LineLimits | None = None) -> Paper:
    """A paper from one decoded JSON line in either format, or MalformedRecord."""
    limits = limits or LineLimits()
    if not isinstance(record, dict):
        raise MalformedRecord(f"a JSON {type(record).__name__}, not an object")
    try:
        return _paper(record, limits)
    except BadLine as error:
        raise MalformedRecord(str(error)) from None


def _paper(record: dict[str, Any], limits: LineLimits) -> Paper:
    caps = {"id": limits.field_chars, "title": limits.field_chars, "abstract": limits.abstract_chars}
    fields = {
        key: _text(checked_text(key, record.get(key), cap)) if record.get(key) is not None else ""
        for key, cap in caps.items()
    }
    missing = [key for key, value in fields.items() if not value]
    if missing:
        raise MalformedRecord(f"no {', '.join(missing)}")
    paper_id = parse_arxiv_id(fields["id"])
    if paper_id is None:
        raise MalformedRecord(f"{shown(fields['id'])} is not an arXiv id")
    try:
        return Paper(
            id=paper_id,
            title=fields["title"],
            abstract=fields["abstract"],
            authors=_authors(record, limits),
            categories=_categories(record.get("categories"), limits),
            published=_published(record, limits),
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


def _paper_of(line: Line, limits: LineLimits) -> Paper:
    if line.text is None:
        raise MalformedRecord(line.problem or "unreadable")
    try:
        return paper_from_any(decode_json(line.text), limits)
    except BadLine as error:
        raise MalformedRecord(str(error)) from None


def read_papers(
    paths: list[Path],
    report: ReadReport,
    on_bytes: Callable[[int], None] | None = None,
    limits: LineLimits | None = None,
) -> Iterator[Paper]:
    """Every good paper in the files, first occurrence of each id only; `report` counts the rest, each line
    read on its own (a bad one is skipped with its reason, a gzip file cut short keeps the lines before).

    `on_bytes` receives the bytes consumed of each file as it goes (for a progress bar).
    """
    limits = limits or LineLimits()
    seen: set[str] = set()
    for path in check_input_files(paths):
        good_in_file = 0
        last = 0
        named_before = len(report.examples)  # this file's first skipped line is the next one named
        for line in read_lines(path, limits):
            if line.text is not None and not line.text.strip():
                continue
            try:
                paper = _paper_of(line, limits)
            except MalformedRecord as error:
                report.add_malformed(f"{path.name}:{line.number}", str(error))
                continue
            good_in_file += 1
            if paper.id in seen:
                report.duplicates += 1
                continue
            seen.add(paper.id)
            report.papers += 1
            yield paper
            if on_bytes is not None and line.number % 500 == 0:
                on_bytes(line.position - last)
                last = line.position
        if on_bytes is not None:
            on_bytes(path.stat().st_size - last)
        if good_in_file == 0:
            raise InputError(
                f"{shown_path(path)} has no paper records (expected JSON lines with id, title and abstract"
                + (f"; e.g. {report.examples[named_before]}" if len(report.examples) > named_before else "")
                + ")."
            )
