"""`corpus build --db postgresql://...`: read and fit as an on-disk build does, then write it to PostgreSQL.

Everything happens in one transaction: the build's own schema (`schema.py`), its rows, its indexes, and the
swap of the registry row that names the corpus (dropping the build it replaces). A failed, interrupted or
killed build therefore leaves nothing behind, and readers keep the previous build until the swap commits.
Rows go in by COPY: papers as they are read, vectors as a binary COPY stream made by numpy (text literals of
128 floats per paper would cost seconds at 75k papers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from psycopg import sql

from sovereign_graph.home import redacted
from sovereign_graph.lines import LineLimits
from sovereign_graph.sources.corpora import (
    BuildProgress,
    CorpusMeta,
    FittedIndex,
    check_inputs,
    corpus_meta,
    fit_index,
    paper_row,
    read_inputs,
    require_corpus_name,
)
from sovereign_graph.sources.fulltext.library import BadFile, DuplicateFile, MisattributedFile, RepairedFile
from sovereign_graph.sources.pgcorpus.connect import connect, require_pgvector
from sovereign_graph.sources.pgcorpus.schema import (
    FORMAT_VERSION,
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    REGISTRY,
    REGISTRY_DDL,
    REGISTRY_LOCK,
    TABLES,
    build_ddl,
    index_ddl,
    new_schema_name,
    schema_identifier,
    table,
)
from sovereign_graph.state import Paper

PAPER_BATCH = 5_000
DOCUMENT_BATCH = 16  # documents are whole papers' full text: small batches
VECTOR_CHUNK = 20_000  # rows per chunk of the binary COPY stream (and of the moments' sums)
PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # signature, flags, header extension length
PGCOPY_TRAILER = b"\xff\xff"


class PgMeta(CorpusMeta):
    """An on-disk corpus's metadata plus how the PostgreSQL build stores it."""

    pg_format: int = FORMAT_VERSION
    hnsw_m: int = HNSW_M
    hnsw_ef_construction: int = HNSW_EF_CONSTRUCTION


@dataclass(frozen=True)
class PgBuildResult:
    meta: PgMeta
    location: str  # the database (password redacted) and schema, as the build's summary names it
    schema: str
    size_bytes: int  # tables, indexes and TOAST of the build's schema
    malformed_examples: list[str]
    degenerate: list[str]
    bad_files: list[BadFile]
    duplicate_files: list[DuplicateFile]
    repaired_files: list[RepairedFile] = field(default_factory=list)  # read, with undecodable characters
    misattributed_files: list[MisattributedFile] = field(default_factory=list)  # a record's arXiv id, not its title


def _clean(text: object) -> object:
    # PostgreSQL text cannot hold NUL, which SQLite (and a damaged record) can: it is dropped from what is stored.
    return text.replace("\x00", "") if isinstance(text, str) else text


class _PgSink:
    """The rows a build's reading yields, batched into COPY (papers, documents) or kept for the end (files,
    versions: small, and first-wins / set-once as the SQLite sink's statements are)."""

    def __init__(self, connection: Any, schema: str) -> None:
        self.connection = connection
        self.schema = schema
        self.papers: list[tuple[object, ...]] = []
        self.documents: list[tuple[object, ...]] = []
        self.files: dict[str, str] = {}
        self.versions: dict[str, int | None] = {}

    def add_paper(self, row: int, paper: Paper) -> None:
        self.papers.append(tuple(_clean(v) for v in paper_row(row, paper)))
        if len(self.papers) >= PAPER_BATCH:
            self._copy("papers", self.papers)

    def add_file(self, sha256: str, paper_id: str) -> None:
        self.files.setdefault(sha256, paper_id)

    def set_version(self, paper_id: str, version: int | None) -> None:
        self.versions.setdefault(paper_id, version)

    def add_document(self, paper_id: str, origin: str, file: str, sha256: str, packed: bytes) -> None:
        self.documents.append((paper_id, origin, _clean(file), sha256, packed))
        if len(self.documents) >= DOCUMENT_BATCH:
            self._copy("documents", self.documents)

    def _copy(self, name: str, rows: list[tuple[object, ...]]) -> None:
        with (
            self.connection.cursor() as cursor,
            cursor.copy(sql.SQL("COPY {} FROM STDIN").format(table(self.schema, name))) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        rows.clear()

    def finish(self) -> None:
        self._copy("papers", self.papers)
        self._copy("documents", self.documents)
        self._copy("files", list(self.files.items()))
        if self.versions:
            with self.connection.cursor() as cursor:
                cursor.executemany(
                    sql.SQL("UPDATE {} SET version = %s WHERE id = %s AND version IS NULL").format(
                        table(self.schema, "papers")
                    ),
                    [(version, paper_id) for paper_id, version in self.versions.items()],
                )


def vector_copy_stream(vectors: np.ndarray) -> Iterator[bytes]:
    """`COPY vectors FROM STDIN (FORMAT BINARY)` data: per row, the row number and pgvector's binary form
    (int16 dimensions, int16 unused, big-endian float4s), laid out by a packed numpy record type."""
    n, dimensions = vectors.shape
    record = np.dtype(
        [
            ("fields", ">i2"),
            ("row_length", ">i4"),
            ("row", ">i4"),
            ("vector_length", ">i4"),
            ("dimensions", ">i2"),
            ("unused", ">i2"),
            ("values", ">f4", (dimensions,)),
        ]
    )
    yield PGCOPY_HEADER
    for start in range(0, n, VECTOR_CHUNK):
        chunk = vectors[start : start + VECTOR_CHUNK]
        rows = np.zeros(len(chunk), dtype=record)
        rows["fields"], rows["row_length"], rows["vector_length"] = 2, 4, 4 + 4 * dimensions
        rows["row"] = np.arange(start, start + len(chunk))
        rows["dimensions"] = dimensions
        rows["values"] = chunk
        yield rows.tobytes()
    yield PGCOPY_TRAILER


def dense_moments(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean vector, mean of v v^T) in float64: a query's cosine mean and std over every paper follow from
    them, so the fusion standardises the dense signal over the whole corpus without reading every vector."""
    n, dimensions = vectors.shape
    total, second = np.zeros(dimensions), np.zeros((dimensions, dimensions))
    for start in range(0, n, VECTOR_CHUNK):
        chunk = np.asarray(vectors[start : start + VECTOR_CHUNK], dtype=np.float64)
        total += chunk.sum(axis=0)
        second += chunk.T @ chunk
    return total / max(n, 1), second / max(n, 1)


def _write_index(connection: Any, schema: str, index: FittedIndex, progress: BuildProgress | None) -> None:
    vocabulary, postings = index.vocabulary, index.postings
    if progress is not None:
        progress.stage("writing BM25 postings", float(len(vocabulary)))
    indptr = postings.indptr
    docs = postings.indices.astype("<i4", copy=False)
    weights = postings.data.astype("<f4", copy=False)
    with (
        connection.cursor() as cursor,
        cursor.copy(sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(table(schema, "postings"))) as copy,
    ):
        copy.set_types(["int4", "text", "bytea", "bytea"])
        for term_id, term in enumerate(vocabulary):
            start, end = indptr[term_id], indptr[term_id + 1]
            copy.write_row((term_id, term, docs[start:end].tobytes(), weights[start:end].tobytes()))
            if progress is not None and term_id % 10_000 == 0:
                progress.advance(min(10_000, len(vocabulary) - term_id))

    if progress is not None:
        progress.stage("writing vectors", None)
    vectors = index.vectors
    connection.execute(
        sql.SQL("CREATE TABLE {} (row integer PRIMARY KEY, embedding vector({}) NOT NULL)").format(
            table(schema, "vectors"), sql.Literal(int(vectors.shape[1]))
        )
    )
    with (
        connection.cursor() as cursor,
        cursor.copy(sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(table(schema, "vectors"))) as copy,
    ):
        for data in vector_copy_stream(vectors):
            copy.write(data)
    mean, second = dense_moments(vectors)
    lsa = index.lsa
    parts = {
        "lsa_idf": np.asarray(lsa.idf, dtype="<f4").tobytes(),
        "lsa_components": np.ascontiguousarray(lsa.components, dtype="<f4").tobytes(),
        "lsa_vocabulary": json.dumps(lsa.vocabulary).encode("utf-8"),
        "dense_mean": mean.astype("<f8").tobytes(),
        "dense_second": second.astype("<f8").tobytes(),
    }
    with connection.cursor() as cursor:
        cursor.executemany(
            sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(table(schema, "model")), list(parts.items())
        )

    if progress is not None:
        progress.stage("indexing (HNSW, titles)", None)
    # The HNSW graph is built fastest in memory; 75k 128-d vectors need about 100 MB.
    connection.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for statement in index_ddl(schema):
        connection.execute(statement)
    for name in TABLES:
        connection.execute(sql.SQL("ANALYZE {}").format(table(schema, name)))


def ensure_registry(connection: Any) -> None:
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (REGISTRY_LOCK,))
        for statement in REGISTRY_DDL:
            connection.execute(statement)


def schema_size(connection: Any, schema: str) -> int:
    row = connection.execute(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
        (schema,),
    ).fetchone()
    return int(row[0])


def build_pg_corpus(
    url: str,
    name: str,
    paths: list[Path],
    *,
    limit: int | None = None,
    progress: BuildProgress | None = None,
    limits: LineLimits | None = None,
) -> PgBuildResult:
    """Build (or rebuild) corpus `name` in the database at `url` from the files an on-disk build takes;
    atomically: a failure leaves the database as it was."""
    require_corpus_name(name)
    inputs = check_inputs(paths, limits)  # before connecting: a typo in a path answers at once
    connection = connect(url)
    with connection:
        require_pgvector(connection, url)
        ensure_registry(connection)
        schema = new_schema_name()
        with connection.transaction():
            for statement in build_ddl(schema):
                connection.execute(statement)
            sink = _PgSink(connection, schema)
            read = read_inputs(inputs, sink, limit, progress)
            sink.finish()
            index = fit_index(read.texts, progress)
            read.texts = []
            _write_index(connection, schema, index, progress)
            meta = PgMeta(**corpus_meta(name, inputs, read, index).model_dump())
            if progress is not None:
                progress.stage("replacing the previous build", None)
            # Two builds of one name at once: the later swap waits here, then replaces the earlier build.
            connection.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"sovereign corpus {name}",))
            registry = sql.SQL("{}.corpora").format(sql.Identifier(REGISTRY))
            old = connection.execute(
                sql.SQL("SELECT schema_name FROM {} WHERE name = %s").format(registry), (name,)
            ).fetchone()
            connection.execute(
                sql.SQL(
                    "INSERT INTO {} (name, schema_name, meta) VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE "
                    "SET schema_name = EXCLUDED.schema_name, meta = EXCLUDED.meta, built = now()"
                ).format(registry),
                (name, schema, meta.model_dump_json()),
            )
            if old is not None:
                connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(schema_identifier(old[0])))
        size = schema_size(connection, schema)
    return PgBuildResult(
        meta=meta,
        location=f"{redacted(url)} (schema {schema})",
        schema=schema,
        size_bytes=size,
        malformed_examples=read.report.examples,
        degenerate=read.report.degenerate,
        bad_files=read.library.bad,
        duplicate_files=read.library.duplicates,
        repaired_files=read.library.repaired,
        misattributed_files=read.library.misattributed,
    )
