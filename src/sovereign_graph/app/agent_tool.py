"""The research graph as a LangChain tool, for an agent (a `create_react_agent` loop, say) to call: the tool runs
an analysis up to the owner's pause and hands back the same `RunSummary` the MCP server returns. It never
decides: the draft waits for the paper's owner (`sovereign resume`, the desk), whoever called the tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.tools import StructuredTool, ToolException
from pydantic import BaseModel, Field, ValidationError, create_model

from sovereign_graph.app.runner import Runner
from sovereign_graph.app.summary import RunSummary, summarize
from sovereign_graph.app.writable import require_writable_dir
from sovereign_graph.errors import ReportWriteError, SovereignError
from sovereign_graph.report.files import write_report_files
from sovereign_graph.steps.plan.node import MAX_REVISIONS_CAP, require_max_revisions

__all__ = ["ResearchToolInput", "research_tool", "summary_text"]

DEFAULT_REVISIONS = 1
REVISIONS_HELP = (
    f"Automatic revision rounds (0 to {MAX_REVISIONS_CAP}): while the tribunal scores the draft low, it is searched "
    "and revised again, up to this many times, before it reaches the owner; each round takes longer. Leave it out "
    "unless the user asks."
)

DESCRIPTION = (
    "Analyse one research paper against a research question: searches the literature around it, extracts claims "
    "grounded in verbatim quotes, checks them against other papers, and has a review tribunal score the draft "
    "(ACCEPT, REVISE or REJECT). Takes seconds to minutes. The run then PAUSES for the paper's owner, who alone "
    "approves, rejects or sends the draft back: you cannot decide, approve or resume it. "
    "Returns the draft: thread id, status awaiting_owner, recommendation and score, the answer, the claims with "
    "their quotes and sources, what the evidence leaves open, and the command the owner decides with. Present it "
    "to the user as a draft awaiting the owner. Each call starts a new thread: do not repeat a call that succeeded."
)


class ResearchToolInput(BaseModel):
    paper: str = Field(
        description=(
            "The paper to analyse: an arXiv id (2604.23996), an arXiv URL (https://arxiv.org/abs/2604.23996), "
            "the paper's exact title, or the path of a PDF or text file in the local paper library. "
            "Pass what the user gave; do not guess an id."
        )
    )
    question: str = Field(
        description=(
            "The research question to answer about the paper, as one full sentence in the user's words "
            "(e.g. 'Does X improve Y compared to Z?'), not a list of keywords."
        )
    )
    max_revisions: int = Field(default=DEFAULT_REVISIONS, ge=0, le=MAX_REVISIONS_CAP, description=REVISIONS_HELP)


def research_tool(
    runner: Runner,
    *,
    name: str = "sovereign_research",
    out_dir: Path | None = None,
    db: str | None = None,
    desk_url: str | None = None,
    max_revisions: int = DEFAULT_REVISIONS,
) -> StructuredTool:
    """A tool that runs `runner.start(paper, question)` to the owner's pause and returns its `RunSummary`.

    `out_dir`: where each run's `<thread>.md` and `.json` are written (and a later resume rewrites them), as
    `sovereign run --out` does. `db` (the runner's database, None for the default) and `desk_url`: how the owner
    reaches the thread (`summarize`).
    `max_revisions`: the default when the model leaves it out.

    A call as a `ToolCall` (what an agent's `ToolNode` makes) gives a `ToolMessage` whose content is
    `summary_text(summary)` and whose `artifact` is `summary.model_dump()`. Bad input and the package's other
    explained failures (`SovereignError`) come back as a `ToolMessage` with status "error" and the one-line
    message; anything else is raised.
    """
    require_max_revisions(max_revisions)
    if out_dir is not None:
        # The host's setting, not the model's: refused here, once, rather than after every run.
        require_writable_dir(out_dir, "out_dir")

    def run(paper: str, question: str, max_revisions: int = max_revisions) -> tuple[str, dict[str, Any]]:
        try:
            outcome = runner.start(paper, question, max_revisions=max_revisions, out_dir=out_dir)
        except SovereignError as error:
            raise ToolException(str(error)) from error
        if out_dir is not None:
            try:
                write_report_files(outcome.report, out_dir)
            except ReportWriteError as error:
                raise ToolException(
                    f"the run is saved as thread {outcome.thread_id} ({outcome.report.status}), but {error}"
                ) from error
        summary = summarize(outcome.report, db=db, desk_url=desk_url)
        return summary_text(summary), summary.model_dump()

    # content_and_artifact: the content is what the model reads, and keeps in its history every later turn, so it is
    # the summary as plain text (no keys, escapes or nulls; a quote its claim repeats word for word shown once;
    # quotes that read as quotes); the full dict rides along as the ToolMessage's artifact, for the host, and is
    # never sent to the model.
    return StructuredTool.from_function(
        func=run,
        name=name,
        description=DESCRIPTION,
        args_schema=_input_schema(max_revisions),
        response_format="content_and_artifact",
        handle_tool_error=True,
        handle_validation_error=_invalid_arguments,
    )


def _input_schema(default_revisions: int) -> type[ResearchToolInput]:
    """The schema the model sees, with the host's default for `max_revisions` (the model reads the default there)."""
    if default_revisions == DEFAULT_REVISIONS:
        return ResearchToolInput
    field = Field(default=default_revisions, ge=0, le=MAX_REVISIONS_CAP, description=REVISIONS_HELP)
    schema: type[ResearchToolInput] = create_model(
        "ResearchToolInput", __base__=ResearchToolInput, max_revisions=(int, field)
    )
    return schema


def _invalid_arguments(error: ValidationError) -> str:
    """Arguments the schema refuses (a missing question, max_revisions 7), on one line the model can act on."""
    problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in error.errors())
    return f"invalid arguments: {problems}."


def summary_text(summary: RunSummary) -> str:
    """The summary as the model reads it: the data notice first, so it is read before any text from a paper."""
    lines = [
        f"NOTE: {summary.notice}",
        f"thread: {summary.thread_id}",
        f"status: {_status_line(summary.status)}",
        f"paper: {summary.paper}",
        f"question: {summary.question}",
        f"recommendation: {summary.recommendation} (tribunal score {summary.score:g}/10)",
        "answer:",
        summary.answer,
        "claims:" if summary.claims else "claims: none grounded",
    ]
    for claim in summary.claims:
        kind = "the subject paper's own finding" if claim.from_subject else "independent"
        checked = "verified" if claim.verified else "not verified"
        lines.append(f"- {claim.id} ({claim.source}; {kind}; {checked}; other papers: {claim.label}): {claim.text}")
        if claim.quote != claim.text:
            lines.append(f'  quote: "{claim.quote}"')
    if summary.evidence_gap:
        lines += ["evidence gap:", *(f"- {gap}" for gap in summary.evidence_gap)]
    if summary.fallbacks:
        lines += ["model outputs replaced:", *(f"- {fallback}" for fallback in summary.fallbacks)]
    if summary.owner_decision is not None:
        lines.append(f"owner's decision: {summary.owner_decision}")
    if summary.decide_with is not None:
        lines.append(f"the owner decides with: {summary.decide_with}")
    if summary.desk_url is not None:
        lines.append(f"the owner's desk page: {summary.desk_url}")
    return "\n".join(lines)


def _status_line(status: str) -> str:
    if status == "awaiting_owner":
        return "awaiting_owner (a draft: nothing is final until the paper's owner decides; you cannot decide it)"
    return status
