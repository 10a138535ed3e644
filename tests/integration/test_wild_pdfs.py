"""A library of 47 real PDFs of every kind (`../shared/data/fulltext/wild/`, see its PROVENANCE.md: read in
place, never copied here) plus a PDF that takes pdfium past any memory: `corpus build` reads each file or skips
it with its reason, and never stops."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sovereign_graph.sources.corpora import PAPERS_FILE, build_corpus
from sovereign_graph.sources.fulltext.library import library_files
from tests.pdf_synthetic import many_operations_pdf, surrogate_pdf

REPO = Path(__file__).resolve().parents[2]
WILD = REPO.parent / "shared" / "data" / "fulltext" / "wild"
UNREADABLE = {
    "encrypted-user-password-cannot-open.pdf": "encrypted (needs a password)",
    "flajolet-1985-scan-image-only-no-text.pdf": "no text layer (scanned?)",
    "damaged-first-16KiB-zeroed-adam-1412.6980.pdf": "not a PDF",
}
# Their text holds characters above U+FFFF or lone surrogate halves: each once stopped the whole build.
SURROGATES = [
    "flashattention-2205.14135-astral-math.pdf",
    "ieee-icassp-pdfexpress-astral-math.pdf",
    "iop-jpcs-2022-word-lone-surrogates.pdf",
    "keynote-slides-storm-naacl2024.pdf",
]

pytestmark = pytest.mark.skipif(
    not WILD.is_dir(), reason=f"the wild PDF corpus is not here ({WILD}); it is not shipped with the repository"
)


def test_every_wild_pdf_is_read_or_skipped_with_its_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    # 20 million text operations in 200 KB: 12.5 GB in pdfium, which aborts at the worker's memory limit.
    (extra / "twenty-million-operations.pdf").write_bytes(many_operations_pdf(20_000_000))
    (extra / "surrogates.pdf").write_bytes(surrogate_pdf())
    monkeypatch.setenv("SOVEREIGN_PDF_MEMORY_MB", "1024")  # reached sooner than 2 GB; no wild file needs it
    files = library_files([WILD, extra])
    assert len(files) >= 48

    result = build_corpus("wild", [WILD, extra])

    bad = {b.path.name: b.reason for b in result.bad_files}
    with sqlite3.connect(result.path / PAPERS_FILE) as db:
        stored = [name for (name,) in db.execute("SELECT file FROM documents")]
    read = stored + [twin.path.name for twin in result.duplicate_files]
    assert sorted(read + list(bad)) == sorted(f.name for f in files)  # each file: read, or skipped with a reason
    assert all(reason.strip() for reason in bad.values())
    for name, reason in UNREADABLE.items():
        assert bad.pop(name) == reason
    reason = bad.pop("twenty-million-operations.pdf")
    assert "memory limit of 1,024 MB" in reason, reason
    assert bad == {}  # every other file is read
    assert set(SURROGATES) <= set(stored)
    repaired = {r.path.name: r.replaced for r in result.repaired_files}
    assert repaired["surrogates.pdf"] == 3 and repaired["iop-jpcs-2022-word-lone-surrogates.pdf"] > 100
    assert result.meta.documents == len(stored) and result.meta.bad_files == len(UNREADABLE) + 1
