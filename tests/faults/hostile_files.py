"""Fault scenario for a hostile library: among real PDFs, a 21 KB PDF that makes pdfium allocate without bound, a
font that hands over UTF-16 surrogate halves, an HTML page saved as `.pdf`, and a real PDF whose arXiv stamp names a
record listed with another paper's title. Each must cost itself only: every other file is read, the bomb is skipped
with its reason, the surrogates are repaired and counted, and the misattributed file is flagged and attached to
nothing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.faults.harness import environment, sovereign
from tests.faults.scenarios import FaultResult, Workspace
from tests.pdf_synthetic import many_operations_pdf, surrogate_pdf

PDFS = Path(__file__).resolve().parents[1] / "fixtures" / "fulltext"
# The record lists 2304.02623 under another paper's title; the file stamped arXiv:2304.02623v1 is not that paper.
FORGED = {
    "id": "2304.02623",
    "title": "SMoES: Soft Modality-Guided Expert Specialization in MoE-VLMs",
    "abstract": "Modality-guided experts in mixture-of-experts vision-language models.",
    "authors": ["A. B"],
}


def hostile_library(space: Workspace) -> FaultResult:
    result = FaultResult("corpus build: a PDF bomb, surrogate halves, a fake PDF and a forged stamp", "")
    library = space.root / "library"
    library.mkdir(parents=True)
    for name in ("pasa.pdf", "paper.pdf", "2304.02623v1.pdf"):
        shutil.copy(PDFS / "pdf" / name, library / name)
    shutil.copy(PDFS / "bad" / "not_a_pdf.pdf", library / "access-denied.pdf")
    (library / "bomb.pdf").write_bytes(many_operations_pdf(1_000_000))  # about 600 MB in pdfium
    (library / "surrogates.pdf").write_bytes(surrogate_pdf())
    records = space.root / "records.jsonl"
    records.write_text(json.dumps(FORGED) + "\n", encoding="utf-8")
    env = environment(space.root / "home", SOVEREIGN_PDF_MEMORY_MB="256")
    built = sovereign(["corpus", "build", str(records), str(library), "--name", "hostile"], env)
    said = " ".join(built.stdout.split())
    result.expect(built.code == 0, f"exit {built.code}: {built.last_error_line}")
    result.expect(re.search(r"bomb\.pdf: the parser crashed \(SIG\w+; over the memory limit of 256 MB\?\)", said)
                  is not None, "the bomb is not named with its reason")  # fmt: skip
    result.expect("access-denied.pdf: an HTML page, not a PDF" in said, "the fake PDF is not named")
    result.expect("surrogates.pdf: " in said and "read with undecodable characters" in said, "surrogates not counted")
    result.expect("2304.02623v1.pdf: arXiv:2304.02623 is “SMoES" in said, "the forged stamp is not flagged")
    papers = re.search(r"corpus 'hostile': (\d+) papers", said)
    documents = re.search(r"(\d+) papers with full text from PDF/HTML files", said)
    got = (int(papers.group(1)) if papers else 0, int(documents.group(1)) if documents else 0)
    # The record, pasa.pdf, paper.pdf and surrogates.pdf are papers; the three files with full text are theirs.
    if got != (4, 3):
        result.lost = f"papers and documents {got}, not (4, 3)"
    result.outcome = (
        f"exit {built.code}; the bomb skipped (“the parser crashed”, memory limit 256 MB), the fake PDF named, the "
        f"surrogates repaired and counted, the forged stamp flagged and not attached; {got[0]} papers, {got[1]} with "
        "full text"
    )
    return result
