"""Scale benchmark for on-disk corpora: build time, index size, query latency and peak RSS at growing sizes,
and a full offline run to the owner's pause on the largest index.

    PYTHONPATH=src python3 evals/scale_bench.py [--listings PATH] [--sizes 4000,20000,all] [--out FILE]

Each size is built from the first N records of the listings file (74,728 cs.CV/cs.CL papers, see
../shared/data/README.md) and measured in fresh processes, so peak RSS is per size and per task. Targets:
75k build <= 60 s, query p95 <= 100 ms, a full run on the 75k index <= 15 s (cold, fresh process).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LISTINGS = ROOT.parent / "shared" / "data" / "arxiv" / "listings_cs-cv-cl_2025-03_2026-07.jsonl.gz"
SUBJECT = "2604.23996"  # SMoES, listed in the file (checked below)
QUESTION = (
    "How does the expert specialization in SMoES-based MoE-VLMs affect cross-modal reasoning robustness "
    "compared to modality-agnostic routing?"
)
FIXED_QUERIES = [
    QUESTION,
    "mixture of experts routing in vision-language models",
    "modality-guided expert specialization",
    "hallucination mitigation in multimodal large language models",
    "efficient inference token pruning for vision transformers",
    "diffusion models for text-to-image generation evaluation",
    "retrieval-augmented generation for long documents",
    "low-resource machine translation with large language models",
    "3D Gaussian splatting novel view synthesis",
    "reward models for reasoning with reinforcement learning",
]
TITLE_QUERIES = 90
TARGETS = {"build_s": 60.0, "p95_ms": 100.0, "run_s": 15.0}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _size_on_disk(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# --- measured in a fresh child process each -------------------------------------------------------------


def child_build(listings: Path, size: int | None, name: str) -> dict[str, Any]:
    from sovereign_graph.sources import corpora

    started = time.perf_counter()
    result = corpora.build_corpus(name, [listings], limit=size)
    return {
        "build_s": time.perf_counter() - started,
        "papers": result.meta.papers,
        "size_bytes": result.size_bytes,
        "build_rss_mb": _peak_rss_mb(),
    }


def child_query(name: str) -> dict[str, Any]:
    import numpy as np

    from sovereign_graph.sources.corpora import open_corpus

    started = time.perf_counter()
    corpus = open_corpus(name)
    open_s = time.perf_counter() - started
    rows = sorted(random.Random(0).sample(range(len(corpus)), min(TITLE_QUERIES, len(corpus))))
    with sqlite3.connect(corpus.directory / "papers.sqlite") as db:
        titles = [t for (t,) in db.execute(f"SELECT title FROM papers WHERE row IN ({','.join(map(str, rows))})")]
    queries = FIXED_QUERIES + titles
    latencies = []
    title_hits = 0
    for query in queries:
        started = time.perf_counter()
        hits = corpus.search(query, 8)  # what one search branch of a run asks for
        latencies.append((time.perf_counter() - started) * 1000)
        title_hits += query in titles and bool(hits) and hits[0][0].title == query
    return {
        "open_s": open_s,
        "queries": len(queries),
        "first_ms": latencies[0],
        "p50_ms": float(np.percentile(latencies, 50)),
        "p95_ms": float(np.percentile(latencies, 95)),
        "title_top1": title_hits / len(titles),
        "query_rss_mb": _peak_rss_mb(),
    }


def child_run(name: str, workdir: Path) -> dict[str, Any]:
    from typer.testing import CliRunner

    from sovereign_graph.cli import app

    args = ["run", "--corpus", name, "--paper", SUBJECT, "--question", QUESTION]
    args += ["--db", str(workdir / "runs.sqlite"), "--out", str(workdir / "out"), "--max-revisions", "1"]
    result = CliRunner().invoke(app, args)
    return {"exit": result.exit_code, "paused": "paused for the owner" in result.output, "run_rss_mb": _peak_rss_mb()}


def _in_child(*args: str, home: Path) -> tuple[dict[str, Any], float]:
    """Run one measurement in a fresh interpreter; returns its JSON result and the wall time from the outside."""
    env = dict(os.environ, SOVEREIGN_HOME=str(home), PYTHONPATH=str(ROOT / "src"))
    with tempfile.NamedTemporaryFile(suffix=".json") as result_file:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--child", *args, "--result", result_file.name], env=env, check=True, cwd=ROOT
        )
        wall = time.perf_counter() - started
        return json.loads(Path(result_file.name).read_text()), wall


# --- the report ----------------------------------------------------------------------------------------------


def _machine() -> str:
    cpu, memory = platform.processor() or "?", "?"
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        memory = f"{int(next(line.split()[1] for line in meminfo if line.startswith('MemTotal'))) / 1024**2:.1f} GiB"
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cpu}; {os.cpu_count()} cores; {memory} RAM; load average {load} (shared machine)\n"
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}"
    )


def _growth(values: list[float], sizes: list[int]) -> str:
    """Exponent b of value ~ N^b between the smallest and the largest size."""
    if len(values) < 2 or min(values) <= 0:
        return "—"
    return f"~N^{math.log(values[-1] / values[0]) / math.log(sizes[-1] / sizes[0]):.2f}"


def _count_and_check(listings: Path) -> int:
    import gzip

    count, subject_seen = 0, False
    with gzip.open(listings, "rt", encoding="utf-8") as lines:
        for line in lines:
            count += 1
            subject_seen = subject_seen or f'"id": "{SUBJECT}"' in line
    if not subject_seen:
        raise SystemExit(f"{SUBJECT} is not in {listings}: pick a subject paper that is")
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=Path, default=DEFAULT_LISTINGS)
    parser.add_argument("--sizes", default="4000,20000,all", help="comma-separated paper counts; 'all' = whole file")
    parser.add_argument("--out", type=Path, help="also write the printed report to this file")
    parser.add_argument("--child", choices=["build", "query", "run"], help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child is not None:
        if args.child == "build":
            result = child_build(args.listings, args.size or None, args.name)
        elif args.child == "query":
            result = child_query(args.name)
        else:
            result = child_run(args.name, args.workdir)
        args.result.write_text(json.dumps(result))
        return

    console = Console(record=True, width=140)
    listings: Path = args.listings.resolve()
    records = _count_and_check(listings)
    sizes = [records if s == "all" else min(int(s), records) for s in args.sizes.split(",")]
    console.print("[bold]sovereign-graph scale benchmark: on-disk corpora[/]")
    console.print(f"machine: {_machine()}", highlight=False)
    console.print(
        f"input: {listings.name} ({listings.stat().st_size / 1024**2:.1f} MB gzip, {records:,} lines); "
        f"indexes of its first {', '.join(f'{s:,}' for s in sizes)} records",
        highlight=False,
    )
    console.print(
        f"queries: {len(FIXED_QUERIES)} fixed research questions + {TITLE_QUERIES} titles of random papers of each "
        f"index, k=8; full run: sovereign run --corpus <largest> --paper {SUBJECT} (cold, fresh process, to the pause)",
        highlight=False,
    )

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="sovereign-scale-") as tmp:
        home = Path(tmp) / "home"
        for size in sizes:
            name = f"scale-{size}"
            built, _ = _in_child("build", "--listings", str(listings), "--size", str(size), "--name", name, home=home)
            queried, _ = _in_child("query", "--name", name, home=home)
            rows.append({"size": size, **built, **queried})
            console.print(f"  {size:>6,} papers: built in {built['build_s']:.1f} s", highlight=False)
        largest = f"scale-{sizes[-1]}"
        workdir = Path(tmp) / "run"
        workdir.mkdir()
        ran, run_wall = _in_child("run", "--name", largest, "--workdir", str(workdir), home=home)
        if ran["exit"] != 0 or not ran["paused"]:
            raise SystemExit(f"the full run did not reach the owner's pause: {ran}")

    table = Table(title="On-disk corpus at scale")
    columns = [
        ("papers", lambda r: f"{r['papers']:,}", None),
        ("build s", lambda r: f"{r['build_s']:.1f}", "build_s"),
        ("index on disk", lambda r: f"{r['size_bytes'] / 1024**2:.0f} MB", "size_bytes"),
        ("open ms", lambda r: f"{r['open_s'] * 1000:.1f}", "open_s"),
        ("1st query ms", lambda r: f"{r['first_ms']:.1f}", "first_ms"),
        ("query p50 ms", lambda r: f"{r['p50_ms']:.1f}", "p50_ms"),
        ("query p95 ms", lambda r: f"{r['p95_ms']:.1f}", "p95_ms"),
        ("title → top-1", lambda r: f"{r['title_top1']:.0%}", None),
        ("peak RSS build", lambda r: f"{r['build_rss_mb']:.0f} MB", "build_rss_mb"),
        ("peak RSS query", lambda r: f"{r['query_rss_mb']:.0f} MB", "query_rss_mb"),
    ]
    for header, _, _ in columns:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(*(cell(row) for _, cell, _ in columns))
    counts = [r["papers"] for r in rows]
    table.add_section()
    table.add_row("growth", *(_growth([r[key] for r in rows], counts) if key else "" for _, _, key in columns[1:]))
    console.print(table)

    largest_row = rows[-1]
    console.print(
        f"full offline run on the {largest_row['papers']:,}-paper index: {run_wall:.1f} s wall (fresh process, "
        f"imports included) to the owner's pause, peak RSS {ran['run_rss_mb']:.0f} MB",
        highlight=False,
    )
    checks = [
        (f"build of {largest_row['papers']:,} papers ≤ {TARGETS['build_s']:.0f} s", largest_row["build_s"], "build_s"),
        (f"query p95 ≤ {TARGETS['p95_ms']:.0f} ms", largest_row["p95_ms"], "p95_ms"),
        (f"full run ≤ {TARGETS['run_s']:.0f} s", run_wall, "run_s"),
    ]
    for label, value, key in checks:
        verdict = "[green]met[/]" if value <= TARGETS[key] else "[red]MISSED[/]"
        console.print(f"target {label}: {value:.1f} → {verdict}")
    console.print(
        "peak RSS is the measuring process's own (a build runs in one process)",
        highlight=False,
    )
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(console.export_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
