"""Streamed progress events (stream_mode="custom") and the Python API's injectable engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import InMemoryVectorStore, VectorStore
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from typer.testing import CliRunner

from sovereign_graph import Context, build_graph
from sovereign_graph.app.checkpoints import state_serializer
from sovereign_graph.cli import app
from sovereign_graph.sources.snapshot import LocalCorpus, bundled_snapshot
from tests.conftest import QUESTION, SMOES


def test_nodes_stream_progress_events_that_match_the_state() -> None:
    graph = build_graph(InMemorySaver(serde=state_serializer()))
    config: Any = {"configurable": {"thread_id": "p"}}
    events = [
        chunk
        for chunk in graph.stream(
            {"paper": SMOES, "question": QUESTION, "max_revisions": 0}, config, context=Context(), stream_mode="custom"
        )
    ]
    values = graph.get_state(config).values
    started = [e["query"] for e in events if e["event"] == "search_started"]
    finished = {e["query"]: e["hits"] for e in events if e["event"] == "search_finished"}
    assert sorted(started) == sorted(q.text for q in values["queries"]) == sorted(finished)
    assert all(0 < hits <= Context().hits_per_query for hits in finished.values())
    (indexed,) = [e for e in events if e["event"] == "papers_indexed"]
    assert indexed["passages"] == len(values["passages"])
    assert indexed["papers"] == len({p.paper_id for p in values["passages"]})
    (extracted,) = [e for e in events if e["event"] == "claims_extracted"]
    assert extracted == {"event": "claims_extracted", "claims": len(values["claims"]), "gaps": len(values["gaps"])}
    (verified,) = [e for e in events if e["event"] == "claims_verified"]
    assert verified["verified"] == sum(c.verified for c in values["claims"])
    scored = {e["role"]: e["score"] for e in events if e["event"] == "reviewer_scored"}
    assert scored == {r.role: r.score for r in values["reviews"]}


def test_the_cli_renders_progress_events(tmp_path: Path) -> None:
    args = ["run", "--paper", SMOES, "--question", QUESTION, "--db", str(tmp_path / "r.sqlite")]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "searching “" in result.output and "hits for “" in result.output
    assert "papers indexed into" in result.output and "claims verified" in result.output
    for role in ("SKEPTIC", "VALIDATOR", "SYNTHESIZER"):
        assert f"{role} scored" in result.output


class CountingEmbeddings(Embeddings):
    """A host's embeddings: the bundled LSA model, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        self.inner = bundled_snapshot().embeddings
        self.documents = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def test_a_host_injects_its_source_embeddings_and_vector_store() -> None:
    snapshot = bundled_snapshot()
    host_papers = [p for p in (snapshot.get(i) for i in [SMOES]) if p] + [
        paper for paper, _ in snapshot.search("mixture of experts vision language routing", 60)
    ]
    source = LocalCorpus("host library", host_papers)
    embeddings = CountingEmbeddings()
    stores: list[VectorStore] = []

    def vector_store(emb: Embeddings) -> VectorStore:
        stores.append(InMemoryVectorStore(emb))
        return stores[-1]

    graph = build_graph(
        InMemorySaver(serde=state_serializer()), source=source, embeddings=embeddings, vector_store=vector_store
    )
    config: Any = {"configurable": {"thread_id": "host"}}
    graph.invoke({"paper": SMOES, "question": QUESTION, "max_revisions": 0}, config, context=Context())
    values = graph.get_state(config).values
    assert values["method"]["source"] == f"host library ({len(source)} papers)"
    assert "CountingEmbeddings" in values["method"]["index"]
    assert {h.paper.id for h in values["hits"]} <= {p.id for p in host_papers}
    # Every passage once into the store, and each indexed paper once (its relevance to the question).
    papers = len({p.paper_id for p in values["passages"]})
    assert len(stores) == 1 and embeddings.documents == len(values["passages"]) + papers

    # A resume without a context still uses the engines the graph was built with.
    graph.invoke(Command(resume={"decision": "revise", "note": "routing collapse"}), config)
    assert len(stores) == 2
    assert {h.paper.id for h in graph.get_state(config).values["hits"]} <= {p.id for p in host_papers}


def test_studio_form_schemas() -> None:
    graph = build_graph()
    inputs = graph.get_input_jsonschema()
    assert inputs["required"] == ["paper", "question"]
    assert all(inputs["properties"][name]["description"] for name in ("paper", "question", "max_revisions"))
    context = graph.get_context_jsonschema()
    assert context is not None and "engines" not in context["properties"]
    assert all(prop.get("description") for prop in context["properties"].values())
    assert "report" in graph.get_output_jsonschema()["properties"]
