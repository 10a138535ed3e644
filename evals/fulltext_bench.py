"""Full-text benchmark: parsing the fixture papers, a library corpus built from them, an offline run on it, a
live run reading 9 papers' full text over the loopback, and whether the trained verifier still grounds claims
read in a paragraph window.

    python3 evals/fulltext_bench.py --out evals/results/fulltext_bench.txt [--runs 3]

What it measures (fixtures: ../shared/data/fulltext, else tests/fixtures/fulltext):

1. Parsing, in this process: each PDF (`parse_pdf`) and the arXiv HTML page (`parse_arxiv_html`), one warm-up
   parse per file, then the median of three. The English word list (lemminflect's tables, loaded once per
   process on the first broken word) is loaded before any timing and reported on its own. Blocks by kind,
   body passages (`body_passages`), and the broken-word share: `broken_word_share` per block, and the same
   measure per passage (see the table's caption).
2. Library: `sovereign corpus build <the PDFs> --name bench` in a fresh process, SOVEREIGN_HOME in a temporary
   directory: wall time (spawn to exit), the child's own peak RSS (`os.wait4`'s rusage of that child).
3. Offline run: `sovereign run --corpus bench --paper <pasa.pdf> --question <body question> --max-revisions 1`
   to the owner's pause, fresh process each, `--runs` times, with full text (default 8) and with `--fulltext 0`.
   Targets for the full-text run: <= 10 s, <= 800 MB.
4. Live: a fresh process (`--live-child`) runs the graph (InMemorySaver) on paper 2501.10120 against a loopback
   server that is both the Atom API and arxiv.org /html, /pdf, at a 0.2 s limiter delay, `max_revisions=0`.
   The server answers every id of its feed with a fixture document (timing only: not the papers' own), so all
   9 papers read (the subject and the 8 best-ranked hits) get one. The limiter's sleeps, the time inside
   requests and the parsers' time are measured by wrapping them in that process. Then the same run in another
   fresh process with the same SOVEREIGN_HOME: its full text comes from the disk cache (a fresh process, so the
   reader's in-process memo of recent documents is empty).
5. Grounding: the shipped trained verifier on every sentence with a number (not a year) of three papers'
   abstracts and body paragraphs, the claim being the sentence itself, read in its own window (the abstract; the
   paragraph its passage stands in) and, as controls, in the most similar other window of the paper (BM25) and
   a random other one, neither containing the sentence.

The whole benchmark takes 1–2 minutes on a shared 2-core machine. Exit status 0, or 1 if a run did not
reach the owner's pause.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench_tables import cpu_and_memory, key_value_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.fulltext_loopback

from tests.arxiv_loopback import ATOM
from tests.arxiv_loopback import FIXTURES as ATOM_FIXTURES
from tests.fulltext_loopback import _HTML, _PATH, FullTextLoopback, _handler, no_html_page, no_pdf_page
from tests.loopback import serve

from sovereign_graph.sources.fulltext.document import Document
from sovereign_graph.sources.fulltext.html import parse_arxiv_html
from sovereign_graph.sources.fulltext.passages import body_passages
from sovereign_graph.sources.fulltext.pdf import broken_word_share, parse_pdf
from sovereign_graph.sources.fulltext.pdf.words import _english_words
from sovereign_graph.text.numbers import numbers
from sovereign_graph.text.prose import sentences

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "fulltext"
FIXTURES = SHARED if (SHARED / "pdf").is_dir() else ROOT / "tests" / "fixtures" / "fulltext"
HTML_FILE = FIXTURES / "arxiv_html" / "2501.11120v1.html"
PASA = "2501.10120"
BODY_QUESTION = "Does running the Crawler as an ensemble at inference improve PaSa's recall on AutoScholarQuery?"
DELAY = 0.2
PARSE_RUNS = 3
TARGET_RUN_S = 10.0
TARGET_RSS_MB = 800.0
CHILD_TIMEOUT_S = 180.0
CLI_CODE = "from sovereign_graph.cli import main; main()"
# The documents a paper id of the loopback's feed gets: its own for the three the fixtures hold, the others in
# turn (ids sorted) from this list, so PDFs and the HTML page are both served.
OWN_DOCUMENTS = {
    PASA: "pdf/pasa.pdf",
    "2304.02623": "pdf/2304.02623v1.pdf",
    "2501.11120": "arxiv_html/2501.11120v1.html",
}
ROTATION = (
    "pdf/2020.acl-main.447.pdf",
    "pdf/paper.pdf",
    "pdf/papermage.pdf",
    "arxiv_html/2501.11120v1.html",
    "pdf/duplicate_media.pdf",
    "pdf/pasa.pdf",
    "pdf/2304.02623v1.pdf",
)
LETTERS = re.compile(r"[^\W\d_]{4,}")  # the tokens `broken_word_share` reads
YEAR = re.compile(r"^(?:19|20)\d\d$")


def mb(kib: float) -> float:
    return kib * 1024 / 1e6


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def clean_environment() -> list[str]:
    dropped = sorted(name for name in os.environ if name.startswith("SOVEREIGN_"))
    for name in dropped:
        del os.environ[name]
    return dropped


def pdf_files() -> list[Path]:
    return sorted((FIXTURES / "pdf").glob("*.pdf"))


def parse_file(path: Path) -> Document:
    data = path.read_bytes()
    return parse_pdf(data, name=path.name) if path.suffix == ".pdf" else parse_arxiv_html(data)


# --- 1. parsing ----------------------------------------------------------------------------------------------


@dataclass
class Parsed:
    path: Path
    document: Document
    seconds: list[float]
    passages: int
    broken_blocks: float
    broken_passages: float
    joinable_passages: float
    examples: list[str]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def broken_tokens(document: Document) -> tuple[Counter[str], frozenset[str]]:
    """The counts `broken_word_share` builds (title, abstract, blocks) and the word list it uses."""
    texts = [document.title, document.abstract, *(block.text for block in document.blocks)]
    return Counter(t.casefold() for text in texts for t in LETTERS.findall(text)), _english_words()


def passage_breaks(document: Document) -> tuple[float, float, list[str]]:
    """Per passage, as `broken_word_share` does per block: the share of passages with a flagged token (4+
    letters, once in the document, not a dictionary word), the share with a flagged token that re-joins with
    its neighbour into a word of the dictionary or of the paper (a likely real break), and examples."""
    counts, words = broken_tokens(document)
    passages = body_passages(document)
    if not passages:
        return 0.0, 0.0, []
    flagged_passages = joinable_passages = 0
    examples: list[str] = []
    for passage in passages:
        tokens = re.findall(r"\w+", passage.text)
        flagged = [
            i
            for i, t in enumerate(tokens)
            if LETTERS.fullmatch(t) and counts[t.casefold()] == 1 and t.casefold() not in words
        ]
        joinable = [
            i
            for i in flagged
            if any(
                (w := j.casefold()) in words or counts[w] > 0
                for j in (
                    tokens[i - 1] + tokens[i] if i > 0 else "",
                    tokens[i] + tokens[i + 1] if i + 1 < len(tokens) else "",
                )
                if j
            )
        ]
        flagged_passages += bool(flagged)
        joinable_passages += bool(joinable)
        for i in joinable:
            if len(examples) < 4:
                near = " ".join(tokens[max(0, i - 1) : i + 2])
                examples.append(f"“{near}”")
    return flagged_passages / len(passages), joinable_passages / len(passages), examples


def parse_bench(files: list[Path]) -> tuple[list[Parsed], float]:
    started = time.perf_counter()
    _english_words()
    word_list_s = time.perf_counter() - started
    rows: list[Parsed] = []
    for path in files:
        parse_file(path)  # warm-up
        seconds = []
        for _ in range(PARSE_RUNS):
            started = time.perf_counter()
            document = parse_file(path)
            seconds.append(time.perf_counter() - started)
        share, joinable, examples = passage_breaks(document)
        rows.append(
            Parsed(
                path,
                document,
                seconds,
                len(body_passages(document)),
                broken_word_share(document),
                share,
                joinable,
                examples,
            )
        )
    return rows, word_list_s


def parse_table(rows: list[Parsed], word_list_s: float) -> Table:
    table = Table(
        title=f"1. Parsing (in this process: one warm-up parse per file, then the median of {PARSE_RUNS})",
        title_justify="left",
        caption=f"The English word list (lemminflect, ~69k forms) was loaded once before the timings: "
        f"{word_list_s:.2f} s. blocks ¶/T/TC/FC: paragraphs / tables / table captions / figure captions. "
        "Flagged token (the definition of `broken_word_share`): a token of 4+ letters that occurs once in the "
        "document's text (title, abstract, blocks) and is not in the word list; it counts rare names and terms "
        "too, so it is an upper bound on breaks, to compare parsers on the same papers. 'flagged: blocks' is "
        "`broken_word_share` itself (the share of blocks with a flagged token); 'flagged: passages' applies the "
        "same test to each `body_passages` passage; 're-joinable' keeps only passages where a flagged token "
        "joined to its neighbour gives a word of the list or of the paper (“recog nition”), a likelier real break.",
        caption_justify="left",
    )
    columns = ("file", "origin", "pages", "parse", "pages/s", "MB/s", "blocks ¶/T/TC/FC", "passages")
    for name in (*columns, "flagged: blocks", "flagged: passages", "re-joinable: passages"):
        table.add_column(name, justify="left" if name in ("file", "origin") else "right", no_wrap=name == "file")
    for row in rows:
        doc = row.document
        kinds = Counter(b.kind for b in doc.blocks)
        table.add_row(
            row.path.name,
            doc.origin,
            str(doc.pages) if doc.pages is not None else "—",
            f"{row.median * 1000:.0f} ms",
            f"{doc.pages / row.median:.0f}" if doc.pages else "—",
            f"{row.path.stat().st_size / 1e6 / row.median:.1f}",
            "/".join(str(kinds[k]) for k in ("paragraph", "table", "table_caption", "figure_caption")),
            str(row.passages),
            f"{row.broken_blocks:.1%}",
            f"{row.broken_passages:.1%}",
            f"{row.joinable_passages:.1%}",
        )
    return table


# --- children: timed fresh processes -------------------------------------------------------------------------


@dataclass
class Spawned:
    wall_s: float
    maxrss_kib: int
    cpu_s: float
    code: int
    stdout: str
    stderr: str


def spawn(args: list[str], env: dict[str, str]) -> Spawned:
    """A fresh process, timed spawn to exit; its own peak RSS from `wait4` (not the max over all children)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err, env=env, cwd=ROOT)
        timer = threading.Timer(CHILD_TIMEOUT_S, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Spawned(
            wall,
            usage.ru_maxrss,
            usage.ru_utime + usage.ru_stime,
            process.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def sovereign(args: list[str], home: Path) -> Spawned:
    done = spawn([sys.executable, "-c", CLI_CODE, *args], {**os.environ, "SOVEREIGN_HOME": str(home)})
    if done.code != 0:
        raise RuntimeError(f"sovereign {' '.join(args)} failed (exit {done.code}):\n{done.stdout}\n{done.stderr}")
    return done


# --- 2. library, 3. offline runs -----------------------------------------------------------------------------


def count(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    return int(found[1].replace(",", "")) if found else 0


@dataclass
class OfflineRun:
    spawned: Spawned
    paused: bool
    claims: int
    body_claims: int
    verified: int
    places: list[str]
    read: str


def offline_run(workdir: Path, home: Path, pasa: Path, fulltext: int | None, index: int) -> OfflineRun:
    thread = f"bench-{'ft' if fulltext is None else fulltext}-{index}"
    args = ["run", "--corpus", "bench", "--paper", str(pasa), "--question", BODY_QUESTION]
    args += ["--db", str(workdir / f"{thread}.sqlite"), "--out", str(workdir / "out"), "--thread", thread]
    args += ["--max-revisions", "1"] + ([] if fulltext is None else ["--fulltext", str(fulltext)])
    done = sovereign(args, home)
    report = json.loads((workdir / "out" / f"{thread}.json").read_text())
    claims = report["claims"]
    body = [c for c in claims if c.get("place")]
    return OfflineRun(
        done,
        report["status"] == "awaiting_owner",
        len(claims),
        len(body),
        sum(bool(c.get("verified")) for c in claims),
        [c["place"] for c in body],
        report["method"].get("read", ""),
    )


def library_table(built: Spawned, files: list[Path]) -> Table:
    table = Table(
        title="2. Library: sovereign corpus build <the PDFs> --name bench (fresh process, new SOVEREIGN_HOME)",
        title_justify="left",
        caption="wall = spawn to exit (interpreter start and imports included); peak RSS = the child's own "
        "(rusage from os.wait4); CPU = its user + system time.",
        caption_justify="left",
    )
    for name in ("files", "bytes", "wall", "CPU", "peak RSS", "papers indexed", "with full text", "bad files"):
        table.add_column(name, justify="right")
    table.add_row(
        str(len(files)),
        f"{sum(f.stat().st_size for f in files):,}",
        f"{built.wall_s:.2f} s",
        f"{built.cpu_s:.2f} s",
        f"{mb(built.maxrss_kib):.0f} MB",
        str(count(r"corpus '\S+': ([\d,]+) papers", built.stdout)),
        str(count(r"([\d,]+) papers with full text", built.stdout)),
        str(count(r"([\d,]+) unreadable files skipped", built.stdout)),
    )
    return table


def verdict(value: float, target: float) -> str:
    return "[green]PASS[/]" if value <= target else "[bold red]FAIL[/]"


def offline_table(with_text: list[OfflineRun], without: list[OfflineRun]) -> Table:
    table = Table(
        title="3. Offline run on the library to the owner's pause (sovereign run --corpus bench --paper pasa.pdf "
        "--max-revisions 1; fresh process each)",
        title_justify="left",
        caption=f"Median (min–max) of {len(with_text)} runs each; wall = spawn to exit. Targets with full text: "
        f"≤ {TARGET_RUN_S:.0f} s, ≤ {TARGET_RSS_MB:.0f} MB (on 2 cores). body claims = claims with a place "
        "(quoted from a paper's body).",
        caption_justify="left",
    )
    for name in ("full text", "wall", "CPU", "peak RSS", "paused", "claims", "body claims", "verified", "targets"):
        table.add_column(name, justify="left" if name == "full text" else "right")
    for label, runs in (("8 (default)", with_text), ("--fulltext 0", without)):
        walls = [r.spawned.wall_s for r in runs]
        rss = max(mb(r.spawned.maxrss_kib) for r in runs)
        wall = statistics.median(walls)
        table.add_row(
            label,
            f"{wall:.2f} s ({min(walls):.2f}–{max(walls):.2f})",
            f"{statistics.median(r.spawned.cpu_s for r in runs):.2f} s",
            f"{rss:.0f} MB (max)",
            f"{sum(r.paused for r in runs)}/{len(runs)}",
            "/".join(str(r.claims) for r in runs),
            "/".join(str(r.body_claims) for r in runs),
            "/".join(str(r.verified) for r in runs),
            f"{verdict(wall, TARGET_RUN_S)} {verdict(rss, TARGET_RSS_MB)}" if runs is with_text else "—",
        )
    return table


# --- 4. live: the child process ------------------------------------------------------------------------------


def feed_ids() -> list[str]:
    from lxml import etree

    ids: set[str] = set()
    for name in ("atom_fixture_targets.xml", "atom_fulltext_papers.xml"):
        root = etree.parse(str(ATOM_FIXTURES / name)).getroot()
        for entry in root.findall(f"{ATOM}entry"):
            ids.add(re.sub(r"v\d+$", "", entry.findtext(f"{ATOM}id", "").rsplit("/", 1)[-1]))
    return sorted(ids)


def document_map() -> dict[str, str]:
    """Every id of the loopback's feed -> the fixture file (relative to FIXTURES) served as its full text."""
    available = [name for name in ROTATION if (FIXTURES / name).is_file()]
    mapping: dict[str, str] = {}
    others = 0
    for paper_id in feed_ids():
        own = OWN_DOCUMENTS.get(paper_id)
        if own is not None and (FIXTURES / own).is_file():
            mapping[paper_id] = own
        else:
            mapping[paper_id] = available[others % len(available)]
            others += 1
    return mapping


@dataclass
class AnyPaperLoopback(FullTextLoopback):
    """The tests' full-text loopback, with a fixture document for every id of `documents`: a PDF at /pdf (and
    arXiv's no-HTML 404 at /html), or the HTML page at /html."""

    documents: dict[str, Path] = field(default_factory=dict)

    def answer(self, path: str, action: str) -> tuple[int, bytes, str]:
        match = _PATH.match(path)
        if match is None:
            return 404, b"not found", "text/plain"
        versioned = match["id"] + (f"v{match['version']}" if match["version"] else "")
        document = self.documents.get(match["id"])
        if match["kind"] == "html":
            if document is not None and document.suffix == ".html":
                return 200, document.read_bytes(), _HTML
            return 404, no_html_page(versioned), _HTML
        if document is not None and document.suffix == ".pdf":
            return 200, document.read_bytes(), "application/pdf"
        return 404, no_pdf_page(versioned), _HTML


@contextlib.contextmanager
def loopback_server(documents: dict[str, Path]) -> Iterator[AnyPaperLoopback]:
    from tests.arxiv_loopback import ArxivLoopback

    state = AnyPaperLoopback(api=ArxivLoopback(extra_feeds=("atom_fulltext_papers.xml",)), documents=documents)
    with serve(_handler(state)) as port:
        state.port = port
        assert state.api is not None
        state.api.port = port
        yield state


class _SleepClock:
    """Stands in for the `time` module inside `rate_limit`: records every sleep the limiter takes."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.monotonic = time.monotonic

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        time.sleep(seconds)


def _timed(target: Any, name: str, spans: list[float]) -> None:
    original = getattr(target, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            return original(*args, **kwargs)
        finally:
            spans.append(time.monotonic() - started)

    setattr(target, name, wrapped)


def _graph_run(context: Any) -> tuple[dict[str, Any], bool, float]:
    from langgraph.checkpoint.memory import InMemorySaver

    from sovereign_graph import build_graph
    from sovereign_graph.app.checkpoints import state_serializer

    graph = build_graph(checkpointer=InMemorySaver(serde=state_serializer()))
    config: Any = {"configurable": {"thread_id": "bench"}}
    started = time.monotonic()
    graph.invoke({"paper": PASA, "question": BODY_QUESTION, "max_revisions": 0}, config, context=context)
    wall = time.monotonic() - started
    snapshot = graph.get_state(config)
    return dict(snapshot.values), "owner" in snapshot.next, wall


def live_child() -> dict[str, Any]:
    """One live run in this (fresh) process: a warm-up first, then the measured run; SOVEREIGN_HOME is the
    parent's choice (a new one for the first run, the same for the cache run)."""
    import resource

    from tests.fulltext_loopback import fulltext_loopback

    import sovereign_graph.sources.fulltext.html as html_module
    import sovereign_graph.sources.fulltext.pdf as pdf_module
    from sovereign_graph.runtime.context import Context
    from sovereign_graph.sources import rate_limit
    from sovereign_graph.sources.fulltext.cache import FullTextCache
    from sovereign_graph.sources.rate_limit import shared_limiter

    # Warm-up on another loopback (another host, so another limiter): the package's imports, the corpus models
    # and vocabularies, the word list; none of it is the full text's cost.
    started = time.monotonic()
    with fulltext_loopback(api=True) as warm:
        assert warm.api is not None
        _graph_run(Context(source_name="arxiv", arxiv_url=warm.api.url, arxiv_delay=0.0, fulltext=0))
    _english_words()
    warm_s = time.monotonic() - started

    mapping = document_map()
    clock = _SleepClock()
    rate_limit.time = clock  # type: ignore[assignment]
    parse_spans: list[float] = []
    _timed(pdf_module, "parse_pdf", parse_spans)
    _timed(html_module, "parse_arxiv_html", parse_spans)
    cache_spans: list[float] = []
    _timed(FullTextCache, "get", cache_spans)
    with loopback_server({k: FIXTURES / v for k, v in mapping.items()}) as server:
        assert server.api is not None
        limiter = shared_limiter(f"127.0.0.1:{server.port}", DELAY)  # the one the API and full text share
        original_turn = limiter.turn
        turns: list[tuple[float, float]] = []

        @contextlib.contextmanager
        def timed_turn() -> Iterator[None]:
            with original_turn():
                got = time.monotonic()
                try:
                    yield
                finally:
                    turns.append((got, time.monotonic()))

        limiter.turn = timed_turn  # type: ignore[method-assign]
        context = Context(source_name="arxiv", arxiv_url=server.api.url, arxiv_delay=DELAY, arxiv_backoff=0.01)
        run_started = time.monotonic()
        state, paused, wall = _graph_run(context)
        paths = server.paths()
        api_requests = len(server.api.arrivals)
    turns.sort()
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(turns)]
    reads = [
        {
            "paper": r.paper_id,
            "served": mapping.get(r.paper_id, ""),
            "how": r.how,
            "blocks": r.blocks,
            "reason": r.reason,
        }
        for r in state.get("full_texts", [])
    ]
    claims = state.get("claims", [])
    return {
        "warm_s": warm_s,
        "wall_s": wall,
        "paused": paused,
        "api": api_requests,
        "html": sum(p.startswith("/html/") for p in paths),
        "pdf": sum(p.startswith("/pdf/") for p in paths),
        "requests": len(turns),
        "sleeps_s": sum(clock.sleeps),
        "sleeps_n": len(clock.sleeps),
        "in_requests_s": sum(end - got for got, end in turns),
        "min_gap_s": min(gaps) if gaps else 0.0,
        "gaps": gaps,
        "parse_s": sum(parse_spans),
        "parses": len(parse_spans),
        "cache_get_s": sum(cache_spans),
        "cache_gets": len(cache_spans),
        "before_first_s": turns[0][0] - run_started if turns else 0.0,
        "after_last_s": run_started + wall - turns[-1][1] if turns else wall,
        "reads": reads,
        "claims": len(claims),
        "body_claims": sum(bool(c.place) for c in claims),
        "passages": len(state.get("passages", [])),
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "cache_files": len(list((Path(os.environ["SOVEREIGN_HOME"]) / "fulltext").glob("*.json.gz"))),
    }


def live_in_child(home: Path) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        done = spawn(
            [sys.executable, __file__, "--live-child", "--result", result.name],
            {**os.environ, "SOVEREIGN_HOME": str(home)},
        )
        if done.code != 0:
            raise RuntimeError(f"live child failed (exit {done.code}):\n{done.stdout}\n{done.stderr}")
        return {**json.loads(Path(result.name).read_text()), "process_wall_s": done.wall_s}


def live_table(first: dict[str, Any], cached: dict[str, Any]) -> Table:
    table = Table(
        title=f"4. Live: paper {PASA}, full text for the subject + 8 hits, limiter delay {DELAY} s, max_revisions 0 "
        "(fresh process each; graph in-process, InMemorySaver)",
        title_justify="left",
        caption=f"wall = graph.invoke to the owner's pause, after a warm-up in the same process (a fulltext=0 run on "
        f"another loopback, so another limiter, and the word list load), shown apart. Every request (API and "
        f"full text share one limiter) starts ≥ {DELAY} s after the previous one ended, so the limiter's waits "
        f"are at least (requests − 1) × {DELAY} s: the floor. measured sleeps = what the limiter actually slept "
        f"(less than the floor when the run was busy, e.g. parsing, during the {DELAY} s). rest = wall − floor = "
        f"time inside requests + gaps beyond {DELAY} s (the run busy when the next request was due: parsing) + "
        "before the first request (plan) + after the last (the rest of read: cache hits; index, extract, "
        "verify, reviewers, to the pause). Projected at arXiv's 3 s (not measured): the same requests, each gap "
        "3 s, the work in a gap hidden unless it took > 3 s: rest ≈ in requests + before first + after last. "
        "Cache run: a new process on the same SOVEREIGN_HOME, so the reader's in-process memo is empty and every "
        "document comes from the disk cache.",
        caption_justify="left",
    )
    table.add_column("metric")
    table.add_column("first run (cache empty)", justify="right")
    table.add_column("again, from the cache", justify="right")

    def both(label: str, cell: Callable[[dict[str, Any]], str]) -> None:
        table.add_row(label, cell(first), cell(cached))

    def floor(r: dict[str, Any]) -> float:
        return max(0, r["requests"] - 1) * DELAY

    def excess(r: dict[str, Any], delay: float = DELAY) -> float:
        return sum(max(0.0, g - delay) for g in r["gaps"])

    def of_wall(seconds: float, r: dict[str, Any]) -> str:
        return f"{seconds:.2f} s ({seconds / r['wall_s']:.0%} of wall)"

    both("warm-up in the same process (not counted)", lambda r: f"{r['warm_s']:.2f} s")
    both("wall to the owner's pause", lambda r: f"{r['wall_s']:.2f} s")
    both("reached the owner's pause", lambda r: "yes" if r["paused"] else "[bold red]NO[/]")
    both(
        "papers read with a document",
        lambda r: f"{sum(x['reason'] is None for x in r['reads'])} of {len(r['reads'])}",
    )
    both("requests served: API / html / pdf", lambda r: f"{r['api']} / {r['html']} / {r['pdf']}")
    both("closest two requests (end → next start)", lambda r: f"{r['min_gap_s']:.3f} s")
    both(f"limiter's waits, floor: (requests − 1) × {DELAY} s", lambda r: of_wall(floor(r), r))
    both("limiter's sleeps, measured", lambda r: f"{of_wall(r['sleeps_s'], r)}, {r['sleeps_n']} sleeps")
    both("rest = wall − floor", lambda r: of_wall(r["wall_s"] - floor(r), r))
    both("  inside requests", lambda r: f"{r['in_requests_s']:.2f} s")
    both(f"  gaps beyond {DELAY} s (busy: parsing)", lambda r: f"{excess(r):.2f} s")
    both("  before the first request", lambda r: f"{r['before_first_s']:.2f} s")
    both("  after the last request", lambda r: f"{r['after_last_s']:.2f} s")
    both("parsing, in all (parse_pdf, parse_arxiv_html)", lambda r: f"{r['parse_s']:.2f} s ({r['parses']} documents)")
    both("disk cache lookups (FullTextCache.get)", lambda r: f"{r['cache_get_s']:.2f} s ({r['cache_gets']} lookups)")
    both(
        "rest projected at a 3 s delay (not measured)",
        lambda r: (
            f"{r['in_requests_s'] + excess(r, 3.0) + r['before_first_s'] + r['after_last_s']:.2f} s "
            f"of ~{floor(r) / DELAY * 3.0 + r['in_requests_s'] + r['before_first_s'] + r['after_last_s']:.0f} s"
        ),
    )
    both("passages indexed", lambda r: f"{r['passages']:,}")
    both("claims (body claims)", lambda r: f"{r['claims']} ({r['body_claims']})")
    both("documents in the disk cache after the run", lambda r: str(r["cache_files"]))
    both("peak RSS of the process (warm-up included)", lambda r: f"{mb(r['maxrss_kib']):.0f} MB")
    both("process wall, spawn to exit", lambda r: f"{r['process_wall_s']:.2f} s")
    return table


def reads_table(first: dict[str, Any], cached: dict[str, Any]) -> Table:
    table = Table(
        title="4b. What the live run read (timing only: documents are fixtures, not the papers' own)",
        title_justify="left",
        caption="served = the fixture the loopback answers for that id: its own document for 2501.10120 (pasa.pdf), "
        "2304.02623 and 2501.11120 (the HTML page); every other id of the feed, in sorted order, the next of "
        f"{', '.join(Path(n).name for n in ROTATION)}. A PDF is served at /pdf with arXiv's no-HTML 404 page at "
        "/html; the HTML page at /html.",
        caption_justify="left",
    )
    for name in ("paper", "served", "first run: how", "blocks", "cache run: how"):
        table.add_column(name, justify="right" if name == "blocks" else "left")
    again = {r["paper"]: r for r in cached["reads"]}
    for r in first["reads"]:
        table.add_row(
            r["paper"],
            Path(r["served"]).name,
            r["how"] or f"[red]{r['reason']}[/]",
            str(r["blocks"]),
            again.get(r["paper"], {}).get("how", "—") or str(again.get(r["paper"], {}).get("reason")),
        )
    return table


# --- 5. grounding --------------------------------------------------------------------------------------------


# A number as a result is printed: not inside a name ("PaSa-7B", "GPT-4o", "S2ORC"), not a year.
RESULT_NUMBER = re.compile(r"(?<![\w.\-])\d+(?:\.\d+)?(?![\w]|\.\d)")


def has_number(text: str) -> bool:
    return any(not YEAR.match(n) for n in numbers(text))


def number_changed(text: str) -> str | None:
    """The sentence with one number scaled by 1.5, same decimals (34.05% -> 51.08%): the first percentage or
    decimal, else the first other number; None when it has none (only years or numbers inside names)."""
    found = [m for m in RESULT_NUMBER.finditer(text) if not YEAR.match(m[0])]
    if not found:
        return None
    match = next((m for m in found if "." in m[0] or text[m.end() : m.end() + 1] == "%"), found[0])
    decimals = len(match[0].partition(".")[2])
    value = float(match[0])
    new = f"{value * 1.5:.{decimals}f}"
    if float(new) == value:
        new = f"{value + 1:.{decimals}f}"
    return text[: match.start()] + new + text[match.end() :]


def normalised(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass
class Grounding:
    paper: str
    claims_from: str
    kind: str
    claims: int = 0
    own: int = 0
    own_support: int = 0
    changed: int = 0
    changed_n: int = 0
    similar: int = 0
    random_other: int = 0
    p_own: list[float] = field(default_factory=list)
    p_changed: list[float] = field(default_factory=list)
    p_similar: list[float] = field(default_factory=list)
    p_random: list[float] = field(default_factory=list)

    def add(self, other: Grounding) -> None:
        for name in ("claims", "own", "own_support", "changed", "changed_n", "similar", "random_other"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("p_own", "p_changed", "p_similar", "p_random"):
            getattr(self, name).extend(getattr(other, name))


def grounding_bench(
    label: str, document: Document, model: Any, vocabulary: Any, numbered: bool
) -> dict[str, Grounding]:
    """Per kind (abstract, body): how the model reads each chosen sentence in its own window and in others."""
    from sovereign_graph.steps.verify.features import SentenceIndex
    from sovereign_graph.steps.verify.trained import decided

    threshold = model.decision_threshold
    windows: list[list[str]] = [sentences(document.abstract)]
    kinds = ["abstract"]
    by_anchor: dict[str, list[str]] = {}
    block_kind: dict[str, str] = {}
    for passage in body_passages(document):
        by_anchor.setdefault(passage.anchor, []).append(passage.text)
        block_kind[passage.anchor] = passage.kind
    for anchor, texts in by_anchor.items():
        windows.append(texts)
        kinds.append(block_kind[anchor])
    index = SentenceIndex(windows, vocabulary=vocabulary)
    joined = [normalised(" ".join(w)) for w in windows]
    # Claims: (kind, window, sentence), the sentences of the abstract and of body paragraphs.
    claims = [
        ("abstract" if kinds[d] == "abstract" else "body", d, s)
        for d, window in enumerate(windows)
        if kinds[d] in ("abstract", "paragraph")
        for s, text in enumerate(window)
        if has_number(text) or not numbered
    ]
    texts = [windows[d][s] for _, d, s in claims]
    changed = [number_changed(t) or "" for t in texts]
    reps = index.represent(texts)
    changed_reps = dict(
        zip(
            [i for i, c in enumerate(changed) if c],
            index.represent([c for c in changed if c]),
            strict=True,
        )
    )
    rng = random.Random(0)
    claims_from = "numbered" if numbered else "all"
    results = {kind: Grounding(label, claims_from, kind) for kind in ("abstract", "body")}
    for i, ((kind, d, s), rep) in enumerate(zip(claims, reps, strict=True)):
        text = normalised(texts[i])
        others = [o for o in range(len(windows)) if o != d and text not in joined[o]]
        if not others:
            continue
        similar = max(others, key=lambda o: (rep.bm25[o], -o))
        other = rng.choice(others)
        own, near, far = model.judge(index, rep, [d, similar, other])
        row = results[kind]
        row.claims += 1
        row.own += decided(own, threshold) == "SUPPORT" and s in own.rationale
        row.own_support += decided(own, threshold) == "SUPPORT"
        row.similar += decided(near, threshold) == "SUPPORT"
        row.random_other += decided(far, threshold) == "SUPPORT"
        row.p_own.append(own.support)
        row.p_similar.append(near.support)
        row.p_random.append(far.support)
        if i in changed_reps:
            (wrong,) = model.judge(index, changed_reps[i], [d])
            row.changed_n += 1
            row.changed += decided(wrong, threshold) == "SUPPORT" and s in wrong.rationale
            row.p_changed.append(wrong.support)
    return results


def grounding_table(rows: list[Grounding], threshold: float, vocabulary: str, seconds: float) -> Table:
    table = Table(
        title="5. Grounding with the trained verifier: each sentence, as its own claim, read in its window and in "
        "others of the same paper",
        title_justify="left",
        caption="Claims: the sentences of the abstract (`sentences`, as the index step splits it) and of body "
        "paragraphs (`body_passages`, kind paragraph), verbatim: 'all' of them, or those 'numbered' (with a "
        "number that is not a year, `numbers` in `text/`); n = how many. Windows, as verify_claims forms "
        "documents: the abstract; each paragraph's passages (one block anchor); tables and captions are windows "
        "too. Grounded (trained.py): "
        f"P(SUPPORT) ≥ decision_threshold {threshold:.2f} and ≥ P(CONTRADICT), and the claim's sentence among "
        "the rationale. SUPPORT: the same without the rationale test, the only one a window without the sentence "
        "allows. Changed: the claim with one number ×1.5 (its first percentage or decimal, else its first "
        "number outside a name: 34.05% → 51.08%, not PaSa-7B), read in its own window, where it should not be "
        "grounded (the LLM extractor rejects such a claim before grounding: `missing_numbers` in llm/roles.py); "
        "'of k': the claims that have such a number. Controls, never containing the sentence: the other "
        "window of the paper BM25 ranks first for it (may truly support it: abstracts and introductions restate "
        "results) and a random other window (seed 0). p = median P(SUPPORT) in the own window, for the changed "
        "number, in the similar and in the random window. One SentenceIndex per paper over "
        f"its windows; vocabulary: {vocabulary}; {seconds:.1f} s in all. In the pipeline a claim that is its own "
        "quote skips grounding (it could not fail): this measures how the model reads a window, and whether it "
        "still catches a changed number in a paragraph window as in an abstract.",
        caption_justify="left",
    )
    own = ("own: grounded", "own: SUPPORT", "changed: grounded", "similar: SUPPORT", "random: SUPPORT")
    for name in ("paper", "claims", "kind", "n", *own, "p own/changed/similar/random"):
        left = name in ("paper", "claims", "kind")
        table.add_column(name, justify="left" if left else "right", no_wrap=left or name.startswith("p "))

    def share(n: int, d: int, of: bool = False) -> str:
        return (f"{n / d:.0%} of {d}" if of else f"{n / d:.0%}") if d else "—"

    def median(values: list[float]) -> str:
        return f"{statistics.median(values):.2f}" if values else "—"

    previous = ""
    for row in rows:
        if previous and row.paper != previous:
            table.add_section()
        previous = row.paper
        table.add_row(
            row.paper,
            row.claims_from,
            row.kind,
            str(row.claims),
            share(row.own, row.claims),
            share(row.own_support, row.claims),
            share(row.changed, row.changed_n, of=True),
            share(row.similar, row.claims),
            share(row.random_other, row.claims),
            "/".join(median(p) for p in (row.p_own, row.p_changed, row.p_similar, row.p_random)),
        )
    return table


GROUNDING_PAPERS = ("pasa.pdf", HTML_FILE.name, "paper.pdf")
SHORT_NAMES = {HTML_FILE.name: "2501.11120 (HTML)"}


def run_grounding(parsed: list[Parsed]) -> tuple[list[Grounding], float, str, float]:
    """Per paper for three papers (sentences with a number), then pooled over every parsed document, for
    sentences with a number and for every sentence."""
    from sovereign_graph.runtime.context import Context
    from sovereign_graph.sources.snapshot import shipped_verifier_vocabulary
    from sovereign_graph.steps.verify.model import load_model

    started = time.perf_counter()
    model = load_model()
    vocabulary = shipped_verifier_vocabulary()
    how = "shipped (the bundled snapshot's)"
    if vocabulary is None:
        vocabulary, how = Context().verifier_vocabulary(), "fitted on the bundled snapshot (the shipped one is stale)"
    everything = f"all {len(parsed)} docs"
    pooled = {
        (numbered, kind): Grounding(everything, "numbered" if numbered else "all", kind)
        for numbered in (True, False)
        for kind in ("abstract", "body")
    }
    rows: list[Grounding] = []
    for row in parsed:
        for numbered in (True, False):
            name = SHORT_NAMES.get(row.path.name, row.path.name)
            found = grounding_bench(name, row.document, model, vocabulary, numbered)
            for kind, result in found.items():
                pooled[numbered, kind].add(result)
            if numbered and row.path.name in GROUNDING_PAPERS:
                rows += found.values()
    order = [SHORT_NAMES.get(name, name) for name in GROUNDING_PAPERS]
    rows.sort(key=lambda r: order.index(r.paper))
    rows += pooled.values()
    return rows, model.decision_threshold, how, time.perf_counter() - started


# --- the report ----------------------------------------------------------------------------------------------


def machine(load_before: str) -> dict[str, str]:
    cpu, memory = cpu_and_memory()
    return {
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "cpu": f"{cpu}; os.cpu_count() = {os.cpu_count()}; nproc = {nproc()}",
        "memory": memory,
        "load average 1/5/15 min": f"{load_before} before → {load_average()} after (a shared machine: other "
        "work skews the times)",
    }


def nproc() -> str:
    binary = shutil.which("nproc")
    if binary is None:
        return "unknown"
    return subprocess.run([binary], capture_output=True, text=True, check=False).stdout.strip()


def inputs_table(files: list[Path]) -> Table:
    table = Table(title=f"Inputs ({FIXTURES})", title_justify="left")
    for name in ("file", "bytes", "sha256"):
        table.add_column(name, justify="right" if name == "bytes" else "left")
    for path in files:
        table.add_row(str(path.relative_to(FIXTURES)), f"{path.stat().st_size:,}", sha(path)[:16] + "…")
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, help="also write the printed text to this file")
    parser.add_argument("--runs", type=int, default=3, help="offline runs of each kind (default 3)")
    parser.add_argument("--live-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.live_child:
        args.result.write_text(json.dumps(live_child()))
        return 0

    dropped = clean_environment()
    load_before = load_average()
    console = Console(width=150, record=True)
    pdfs = pdf_files()
    pasa = FIXTURES / "pdf" / "pasa.pdf"
    files = [*pdfs, HTML_FILE]

    parsed, word_list_s = parse_bench(files)
    with tempfile.TemporaryDirectory(prefix="sovereign-fulltext-bench-") as tmp:
        workdir = Path(tmp)
        home = workdir / "library-home"
        built = sovereign(["corpus", "build", *map(str, pdfs), "--name", "bench"], home)
        with_text = [offline_run(workdir, home, pasa, None, i) for i in range(1, args.runs + 1)]
        without = [offline_run(workdir, home, pasa, 0, i) for i in range(1, args.runs + 1)]
        live_home = workdir / "live-home"
        first = live_in_child(live_home)
        cached = live_in_child(live_home)
    grounding, threshold, vocabulary, grounding_s = run_grounding(parsed)

    console.print(f"[bold]sovereign-graph full-text benchmark[/] · {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    console.print(key_value_table("Machine", machine(load_before)))
    settings = "package defaults" + (f" (dropped from env: {', '.join(dropped)})" if dropped else "")
    console.print(
        key_value_table(
            "Settings",
            {
                "question (runs)": BODY_QUESTION,
                "offline subject": f"{pasa.name} (arXiv:{PASA}v1, found in the library by its sha256)",
                "live subject": f"{PASA}, loopback Atom API (tests/fixtures/arxiv feeds, {len(feed_ids())} papers)",
                "context": settings,
            },
        )
    )
    console.print(inputs_table(files))
    console.print(parse_table(parsed, word_list_s))
    found = "Re-joinable flagged tokens found, with their neighbours (a compound written apart counts too):"
    console.print(found, highlight=False)
    for row in parsed:
        if row.examples:
            console.print(f"  {row.path.name}: {'; '.join(row.examples)}", highlight=False)
    console.print(library_table(built, pdfs))
    console.print(offline_table(with_text, without))
    console.print(f"  read step (full-text run 1): {with_text[0].read}", highlight=False)
    console.print(f"  body claims' places (run 1): {'; '.join(with_text[0].places) or 'none'}", highlight=False)
    console.print(live_table(first, cached))
    console.print(reads_table(first, cached))
    console.print(grounding_table(grounding, threshold, vocabulary, grounding_s))

    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        console.save_text(str(args.out))
    runs = [*with_text, *without]
    return 0 if all(r.paused for r in runs) and first["paused"] and cached["paused"] else 1


if __name__ == "__main__":
    sys.exit(main())
