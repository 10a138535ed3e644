"""Small input files for `sovereign corpus build`, cut from the bundled (real) arXiv records."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from email.utils import format_datetime
from importlib import resources
from pathlib import Path
from typing import Any

from tests.conftest import SMOES


def bundled_records(name: str) -> list[dict[str, Any]]:
    raw = gzip.decompress(resources.files("sovereign_graph.data").joinpath(name).read_bytes())
    return [json.loads(line) for line in raw.decode().splitlines() if line.strip()]


def kaggle_record(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the public arXiv metadata snapshot writes it."""
    authors = record["authors"]
    created = datetime.fromisoformat(record["published"]).replace(tzinfo=UTC)
    return {
        "id": record["id"],
        "submitter": authors[0] if authors else None,
        "authors": ", ".join(authors[:-1]) + " and " + authors[-1] if len(authors) > 1 else "".join(authors),
        "title": record["title"].replace(" ", "\n  ", 1),
        "comments": None,
        "abstract": "  " + record["abstract"] + "\n",
        "categories": " ".join(record["categories"]),
        "versions": [{"version": "v1", "created": format_datetime(created)}],
        "update_date": record["published"],
    }


MALFORMED_LINES = [
    "{not json",
    json.dumps({"id": "2501.00001", "title": "No abstract here"}),
    json.dumps(["a", "list"]),
    json.dumps({"id": "not-an-id", "title": "T", "abstract": "A"}),
]


def write_corpus_files(directory: Path) -> tuple[Path, Path, set[str]]:
    """ours.jsonl (SMoES + 250 MoE papers, 4 malformed lines) and kaggle.jsonl.gz (100 more papers, one of them
    a duplicate of a paper in ours.jsonl); returns the files and the ids they hold."""
    moe = bundled_records("moe_arxiv_dw-dengwei.jsonl.gz")
    smoes = next(r for r in bundled_records("target_papers.jsonl.gz") if r["id"] == SMOES)
    ours_records = [smoes, *moe[:250]]
    ours_lines = [json.dumps(r) for r in ours_records]
    for offset, line in enumerate(MALFORMED_LINES):
        ours_lines.insert(10 + 20 * offset, line)
    ours = directory / "ours.jsonl"
    ours.write_text("\n".join(ours_lines) + "\n", encoding="utf-8")

    duplicate = dict(moe[0], title="A later copy whose title must not win")
    kaggle_records = [kaggle_record(r) for r in [*moe[250:349], duplicate]]
    kaggle = directory / "kaggle.jsonl.gz"
    kaggle.write_bytes(gzip.compress(("\n".join(json.dumps(r) for r in kaggle_records) + "\n").encode()))
    return ours, kaggle, {r["id"] for r in [*ours_records, *moe[250:349]]}
