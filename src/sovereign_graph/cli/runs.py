"""`sovereign run | resume | threads | show`: run a question, pause for the owner, resume, inspect."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.status import Status
from rich.table import Table

from sovereign_graph.checkpoint import check_db_path, default_db_path, is_postgres_url, open_saver, redacted
from sovereign_graph.cli.common import app, cli_errors, err, out
from sovereign_graph.context import Context
from sovereign_graph.errors import InputError
from sovereign_graph.llm.config import LiveConfig, load_config, parse_spec
from sovereign_graph.llm.settings import RoleModels, embeddings_from_config
from sovereign_graph.progress import describe_event
from sovereign_graph.runner import Runner, RunOutcome, check_decision, check_run_input, write_report_files
from sovereign_graph.verify import check_verifier

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLite checkpoint file, or a PostgreSQL URL (postgresql://user@host:port/db; extra `postgres`) "
        "[default: $SOVEREIGN_HOME/sovereign.sqlite].",
    ),
]


class SourceChoice(StrEnum):
    snapshot = "snapshot"
    arxiv = "arxiv"


@contextmanager
def _runner(db: str | None, *, must_exist: bool, context: Context | None = None) -> Iterator[Runner]:
    with open_saver(db, must_exist=must_exist) as saver:
        yield Runner(saver, context or Context())


def _describe(node: str, update: dict[str, Any]) -> str:
    """One progress line per finished node."""
    if node == "plan":
        return f"{update['subject'].id} “{update['subject'].title}” · {len(update['queries'])} queries"
    if node == "search":
        return f"{len(update.get('hits', []))} papers"
    if node == "index":
        return update.get("method", {}).get("index", "")
    if node == "extract":
        gap = update.get("evidence_gap") or []
        return f"{len(update['claims'])} claims" + (f" · gap: {', '.join(gap)}" if gap else "")
    if node == "verify":
        claims = update["claims"]
        return f"{sum(c.verified for c in claims)}/{len(claims)} verified"
    if node in ("skeptic", "validator", "synthesizer"):
        review = update["reviews"][0]
        return f"{review.score:.1f}/10 · {len(review.objections)} objections"
    if node == "tribunal":
        return f"score {update['score']:.1f}/10"
    if node == "revise":
        return f"round {update['round']}: " + "; ".join(update["revisions"][0].actions)
    if node == "policy":
        return f"{update['recommendation']}" + (" · escalated" if update.get("escalated") else "")
    if node == "owner":
        decision = update.get("owner_decision")
        return decision.decision if decision is not None else ""
    return ""


class LiveProgress:
    """Renders a run live on stderr: a line per finished node, a dim line per progress event, and a spinner
    with the latest event while a node works (the spinner only on a terminal)."""

    def __init__(self) -> None:
        self.status: Status | None = None

    def __enter__(self) -> LiveProgress:
        self.status = err.status("starting…")
        self.status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.__exit__(None, None, None)

    def node(self, node: str, update: dict[str, Any], seconds: float) -> None:
        err.print(f"[dim]{seconds:6.1f}s[/] [bold cyan]{node:<11}[/] {_describe(node, update)}", highlight=False)

    def event(self, event: dict[str, Any], seconds: float) -> None:
        line = describe_event(event)
        err.print(f"[dim]{seconds:6.1f}s             · {line}[/]", highlight=False)
        if self.status is not None:
            self.status.update(line)


def _finish(outcome: RunOutcome, out_dir: Path, db: str | None) -> None:
    md, js = write_report_files(outcome.report, out_dir)
    report = outcome.report
    out.print(f"{'Draft' if outcome.paused else 'Final'} report: {md} and {js}", highlight=False)
    out.print(f"Tribunal {report.score:.1f}/10 → {report.recommendation}", highlight=False)
    if outcome.paused:
        db_flag = f" --db {redacted(db)}" if db else ""
        out.print(
            f"paused for the owner: sovereign resume {outcome.thread_id}{db_flag} "
            "--decision approve|reject|revise [--note TEXT]",
            highlight=False,
        )
    else:
        out.print(f"{outcome.thread_id}: {report.status}", highlight=False)


def live_config(config: Path | None, model: str | None, base_url: str | None, embeddings: str | None) -> LiveConfig:
    """The config file (if any), with the command line's flags over it."""
    settings = load_config(config) if config is not None else LiveConfig()
    for spec in (model, embeddings):
        if spec is not None:
            parse_spec(spec)
    flags = {"model": model, "base_url": base_url, "embeddings": embeddings}
    settings = settings.model_copy(update={k: v for k, v in flags.items() if v is not None})
    if settings.base_url and not settings.is_live:
        raise InputError("--base-url names the endpoint of a live model: give --model or --embeddings with it.")
    return settings


@app.command()
def run(
    paper: Annotated[str, typer.Option("--paper", help="arXiv id, arXiv URL or exact title of the subject paper.")],
    question: Annotated[str, typer.Option("--question", help="The research question.")],
    thread: Annotated[str | None, typer.Option("--thread", help="Thread id [default: <paper>-<random>].")] = None,
    db: DbOption = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where the report files go.")] = Path("."),
    max_revisions: Annotated[int, typer.Option("--max-revisions", help="Automatic revision rounds (0-3).")] = 1,
    source: Annotated[
        SourceChoice,
        typer.Option(
            "--source",
            help="snapshot: the bundled offline corpus; arxiv: the live arXiv API (one request per 3 s, "
            "$SOVEREIGN_ARXIV_DELAY; endpoint $SOVEREIGN_ARXIV_URL).",
        ),
    ] = SourceChoice.snapshot,
    corpus: Annotated[
        str | None,
        typer.Option("--corpus", help="A corpus built with `sovereign corpus build` [default: the bundled snapshot]."),
    ] = None,
    verifier: Annotated[
        str | None, typer.Option("--verifier", help="trained (default) | tfidf (the seed method).")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Chat model for every LLM role, as provider:model (e.g. nvidia:meta/llama-3.3-70b-instruct; "
            "key from NVIDIA_API_KEY) [default: the embedded engines].",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Endpoint of a self-hosted NIM or OpenAI-compatible server (…/v1)."),
    ] = None,
    embeddings: Annotated[
        str | None,
        typer.Option("--embeddings", help="Embeddings model, e.g. nvidia:nvidia/nv-embedqa-e5-v5 [default: LSA]."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML/JSON file of live models: per-role models, prices, retries (README)."),
    ] = None,
) -> None:
    """Research a question about a paper, up to the owner's decision."""
    with cli_errors():
        if corpus is not None and source is not SourceChoice.snapshot:
            raise InputError("--corpus NAME is an offline corpus: it cannot be combined with --source arxiv.")
        models = live_config(config, model, base_url, embeddings)
        context = Context(
            source_name=source.value, llm=RoleModels.from_config(models), embeddings=embeddings_from_config(models)
        )
        if corpus is not None:
            context.corpus = corpus  # an explicit --corpus wins over $SOVEREIGN_CORPUS
        if verifier is not None:
            context.verifier = check_verifier(verifier)
        if db is None or not is_postgres_url(db):
            check_db_path(Path(db) if db else default_db_path(), must_exist=False)
        # Resolving the paper loads the corpus and fits its models: seconds on a cold start, so say so.
        with err.status("loading the corpus and resolving the paper…"):
            check_run_input(paper, question, max_revisions, context)
        with _runner(db, must_exist=False, context=context) as runner, LiveProgress() as progress:
            outcome = runner.start(
                paper,
                question,
                thread_id=thread,
                max_revisions=max_revisions,
                out_dir=out_dir.resolve(),
                on_progress=progress.node,
                on_event=progress.event,
            )
        _finish(outcome, out_dir, db)


@app.command()
def resume(
    thread: Annotated[str, typer.Argument(help="The thread to resume (see: sovereign threads).")],
    decision: Annotated[
        str | None,
        typer.Option("--decision", help="approve | reject | revise (none: continue a run a failure stopped)"),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="The owner's note (for revise: what to look for).")] = "",
    db: DbOption = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="[default: where the draft went]")] = None,
) -> None:
    """Give the owner's decision on a paused run (approve, reject, or revise once more), or continue a stopped one."""
    with cli_errors():
        if decision is not None:
            check_decision(decision)
        with _runner(db, must_exist=True) as runner:
            with LiveProgress() as live:
                outcome = runner.resume(
                    thread,
                    decision,
                    note,
                    out_dir=out_dir.resolve() if out_dir else None,
                    on_progress=live.node,
                    on_event=live.event,
                )
            target = out_dir or runner.out_dir(thread) or Path(".")
        _finish(outcome, target, db)


@app.command()
def threads(db: DbOption = None) -> None:
    """List the research threads in the database."""
    with cli_errors(), _runner(db, must_exist=True) as runner:
        table = Table("thread", "paper", "status", "score", "recommendation", "updated")
        for summary in runner.threads():
            table.add_row(
                summary.thread_id,
                summary.paper,
                summary.status,
                f"{summary.score:.1f}" if summary.score is not None else "—",
                summary.recommendation or "—",
                summary.updated[:19].replace("T", " "),
            )
        out.print(table)


@app.command()
def show(
    thread: Annotated[str, typer.Argument(help="The thread to show.")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report's JSON object.")] = False,
) -> None:
    """Print a thread's report (markdown, or --json)."""
    from sovereign_graph.report import to_markdown

    with cli_errors(), _runner(db, must_exist=True) as runner:
        report = runner.report(thread)
    if as_json:
        sys.stdout.write(json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(to_markdown(report))
