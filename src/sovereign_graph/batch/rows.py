"""A batch file: JSONL (one object per line) or CSV (a header row), each row `paper`, `question` and optionally
`thread`. A bad row is reported with its line number and skipped; the others run."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sovereign_graph.errors import InputError, shown, shown_path
from sovereign_graph.names import NAME_RULE, is_safe_name

FIELDS = ("paper", "question", "thread")
REQUIRED = ("paper", "question")


@dataclass(frozen=True)
class BatchRow:
    line: int
    paper: str
    question: str
    thread: str


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass(frozen=True)
class BatchFile:
    path: Path
    rows: list[BatchRow]
    problems: list[RowProblem]


def batch_thread_id(paper: str, question: str) -> str:
    """A row without a thread gets one from its paper and question: the same row gets the same id on every
    run, which is what makes a re-run skip it."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", paper.strip()).strip("._-")[:40] or "paper"
    digest = hashlib.sha256(f"{paper.strip()}\n{' '.join(question.split())}".encode()).hexdigest()[:10]
    return f"{stem}-{digest}"


def _row(line: int, record: object) -> BatchRow | RowProblem:
    if not isinstance(record, dict):
        return RowProblem(line, "not an object with paper and question")
    unknown = sorted(str(k) for k in record if k not in FIELDS)
    if unknown:
        return RowProblem(line, f"unknown field(s) {', '.join(unknown)} (a row has {', '.join(FIELDS)})")
    values: dict[str, str] = {}
    for key in FIELDS:
        value = record.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if key in REQUIRED:
                return RowProblem(line, f"no {key}")
            continue
        if not isinstance(value, str):
            return RowProblem(line, f"{key} must be text, not {type(value).__name__}")
        values[key] = value.strip()
    thread = values.get("thread") or batch_thread_id(values["paper"], values["question"])
    if not is_safe_name(thread):
        return RowProblem(line, f"thread {shown(thread)} is not usable: {NAME_RULE}")
    return BatchRow(line, values["paper"], values["question"], thread)


def _jsonl(text: str) -> list[BatchRow | RowProblem]:
    parsed: list[BatchRow | RowProblem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            parsed.append(RowProblem(number, f"not JSON ({error.msg})"))
            continue
        parsed.append(_row(number, record))
    return parsed


def _csv(text: str) -> list[BatchRow | RowProblem]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise InputError(f"the CSV header has no {', '.join(missing)} column (it needs paper, question[, thread]).")
    reader.fieldnames = header
    parsed: list[BatchRow | RowProblem] = []
    for record in reader:
        number = reader.line_num  # the line the row ends on: a quoted field may span lines
        if None in record:  # more cells than the header has columns
            parsed.append(RowProblem(number, "more cells than the header has columns"))
            continue
        parsed.append(_row(number, {k: v for k, v in record.items() if v is not None}))
    return parsed


def read_batch(path: Path) -> BatchFile:
    """The rows of `path` (CSV when it ends in .csv, else JSONL); a thread named twice runs once, at its first
    line. An unreadable file, or one with no row at all, is bad input."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{shown_path(path)}: no such batch file.") from None
    except UnicodeDecodeError:
        raise InputError(f"{shown_path(path)}: not UTF-8 text.") from None
    except OSError as error:
        raise InputError(f"{shown_path(path)}: {error.strerror or error}.") from None
    parsed = _csv(text) if path.suffix.lower() == ".csv" else _jsonl(text)
    rows: list[BatchRow] = []
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    for item in parsed:
        if isinstance(item, RowProblem):
            problems.append(item)
        elif item.thread in first_line:
            problems.append(RowProblem(item.line, f"thread {item.thread} is also line {first_line[item.thread]}'s"))
        else:
            first_line[item.thread] = item.line
            rows.append(item)
    if not rows and not problems:
        raise InputError(f"{shown_path(path)}: no rows (each needs paper and question).")
    return BatchFile(path, rows, problems)
