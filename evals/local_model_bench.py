"""Live mode against a real local model, per role, beside the scripted loopback server (issue 18).

    # a llama.cpp server (docs/models.md, "Local models") on 127.0.0.1:8080 serving Gemma 3 270M:
    python evals/local_model_bench.py --server http://127.0.0.1:8080/v1 --model gemma-3-270m \
        --out evals/results/local_model_bench.txt

Every request of a run goes through a recording proxy on loopback in front of the server, so what the model
really answered is measured, not what the client made of it: per role, the requests (every try counts), the
share whose content parses as JSON, the share that validates against the role's pydantic schema
(`llm/schemas.py`), for the extractor the share of proposed quotes found verbatim in the passage the claim
names, and from the run's report the rejected claims and every fallback with its reason. The same runs go
through the scripted loopback NIM of the tests (`tests/nim_loopback.py`, which always answers in schema) for
the side-by-side table. Questions: the first `--questions` test-split questions of `evals/data/relevance/`,
on the bundled snapshot, `--max-revisions 1`; `--attempts` tries per model call (the live default is 3, and a
try is up to 3 POSTs: ChatNVIDIA's structured-output modes). The tables are rewritten after each question.
Not in CI: a real model's run takes minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.*

from tests.loopback import serve
from tests.nim_loopback import MODEL, NimLoopback, nim_loopback

from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.evaluation.questions import load_questions
from sovereign_graph.llm.role_models import RoleModels
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.report.model import Report
from sovereign_graph.runtime.context import Context
from sovereign_graph.settings.live import LiveConfig
from sovereign_graph.steps.answer.model import WrittenAnswer
from sovereign_graph.steps.extract.checks import verbatim_span
from sovereign_graph.steps.extract.reading import PaperReading
from sovereign_graph.steps.plan.model import Plan
from sovereign_graph.steps.review.model import Verdict
from sovereign_graph.steps.revise.model import RevisionPlan

QUESTIONS = Path(__file__).resolve().parent / "data" / "relevance" / "questions.jsonl"
# Live settings given on the command line (--max-tokens, --timeout, --concurrency), the same for every role.
LIVE_OVERRIDES: dict[str, Any] = {}
ROLES = ("planner", "extractor", "skeptic", "validator", "synthesizer", "writer", "reviser")
SCHEMAS: dict[str, type[BaseModel]] = {
    "planner": Plan,
    "extractor": PaperReading,
    "skeptic": Verdict,
    "validator": Verdict,
    "synthesizer": Verdict,
    "writer": WrittenAnswer,
    "reviser": RevisionPlan,
}
ROLE_LINE = re.compile(r"^ROLE: (\w+)", re.MULTILINE)
PASSAGE_LINE = re.compile(r"^\[([^\]]+)\](.*)$", re.MULTILINE)


@dataclass
class Exchange:
    """One chat request through the proxy and what came back."""

    role: str
    status: int
    content: str
    prompt: str
    seconds: float
    delivered: bool = True  # False: the client had given up (its timeout) before the answer came


@dataclass
class Recorder:
    upstream: str
    exchanges: list[Exchange] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _role_of(body: dict[str, Any]) -> tuple[str, str]:
    prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    found = ROLE_LINE.search(prompt)
    return (found.group(1).lower() if found else "?"), prompt


def _proxy_handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    client = httpx.Client(timeout=1800.0)

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _forward(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")}
            started = time.perf_counter()
            target = recorder.upstream + self.path.removeprefix("/v1")
            reply = client.request(method, target, content=raw, headers=headers)
            seconds = time.perf_counter() - started
            delivered = True
            try:
                self.send_response(reply.status_code)
                self.send_header("Content-Type", reply.headers.get("content-type", "application/json"))
                self.send_header("Content-Length", str(len(reply.content)))
                self.end_headers()
                self.wfile.write(reply.content)
            except (BrokenPipeError, ConnectionResetError):
                delivered = False
            if method == "POST" and self.path.endswith("/chat/completions"):
                role, prompt = _role_of(json.loads(raw or b"{}"))
                try:
                    content = str(reply.json()["choices"][0]["message"].get("content") or "")
                except (ValueError, KeyError, IndexError, TypeError):
                    content = ""
                exchange = Exchange(role, reply.status_code, content, prompt, seconds, delivered)
                with recorder.lock:
                    recorder.exchanges.append(exchange)

        def do_GET(self) -> None:
            self._forward("GET")

        def do_POST(self) -> None:
            self._forward("POST")

    return Proxy


@contextmanager
def recording_proxy(upstream: str) -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder(upstream.rstrip("/"))
    with serve(_proxy_handler(recorder)) as port:
        yield f"http://127.0.0.1:{port}/v1", recorder


@dataclass
class RunResult:
    question_id: str
    wall: float
    report: Report
    exchanges: list[Exchange]


def run_question(
    base_url: str, model: str, paper: str, question: str, question_id: str, attempts: int
) -> tuple[float, Report]:
    config = LiveConfig(model=model, base_url=base_url, attempts=attempts, **LIVE_OVERRIDES)
    context = Context(llm=RoleModels.from_config(config))
    with tempfile.TemporaryDirectory() as tmp, sqlite_saver(Path(tmp) / "bench.sqlite") as saver:
        started = time.perf_counter()
        outcome = Runner(saver, context).start(paper, question, thread_id=question_id, max_revisions=1)
        return time.perf_counter() - started, outcome.report


def _json_of(content: str) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _schema_valid(role: str, content: str) -> BaseModel | None:
    schema = SCHEMAS.get(role)
    if schema is None:
        return None
    try:
        return schema.model_validate_json(content)
    except ValidationError:
        return None


def _quotes(exchange: Exchange) -> tuple[int, int]:
    """(proposed quotes, of them verbatim in the passage the claim names) in one extractor answer."""
    extraction = _schema_valid("extractor", exchange.content)
    if not isinstance(extraction, PaperReading):
        return 0, 0
    shown = {m.group(1): m.group(2) for m in PASSAGE_LINE.finditer(exchange.prompt)}
    verbatim = 0
    for claim in extraction.claims:
        text = shown.get(claim.passage_id.strip().strip("[]"))
        verbatim += text is not None and verbatim_span(claim.quote, text) is not None
    return len(extraction.claims), verbatim


def _rate(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "—"


def role_table(title: str, results: list[RunResult]) -> Table:
    table = Table(
        "role",
        "calls",
        "timed out",
        "JSON-valid",
        "schema-valid",
        "quotes verbatim",
        "rejected claims",
        "fallbacks (why)",
        "model s",
        title=title,
    )
    for role in ROLES:
        exchanges = [e for r in results for e in r.exchanges if e.role == role]
        ok = [e for e in exchanges if e.status == 200 and e.delivered]  # what the client got to read
        json_valid = sum(_json_of(e.content) is not None for e in ok)
        schema_valid = sum(_schema_valid(role, e.content) is not None for e in ok)
        proposed = verbatim = 0
        if role == "extractor":
            for e in ok:
                p, v = _quotes(e)
                proposed, verbatim = proposed + p, verbatim + v
        rejected = sum(len(r.report.rejected_claims) for r in results) if role == "extractor" else None
        reasons: dict[str, int] = {}
        for r in results:
            for f in r.report.fallbacks:
                if f.role == role:
                    reason = _short(f.reason)
                    reasons[reason] = reasons.get(reason, 0) + 1
        why = "; ".join(f"{n}× {reason}" for reason, n in sorted(reasons.items(), key=lambda x: -x[1])) or "0"
        table.add_row(
            role,
            str(len(exchanges)),
            str(sum(not e.delivered for e in exchanges)),
            _rate(json_valid, len(ok)),
            _rate(schema_valid, len(ok)),
            _rate(verbatim, proposed) if role == "extractor" else "",
            str(rejected) if rejected is not None else "",
            why,
            f"{sum(e.seconds for e in exchanges):.0f}",
        )
    return table


def _short(reason: str) -> str:
    """A fallback's reason without the model's own words (scores and ids vary per run)."""
    reason = re.sub(r"“[^”]*”|'[^']*'|\"[^\"]*\"", "…", reason)
    reason = re.sub(r"\d+(\.\d+)?", "N", reason)
    return reason[:90]


def run_table(title: str, results: list[RunResult]) -> Table:
    columns = ("question", "wall s", "calls", "claims", "rejected", "fallbacks", "tribunal", "recommendation")
    table = Table(*columns, title=title)
    for r in results:
        table.add_row(
            r.question_id,
            f"{r.wall:.0f}",
            str(len(r.exchanges)),
            str(len(r.report.claims)),
            str(len(r.report.rejected_claims)),
            str(len(r.report.fallbacks)),
            " → ".join(f"{s:.1f}" for s in r.report.round_scores),
            r.report.recommendation,
        )
    return table


def run_all(
    upstream: str, model: str, questions: list[Any], console: Console, attempts: int, after: Any = None
) -> list[RunResult]:
    """`after(results)` is called after each question (the script writes its tables so far: a real model's five
    questions take most of an hour)."""
    results: list[RunResult] = []
    for q in questions:
        with recording_proxy(upstream) as (base_url, recorder):
            wall, report = run_question(base_url, model, q.paper, q.question, q.id, attempts)
        results.append(RunResult(q.id, wall, report, recorder.exchanges))
        if after is not None:
            after(results)
        calls = len(recorder.exchanges)
        console.print(f"  {q.id}: {wall:.0f} s, {calls} calls, {report.recommendation}", highlight=False)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="the real model's OpenAI-compatible endpoint (…/v1)")
    parser.add_argument("--model", required=True, help="its model name, as the server knows it")
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument(
        "--attempts", type=int, default=3, help="tries per model call (the live default: 3; each try is up to 3 POSTs)"
    )
    parser.add_argument("--max-tokens", type=int, help="every role's max_tokens (default: each role's own)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per model request (the live default: 60)")
    parser.add_argument("--concurrency", type=int, default=4, help="the extractor's papers read at once (default 4)")
    parser.add_argument("--sample", type=Path, help="write the real model's first report (markdown) to this file")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    LIVE_OVERRIDES.update(timeout=args.timeout, concurrency=args.concurrency)
    if args.max_tokens:
        LIVE_OVERRIDES["max_tokens"] = args.max_tokens
    os.environ.setdefault("NVIDIA_USAGE_TELEMETRY_ENABLED", "0")
    console = Console(record=True, width=200)
    questions = [q for q in load_questions(QUESTIONS) if q.split == "test"][: args.questions]
    console.print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"real model: {args.model} at {args.server}; scripted: loopback NIM ({MODEL})"
    )
    console.print("questions (test split, bundled snapshot, --max-revisions 1):")
    for q in questions:
        console.print(f"  {q.id}: {q.paper} — {q.question}", highlight=False)
    console.print(f"tries per model call: {args.attempts} (each try: up to 3 POSTs, one per structured-output mode)")
    console.print(f"live settings for every role: {LIVE_OVERRIDES}", highlight=False)
    header = console.export_text(clear=False)
    console.print("scripted loopback:")
    with nim_loopback(NimLoopback()) as nim:
        scripted = run_all(nim.base_url, f"nvidia:{MODEL}", questions, console, args.attempts)

    def write(real: list[RunResult]) -> None:
        if args.sample is not None and len(real) == 1:
            args.sample.parent.mkdir(parents=True, exist_ok=True)
            args.sample.write_text(to_markdown(real[0].report), encoding="utf-8")
        tables = Console(record=True, width=200, file=io.StringIO())  # recorded for the file, not shown
        tables.print(header, end="", markup=False, highlight=False)
        tables.print(f"real model: {len(real)} of {len(questions)} questions done", highlight=False)
        for name, results in ((f"real model: {args.model}", real), ("scripted loopback NIM", scripted)):
            tables.print(role_table(f"per role — {name}", results))
            tables.print(run_table(f"per question — {name}", results))
        text = tables.export_text()
        if args.out is not None:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)

    console.print(f"real model ({args.model}):")
    run_all(args.server, f"openai:{args.model}", questions, console, args.attempts, after=write)


if __name__ == "__main__":
    main()
