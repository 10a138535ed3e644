"""The desk's pages, rendered with Jinja2 with autoescaping on for every template: a title, abstract, quote or
note (text from papers, models and people) is always text on the page, never markup."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined

from sovereign_graph.desk.chart import tribunal_chart
from sovereign_graph.desk.jobs import Job
from sovereign_graph.desk.links import passage_link, safe_url
from sovereign_graph.desk.store import DeskThread
from sovereign_graph.names import shell_word
from sovereign_graph.report.markdown import GAP_VERBS, usage_line
from sovereign_graph.report.model import Report, final_round_extraction, role_name, tribunal_threshold
from sovereign_graph.scoring import FULL_COVERAGE
from sovereign_graph.sources.ids import reference
from sovereign_graph.text.latex import readable

MAX_NOTE = 4000  # characters of an owner's note
REFRESH_SECONDS = 2
NoticeKind = Literal["info", "error"]


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("sovereign_graph.desk", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Inline LaTeX of abstracts ("2.16$\\times$") shown as text ("2.16×") wherever a page prints a string.
        finalize=lambda value: readable(value) if isinstance(value, str) else value,
    )
    env.globals.update(
        reference=reference,
        safe_url=safe_url,
        passage_link=passage_link,
        role_name=role_name,
        usage_line=usage_line,
        gap_verbs=GAP_VERBS,
    )
    return env


@dataclass(frozen=True)
class FacetState:
    id: str
    text: str
    kind: str
    state: Literal["answered", "in_part", "silent"]
    label: str
    claims: list[str]
    verified: list[str]


def facet_states(report: Report) -> list[FacetState]:
    """Each facet at a glance: fully addressed by a claim, only in part, or not at all."""
    states = []
    for facet in report.facets:
        addressing = [c for c in report.claims if facet.id in c.facets]
        full = any(c.coverage.get(facet.id, 0) >= FULL_COVERAGE for c in addressing)
        state: Literal["answered", "in_part", "silent"] = "answered" if full else "in_part" if addressing else "silent"
        label = {"answered": "covered", "in_part": "in part", "silent": "uncovered"}[state]
        states.append(
            FacetState(
                id=facet.id,
                text=facet.text,
                kind=facet.kind,
                state=state,
                label=label,
                claims=[c.id for c in addressing],
                verified=[c.id for c in addressing if c.verified],
            )
        )
    return states


@dataclass(frozen=True)
class DecisionForm:
    csrf: str
    pause: str
    token_required: bool
    max_note: int = MAX_NOTE


@dataclass(frozen=True)
class ThreadPage:
    thread_id: str
    status: str
    question: str
    report: Report | None
    form: DecisionForm | None = None
    job: Job | None = None
    notice: str = ""
    notice_kind: NoticeKind = "info"
    standalone: bool = False
    db_shown: str = ""
    db_flag: str = ""  # the --db the CLI needs for this database ('' for the default), never with a password

    @property
    def refresh(self) -> int | None:
        """While a run is progressing, the page reloads itself (no script needed)."""
        working = (self.job is not None and self.job.state == "running") or self.status == "running"
        return REFRESH_SECONDS if working and not self.standalone else None


def render_thread(page: ThreadPage) -> str:
    report = page.report
    values: dict[str, Any] = {
        "thread_id": page.thread_id,
        "status": page.status,
        "question": page.question,
        "report": report,
        "form": page.form,
        "job": page.job,
        "notice": page.notice,
        "notice_kind": page.notice_kind,
        "standalone": page.standalone,
        "db_shown": page.db_shown,
        "refresh": page.refresh,
        "continue_command": f"sovereign resume {shell_word(page.thread_id)}"
        + (f" --db {shell_word(page.db_flag)}" if page.db_flag else ""),
    }
    if report is not None:
        paper_urls = {p.id: p.url for p in report.papers} | {report.paper.id: report.paper.url}
        cited: dict[str, list[str]] = {}
        for claim in report.claims:
            cited.setdefault(claim.paper_id, []).append(claim.id)
        threshold = tribunal_threshold(report)
        values.update(
            threshold=f"{threshold:g}",
            settings_changed=report.settings.differences() if report.settings is not None else {},
            chart=tribunal_chart(report.reviews, threshold),
            facet_states=facet_states(report),
            verified=sum(c.verified for c in report.claims),
            supported=sum(c.label == "SUPPORT" for c in report.claims),
            contradicted=sum(c.label == "CONTRADICT" for c in report.claims),
            paper_urls=paper_urls,
            cited=cited,
            grounded_nothing=[] if report.claims else final_round_extraction(report),
        )
    return environment().get_template("thread.html").render(**values)


def standalone_page(report: Report) -> str:
    """The thread page as one file that needs nothing else (`sovereign show T --html`): no form, no server links."""
    page = ThreadPage(
        thread_id=report.thread_id or "",
        status=report.status,
        question=report.question,
        report=report,
        standalone=True,
    )
    return render_thread(page)


def render_threads(rows: list[DeskThread], *, status: str | None, db_shown: str, db_flag: str) -> str:
    """Awaiting the owner first, then the rest; newest first within each."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status_group] = counts.get(row.status_group, 0) + 1
    shown = [r for r in rows if status is None or r.status_group == status]
    shown.sort(key=lambda r: not r.awaiting)  # stable: the newest-first order holds inside each group
    ordered = sorted(counts.items(), key=lambda item: (item[0] != "awaiting_owner", item[0]))
    return (
        environment()
        .get_template("threads.html")
        .render(
            rows=shown,
            status=status,
            counts=ordered,
            total=len(rows),
            db_shown=db_shown,
            db_flag=db_flag,
            refresh=REFRESH_SECONDS if any(r.status == "running" for r in shown) else None,
            standalone=False,
        )
    )


def render_error(code: int, title: str, reason: str, *, db_shown: str = "") -> str:
    return (
        environment()
        .get_template("error.html")
        .render(code=code, title=title, reason=reason, db_shown=db_shown, refresh=None, standalone=False)
    )
