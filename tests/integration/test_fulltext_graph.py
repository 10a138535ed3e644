"""Full text in a run, end to end: a question answered only in a paper's body gets a claim quoting that body
passage verbatim, cited with its section and page; from live arXiv (the loopback in the role of
export.arxiv.org and arxiv.org) and from a corpus built from the user's PDFs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from typer.testing import CliRunner

from sovereign_graph import Context, build_graph
from sovereign_graph.app.checkpoints import state_serializer
from sovereign_graph.app.runner import Runner
from sovereign_graph.cli import app
from sovereign_graph.llm.role_models import RoleModels
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.report.model import build_report
from sovereign_graph.settings.live import LiveConfig
from sovereign_graph.sources.corpora import build_corpus
from sovereign_graph.sources.fulltext.pdf import parse_pdf
from sovereign_graph.state import Claim
from tests.fulltext_loopback import fulltext_loopback
from tests.nim_loopback import MODEL, NimLoopback, nim_loopback

REPO = Path(__file__).resolve().parents[2]
PDFS = REPO / "tests" / "fixtures" / "fulltext" / "pdf"
PASA = "2501.10120"
# How a report names text from the user's copy of PaSa: as their file, never as arXiv's.
PASA_FILE = f"library file “pasa.pdf”, sha256 {hashlib.sha256((PDFS / 'pasa.pdf').read_bytes()).hexdigest()[:12]}…"
# PaSa's abstract says nothing of ensembles: the answer is in its results section (§5.3, page 8) only.
BODY_QUESTION = "Does running the Crawler as an ensemble at inference improve PaSa's recall on AutoScholarQuery?"
DELAY = 0.05


def _live(server_url: str, **options: Any) -> Context:
    return Context(source_name="arxiv", arxiv_url=server_url, arxiv_delay=DELAY, arxiv_backoff=0.01, **options)


def _run(context: Context, question: str = BODY_QUESTION) -> dict[str, Any]:
    graph = build_graph(checkpointer=InMemorySaver(serde=state_serializer()))
    config: Any = {"configurable": {"thread_id": "t"}}
    graph.invoke({"paper": PASA, "question": question, "max_revisions": 0}, config, context=context)
    return dict(graph.get_state(config).values)


def _pasa_blocks() -> list[str]:
    return [" ".join(b.text.split()) for b in parse_pdf((PDFS / "pasa.pdf").read_bytes()).blocks]


def _body_claims(claims: list[Claim]) -> list[Claim]:
    return [c for c in claims if c.place]


def test_a_body_only_answer_from_live_arxiv_is_quoted_with_its_place() -> None:
    assert "ensemble" not in parse_pdf((PDFS / "pasa.pdf").read_bytes()).abstract.lower()
    with fulltext_loopback(api=True) as server:
        assert server.api is not None
        state = _run(_live(server.api.url))
        paths = server.paths()
        gaps = server.gaps()
    body = _body_claims(state["claims"])
    assert body, [c.text for c in state["claims"]]
    claim = body[0]
    assert claim.paper_id == PASA and claim.from_subject and claim.quoted
    assert claim.place == "arXiv:2501.10120v1 §5.3 Main results, p. 8"
    assert "3.34%" in claim.quote and any(" ".join(claim.quote.split()) in block for block in _pasa_blocks())
    # The subject's PDF (arXiv has no HTML of it), another paper's HTML; the rest said abstract-only, with why.
    reads = {r.paper_id: r for r in state["full_texts"]}
    assert reads[PASA].how == "arXiv PDF (no HTML)" and reads["2501.11120"].how == "arXiv HTML"
    missing = [r for r in reads.values() if r.reason is not None]
    assert missing and all(r.reason == "no HTML and no PDF on arXiv" for r in missing)
    method = state["method"]["read"]
    assert "arXiv:2501.10120v1 (arXiv PDF (no HTML)" in method and "abstract only:" in method
    assert f"/html/{PASA}v1" in paths and f"/pdf/{PASA}v1" in paths
    # The API's requests and the full text's take turns on one limiter: never closer than its delay.
    assert min(gaps) >= DELAY * 0.9
    report = build_report(state, thread_id="t", status="awaiting_owner")
    markdown = to_markdown(report)
    assert "arXiv:2501.10120v1 §5.3 Main results, p. 8 (subject: its authors' claim)" in markdown
    assert json.loads(report.model_dump_json())["claims"][0]["place"] == claim.place


def test_fulltext_0_reads_abstracts_only_and_asks_arxiv_for_no_document() -> None:
    with fulltext_loopback(api=True) as server:
        assert server.api is not None
        state = _run(_live(server.api.url, fulltext=0))
        paths = server.paths()
    assert state["full_texts"] == [] and not _body_claims(state.get("claims", []))
    assert state["method"]["read"] == "abstracts only: full text turned off (--fulltext 0)"
    assert not [p for p in paths if p.startswith(("/html/", "/pdf/"))]


def test_a_paused_live_run_is_decided_with_arxiv_gone(tmp_path: Path) -> None:
    """The owner answers hours later, offline: nothing of the decision needs arXiv."""
    saver = InMemorySaver(serde=state_serializer())
    with fulltext_loopback(api=True) as server:
        assert server.api is not None
        runner = Runner(saver, _live(server.api.url))
        paused = runner.start(PASA, BODY_QUESTION, thread_id="t", max_revisions=0, out_dir=tmp_path)
    assert paused.paused and paused.report.status == "awaiting_owner"
    done = runner.resume("t", "approve", out_dir=tmp_path)
    assert done.report.status == "approved"
    assert any(c.place.startswith("arXiv:2501.10120v1 §5.3") for c in done.report.claims)


def test_a_body_only_answer_from_the_users_pdf_library(tmp_path: Path) -> None:
    build_corpus("lab", [PDFS])
    out = tmp_path / "out"
    paper = ["--corpus", "lab", "--paper", str(PDFS / "pasa.pdf"), "--question", BODY_QUESTION]
    where = ["--db", str(tmp_path / "runs.sqlite"), "--out", str(out), "--thread", "lab-1", "--max-revisions", "0"]
    result = CliRunner().invoke(app, ["run", *paper, *where])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "lab-1.json").read_text())
    assert "library file “pasa.pdf” (library PDF" in report["method"]["read"]
    body = [c for c in report["claims"] if c["place"]]
    assert body and body[0]["place"] == f"{PASA_FILE} §5.3 Main results, p. 8"
    assert any(" ".join(body[0]["quote"].split()) in block for block in _pasa_blocks())
    assert "§5.3 Main results, p. 8" in (out / "lab-1.md").read_text()


def test_a_question_in_words_the_library_never_uses_ends_in_zero_claims_not_a_crash(tmp_path: Path) -> None:
    """A small library's embedder knows only its papers' words: a question in none of them has no direction."""
    build_corpus("lab", [PDFS])
    out = tmp_path / "out"
    question = ["--question", "Which San Francisco district has the highest median household income?"]
    where = ["--db", str(tmp_path / "runs.sqlite"), "--out", str(out), "--thread", "lab-2", "--max-revisions", "0"]
    result = CliRunner().invoke(app, ["run", "--corpus", "lab", "--paper", str(PDFS / "pasa.pdf"), *question, *where])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "lab-2.json").read_text())
    assert report["claims"] == [] and report["recommendation"] == "REJECT"


def test_a_live_extractor_reads_body_passages_with_their_place_and_its_claims_cite_it(tmp_path: Path) -> None:
    build_corpus("lab", [PDFS])
    with nim_loopback(NimLoopback(fabricate=True)) as nim:
        config = LiveConfig.model_validate(
            {"model": f"nvidia:{MODEL}", "base_url": nim.base_url, "timeout": 2.0, "attempts": 2, "backoff": 0.05}
        )
        context = Context(corpus="lab", llm=RoleModels.from_config(config))
        saver = InMemorySaver(serde=state_serializer())
        outcome = Runner(saver, context).start(str(PDFS / "pasa.pdf"), BODY_QUESTION, thread_id="t", max_revisions=0)
        prompt = "\n".join(str(m["content"]) for m in nim.chat("extractor")[0].body["messages"])
    # The model is shown where each body passage stands, so it can tell a results section from related work.
    assert f"] ({PASA_FILE} §5.3 Main results, p. 8) " in prompt
    body = [c for c in outcome.report.claims if c.place]
    assert body and all(c.text != c.quote and c.quoted for c in body)
    assert all(any(" ".join(c.quote.split()) in block for block in _pasa_blocks()) for c in body)
    # Its paraphrase is checked against the paragraph it quotes (grounding can fail), not left unchecked.
    assert all(c.grounded is not None for c in body)
    # The invented number never becomes a claim.
    assert any("97.5" in r.claim for r in outcome.report.rejected_claims)
    assert not any("97.5" in c.text for c in outcome.report.claims)
