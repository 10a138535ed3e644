"""A PostgreSQL corpus as a `PaperSource`, the same interface as an on-disk `DiskCorpus`.

Opened once per process and database (a corpus is looked up by name in the registry; a rebuild under the same
name is picked up by the next open). One autocommit connection, shared under a lock by the parallel search
branches as DiskCorpus shares its SQLite connection; what it holds locally is the LSA model (to embed
queries) and the vectors' moments, never the index.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from psycopg import sql

from sovereign_graph.errors import InputError, shown
from sovereign_graph.home import redacted
from sovereign_graph.sources.corpora import list_corpora, paper_from_row, require_corpus_name
from sovereign_graph.sources.fulltext.library import file_sha256
from sovereign_graph.sources.fulltext.reader import FullText
from sovereign_graph.sources.fulltext.stored import stored_full_text
from sovereign_graph.sources.pgcorpus.connect import connect
from sovereign_graph.sources.pgcorpus.rank import PgHybridRanker
from sovereign_graph.sources.pgcorpus.schema import EF_SEARCH, FORMAT_VERSION, REGISTRY, table
from sovereign_graph.sources.pgcorpus.write import PgMeta, schema_size
from sovereign_graph.state import Paper
from sovereign_graph.text.lsa import LsaEmbeddings
from sovereign_graph.text.prose import normalise_title

_COLUMNS = "row, id, title, abstract, authors, categories, published, version"


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form; repr of a float32 widened to float64 parses back to the same float32."""
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


def _registry_rows(connection: Any, name: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, schema, meta) of the corpora in the database (none if no build ever ran there)."""
    exists = connection.execute("SELECT to_regclass(%s)", (f"{REGISTRY}.corpora",)).fetchone()[0]
    if exists is None:
        return []
    query = sql.SQL("SELECT name, schema_name, meta FROM {}.corpora").format(sql.Identifier(REGISTRY))
    if name is not None:
        rows = connection.execute(query + sql.SQL(" WHERE name = %s"), (name,)).fetchall()
    else:
        rows = connection.execute(query + sql.SQL(" ORDER BY name")).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def list_pg_corpora(url: str, *, sizes: bool = False) -> list[tuple[str, PgMeta | None, int]]:
    """Every corpus in the database: name, metadata (None if this version cannot read it) and, with `sizes`,
    the bytes its tables and indexes take (else 0)."""
    with connect(url) as connection:
        return [
            (name, _meta(raw), schema_size(connection, schema) if sizes else 0)
            for name, schema, raw in _registry_rows(connection)
        ]


def _meta(raw: dict[str, Any]) -> PgMeta | None:
    if raw.get("pg_format") != FORMAT_VERSION:
        return None
    return PgMeta.model_validate(raw)


class _SqlStore:
    """The ranker's questions as SQL on the corpus's tables."""

    def __init__(self, corpus: PgCorpus) -> None:
        self._corpus = corpus
        schema = corpus.schema
        self._postings = sql.SQL("SELECT term_id, docs, weights FROM {} WHERE term = ANY(%s)").format(
            table(schema, "postings")
        )
        # `<#>` is pgvector's negative inner product: the vectors are L2-normalised, so it is minus the cosine.
        self._nearest = sql.SQL(
            "SELECT row, -(embedding <#> %s::vector) FROM {} ORDER BY embedding <#> %s::vector LIMIT %s"
        ).format(table(schema, "vectors"))
        self._products = sql.SQL("SELECT row, -(embedding <#> %s::vector) FROM {} WHERE row = ANY(%s)").format(
            table(schema, "vectors")
        )

    def postings(self, terms: list[str]) -> list[tuple[int, np.ndarray, np.ndarray]]:
        if not terms:
            return []
        rows = self._corpus.query(self._postings, (terms,))
        return [(int(t), np.frombuffer(d, dtype="<i4"), np.frombuffer(w, dtype="<f4")) for t, d, w in rows]

    def nearest(self, vector: np.ndarray, m: int) -> list[tuple[int, float]]:
        literal = vector_literal(vector)
        # pgvector's HNSW returns at most ef_search rows: search at least as wide as asked.
        ef = max(EF_SEARCH, m)
        rows = self._corpus.query(self._nearest, (literal, literal, m), ef_search=ef)
        return [(int(r), float(p)) for r, p in rows]

    def inner_products(self, vector: np.ndarray, rows: list[int]) -> dict[int, float]:
        found = self._corpus.query(self._products, (vector_literal(vector), rows))
        return {int(r): float(p) for r, p in found}


class PgCorpus:
    """A corpus in PostgreSQL as a `PaperSource`."""

    def __init__(self, url: str, name: str, schema: str, meta: PgMeta, connection: Any) -> None:
        self.name = f"corpus '{meta.name}'"
        self.corpus_name = meta.name
        self.sources = meta.sources
        self.meta = meta
        self.schema = schema
        self.location = redacted(url)
        self._url = url
        self._db = connection
        self._lock = threading.Lock()
        self._ef_search: int | None = None
        parts = {
            part: bytes(data)
            for part, data in self.query(sql.SQL("SELECT part, data FROM {}").format(table(schema, "model")), ())
        }
        vocabulary = json.loads(parts["lsa_vocabulary"])
        idf = np.frombuffer(parts["lsa_idf"], dtype="<f4")
        # Fortran order, as scikit-learn fits it and the on-disk corpus keeps it: a query is `weights @ C.T`, and a
        # C-order C.T would be copied whole by scipy on every query (5 ms at 20k papers).
        components = np.asfortranarray(np.frombuffer(parts["lsa_components"], dtype="<f4").reshape(-1, len(vocabulary)))
        self.embeddings = LsaEmbeddings(vocabulary, idf, components)
        dimensions = self.embeddings.dimensions
        mean = np.frombuffer(parts["dense_mean"], dtype="<f8")
        second = np.frombuffer(parts["dense_second"], dtype="<f8").reshape(dimensions, dimensions)
        self.ranker = PgHybridRanker(_SqlStore(self), self.embeddings, meta.papers, mean, second)

    def query(
        self, statement: sql.Composable, parameters: tuple[object, ...], ef_search: int | None = None
    ) -> list[Any]:
        with self._lock:
            try:
                if ef_search is not None and ef_search != self._ef_search:
                    self._db.execute("SELECT set_config('hnsw.ef_search', %s, false)", (str(ef_search),))
                    self._ef_search = ef_search
                return list(self._db.execute(statement, parameters).fetchall())
            except psycopg.errors.UndefinedTable:
                raise InputError(
                    f"{self.name} was rebuilt or removed in {self.location} while this process used it; run again."
                ) from None
            except psycopg.OperationalError as error:
                raise InputError(f"lost the PostgreSQL corpus database {self.location}: {str(error).strip()}") from None

    def current(self) -> bool:
        """Whether the registry still names this build (else a rebuild replaced it)."""
        with self._lock:
            if self._db.closed:
                return False
            try:
                found = _registry_rows(self._db, self.corpus_name)
            except psycopg.Error:
                return False
        return bool(found) and found[0][1] == self.schema

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        return self.meta.papers

    def _select(self, where: sql.Composable, parameters: tuple[object, ...]) -> list[tuple[int, Paper]]:
        statement = sql.SQL("SELECT " + _COLUMNS + " FROM {} WHERE ").format(table(self.schema, "papers")) + where
        return [(row[0], paper_from_row(row)) for row in self.query(statement, parameters)]

    def get(self, paper_id: str) -> Paper | None:
        found = self._select(sql.SQL("id = %s"), (paper_id,))
        return found[0][1] if found else None

    def find_title(self, title: str) -> list[Paper]:
        return [p for _, p in self._select(sql.SQL("title_key = %s ORDER BY row"), (normalise_title(title),))]

    def search(self, query: str, k: int) -> list[tuple[Paper, float]]:
        ranked = self.ranker.top(query, k)
        if not ranked:
            return []
        papers = dict(self._select(sql.SQL("row = ANY(%s)"), ([row for row, _ in ranked],)))
        return [(papers[row], score) for row, score in ranked]

    def texts(self) -> list[str]:
        statement = sql.SQL("SELECT title, abstract FROM {} ORDER BY row").format(table(self.schema, "papers"))
        return [f"{title}. {abstract}" for title, abstract in self.query(statement, ())]

    def sample_texts(self, most: int) -> list[str]:
        """Every k-th paper's text (at most about `most`), as DiskCorpus samples."""
        step = max(1, len(self) // most)
        statement = sql.SQL("SELECT title, abstract FROM {} WHERE row %% %s = 0 ORDER BY row").format(
            table(self.schema, "papers")
        )
        return [f"{title}. {abstract}" for title, abstract in self.query(statement, (step,))]

    def full_text(self, paper: Paper) -> FullText:
        """The paper's document as the build read it from the library; offline, never raises for a paper."""
        statement = sql.SQL("SELECT origin, file, sha256, document FROM {} WHERE id = %s").format(
            table(self.schema, "documents")
        )
        rows = self.query(statement, (paper.id,))
        if not rows:
            return FullText(paper.id, None, reason=f"{self.name} has no PDF or HTML of it")
        origin, file, sha256, blob = rows[0]
        return stored_full_text(self.name, paper, origin, file, sha256, bytes(blob))

    def paper_for_sha256(self, sha256: str) -> Paper | None:
        statement = sql.SQL("SELECT id FROM {} WHERE sha256 = %s").format(table(self.schema, "files"))
        rows = self.query(statement, (sha256.lower(),))
        return self.get(rows[0][0]) if rows else None

    def paper_for_file(self, path: Path) -> Paper | None:
        return self.paper_for_sha256(file_sha256(path))


_opened: dict[tuple[str, str], PgCorpus] = {}
_opening = threading.Lock()


def find_pg_corpus(url: str, name: str) -> PgCorpus | None:
    """Corpus `name` in the database at `url`, or None if the database has none of that name; opened once per
    process, and again after a rebuild. InputError if the database cannot be reached or read."""
    require_corpus_name(name)
    with _opening:
        cached = _opened.get((url, name))
        if cached is not None and cached.current():
            return cached
        if cached is not None:
            cached.close()
            del _opened[(url, name)]
        connection = connect(url)
        try:
            found = _registry_rows(connection, name)
            if not found:
                connection.close()
                return None
            _, schema, raw = found[0]
            meta = _meta(raw)
            if meta is None:
                raise InputError(
                    f"corpus {shown(name)} in {redacted(url)} was built by another version (format "
                    f"{raw.get('pg_format')}, this one reads {FORMAT_VERSION}); rebuild it with: sovereign corpus "
                    f"build PATH... --db URL --name {name}"
                )
            corpus = PgCorpus(url, name, schema, meta, connection)
        except BaseException:
            connection.close()
            raise
        _opened[(url, name)] = corpus
        return corpus


def missing_pg_corpus(url: str, name: str) -> InputError:
    """The error for a corpus name neither the database nor the disk holds, naming what both hold."""
    there = ", ".join(n for n, _, _ in list_pg_corpora(url)) or "none"
    here = ", ".join(["bundled", *(e.name for e in list_corpora())])
    return InputError(
        f"no corpus named {shown(name)} in the database {redacted(url)} (available there: {there}) nor on disk "
        f"(available: {here}); build one with: sovereign corpus build PATH... --db URL --name {name}"
    )


def open_pg_corpus(url: str, name: str) -> PgCorpus:
    """Corpus `name` in the database at `url`, or InputError naming the corpora there and on disk."""
    corpus = find_pg_corpus(url, name)
    if corpus is None:
        raise missing_pg_corpus(url, name)
    return corpus
