"""Fault scenarios for input files with bad lines: one line nested 200,000 deep, a lone surrogate escape, bytes
that are not UTF-8, a title that is a list, an id that is a JSON number, a line over 1 MB, a gzip file cut
short, a CSV field over the csv module's limit. Each must cost its own line only: the good lines are all used,
every bad one is named with its reason, and the exit code (1) says some were skipped."""

from __future__ import annotations

import gzip
import json
import re

from tests.conftest import SMOES
from tests.corpus_files import bundled_records
from tests.faults.harness import FAULT_QUESTION
from tests.faults.scenarios import FaultResult, Workspace


def _record(**fields: object) -> bytes:
    return json.dumps({"id": "2501.00001", "title": "A title", "abstract": "An abstract."} | fields).encode()


# (bad line, the reason it must be named with), for a corpus record and for a batch row
CORPUS_LINES = [
    (b"[" * 200_000 + b"]" * 200_000, "JSON nested too deep to read"),
    (_record(title="Broken \ud800 title"), "title holds a lone surrogate"),
    (_record(title="cafe").replace(b"cafe", b"caf\xe9"), "not UTF-8 text"),
    (_record(title=["list", "title"]), "title must be a string, not a list"),
    (b'{"id": 2301.10000, "title": "T", "abstract": "A"}', "id must be a string, not a number (2301.1)"),
    (_record(abstract="x " * 600_000), "longer than the 1,048,576-byte limit for a line"),
]
ROW = {"paper": SMOES, "question": FAULT_QUESTION}
BATCH_LINES = [
    (b"[" * 200_000 + b"]" * 200_000, "JSON nested too deep to read"),
    (json.dumps(ROW | {"question": "Why \ud800?"}).encode(), "question holds a lone surrogate"),
    (json.dumps(ROW | {"thread": "cafe"}).encode().replace(b"cafe", b"caf\xe9"), "not UTF-8 text"),
    (json.dumps(ROW | {"question": ["a", "list"]}).encode(), "question must be a string, not a list"),
    (b'{"paper": 2301.10000, "question": "Q?"}', "paper must be a string, not a number (2301.1)"),
    (json.dumps(ROW | {"question": "x " * 600_000}).encode(), "longer than the 1,048,576-byte limit for a line"),
]


def bad_corpus_lines(space: Workspace) -> FaultResult:
    result = FaultResult("corpus build: bad JSONL lines and a gzip file cut short", "")
    records = [json.dumps(r).encode() for r in bundled_records("moe_arxiv_dw-dengwei.jsonl.gz")[:300]]
    lines = records[:150]
    for offset, (bad, _) in enumerate(CORPUS_LINES):
        lines.insert(10 + 20 * offset, bad)
    ours, cut = space.root / "ours.jsonl", space.root / "cut.jsonl.gz"
    ours.write_bytes(b"\n".join(lines) + b"\n")
    whole = gzip.compress(b"\n".join(records[150:]) + b"\n")
    cut.write_bytes(whole[: len(whole) // 2])
    built = space.sovereign("corpus", "build", str(ours), str(cut), "--name", "bad")
    result.expect(built.code == 1, f"exit {built.code}: {built.last_error_line}")
    for offset, (_, reason) in enumerate(CORPUS_LINES):
        result.expect(f"ours.jsonl:{11 + 20 * offset}: {reason}" in built.stdout, f"not named: {reason}")
    stopped = re.search(r"cut\.jsonl\.gz:(\d+): the gzip file is cut short", built.stdout)
    result.expect(stopped is not None, "the cut gzip file is not named with its line")
    before_cut = int(stopped.group(1)) - 1 if stopped else 0
    papers = re.search(r"corpus 'bad': (\d+) papers", built.stdout)
    got = int(papers.group(1)) if papers else 0
    expected = 150 + before_cut
    if got != expected:
        result.lost = f"{expected - got} good records"
    result.outcome = (
        f"exit {built.code}; {len(CORPUS_LINES)} bad lines named with their reason, the gzip file cut short "
        f"named at line {before_cut + 1}; {got} papers built (all {150} good lines, {before_cut} before the cut)"
    )
    return result


def bad_batch_lines(space: Workspace) -> FaultResult:
    result = FaultResult("batch: bad JSONL lines and a CSV field over the csv module's limit", "")
    batch, table = space.root / "b.jsonl", space.root / "b.csv"
    lines = [json.dumps(ROW | {"thread": "good-first"}).encode(), *(bad for bad, _ in BATCH_LINES)]
    batch.write_bytes(b"\n".join([*lines, json.dumps(ROW | {"thread": "good-last"}).encode()]) + b"\n")
    huge = "x" * 300_000
    table.write_text(f"paper,question,thread\n{SMOES},{huge},too-long\n{SMOES},{FAULT_QUESTION},good-csv\n")
    out = ["--db", str(space.db), "--out", str(space.out)]
    ran = space.sovereign("batch", str(batch), *out)
    ran_csv = space.sovereign("batch", str(table), *out)
    result.expect(ran.code == 1 and ran_csv.code == 1, f"exit {ran.code}, {ran_csv.code}")
    for line, (_, reason) in enumerate(BATCH_LINES, start=2):
        result.expect(f"line {line}: skipped — {reason}" in ran.stderr, f"not named: line {line}, {reason}")
    result.expect("line 2: skipped — a field over the 262,144-character limit" in ran_csv.stderr, "CSV field")
    missing = [t for t in ("good-first", "good-last", "good-csv") if not (space.out / f"{t}.json").exists()]
    if missing:
        result.lost = f"rows {', '.join(missing)}"
    result.outcome = (
        f"exit 1; {len(BATCH_LINES)} bad JSONL lines and the CSV row named with their reason; the 3 good rows ran"
    )
    return result
