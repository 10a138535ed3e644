"""Runtime context: the engines, sources and thresholds a run uses (LangGraph `context_schema`).

Its fields are the run's settings (`settings.RunSettings`, flat: Studio's form and the SDK send them as JSON)
plus the services built from them: the paper source, the embedder, the verifier's vocabulary, the chat model
of each role. `Context.from_settings` is the one way from settings to a context, `settings()` the way back
(what the runner records in the thread's checkpoint metadata, and restores on resume).

A context made directly (`Context()`, Studio's JSON) takes each field left at its default from its environment
variable (`SOVEREIGN_<FIELD>`, parsed by `settings.run.environment_values`). The context is not saved in
checkpoints, so a resume may arrive without one: nodes call `context_of(runtime)`, which falls back to those
defaults; the runner restores a thread's recorded settings instead.
"""

from __future__ import annotations

import copy
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, cast
from urllib.parse import urlsplit

from langchain_core.embeddings import Embeddings
from langgraph.runtime import Runtime
from pydantic import InstanceOf, ValidationError
from pydantic.json_schema import SkipJsonSchema

from sovereign_graph.errors import InputError
from sovereign_graph.home import is_postgres_url
from sovereign_graph.llm.embeddings import embeddings_from_config
from sovereign_graph.llm.role_models import RoleModel, RoleModels
from sovereign_graph.runtime.injected import Engines, bound_engines
from sovereign_graph.settings.live import LiveConfig, LlmRole, problems
from sovereign_graph.settings.run import (
    ARXIV_API_URL,
    ARXIV_FULLTEXT_URL,
    DEFAULTS,
    SCALAR_FIELDS,
    RunSettings,
    environment_values,
)
from sovereign_graph.sources.base import PaperSource, is_live, sample_texts
from sovereign_graph.sources.corpora import corpora_dir, open_corpus
from sovereign_graph.sources.snapshot import VOCABULARY_SAMPLE, bundled_snapshot, shipped_verifier_vocabulary
from sovereign_graph.text.lsa import LsaEmbeddings
from sovereign_graph.text.vocabulary import Vocabulary

if TYPE_CHECKING:
    from langchain_core.vectorstores import VectorStore

    from sovereign_graph.sources.fulltext.reader import FullTextReader


# A setting's name on the context, where it differs (the context's fields predate the settings).
CONTEXT_NAMES = {"source": "source_name"}


def _setting(name: str) -> Any:
    """A context field for the run setting `name`: its default and description are the setting's."""
    return field(default=DEFAULTS[name], metadata={"description": RunSettings.model_fields[name].description})


@dataclass(kw_only=True)
class Context:
    corpus: str = _setting("corpus")
    # Not shown in a repr: the URL may carry a password. Not a setting either: never recorded.
    corpus_db: str = field(
        default="",
        repr=False,
        metadata={
            "description": "A PostgreSQL URL whose database holds corpora built with `sovereign corpus build --db`; "
            "the CLI sets it to run's --db when that is a PostgreSQL URL. Empty: corpora on disk only."
        },
    )
    source_name: str = _setting("source")
    arxiv_url: str = _setting("arxiv_url")
    arxiv_delay: float = _setting("arxiv_delay")
    arxiv_timeout: float = _setting("arxiv_timeout")
    arxiv_retries: int = _setting("arxiv_retries")
    arxiv_backoff: float = _setting("arxiv_backoff")
    arxiv_fulltext_url: str = _setting("arxiv_fulltext_url")
    fulltext: int = _setting("fulltext")
    hits_per_query: int = _setting("hits_per_query")
    max_papers: int = _setting("max_papers")
    max_claims: int = _setting("max_claims")
    max_claims_per_paper: int = _setting("max_claims_per_paper")
    verifier: str = _setting("verifier")
    relevance: str = _setting("relevance")
    verify_threshold: float = _setting("verify_threshold")
    revise_below: float = _setting("revise_below")
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
            "writer, reviser); a role without one runs its embedded engine. CLI: --model / --config."
        },
    )
    embeddings: Annotated[InstanceOf[Embeddings] | None, SkipJsonSchema()] = field(
        default=None,
        repr=False,
        metadata={"description": "Live embeddings (CLI --embeddings); default: LSA fitted on the corpus."},
    )

    def __post_init__(self) -> None:
        # An environment variable SOVEREIGN_<FIELD> sets a field left at its default.
        for name, value in environment_values().items():
            attribute = CONTEXT_NAMES.get(name, name)
            if getattr(self, attribute) == DEFAULTS[name]:
                setattr(self, attribute, value)
        self.settings()  # a bad value (Studio's form, a host's code) is refused here, not at the run's end

    @classmethod
    def from_settings(
        cls,
        settings: RunSettings,
        *,
        db: str | None = None,
        llm: RoleModels | None = None,
        embeddings: Embeddings | None = None,
    ) -> Context:
        """The context that runs `settings`, exactly (no environment fallback: the settings had theirs). `db`: the
        runner's checkpoint database; a PostgreSQL one also holds corpora. `llm`, `embeddings`: a host's own
        objects, instead of the ones `settings.live` names."""
        context = cls(
            corpus_db=db if db is not None and is_postgres_url(db) else "",
            llm=llm if llm is not None else RoleModels.from_config(settings.live),
            embeddings=embeddings if embeddings is not None else embeddings_from_config(settings.live),
        )
        for name in SCALAR_FIELDS:  # after __post_init__: the settings' values win over the environment's
            setattr(context, CONTEXT_NAMES.get(name, name), getattr(settings, name))
        return context

    def settings(self) -> RunSettings:
        """This context's run settings (the live models by the config they were built from, if any)."""
        values: dict[str, Any] = {name: getattr(self, CONTEXT_NAMES.get(name, name)) for name in SCALAR_FIELDS}
        try:
            return RunSettings.model_validate({**values, "live": self.live_config()})
        except ValidationError as error:
            raise InputError(f"the run's context: {problems(error)}.") from None

    def live_config(self) -> LiveConfig:
        """The config the live models were built from; the embedded engines' (empty) for a host's own objects."""
        return self.llm.config if self.llm is not None and self.llm.config is not None else LiveConfig()

    def with_engines(self, engines: Engines | None) -> Context:
        """A copy of this context that uses the injected engines."""
        # A copy, not `dataclasses.replace`: that would run __post_init__ again, and the environment would
        # overwrite a setting that is at its default on purpose.
        context = copy.copy(self)
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
        if self.arxiv_fulltext_url == ARXIV_FULLTEXT_URL and self.arxiv_url != ARXIV_API_URL:
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
            # The snapshot's is shipped, fitted by the same recipe (training/shipped.py).
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
