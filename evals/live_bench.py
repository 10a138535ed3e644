"""Live mode's cost and parallelism: LLM calls, tokens and wall time against the critical path.

    python evals/live_bench.py --out evals/results/live_bench.txt [--latency 0.3]

Every LLM role and the embeddings run on the real `ChatNVIDIA` / `NVIDIAEmbeddings` clients against the
loopback NIM of the tests (`tests/nim_loopback.py`), which answers each chat or embeddings request after a
fixed latency. The search is the bundled snapshot behind the same latency per query, standing in for a
remote search service, so the four query branches' parallelism shows. Runs to the owner's pause for five
questions (the README's and four of the labelled test half), each "no revision" (`max_revisions=0`); the
README's question also "one revision" (reviewers scripted to 4/10, so the tribunal sends it back once).

Critical path = the same run's wall time at zero latency + latency x the requests on the longest chain of
the graph: planner, one search branch, the index node's embedding requests (sequential), the extractor's
per-paper calls in waves of `concurrency` (4) at once, the slowest reviewer, the writer (and, with a
revision: reviser, search, index, extractor, reviewer and writer again). Target: wall time at most 1.3 x the
critical path. "max parallel" is the most requests the server (or the search) had in flight at once.

Tokens are the server's `usage` counts; the loopback counts a word as a token (a real tokenizer gives roughly
1.3 tokens a word on English prose), so the cost line scales them by 1.3 and prices them at the rate given by
`--price` (US$ per million tokens, in and out alike; an assumption to replace with your provider's price).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.nim_loopback

from tests.nim_loopback import EMBEDDER, MODEL, NimLoopback, nim_loopback

from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.llm.embeddings import embeddings_from_config
from sovereign_graph.llm.role_models import RoleModels
from sovereign_graph.runtime.context import Context
from sovereign_graph.runtime.injected import Engines
from sovereign_graph.settings.live import LiveConfig
from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.state import Paper

PAPER = "2604.23996"
QUESTION = (
    "How does the expert specialization in SMoES-based MoE-VLMs affect cross-modal reasoning robustness "
    "compared to modality-agnostic routing?"
)
QUESTIONS_FILE = Path(__file__).resolve().parent / "data" / "relevance" / "questions.jsonl"
MORE_QUESTIONS = ("q05", "q07", "q26", "q30")  # of the labelled test half, as in hostile_live_bench.py
REVIEWERS = ("skeptic", "validator", "synthesizer")
WORDS_TO_TOKENS = 1.3


class DelayedSearch:
    """The bundled snapshot, with a fixed latency per search and a count of searches in flight."""

    def __init__(self, latency: float) -> None:
        self.inner = bundled_snapshot()
        self.name = self.inner.name
        self.latency = latency
        self._lock = threading.Lock()
        self._in_flight = 0
        self.max_in_flight = 0
        self.searches = 0

    def __len__(self) -> int:
        return len(self.inner)

    def get(self, paper_id: str) -> Paper | None:
        return self.inner.get(paper_id)

    def find_title(self, title: str) -> list[Paper]:
        return self.inner.find_title(title)

    def texts(self) -> list[str]:
        return self.inner.texts()

    def search(self, query: str, k: int) -> list[tuple[Paper, float]]:
        with self._lock:
            self._in_flight += 1
            self.searches += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            time.sleep(self.latency)
            return self.inner.search(query, k)
        finally:
            with self._lock:
                self._in_flight -= 1


SEARCHES: dict[float, DelayedSearch] = {}


@dataclass
class Measured:
    wall: float
    chat_calls: int
    embed_calls: int
    tokens_in: int
    tokens_out: int
    chain_requests: int
    max_parallel_chat: int
    max_parallel_search: int
    rounds: int


def run_once(latency: float, max_revisions: int, reviewer_score: float, paper: str, question: str) -> Measured:
    scores = dict.fromkeys(REVIEWERS, reviewer_score)
    with nim_loopback(NimLoopback(latency=latency, scores=scores)) as nim, tempfile.TemporaryDirectory() as tmp:
        config = LiveConfig(model=f"nvidia:{MODEL}", base_url=nim.base_url, embeddings=f"nvidia:{EMBEDDER}")
        search = SEARCHES.setdefault(latency, DelayedSearch(latency))  # one per latency: warm caches persist
        search.max_in_flight = 0
        context = Context(llm=RoleModels.from_config(config), embeddings=embeddings_from_config(config))
        with sqlite_saver(Path(tmp) / "bench.sqlite") as saver:
            started = time.perf_counter()
            runner = Runner(saver, context, engines=Engines(source=search))
            outcome = runner.start(paper, question, max_revisions=max_revisions)
            wall = time.perf_counter() - started
        assert outcome.paused, "the run should pause for the owner"
        usage = outcome.report.usage
        rounds = len(outcome.report.round_scores)
        per_round_reviewer = max(len(nim.chat(r)) for r in REVIEWERS)  # the slowest reviewer's requests
        waves = rounds * math.ceil(len(nim.chat("extractor")) / (config.concurrency * rounds))
        chain = (
            len(nim.chat("planner"))
            + waves
            + len(nim.chat("reviser"))
            + per_round_reviewer
            + len(nim.chat("writer"))
            + len(nim.embeddings())
            + rounds  # one search branch per round
        )
        return Measured(
            wall=wall,
            chat_calls=len(nim.chat()),
            embed_calls=len(nim.embeddings()),
            tokens_in=sum(u.input_tokens for u in usage.values()),
            tokens_out=sum(u.output_tokens for u in usage.values()),
            chain_requests=chain,
            max_parallel_chat=nim.max_in_flight,
            max_parallel_search=search.max_in_flight,
            rounds=rounds,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per chat/embeddings request and search")
    parser.add_argument("--repeats", type=int, default=3, help="runs per scenario (the median is shown)")
    parser.add_argument("--price", type=float, default=0.9, help="assumed US$ per million tokens, in and out")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("NVIDIA_USAGE_TELEMETRY_ENABLED", "0")
    console = Console(record=True, width=190)
    console.print(
        f"machine: {platform.platform()}, python {platform.python_version()}, {os.cpu_count()} cpus; "
        f"loopback NIM ({MODEL}, {EMBEDDER}) and snapshot search at {args.latency * 1000:.0f} ms per request; "
        f"median of {args.repeats} runs"
    )
    rows = {q["id"]: q for q in map(json.loads, QUESTIONS_FILE.read_text(encoding="utf-8").splitlines())}
    cases = [("README", PAPER, QUESTION, 0, 7.0), ("README", PAPER, QUESTION, 1, 4.0)] + [
        (q, rows[q]["paper"], rows[q]["question"], 0, 7.0) for q in MORE_QUESTIONS
    ]
    for name, paper, question, _, _ in cases[1:]:
        console.print(f"{name}: {paper} — {question}")
    for latency in (0.0, args.latency):  # warm-up: loads the snapshot, fits the verifier's vocabulary per source
        run_once(latency, 0, 7.0, PAPER, QUESTION)

    table = Table(title="Live mode: calls, tokens and wall time vs the critical path, per run")
    for column in (
        "question",
        "rounds",
        "LLM calls",
        "embed calls",
        "tokens in / out",
        "wall (s)",
        "critical path (s)",
        "wall / critical",
        "max parallel chat",
        "max parallel search",
        "target",
    ):
        table.add_column(column)
    first_round: list[Measured] = []
    for name, paper, question, max_revisions, score in cases:
        runs = [run_once(args.latency, max_revisions, score, paper, question) for _ in range(args.repeats)]
        base = [run_once(0.0, max_revisions, score, paper, question) for _ in range(args.repeats)]
        median = sorted(runs, key=lambda m: m.wall)[len(runs) // 2]
        zero = sorted(base, key=lambda m: m.wall)[len(base) // 2]
        if max_revisions == 0:
            first_round.append(median)
        critical = zero.wall + args.latency * median.chain_requests
        ratio = median.wall / critical
        table.add_row(
            name,
            str(median.rounds),
            str(median.chat_calls),
            str(median.embed_calls),
            f"{median.tokens_in} / {median.tokens_out}",
            f"{median.wall:.2f}",
            f"{critical:.2f} ({zero.wall:.2f} + {median.chain_requests} × {args.latency:g})",
            f"{ratio:.2f}",
            str(median.max_parallel_chat),
            str(median.max_parallel_search),
            f"wall ≤ 1.3 × critical {'✓' if ratio <= 1.3 else '✗'}",
        )
    console.print(table)
    calls = sorted(m.chat_calls for m in first_round)
    tokens = sorted(m.tokens_in + m.tokens_out for m in first_round)
    cost = [WORDS_TO_TOKENS * t * args.price / 1e6 for t in tokens]
    console.print(
        f"without a revision round, over {len(first_round)} questions: LLM calls {calls[0]}-{calls[-1]} (median "
        f"{calls[len(calls) // 2]}); tokens {tokens[0]}-{tokens[-1]} as the loopback counts them; expected cost per "
        f"question at {WORDS_TO_TOKENS} tokens a word and US${args.price:g} per million tokens: "
        f"US${cost[0]:.4f}-{cost[-1]:.4f} (a revision round roughly doubles it)"
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(console.export_text())


if __name__ == "__main__":
    main()
