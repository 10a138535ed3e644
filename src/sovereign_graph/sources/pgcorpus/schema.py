"""Where a PostgreSQL corpus lives: a registry of names, and one schema of tables per build.

    sovereign_corpora.corpora(name, schema_name, meta, built)   which build each corpus name is
    sovereign_corpus_<12 hex>                                   one build, named by the build, never by the user:
        papers(row, id, title, abstract, authors, categories, published, title_key, version)
        vectors(row, embedding vector(D))        HNSW index (inner product: the vectors are L2-normalised)
        postings(term_id, term, docs, weights)   BM25 posting list per word: paper rows (int32) and weights
                                                 (float32), little-endian, in row order; term_id = the word's
                                                 position in the sorted vocabulary, the order the sum follows
        documents(id, origin, file, sha256, document)   library full text, gzip'd JSON as on disk
        files(sha256, id)
        model(part, data)                        the LSA model and the vectors' moments (see `MODEL_PARTS`)

A build writes its schema and swaps the registry row in one transaction, so a failed or killed build leaves
nothing (PostgreSQL DDL is transactional) and readers of the old build see it until the swap commits.
"""

from __future__ import annotations

import re
import uuid

from psycopg import sql

REGISTRY = "sovereign_corpora"
FORMAT_VERSION = 1
SCHEMA_PREFIX = "sovereign_corpus_"
_SCHEMA = re.compile(rf"^{SCHEMA_PREFIX}[0-9a-f]{{12}}$")
# HNSW build parameters (pgvector's defaults) and the search breadth; see `rank.py` for why ef_search matters
# less than it seems for this fusion.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
EF_SEARCH = 200
MODEL_PARTS = (
    "lsa_idf",  # float32, LSA vocabulary
    "lsa_components",  # float32, dimensions x LSA vocabulary, C order
    "lsa_vocabulary",  # JSON list
    "dense_mean",  # float64, dimensions: mean of the paper vectors
    "dense_second",  # float64, dimensions x dimensions: mean of v v^T (for the corpus-wide std of a cosine)
)

REGISTRY_DDL = [
    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(REGISTRY)),
    sql.SQL(
        "CREATE TABLE IF NOT EXISTS {}.corpora (name text PRIMARY KEY, schema_name text NOT NULL UNIQUE, "
        "meta jsonb NOT NULL, built timestamptz NOT NULL DEFAULT now())"
    ).format(sql.Identifier(REGISTRY)),
]
# One lock for creating the registry: two first builds at once would both try CREATE SCHEMA.
REGISTRY_LOCK = 0x536F7643  # "SovC"


def new_schema_name() -> str:
    return f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:12]}"


def schema_identifier(name: str) -> sql.Identifier:
    """A build's schema as an identifier; refuses anything the registry should not hold."""
    if not _SCHEMA.match(name):
        raise ValueError(f"not a corpus schema name: {name!r}")
    return sql.Identifier(name)


def table(schema: str, name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(schema_identifier(schema), sql.Identifier(name))


def build_ddl(schema: str) -> list[sql.Composed]:
    """The build's tables but `vectors`, whose dimensions the fitted model gives (indexes other than keys come
    after the data, which is faster to load)."""

    def t(name: str) -> sql.Composed:
        return table(schema, name)

    return [
        sql.SQL("CREATE SCHEMA {}").format(schema_identifier(schema)),
        sql.SQL(
            "CREATE TABLE {} (row integer PRIMARY KEY, id text NOT NULL UNIQUE, title text NOT NULL, "
            "abstract text NOT NULL, authors text NOT NULL, categories text NOT NULL, published text NOT NULL, "
            "title_key text NOT NULL, version integer)"
        ).format(t("papers")),
        sql.SQL(
            "CREATE TABLE {} (term_id integer PRIMARY KEY, term text NOT NULL UNIQUE, docs bytea NOT NULL, "
            "weights bytea NOT NULL)"
        ).format(t("postings")),
        sql.SQL(
            "CREATE TABLE {} (id text PRIMARY KEY, origin text NOT NULL, file text NOT NULL, sha256 text NOT NULL, "
            "document bytea NOT NULL)"
        ).format(t("documents")),
        sql.SQL("CREATE TABLE {} (sha256 text PRIMARY KEY, id text NOT NULL)").format(t("files")),
        sql.SQL("CREATE TABLE {} (part text PRIMARY KEY, data bytea NOT NULL)").format(t("model")),
    ]


def index_ddl(schema: str) -> list[sql.Composed]:
    return [
        sql.SQL("CREATE INDEX ON {} (title_key)").format(table(schema, "papers")),
        sql.SQL("CREATE INDEX ON {} USING hnsw (embedding vector_ip_ops) WITH (m = {}, ef_construction = {})").format(
            table(schema, "vectors"), sql.Literal(HNSW_M), sql.Literal(HNSW_EF_CONSTRUCTION)
        ),
    ]


TABLES = ("papers", "vectors", "postings", "documents", "files", "model")
