"""Runtime context: the engines, sources and thresholds a run uses (LangGraph `context_schema`).

The context is not saved in checkpoints, so a resume may arrive without one: nodes call
`context_of(runtime)`, which falls back to the defaults below (each overridable by an environment
variable). What must survive a restart, such as the revision cap, lives in the state instead.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Annotated, Any, cast
from urllib.parse import urlsplit

from langchain_core.embeddings import Embeddings
from langgraph.runtime import Runtime
from pydantic import InstanceOf
from pydantic.json_schema import SkipJsonSchema

from sovereign_graph.errors import InputError
from sovereign_graph.home import is_postgres_url
from sovereign_graph.llm.role_models import RoleModel, RoleModels
from sovereign_graph.runtime.injected import Engines, bound_engines
from sovereign_graph.settings.live import LlmRole
from sovereign_graph.settings.run import ARXIV_API_URL
from sovereign_graph.sources.base import PaperSource, is_live, sample_texts
from sovereign_graph.sources.corpora import corpora_dir, open_corpus
from sovereign_graph.sources.snapshot import VOCABULARY_SAMPLE, bundled_snapshot, shipped_verifier_vocabulary
from sovereign_graph.text.lsa import LsaEmbeddings
from sovereign_graph.text.vocabulary import Vocabulary

if TYPE_CHECKING:
    from langchain_core.vectorstores import VectorStore

    from sovereign_graph.sources.fulltext.reader import FullTextReader


FULLTEXT_URL = "https://arxiv.org"


@dataclass(kw_only=True)
class Context:
    corpus: str = field(
        default="bundled",
        metadata={
            "description": "Offline corpus to search: 'bundled' is the snapshot shipped in the package; any other "
            "name is a corpus built with `sovereign corpus build`: looked up in the `corpus_db` database when that "
            "is a PostgreSQL URL, else (or if it has none of that name) under $SOVEREIGN_HOME/corpora."
        },
    )
    # Not shown in a repr: the URL may carry a password.
    corpus_db: str = field(
        default="",
        repr=False,
        metadata={
            "description": "A PostgreSQL URL whose database holds corpora built with `sovereign corpus build --db`; "
            "the CLI sets it to run's --db when that is a PostgreSQL URL. Empty: corpora on disk only."
        },
    )
    source_name: str = field(
        default="snapshot",
        metadata={"description": "Where to search: 'snapshot' (the offline `corpus`) or 'arxiv' (the live API)."},
    )
    arxiv_url: str = field(
        default=ARXIV_API_URL, metadata={"description": "The arXiv API's query endpoint (live source only)."}
    )
    arxiv_delay: float = field(
        default=3.0,
        metadata={"description": "Seconds between arXiv requests, across all parallel branches (arXiv's terms: 3)."},
    )
    arxiv_timeout: float = field(default=30.0, metadata={"description": "Seconds before an arXiv request gives up."})
    arxiv_retries: int = field(
        default=3, metadata={"description": "Retries of an arXiv request on 429/5xx, connection errors or timeouts."}
    )
    arxiv_backoff: float = field(
        default=1.0, metadata={"description": "First wait before a retry, in seconds; doubles on each retry."}
    )
    arxiv_fulltext_url: str = field(
        default=FULLTEXT_URL,
        metadata={"description": "Where arXiv serves full text (/html/<id>, /pdf/<id>); live source only."},
    )
    fulltext: int = field(
        default=8,
        metadata={
            "description": "Read the full text of the subject paper and of this many of the best-ranked hits (live "
            "arXiv: HTML, else PDF, cached under $SOVEREIGN_HOME/fulltext; a corpus built from PDFs: its documents); "
            "0 reads abstracts only."
        },
    )
    hits_per_query: int = field(
        default=8, metadata={"description": "Papers kept from each search query (before de-duplication)."}
    )
    max_papers: int = field(default=24, metadata={"description": "Papers indexed into passages per round."})
    max_claims: int = field(default=8, metadata={"description": "Most claims extracted for the dossier."})
    max_claims_per_paper: int = field(
        default=3,
        metadata={"description": "Most claims from one paper, so one source cannot fill the table."},
    )
    verifier: str = field(
        default="trained",
        metadata={
            "description": "Claim verifier: 'trained' (the SciFact-trained model shipped in the package) or "
            "'tfidf' (the seed method)."
        },
    )
    verify_threshold: float = field(
        default=0.15,
        metadata={"description": "Seed verifier: TF-IDF cosine (word 1-2-grams) at or above which evidence counts."},
    )
    revise_below: float = field(
        default=6.5,
        metadata={"description": "Tribunal score under which a revision round runs (if one is left)."},
    )
    # Objects a host injects through `build_graph(...)`: not a context field (the context stays JSON for
    # Studio's form and the SDK), never checkpointed; `context_of` attaches them from the graph's config.
    engines: Annotated[Engines | None, SkipJsonSchema()] = field(default=None, init=False, repr=False, compare=False)
    # Live models, set by the CLI (--model/--embeddings/--config) or a host's Python code; left out of the JSON
    # schema for the same reason, and never checkpointed (the runner records their names, never a key).
    llm: Annotated[InstanceOf[RoleModels] | None, SkipJsonSchema()] = field(
        default=None,
        repr=False,
        metadata={
            "description": "Chat models for the LLM roles (planner, extractor, skeptic, validator, synthesizer, "
            "reviser); a role without one runs its embedded engine. CLI: --model / --config."
        },
    )
    embeddings: Annotated[InstanceOf[Embeddings] | None, SkipJsonSchema()] = field(
        default=None,
        repr=False,
        metadata={"description": "Live embeddings (CLI --embeddings); default: LSA fitted on the corpus."},
    )

    def __post_init__(self) -> None:
        # An environment variable SOVEREIGN_<FIELD> sets a field left at its default.
        for f in fields(self):
            if not f.init or f.name in ("llm", "embeddings"):
                continue
            env = os.environ.get(f"SOVEREIGN_{f.name.upper()}")
            default: Any = f.default
            if env is not None and getattr(self, f.name) == default:
                setattr(self, f.name, type(default)(env))

    def with_engines(self, engines: Engines | None) -> Context:
        """A copy of this context that uses the injected engines."""
        context = replace(self)
        context.engines = engines
        return context

    def injected_source(self) -> PaperSource | None:
        return self.engines.source if self.engines is not None else None

    def vector_store(self, embeddings: Embeddings) -> VectorStore:
        return (self.engines or Engines()).new_vector_store(embeddings)

    def paper_source(self) -> PaperSource:
        if (injected := self.injected_source()) is not None:
            return injected
        if self.source_name == "arxiv":
            # Imported here: the live client's libraries cost a cold offline run a tenth of a second.
            from sovereign_graph.sources.arxiv_live import live_arxiv_source

            return live_arxiv_source(
                self.arxiv_url, self.arxiv_delay, self.arxiv_timeout, self.arxiv_retries, self.arxiv_backoff
            )
        if self.source_name != "snapshot":
            raise ValueError(f"unknown source '{self.source_name}' (available: snapshot, arxiv)")
        if self.corpus == "bundled":
            return bundled_snapshot()
        if is_postgres_url(self.corpus_db):
            # Imported here: psycopg and the Postgres corpus code load only for a run that names a database.
            try:
                from sovereign_graph.sources.pgcorpus import find_pg_corpus, missing_pg_corpus
            except ImportError as error:
                raise InputError(
                    'a corpus in PostgreSQL needs the postgres extra: pip install "sovereign-graph[postgres]".'
                ) from error
            # The database first: workers that share it need no local copy; a name it lacks may be on disk.
            shared = find_pg_corpus(self.corpus_db, self.corpus)
            if shared is not None:
                return shared
            if not (corpora_dir() / self.corpus).is_dir():
                raise missing_pg_corpus(self.corpus_db, self.corpus)
        return open_corpus(self.corpus)

    def full_text_reader(self) -> FullTextReader | None:
        """Where full text comes from: the source itself when it has documents (a library corpus, a host's
        source implementing `full_text`), live arXiv's HTML/PDF for the live source; None for the snapshot."""
        source = self.paper_source()
        if is_live(source) and self.injected_source() is None:
            from sovereign_graph.sources.fulltext.fetch import arxiv_full_text

            return arxiv_full_text(
                self.full_text_url(), self.arxiv_delay, self.arxiv_timeout, self.arxiv_retries, self.arxiv_backoff
            )
        if callable(getattr(source, "full_text", None)) and getattr(source, "has_full_text", True):
            return cast("FullTextReader", source)
        return None

    def full_text_url(self) -> str:
        """Where live full text is fetched: `arxiv_fulltext_url`, or, when only the API was pointed elsewhere (a
        mirror, a proxy, a test's loopback server), the same host as the API."""
        if self.arxiv_fulltext_url == FULLTEXT_URL and self.arxiv_url != ARXIV_API_URL:
            parts = urlsplit(self.arxiv_url)
            return f"{parts.scheme}://{parts.netloc}"
        return self.arxiv_fulltext_url

    def verifier_vocabulary(self) -> Vocabulary:
        """The trained verifier's TF-IDF/LSA, fitted once per corpus on an even sample of at most
        `VOCABULARY_SAMPLE` of its papers: enough for document frequencies, and cheap on a cold start."""
        source = self.paper_source()
        if is_live(source):  # no corpus to fit on up front, as for the embedder
            source = bundled_snapshot()
        if source not in _vocabularies:
            # The snapshot's is shipped, fitted by the same recipe (sources/build_shipped.py).
            shipped = shipped_verifier_vocabulary() if source is bundled_snapshot() else None
            _vocabularies[source] = shipped or Vocabulary.fit(sample_texts(source, VOCABULARY_SAMPLE))
        return _vocabularies[source]

    def model_for(self, role: LlmRole) -> RoleModel | None:
        """The chat model the role runs on, or None for its embedded engine."""
        models = self.llm or (self.engines.llm if self.engines is not None else None)
        return models.for_role(role) if models is not None else None

    def embedder(self) -> Embeddings:
        if self.engines is not None and self.engines.embeddings is not None:
            return self.engines.embeddings
        if self.embeddings is not None:
            return self.embeddings
        source = self.paper_source()
        # A live source has no corpus to fit on up front: it uses the bundled snapshot's model.
        if is_live(source):
            source = bundled_snapshot()
        fitted = getattr(source, "embeddings", None)
        return fitted if isinstance(fitted, Embeddings) else _fitted_lsa(source)


_fitted: weakref.WeakKeyDictionary[Any, LsaEmbeddings] = weakref.WeakKeyDictionary()
_vocabularies: weakref.WeakKeyDictionary[Any, Vocabulary] = weakref.WeakKeyDictionary()


def _fitted_lsa(source: PaperSource) -> LsaEmbeddings:
    """For a host's source without its own embeddings: one LSA model per source object and process."""
    if source not in _fitted:
        _fitted[source] = LsaEmbeddings.fit(source.texts())
    return _fitted[source]


def context_of(runtime: Runtime[Context] | Any) -> Context:
    """The run's context (defaults if none was passed), with the engines the graph was built with."""
    context = getattr(runtime, "context", None)
    context = context if isinstance(context, Context) else Context()
    engines = bound_engines()
    return context.with_engines(engines) if engines is not None and context.engines is None else context
