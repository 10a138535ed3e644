"""A built corpus in PostgreSQL + pgvector: one corpus shared by every machine that can reach the database.

`sovereign corpus build PATH... --db postgresql://... --name NAME` reads and fits exactly what an on-disk build
does (`sources/corpora.py`: the same records, library, BM25 postings and LSA model), then writes it to its own
schema in the database; `sovereign run --corpus NAME --db postgresql://...` ranks it with the same hybrid fusion
(`rank.py`), fetching only the posting lists of the query's words and the vectors it needs, so a worker keeps
no local copy of the index. Modules: `schema` (tables and names), `connect` (connections and their errors),
`write` (the build), `rank` (the fusion over what the database returns), `read` (the `PaperSource`).

Needs PostgreSQL >= 15 with pgvector >= 0.6 (`CREATE EXTENSION vector`; managed services offer it) and the
`postgres` extra (psycopg 3).
"""

from sovereign_graph.sources.pgcorpus.read import (
    PgCorpus,
    find_pg_corpus,
    list_pg_corpora,
    missing_pg_corpus,
    open_pg_corpus,
)
from sovereign_graph.sources.pgcorpus.write import PgBuildResult, build_pg_corpus

__all__ = [
    "PgBuildResult",
    "PgCorpus",
    "build_pg_corpus",
    "find_pg_corpus",
    "list_pg_corpora",
    "missing_pg_corpus",
    "open_pg_corpus",
]
