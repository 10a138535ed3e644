"""The shared corpus in PostgreSQL + pgvector against the on-disk (memory-mapped) corpus built from the same files.

    PYTHONPATH=src python3 evals/pgcorpus_bench.py [--listings PATH] [--sizes 4000,20000,all] [--out FILE]

1. Parity on SciFact: the 5,183 abstracts built both ways (as JSONL records), the training claims with evidence as
   queries: share of claims whose top 10 is the same (ordered, and as a set), recall@10 of each, and where they
   differ, why. Also the lexical alternative measured, not used: PostgreSQL's tsvector/GIN `ts_rank` (OR of the
   query's words) against our BM25 postings, recall@10 each alone.
2. Scale: the first 4k / 20k / all 74,728 records of the cs.CV/cs.CL listings file: build time, size (on disk:
   the index directory; PostgreSQL: the schema's tables, indexes and TOAST), open time, query p50/p95 of the
   hybrid ranker (`search(query, 8)`, papers fetched included) on each backend and of `ts_rank` on a GIN index,
   top-10 agreement, and how approximate the HNSW index is (recall of the 40 nearest at several ef_search).
3. A projection to the 2.9M-record arXiv metadata snapshot from the growth measured between the two largest sizes.

PostgreSQL: a throwaway pgserver cluster (PostgreSQL 16.2 + pgvector 0.6.2, unix socket) unless --pg-url names a
server. Queries as in evals/scale_bench.py: 10 research questions + 90 titles of random papers of each index.
Target: hybrid query p95 <= 50 ms at 75k papers in PostgreSQL.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table

from bench_tables import cpu_and_memory, key_value_table
from scale_bench import FIXED_QUERIES as SCALE_QUERIES
from sovereign_graph.evaluation.retrieval import scored_claims
from sovereign_graph.evaluation.scifact import load_claims, load_corpus
from sovereign_graph.sources.corpora import DiskCorpus, build_corpus, corpora_dir, open_corpus
from sovereign_graph.sources.pgcorpus import PgCorpus, build_pg_corpus, open_pg_corpus
from sovereign_graph.sources.pgcorpus.read import vector_literal
from sovereign_graph.sources.pgcorpus.schema import EF_SEARCH, table
from sovereign_graph.text.counts import content_words

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LISTINGS = ROOT.parent / "shared" / "data" / "arxiv" / "listings_cs-cv-cl_2025-03_2026-07.jsonl.gz"
FIXED_QUERIES = SCALE_QUERIES  # the same queries as the on-disk scale benchmark
TITLE_QUERIES = 90
K = 10
ARXIV_SNAPSHOT = 2_900_000
TARGET_P95_MS = 50.0
HNSW_PROBES = 30  # queries whose 40 nearest are compared with the exact 40
EF_LEVELS = (40, 100, EF_SEARCH, 400)


@contextlib.contextmanager
def postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset
        import pgserver
    directory = Path(tempfile.mkdtemp(prefix="pgbench-")) / "data"
    server = pgserver.get_server(directory, cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


def one(connection: Any, statement: sql.Composable) -> str:
    row = connection.execute(statement).fetchone()
    return str(row[0]) if row else "?"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


def timed(function: Any, *args: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function(*args)
    return result, (time.perf_counter() - started) * 1000


def tsquery(query: str) -> str:
    """The query's content words OR'ed, as BM25 treats them; \\w+ tokens, quoted, bound as a value."""
    return " | ".join(f"'{w}'" for w in sorted(set(content_words(query))))


def add_tsvector(url: str, schema: str) -> tuple[float, int]:
    """The alternative lexical index, on the bench's build only: (seconds, bytes it adds)."""
    papers = table(schema, "papers")
    with psycopg.connect(url, autocommit=True) as connection:
        before = relation_bytes(connection, schema)
        started = time.perf_counter()
        connection.execute(
            sql.SQL(
                "ALTER TABLE {} ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
                "(to_tsvector('english', title || '. ' || abstract)) STORED"
            ).format(papers)
        )
        connection.execute(sql.SQL("CREATE INDEX ON {} USING gin (tsv)").format(papers))
        connection.execute(sql.SQL("VACUUM ANALYZE {}").format(papers))
        seconds = time.perf_counter() - started
        return seconds, relation_bytes(connection, schema) - before


def relation_bytes(connection: Any, schema: str) -> int:
    row = connection.execute(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
        (schema,),
    ).fetchone()
    return int(row[0])


def ts_rank_top(connection: Any, schema: str, query: str, k: int) -> list[int]:
    if not content_words(query):
        return []
    statement = sql.SQL(
        "SELECT row FROM {}, to_tsquery('english', %s) q WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC, row LIMIT %s"
    ).format(table(schema, "papers"))
    return [r[0] for r in connection.execute(statement, (tsquery(query), k)).fetchall()]


def size_on_disk(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


# --- 1. SciFact parity -------------------------------------------------------------------------------------------


def scifact_parity(url: str, workdir: Path, console: Console) -> dict[str, Any]:
    docs = load_corpus()
    claims = scored_claims(load_claims())
    # Records with arXiv-shaped ids (a build takes arXiv ids); row i is doc i, in file order.
    ids = [f"0000.{i:05d}" for i in range(len(docs))]
    doc_of = {ids[i]: d.doc_id for i, d in enumerate(docs)}
    listing = workdir / "scifact.jsonl"
    listing.write_text(
        "".join(
            json.dumps({"id": ids[i], "title": d.title, "abstract": " ".join(d.sentences)}) + "\n"
            for i, d in enumerate(docs)
        ),
        encoding="utf-8",
    )
    build_corpus("scifact", [listing])
    result = build_pg_corpus(url, "scifact", [listing])
    disk, pg = open_corpus("scifact"), open_pg_corpus(url, "scifact")
    add_tsvector(url, result.schema)
    same_order = same_set = 0
    recall = {"on disk": 0.0, "PostgreSQL": 0.0, "BM25 postings alone": 0.0, "ts_rank alone": 0.0}
    differences: list[str] = []
    with psycopg.connect(url, autocommit=True) as connection:
        for claim in claims:
            gold = set(claim.evidence)
            theirs, ours = disk.search(claim.claim, 10), pg.search(claim.claim, 10)
            a, b = [p.id for p, _ in theirs], [p.id for p, _ in ours]
            same_order += a == b
            same_set += set(a) == set(b)
            if a != b:
                first = next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
                gap = abs(theirs[first][1] - theirs[min(first + 1, len(theirs) - 1)][1])
                differences.append(
                    f"claim {claim.id}: from rank {first + 1}, disk {a[first]} vs postgres {b[first]}; "
                    f"disk's relevance gap to the next rank {gap:.2e}"
                )
            lexical = pg.ranker.lexical(claim.claim)
            bm25_top = np.argsort(-lexical, kind="stable")[:10].tolist()
            ts_top = ts_rank_top(connection, result.schema, claim.claim, 10)
            for name, ranked in (
                ("on disk", [doc_of[i] for i in a]),
                ("PostgreSQL", [doc_of[i] for i in b]),
                ("BM25 postings alone", [docs[r].doc_id for r in bm25_top]),
                ("ts_rank alone", [docs[r].doc_id for r in ts_top]),
            ):
                recall[name] += len(gold.intersection(ranked)) / len(gold)
    n = len(claims)
    table_ = Table(title=f"Parity on SciFact: {n} training claims with evidence, {len(docs):,} abstracts, top 10")
    table_.add_column("ranker")
    table_.add_column("recall@10", justify="right")
    for name, value in recall.items():
        table_.add_row(name, f"{value / n:.4f}")
    console.print(table_)
    console.print(
        f"same top 10 (ordered): {same_order}/{n} = {same_order / n:.1%}; as a set: {same_set}/{n} = "
        f"{same_set / n:.1%}; recall@10 difference {abs(recall['on disk'] - recall['PostgreSQL']) / n:.4f} "
        "(bar: >= 95%, <= 0.01)"
    )
    for line in differences[:8]:
        console.print(f"  differs: {line}")
    shutil.rmtree(corpora_dir() / "scifact", ignore_errors=True)
    return {"same_order": same_order / n, "same_set": same_set / n}


# --- 2. scale ----------------------------------------------------------------------------------------------------


def first_records(listings: Path, size: int | None, target: Path) -> int:
    import gzip

    count = 0
    with gzip.open(listings, "rt", encoding="utf-8") as source, target.open("w", encoding="utf-8") as out:
        for line in source:
            if size is not None and count >= size:
                break
            if line.strip():
                out.write(line)
                count += 1
    return count


def queries_for(disk: DiskCorpus) -> list[str]:
    rows = random.Random(0).sample(range(len(disk)), min(TITLE_QUERIES, len(disk)))
    texts = disk.texts()
    return FIXED_QUERIES + [texts[r].split(". ", 1)[0] for r in rows]


def hnsw_recall(pg: PgCorpus, disk: DiskCorpus, queries: list[str]) -> dict[int, float]:
    """Share of the exact 40 nearest (by inner product over the on-disk vectors) that the HNSW index returns."""
    vectors = np.load(disk.directory / "vectors.npy", mmap_mode="r")
    found: dict[int, float] = dict.fromkeys(EF_LEVELS, 0.0)
    statement = sql.SQL("SELECT row FROM {} ORDER BY embedding <#> %s::vector LIMIT 40").format(
        table(pg.schema, "vectors")
    )
    for query in queries:
        q = np.asarray(pg.embeddings.embed_query(query), dtype=np.float32)
        exact = set(np.argsort(-(vectors @ q), kind="stable")[:40].tolist())
        for ef in EF_LEVELS:
            rows = pg.query(statement, (vector_literal(q),), ef_search=ef)
            found[ef] += len(exact.intersection(r[0] for r in rows)) / 40
    pg.query(sql.SQL("SELECT 1"), (), ef_search=EF_SEARCH)
    return {ef: value / len(queries) for ef, value in found.items()}


def measure_size(url: str, listings: Path, size: int | None, workdir: Path) -> dict[str, Any]:
    listing = workdir / "records.jsonl"
    papers = first_records(listings, size, listing)
    name = f"listings-{papers}"
    disk_result, disk_build = timed(build_corpus, name, [listing])
    pg_result, pg_build = timed(build_pg_corpus, url, name, [listing])
    disk, disk_open = timed(open_corpus, name)
    pg, pg_open = timed(open_pg_corpus, url, name)
    ts_seconds, ts_bytes = add_tsvector(url, pg_result.schema)
    queries = queries_for(disk)
    for query in queries[:3]:  # warm: first-touch page faults and plan caches
        disk.search(query, K), pg.search(query, K)
    disk_ms, pg_ms, ts_ms, fetched, posting_bytes = [], [], [], [], []
    same_order = 0
    with psycopg.connect(url, autocommit=True) as connection:
        for query in queries:
            a, t = timed(disk.search, query, K)
            disk_ms.append(t)
            b, t = timed(pg.search, query, K)
            pg_ms.append(t)
            fetched.append(pg.ranker.fetched)
            same_order += [p.id for p, _ in a] == [p.id for p, _ in b]
            _, t = timed(ts_rank_top, connection, pg_result.schema, query, K)
            ts_ms.append(t)
            lists = pg.ranker.store.postings(sorted(set(content_words(query))))
            posting_bytes.append(sum(r.nbytes + w.nbytes for _, r, w in lists))
    probes = hnsw_recall(pg, disk, queries[:HNSW_PROBES])
    row = {
        "papers": papers,
        "disk_build_s": disk_build / 1000,
        "pg_build_s": pg_build / 1000,
        "disk_bytes": disk_result.size_bytes,
        "pg_bytes": pg_result.size_bytes,
        "ts_build_s": ts_seconds,
        "ts_bytes": ts_bytes,
        "disk_open_ms": disk_open,
        "pg_open_ms": pg_open,
        "disk_p50": percentile(disk_ms, 50),
        "disk_p95": percentile(disk_ms, 95),
        "pg_p50": percentile(pg_ms, 50),
        "pg_p95": percentile(pg_ms, 95),
        "ts_p50": percentile(ts_ms, 50),
        "ts_p95": percentile(ts_ms, 95),
        "same_top10": same_order / len(queries),
        "fetched_mean": float(np.mean(fetched)),
        "posting_kb_mean": float(np.mean(posting_bytes)) / 1024,
        "posting_kb_max": float(np.max(posting_bytes)) / 1024,
        "hnsw": probes,
        "queries": len(queries),
    }
    pg.close()
    shutil.rmtree(corpora_dir() / name, ignore_errors=True)
    return row


def growth(rows: list[dict[str, Any]], key: str) -> float:
    small, large = rows[-2], rows[-1]
    return math.log(large[key] / small[key]) / math.log(large["papers"] / small["papers"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=Path, default=DEFAULT_LISTINGS)
    parser.add_argument("--sizes", default="4000,20000,all")
    parser.add_argument("--pg-url", help="a PostgreSQL server with pgvector [default: a throwaway pgserver cluster]")
    parser.add_argument("--skip-scifact", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the printed text to this file")
    args = parser.parse_args()
    console = Console(record=True, width=150)
    workdir = Path(tempfile.mkdtemp(prefix="pgcorpus-bench-"))
    os.environ["SOVEREIGN_HOME"] = str(workdir / "home")
    sizes = [None if s == "all" else int(s) for s in args.sizes.split(",")]
    cpu, memory = cpu_and_memory()
    where = "--pg-url" if args.pg_url else f"pgserver {metadata.version('pgserver')}, unix socket"
    started = time.perf_counter()
    try:
        with postgres(args.pg_url) as url, psycopg.connect(url) as probe:
            probe.execute("CREATE EXTENSION IF NOT EXISTS vector")
            server = one(probe, sql.SQL("SHOW server_version"))
            pgvector = one(probe, sql.SQL("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
            settings = {
                s: one(probe, sql.SQL("SHOW {}").format(sql.Identifier(s)))
                for s in ("shared_buffers", "work_mem", "max_parallel_maintenance_workers")
            }
            probe.commit()
            console.print(
                key_value_table(
                    "Machine and inputs",
                    {
                        "machine": f"{cpu}; {os.cpu_count()} cores; {memory} RAM; load {os.getloadavg()[0]:.1f}",
                        "python": f"{platform.python_version()} on {platform.system()} {platform.release()}",
                        "PostgreSQL": f"{server}, pgvector {pgvector} ({where}, same machine); "
                        + ", ".join(f"{k} {v}" for k, v in settings.items()),
                        "packages": ", ".join(f"{p} {metadata.version(p)}" for p in ("psycopg", "numpy", "scipy")),
                        "listings": f"{args.listings.name}: first {args.sizes} records",
                        "queries": f"{len(FIXED_QUERIES)} research questions + {TITLE_QUERIES} titles of random "
                        f"papers per index; k=10 for agreement, timing of search(query, 10) with papers fetched",
                        "HNSW": f"m 16, ef_construction 64, ef_search {EF_SEARCH}; inner product "
                        "(L2-normalised LSA vectors, 128-d)",
                    },
                )
            )
            if not args.skip_scifact:
                scifact_parity(url, workdir, console)
            rows = []
            for size in sizes:
                rows.append(measure_size(url, args.listings, size, workdir))
                console.print(
                    f"  {rows[-1]['papers']:,} papers measured ({time.perf_counter() - started:.0f} s so far)"
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(console, rows)
    console.print(f"total {time.perf_counter() - started:.0f} s")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        console.save_text(str(args.out))


def report(console: Console, rows: list[dict[str, Any]]) -> None:
    scale = Table(title="Hybrid search: PostgreSQL + pgvector vs the memory-mapped on-disk index (same files)")
    for column in (
        "papers",
        "build s disk / pg",
        "size disk / pg",
        "open ms disk / pg",
        "query p50 ms disk / pg",
        "query p95 ms disk / pg",
        "same top 10",
        "cosines fetched",
        "postings KB mean / max",
        "ts_rank p50 / p95 ms",
        "tsvector+GIN adds",
    ):
        scale.add_column(column, justify="right")
    for r in rows:
        scale.add_row(
            f"{r['papers']:,}",
            f"{r['disk_build_s']:.1f} / {r['pg_build_s']:.1f}",
            f"{human(r['disk_bytes'])} / {human(r['pg_bytes'])}",
            f"{r['disk_open_ms']:.0f} / {r['pg_open_ms']:.0f}",
            f"{r['disk_p50']:.1f} / {r['pg_p50']:.1f}",
            f"{r['disk_p95']:.1f} / {r['pg_p95']:.1f}",
            f"{r['same_top10']:.0%}",
            f"{r['fetched_mean']:.0f}",
            f"{r['posting_kb_mean']:.0f} / {r['posting_kb_max']:.0f}",
            f"{r['ts_p50']:.1f} / {r['ts_p95']:.1f}",
            f"{human(r['ts_bytes'])}, {r['ts_build_s']:.1f} s",
        )
    console.print(scale)
    hnsw = Table(title="HNSW recall of the 40 nearest (vs exact inner product), by ef_search")
    hnsw.add_column("papers", justify="right")
    for ef in EF_LEVELS:
        hnsw.add_column(f"ef {ef}", justify="right")
    for r in rows:
        hnsw.add_row(f"{r['papers']:,}", *(f"{r['hnsw'][ef]:.3f}" for ef in EF_LEVELS))
    console.print(hnsw)
    if len(rows) >= 2:
        projection = Table(title=f"Projection to {ARXIV_SNAPSHOT:,} records (growth between the two largest sizes)")
        projection.add_column("figure")
        projection.add_column("growth", justify="right")
        projection.add_column(f"at {rows[-1]['papers']:,}", justify="right")
        projection.add_column(f"projected at {ARXIV_SNAPSHOT:,}", justify="right")
        factor = ARXIV_SNAPSHOT / rows[-1]["papers"]
        for label, key, fmt in (
            ("PostgreSQL build s", "pg_build_s", "{:.0f}"),
            ("PostgreSQL size", "pg_bytes", "bytes"),
            ("PostgreSQL hybrid query p95 ms", "pg_p95", "{:.0f}"),
            ("posting lists per query KB (mean)", "posting_kb_mean", "{:.0f}"),
            ("ts_rank query p95 ms", "ts_p95", "{:.0f}"),
            ("on-disk hybrid query p95 ms", "disk_p95", "{:.1f}"),
        ):
            exponent = growth(rows, key)
            value = rows[-1][key] * factor**exponent
            shown = human(value) if fmt == "bytes" else fmt.format(value)
            now = human(rows[-1][key]) if fmt == "bytes" else fmt.format(rows[-1][key])
            projection.add_row(label, f"~N^{exponent:.2f}", now, shown)
        console.print(projection)
    last = rows[-1]
    verdict = "met" if last["pg_p95"] <= TARGET_P95_MS else "not met"
    console.print(
        f"target hybrid query p95 <= {TARGET_P95_MS:.0f} ms at {last['papers']:,} papers in PostgreSQL: "
        f"{last['pg_p95']:.1f} -> {verdict}"
    )


if __name__ == "__main__":
    main()
