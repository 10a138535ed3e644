"""A batch file: JSONL (one object per line) or CSV (a header row), each row `paper`, `question` and optionally
`thread`. Each line is read on its own: a bad row (not JSON or nested too deep, not UTF-8 text, a line or field
over its cap, a value of the wrong type) is reported with its line number and reason and skipped; the others
run."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sovereign_graph.errors import InputError, shown, shown_path
from sovereign_graph.lines import BadLine, LineLimits, checked_text, decode_json, read_lines
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


def _row(line: int, record: object, limits: LineLimits) -> BatchRow | RowProblem:
    if not isinstance(record, dict):
        return RowProblem(line, "not an object with paper and question")
    unknown = sorted(shown(k, quote="") for k in record if k not in FIELDS)
    if unknown:
        return RowProblem(line, f"unknown field(s) {', '.join(unknown)} (a row has {', '.join(FIELDS)})")
    values: dict[str, str] = {}
    for key in FIELDS:
        value = record.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if key in REQUIRED:
                return RowProblem(line, f"no {key}")
            continue
        try:
            values[key] = checked_text(key, value, limits.field_chars).strip()
        except BadLine as error:
            return RowProblem(line, str(error))
    thread = values.get("thread") or batch_thread_id(values["paper"], values["question"])
    if not is_safe_name(thread):
        return RowProblem(line, f"thread {shown(thread)} is not usable: {NAME_RULE}")
    return BatchRow(line, values["paper"], values["question"], thread)


def _jsonl(path: Path, limits: LineLimits) -> list[BatchRow | RowProblem]:
    parsed: list[BatchRow | RowProblem] = []
    for line in read_lines(path, limits, skip_bom=True):
        if line.text is None:
            parsed.append(RowProblem(line.number, line.problem or "unreadable"))
            continue
        if not line.text.strip():
            continue
        try:
            record = decode_json(line.text)
        except BadLine as error:
            parsed.append(RowProblem(line.number, str(error)))
            continue
        parsed.append(_row(line.number, record, limits))
    return parsed


def _csv_lines(path: Path, limits: LineLimits, problems: dict[int, str], read: list[int]) -> Iterator[str]:
    """The file's lines for the csv reader, one per physical line; a line that cannot be read goes in
    `problems` and reaches the reader blank (a blank line is no row). `read[0]`: the last line handed over."""
    for line in read_lines(path, limits, skip_bom=True):
        read[0] = line.number
        if line.text is None:
            problems[line.number] = line.problem or "unreadable"
            yield "\n"
        else:
            yield line.text


@contextmanager
def _csv_field_limit(chars: int) -> Iterator[None]:
    """The csv module's field cap (process-wide, 128 KB by default) set to ours while one file is read."""
    before = csv.field_size_limit(chars)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _csv(path: Path, limits: LineLimits) -> list[BatchRow | RowProblem]:
    unreadable: dict[int, str] = {}
    read = [0]  # the reader's own line_num lags a line when it raises
    with _csv_field_limit(limits.field_chars):
        reader = csv.DictReader(_csv_lines(path, limits, unreadable, read))
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [f for f in REQUIRED if f not in header]
        if missing:
            raise InputError(f"the CSV header has no {', '.join(missing)} column (it needs paper, question[, thread]).")
        reader.fieldnames = header
        parsed: list[BatchRow | RowProblem] = []
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as error:  # e.g. a field over the cap: that row only, the reader goes on
                parsed.append(RowProblem(read[0], _csv_reason(error, limits)))
                continue
            number = read[0]  # the line the row ends on: a quoted field may span lines
            if None in record:  # more cells than the header has columns
                parsed.append(RowProblem(number, "more cells than the header has columns"))
                continue
            parsed.append(_row(number, {k: v for k, v in record.items() if v is not None}, limits))
    parsed += [RowProblem(number, reason) for number, reason in unreadable.items()]
    return sorted(parsed, key=lambda item: item.line)


def _csv_reason(error: csv.Error, limits: LineLimits) -> str:
    if "field larger than field limit" in str(error):
        return f"a field over the {limits.field_chars:,}-character limit"
    return f"not a CSV row ({error})"


def read_batch(path: Path, limits: LineLimits | None = None) -> BatchFile:
    """The rows of `path` (CSV when it ends in .csv, else JSONL); a thread named twice runs once, at its first
    line. An unreadable file, or one with no row at all, is bad input; a bad line is a RowProblem."""
    limits = limits or LineLimits()
    try:
        parsed = _csv(path, limits) if path.suffix.lower() == ".csv" else _jsonl(path, limits)
    except FileNotFoundError:
        raise InputError(f"{shown_path(path)}: no such batch file.") from None
    except OSError as error:
        raise InputError(f"{shown_path(path)}: {error.strerror or error}.") from None
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
