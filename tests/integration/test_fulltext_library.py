"""`sovereign corpus build` over a library of PDFs and saved arXiv HTML pages: each readable file becomes a paper
with its full text, each unreadable one is named with its reason and leaves no trace, an interrupted build
leaves nothing, and `run --paper path/to/file.pdf` finds the file's paper by its content."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovereign_graph.cli import app
from sovereign_graph.errors import InputError, PaperNotFoundError
from sovereign_graph.sources import corpora
from sovereign_graph.sources.corpora import build_corpus, corpora_dir, open_corpus
from sovereign_graph.sources.fulltext.html import parse_arxiv_html
from sovereign_graph.sources.fulltext.library import LibraryEntry
from sovereign_graph.sources.fulltext.pdf import parse_pdf
from sovereign_graph.sources.resolve import resolve_subject
from sovereign_graph.sources.snapshot import bundled_snapshot
from tests.conftest import QUESTION, SMOES
from tests.corpus_files import write_corpus_files

cli = CliRunner()
REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "fulltext"
PDFS, BAD = FIXTURES / "pdf", FIXTURES / "bad"
HTML = FIXTURES / "arxiv_html" / "2501.11120v1.html"
PASA, BEYOND, TELL_ME = "2501.10120", "2304.02623", "2501.11120"
# paper.pdf carries no arXiv stamp: its id is made from its content, the first 12 hex digits of its sha256.
PERSPECTIVE = "local-145c91b72086"
TITLES = {
    PASA: "PaSa: An LLM Agent for Comprehensive Academic Paper Search",
    BEYOND: "Beyond Summarization: Designing AI Support for Real-World Expository Writing Tasks",
    PERSPECTIVE: "A Perspective on Explanations of Molecular Prediction Models",
    TELL_ME: "Tell me about yourself: LLMs are aware of their learned behaviors",
}
UNREADABLE = {
    "empty.pdf": "empty file",
    "not_a_pdf.pdf": "an HTML page, not a PDF",
    "pasa_enc_userpw_aes256.pdf": "encrypted (needs a password)",
    "pasa_half.pdf": "truncated or damaged PDF",
}
# An owner password only restricts printing and copying: the text is readable, and it is PaSa again.
OWNER_PASSWORD_ONLY = ["ownerpw_p0_aes128.pdf", "ownerpw_p_default_aes128.pdf"]
LIBRARY = [str(PDFS), str(BAD), str(HTML)]


def _build(*args: str, code: int = 0) -> str:
    result = cli.invoke(app, ["corpus", "build", *args])
    assert result.exit_code == code, result.output
    return result.output


def _rows(name: str, query: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(corpora_dir() / name / "papers.sqlite")) as db:
        return db.execute(query).fetchall()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_library_build_indexes_every_readable_file_and_names_every_bad_one() -> None:
    output = _build(*LIBRARY, "--name", "lib")
    assert "corpus 'lib': 4 papers" in output
    assert "4 papers with full text from PDF/HTML files" in output
    assert "4 unreadable files skipped:" in output
    for name, reason in UNREADABLE.items():
        assert f"  {BAD / name}: {reason}\n" in output
    assert "2 duplicate files skipped (same paper as an earlier file):" in output
    for name in OWNER_PASSWORD_ONLY:
        assert f"  {BAD / name}: {PASA}, as in {PDFS / 'pasa.pdf'}\n" in output
    assert "--paper ID|FILE" in output

    corpus = open_corpus("lib")
    assert (corpus.meta.papers, corpus.meta.documents, corpus.meta.bad_files, corpus.meta.duplicates) == (4, 4, 4, 2)
    assert {pid: paper.title for pid in TITLES if (paper := corpus.get(pid))} == TITLES
    # arXiv ids (and versions) where the file carries arXiv's stamp or base href; none where it does not.
    assert [corpus.get(pid).version for pid in TITLES] == [1, 1, None, 1]  # type: ignore[union-attr]
    assert corpus.get(BEYOND).authors[:2] == ["Zejiang Shen", "Tal August"]  # type: ignore[union-attr]
    assert corpus.search("LLM agent for academic paper search", 1)[0][0].id == PASA
    assert corpus.find_title(TITLES[PERSPECTIVE].lower()) == [corpus.get(PERSPECTIVE)]

    # Nothing of a bad file anywhere: no paper, no document, no file hash that would resolve it.
    assert {r[0] for r in _rows("lib", "SELECT id FROM papers")} == set(TITLES)
    assert {r[0] for r in _rows("lib", "SELECT id FROM documents")} == set(TITLES)
    for name in UNREADABLE:
        assert corpus.paper_for_file(BAD / name) is None
    hashes = {r[0] for r in _rows("lib", "SELECT sha256 FROM files")}
    assert hashes.isdisjoint(_sha256(BAD / name) for name in UNREADABLE)
    for name in OWNER_PASSWORD_ONLY:
        assert corpus.paper_for_file(BAD / name) == corpus.get(PASA)

    listing = cli.invoke(app, ["corpus", "list"])
    assert "pdf, bad, 2501.11120v1.html" in next(line for line in listing.output.splitlines() if "lib" in line)


def test_full_text_is_the_document_the_build_read() -> None:
    build_corpus("lib", [PDFS, HTML])
    corpus = open_corpus("lib")

    pasa = corpus.full_text(corpus.get(PASA))  # type: ignore[arg-type]
    assert pasa.how == "library PDF" and pasa.reason is None and pasa.document is not None
    fresh = parse_pdf((PDFS / "pasa.pdf").read_bytes(), name="pasa.pdf")
    assert pasa.document == fresh.model_copy(update={"paper_id": PASA, "version": 1})
    assert pasa.document.pages == 15 and pasa.document.versioned_id == "arXiv:2501.10120v1"
    assert {b.page for b in pasa.document.blocks} <= set(range(1, 16)) and pasa.document.blocks[-1].page == 15

    perspective = corpus.full_text(corpus.get(PERSPECTIVE))  # type: ignore[arg-type]
    assert perspective.document is not None and perspective.document.versioned_id == PERSPECTIVE
    assert perspective.document.pages == 41 and all(b.page for b in perspective.document.blocks)

    tell_me = corpus.full_text(corpus.get(TELL_ME))  # type: ignore[arg-type]
    assert tell_me.how == "library HTML" and tell_me.document is not None
    assert tell_me.document == parse_arxiv_html(HTML.read_bytes()).model_copy(update={"paper_id": TELL_ME})
    assert tell_me.document.blocks[0].page is None and any(b.section for b in tell_me.document.blocks)

    outside = corpus.full_text(bundled_snapshot().get(SMOES))  # type: ignore[arg-type]
    assert outside.document is None and outside.reason == "corpus 'lib' has no PDF or HTML of it"


def test_records_and_a_library_in_one_build(tmp_path: Path) -> None:
    ours, kaggle, ids = write_corpus_files(tmp_path)
    # PaSa also listed as a record: its metadata stays the record's, its full text comes from the PDF.
    listed = tmp_path / "listed.jsonl"
    record = {
        "id": PASA,
        "title": TITLES[PASA],
        "abstract": "Listed.",
        "categories": ["cs.IR"],
        "published": "2025-01-17",
    }
    listed.write_text(json.dumps(record) + "\n")
    output = _build(str(ours), str(kaggle), str(listed), str(PDFS), "--name", "mixed", code=1)  # lines skipped
    # The records are read as before...
    assert f"corpus 'mixed': {len(ids) + 3} papers" in output
    assert "1 duplicate ids skipped" in output and "4 malformed lines skipped:\n  ours.jsonl:11" in output
    assert "3 papers with full text" in output and "unreadable" not in output

    corpus = open_corpus("mixed")
    assert corpus.get(SMOES) == bundled_snapshot().get(SMOES)
    assert corpus.full_text(corpus.get(SMOES)).document is None  # type: ignore[arg-type]
    pasa = corpus.get(PASA)
    assert pasa is not None and (pasa.abstract, pasa.categories, pasa.version) == ("Listed.", ["cs.IR"], 1)
    assert corpus.full_text(pasa).document is not None
    assert corpus.paper_for_file(PDFS / "pasa.pdf") == pasa
    assert corpus.search("soft modality-guided expert specialization MoE-VLMs", 1)[0][0].id == SMOES
    assert corpus.search("explanations of molecular prediction models", 1)[0][0].id == PERSPECTIVE


def test_paper_is_found_by_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_corpus("lib", [PDFS])
    corpus = open_corpus("lib")
    monkeypatch.chdir(REPO)
    perspective = resolve_subject("tests/fixtures/fulltext/pdf/paper.pdf", corpus)
    assert (perspective.id, perspective.title) == (PERSPECTIVE, TITLES[PERSPECTIVE])
    # By content: a renamed copy is the same paper; and its local id names it too.
    renamed = tmp_path / "renamed copy.pdf"
    shutil.copyfile(PDFS / "paper.pdf", renamed)
    assert resolve_subject(str(renamed), corpus) == perspective
    assert resolve_subject(PERSPECTIVE, corpus) == perspective
    # A file named like an arXiv id is still read as the file it is.
    assert resolve_subject("tests/fixtures/fulltext/pdf/2304.02623v1.pdf", corpus).id == BEYOND

    with pytest.raises(PaperNotFoundError) as outside:
        resolve_subject(str(HTML), corpus)
    assert str(outside.value) == (
        f"{HTML} is not in corpus 'lib'; add it with: sovereign corpus build {PDFS} {HTML} --name lib"
    )
    for missing in ["missing/paper.pdf", "x" * 5000 + ".pdf"]:  # the second: too long a name for any file
        with pytest.raises(InputError, match="no file at"):
            resolve_subject(missing, corpus)
    # A name that is an arXiv id is the id when no such file exists.
    assert resolve_subject("2304.02623v1.pdf", corpus).id == BEYOND
    with pytest.raises(InputError, match="a PDF or HTML file is analysed from a corpus built from it"):
        resolve_subject(str(renamed), bundled_snapshot())
    with pytest.raises(PaperNotFoundError, match="names a paper of a corpus built from PDF/HTML files"):
        resolve_subject(PERSPECTIVE, bundled_snapshot())


def test_run_on_a_library_paper_by_its_file(tmp_path: Path) -> None:
    build_corpus("lib", [PDFS, HTML])
    out = tmp_path / "out"
    base = ["--question", QUESTION, "--db", str(tmp_path / "runs.sqlite"), "--out", str(out), "--thread", "t"]
    result = cli.invoke(app, ["run", "--corpus", "lib", "--paper", str(PDFS / "paper.pdf"), *base])
    assert result.exit_code == 0, result.output
    draft = json.loads((out / "t.json").read_text())
    assert draft["paper"]["id"] == PERSPECTIVE
    assert "library file “paper.pdf” (library PDF" in draft["method"]["read"]  # its text is the user's file

    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes((PDFS / "pasa.pdf").read_bytes() + b"\n%another copy\n")
    refused = cli.invoke(app, ["run", "--corpus", "lib", "--paper", str(elsewhere), "--question", QUESTION])
    assert refused.exit_code == 2
    assert f"{elsewhere} is not in corpus 'lib'; add it with: sovereign corpus build" in refused.output


def test_a_corpus_built_before_libraries_still_opens(tmp_path: Path) -> None:
    ours, kaggle, ids = write_corpus_files(tmp_path)
    build_corpus("old", [ours, kaggle])
    # The schema of a format-2 corpus built by the previous version: no version column, no library tables.
    with contextlib.closing(sqlite3.connect(corpora_dir() / "old" / "papers.sqlite")) as db:
        db.executescript("ALTER TABLE papers DROP COLUMN version; DROP TABLE documents; DROP TABLE files;")
    meta = corpora_dir() / "old" / "meta.json"
    fields = json.loads(meta.read_text())
    meta.write_text(json.dumps({k: v for k, v in fields.items() if k not in ("documents", "bad_files")}))
    corpus = open_corpus("old")
    smoes = corpus.get(SMOES)
    assert smoes is not None and smoes == bundled_snapshot().get(SMOES) and len(corpus) == len(ids)
    assert corpus.full_text(smoes).document is None and corpus.paper_for_file(PDFS / "pasa.pdf") is None


def test_bad_library_inputs_write_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "no pdfs"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a paper")
    for args, message in [
        ([str(empty)], "holds no PDF or HTML files"),
        ([str(BAD / name) for name in UNREADABLE], "none of the 4 PDF/HTML files could be read"),
    ]:
        result = cli.invoke(app, ["corpus", "build", *args, "--name", "x"])
        assert result.exit_code == 2, result.output
        assert message in " ".join(result.output.split())
    assert f"{BAD / 'pasa_half.pdf'}: truncated or damaged PDF" in " ".join(result.output.split())
    assert not corpora_dir().exists() or list(corpora_dir().iterdir()) == []


def test_a_directory_is_walked_without_following_links_or_hidden_files(tmp_path: Path) -> None:
    library = tmp_path / "library"
    (library / "2023" / "march").mkdir(parents=True)
    shutil.copyfile(PDFS / "2304.02623v1.pdf", library / "2023" / "march" / "beyond.PDF")
    (library / "elsewhere").symlink_to(PDFS, target_is_directory=True)  # not entered: outside the library
    (library / "._beyond.PDF").write_bytes(b"\x00\x05\x16\x07 AppleDouble junk")  # a copied Mac's metadata
    (library / ".git").mkdir()
    shutil.copyfile(PDFS / "pasa.pdf", library / ".git" / "pasa.pdf")
    output = _build(str(library), "--name", "walked")
    assert "corpus 'walked': 1 papers" in output and "unreadable" not in output
    assert open_corpus("walked").get(BEYOND) is not None


@contextlib.contextmanager
def _read_only_copy(source: Path, place: Path) -> Iterator[Path]:
    shutil.copytree(source, place)
    mounted = subprocess.run(["mount", "--bind", str(place), str(place)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("a read-only bind mount is not permitted on this machine")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(place)], check=True)
        yield place
    finally:
        subprocess.run(["umount", "-l", str(place)], check=False)


def test_a_library_on_a_read_only_mount_is_read(tmp_path: Path) -> None:
    with _read_only_copy(PDFS, tmp_path / "ro") as library:
        assert "corpus 'ro': 3 papers" in _build(str(library), "--name", "ro")
        assert sorted(p.name for p in library.iterdir()) == sorted(p.name for p in PDFS.iterdir())


def test_an_interrupted_library_build_leaves_nothing_and_keeps_the_previous_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build_corpus("lib", [PDFS / "2304.02623v1.pdf"])
    before = (corpora_dir() / "lib" / "meta.json").read_text()
    real_read = corpora.read_library

    def interrupted(*args: object, **kwargs: object) -> Iterator[LibraryEntry]:
        for count, entry in enumerate(real_read(*args, **kwargs)):  # type: ignore[arg-type]
            if count == 2:  # two documents written, uncommitted
                raise KeyboardInterrupt
            yield entry

    monkeypatch.setattr(corpora, "read_library", interrupted)
    for name in ("lib", "fresh"):
        with pytest.raises(KeyboardInterrupt):
            build_corpus(name, [PDFS, HTML])
    assert sorted(p.name for p in corpora_dir().iterdir()) == ["lib"]
    assert (corpora_dir() / "lib" / "meta.json").read_text() == before
    corpus = open_corpus("lib")
    assert len(corpus) == 1 and corpus.paper_for_file(PDFS / "pasa.pdf") is None


def test_ctrl_c_during_a_library_build_leaves_nothing(tmp_path: Path) -> None:
    """A real SIGINT to `sovereign corpus build` while it reads PDFs: exit 130, no corpus, no work directory."""
    library = tmp_path / "copies"
    library.mkdir()
    pasa = (PDFS / "pasa.pdf").read_bytes()
    for i in range(60):  # distinct bytes, so each is parsed (about 0.2 s each)
        (library / f"pasa-{i:02d}.pdf").write_bytes(pasa + f"\n%copy {i}\n".encode())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "sovereign_graph", "corpus", "build", str(library), "--name", "lib"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not any(corpora_dir().glob(".lib.building-*/lib/papers.sqlite")):  # reading has begun
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the build never started"
            time.sleep(0.01)
        time.sleep(0.5)  # a few PDFs in
        assert process.poll() is None, "the build ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 130, stderr.decode()
    assert "stopped." in stderr.decode()
    assert list(corpora_dir().iterdir()) == []
