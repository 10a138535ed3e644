"""The report: one model built from the state, rendered as markdown (for people) and JSON (for tools)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from sovereign_graph.printable import escape_controls
from sovereign_graph.scoring import FULL_COVERAGE, aggregate
from sovereign_graph.sources.ids import reference
from sovereign_graph.state import (
    Claim,
    DroppedSentence,
    Facet,
    FacetAnswer,
    Fallback,
    Gap,
    OwnerDecision,
    Query,
    RejectedClaim,
    ReportStatus,
    Review,
    Revision,
    RoleUsage,
)

SUBJECT_CLAIM = "subject: its authors' claim"
RESUME_HINT = "sovereign resume {thread} --decision approve|reject|revise [--note TEXT]"
REVIEWERS = ("skeptic", "validator", "synthesizer")
STRUCTURED_OUTPUT = (
    "every live model's answer came back through its structured output (JSON schema) and was validated against "
    "the role's pydantic schema (llm/schemas.py) before use, then checked as the fallbacks line says"
)


class PaperRef(BaseModel):
    id: str
    title: str
    url: str


class SubjectPaper(PaperRef):
    abstract: str
    authors: list[str]


class RetrievedPaper(PaperRef):
    score: float
    queries: list[str]


class Report(BaseModel):
    thread_id: str | None
    status: ReportStatus
    paper: SubjectPaper
    question: str
    answer: list[FacetAnswer]
    answer_dropped: list[DroppedSentence] = []
    facets: list[Facet]
    queries: list[Query]
    method: dict[str, str]
    papers: list[RetrievedPaper]
    claims: list[Claim]
    reviews: list[Review]
    score: float
    round_scores: list[float]
    revision_rounds: int
    revisions: list[Revision]
    recommendation: str
    escalated: bool
    owner_decision: OwnerDecision | None
    evidence_gap: list[str] | None
    gaps: list[Gap]
    uncertainties: list[str]
    references: list[PaperRef]
    usage: dict[str, RoleUsage] = {}
    rejected_claims: list[RejectedClaim] = []
    fallbacks: list[Fallback] = []


def role_name(role: str) -> str:
    """Reviewers by their tribunal names (SKEPTIC), the other roles as configured (planner)."""
    return role.upper() if role in REVIEWERS else role


def fallback_summary(fallbacks: list[Fallback]) -> list[str]:
    """One line per role whose model output was rejected, replaced or empty: how often, in which rounds, and why."""
    by_role: dict[str, list[Fallback]] = {}
    for fallback in fallbacks:
        by_role.setdefault(fallback.role, []).append(fallback)
    lines = []
    for role, entries in by_role.items():
        reasons: dict[str, int] = {}
        for entry in entries:
            reasons[entry.reason] = reasons.get(entry.reason, 0) + 1
        numbers = sorted({e.round for e in entries})
        rounds = f"round{'s' if len(numbers) > 1 else ''} {', '.join(str(n) for n in numbers)}"
        why = "; ".join(reason + (f" (×{n})" if n > 1 else "") for reason, n in reasons.items())
        times = f"{len(entries)} time{'s' if len(entries) != 1 else ''}"
        lines.append(f"{role_name(role)}: model output rejected, replaced or empty {times} ({rounds}): {why}")
    return lines


def final_round_extraction(report: Report) -> list[Fallback]:
    """The extractor's fallbacks in the round the report's claims come from (the last one that ran)."""
    rounds = [r.round for r in report.reviews] + [f.round for f in report.fallbacks if f.role == "extractor"]
    last = max(rounds, default=0)
    return [f for f in report.fallbacks if f.role == "extractor" and f.round == last]


def status_of(state: Mapping[str, Any]) -> ReportStatus:
    decision = state.get("owner_decision")
    if decision is not None and decision.decision == "approve":
        return "approved"
    if decision is not None and decision.decision == "reject":
        return "rejected"
    return "awaiting_owner"


def uncertainties(state: Mapping[str, Any]) -> list[str]:
    """What this run could not establish, computed from its own dossier."""
    claims: list[Claim] = state.get("claims", [])
    notes: list[str] = []
    unverified = [c.id for c in claims if not c.verified]
    if unverified:
        notes.append(
            f"{len(unverified)} of {len(claims)} claims are not verified by a check that could have failed: no other "
            f"retrieved paper corroborates them ({', '.join(unverified)})."
        )
    own_quote = [c.id for c in claims if c.grounded is None]
    if own_quote:
        notes.append(
            f"{len(own_quote)} claim(s) are verbatim sentences of their papers ({', '.join(own_quote)}): comparing a "
            "claim with itself proves nothing, so their grounding is not counted as a verification."
        )
    facets: list[Facet] = state.get("facets", [])
    unsupported = [f for f in facets if not any(c.verified and f.id in c.facets for c in claims)]
    if unsupported and claims:
        notes.append("No verified claim supports: " + "; ".join(f"{f.id} '{f.text}'" for f in unsupported) + ".")
    sources = {c.paper_id for c in claims}
    if len(sources) == 1:
        notes.append(f"All claims come from a single paper ({next(iter(sources))}).")
    subject = state.get("subject")
    authors = [c.id for c in claims if c.from_subject]
    if subject is not None and claims and len(authors) == len(claims):
        notes.append("Every claim is the subject paper's own report of itself; no independent replication was found.")
    elif authors:
        are = "are" if len(authors) > 1 else "is"
        notes.append(
            f"{', '.join(authors)} {are} the subject paper's authors' own claim{'s' if len(authors) > 1 else ''}, "
            "not independent corroboration."
        )
    rejected: list[RejectedClaim] = state.get("rejected_claims", [])
    fallbacks: list[Fallback] = state.get("fallbacks", [])
    this_round = state.get("round", 0)
    extractor_failed = any(f.role == "extractor" and f.round == this_round for f in fallbacks)
    if not claims and (extractor_failed or any(r.round == this_round for r in rejected)):
        notes.append("Nothing is claimed: the extractor model grounded nothing (see the evidence gap).")
    elif not claims:
        notes.append("No retrieved sentence cleared the relevance model's threshold, so nothing is claimed.")
    if rejected:
        reasons: dict[str, int] = {}
        for r in rejected:
            reason = r.reason.split(":")[0]
            reasons[reason] = reasons.get(reason, 0) + 1
        notes.append(
            f"{len(rejected)} claim(s) the extractor model proposed were rejected and are not shown as evidence ("
            + "; ".join(f"{reason}: {n}" for reason, n in reasons.items())
            + ")."
        )
    if "seed method" in state.get("method", {}).get("verify", ""):
        notes.append(
            "Verification used the seed TF-IDF method: word overlap, blind to negation and direction, "
            "so a SUPPORT label means 'similar wording elsewhere', not entailment."
        )
    notes.append(
        f"Search covered only the {state.get('method', {}).get('source', 'offline corpus')}; "
        "papers outside it were not seen."
    )
    return notes


def round_scores(reviews: list[Review]) -> list[float]:
    """The tribunal's score in each round, first to last."""
    rounds = sorted({r.round for r in reviews})
    return [aggregate([r for r in reviews if r.round == n]) for n in rounds]


def build_report(state: Mapping[str, Any], *, thread_id: str | None, status: ReportStatus) -> Report:
    subject = state["subject"]
    claims: list[Claim] = state.get("claims", [])
    hits = state.get("hits", [])
    cited = {c.paper_id for c in claims} | {e.paper_id for c in claims for e in c.evidence}
    papers = [
        RetrievedPaper(id=h.paper.id, title=h.paper.title, url=h.paper.url, score=h.score, queries=h.queries)
        for h in hits
    ]
    # Every retrieved paper is a reference; cited ones first so a reader finds them quickly.
    references = sorted(papers, key=lambda p: (p.id not in cited, p.id != subject.id))
    method = dict(state.get("method", {}))
    if state.get("usage"):
        method["structured output"] = STRUCTURED_OUTPUT
    return Report(
        thread_id=thread_id,
        status=status,
        paper=SubjectPaper(
            id=subject.id,
            title=subject.title,
            url=subject.url,
            abstract=subject.abstract,
            authors=subject.authors,
        ),
        question=state["question"],
        answer=state.get("answer", []),
        answer_dropped=state.get("answer_dropped", []),
        facets=state.get("facets", []),
        queries=state.get("queries", []),
        method=method,
        papers=papers,
        claims=claims,
        reviews=state.get("reviews", []),
        score=state.get("score", 0.0),
        round_scores=round_scores(state.get("reviews", [])),
        revision_rounds=len(state.get("revisions", [])),
        revisions=state.get("revisions", []),
        recommendation=state.get("recommendation", "REJECT"),
        escalated=state.get("escalated", True),
        owner_decision=state.get("owner_decision") if status != "awaiting_owner" else None,
        evidence_gap=state.get("evidence_gap"),
        gaps=state.get("gaps", []),
        uncertainties=uncertainties(state),
        references=[PaperRef(id=p.id, title=p.title, url=p.url) for p in references],
        usage=state.get("usage", {}),
        rejected_claims=state.get("rejected_claims", []),
        fallbacks=state.get("fallbacks", []),
    )


def usage_line(usage: dict[str, RoleUsage]) -> str:
    """'planner 1 call, 301+49 tokens, 0.4 s; ...; total ...' for the method section."""

    def one(name: str, u: RoleUsage) -> str:
        cost = f", cost {u.cost:.4f}" if u.cost is not None else ""
        calls = f"{u.calls} call{'s' if u.calls != 1 else ''}"
        return f"{name} {calls}, {u.input_tokens} in / {u.output_tokens} out tokens, {u.seconds:.1f} s{cost}"

    total = RoleUsage()
    for u in usage.values():
        total = total.plus(u)
    return "; ".join(one(name, u) for name, u in usage.items()) + f"; total {one('', total).strip()}"


GAP_VERBS = {
    "outcome": "measures",
    "benchmark": "reports results on",
    "intervention": "studies",
    "comparison": "compares against",
    "condition": "reports results under",
    "topic": "addresses",
}


def gap_sentence(gap: Gap, report: Report) -> str:
    """'No retrieved paper measures X; the closest evidence is ...', from what the run did find."""
    head = f"No retrieved paper {GAP_VERBS[gap.kind]} *{gap.facet}* ({gap.facet_id})"
    if gap.partial_claims:
        verb = "addresses" if len(gap.partial_claims) == 1 else "address"
        return f"{head}; the closest evidence is {', '.join(gap.partial_claims)}, which {verb} it only in part."
    if gap.closest_passage and gap.closest_text:
        rated = f" (relevance {gap.closest_relevance:.2f})" if gap.closest_relevance is not None else ""
        closest = " ".join(gap.closest_text.split())
        source = gap.closest_place or reference(gap.closest_paper or "")
        return f"{head}; the closest evidence is {source}{rated}: “{closest}”"
    return f"{head}; none of the {len(report.papers)} retrieved papers mentions it."


def cell(text: object) -> str:
    """A markdown table cell that cannot break the table: no raw pipes or line breaks."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def answer_lines(report: Report) -> list[str]:
    """Per facet, what the evidence says (each sentence citing its claims), or that the literature is silent."""
    lines = [
        f"- **{a.facet_id}** ({a.kind}) *{a.facet}*"
        + (" — in part" if a.status == "in_part" else "")
        + ": "
        + " ".join(s.text.rstrip() for s in a.sentences)
        for a in report.answer
    ]
    if report.answer_dropped:
        lines.append(
            f"- ({len(report.answer_dropped)} answer sentence(s) the model wrote were dropped: "
            + "; ".join(f"{d.facet_id}: {d.reason}" for d in report.answer_dropped)
            + ")"
        )
    return lines or ["No answer was written (the run has not reached the tribunal)."]


def to_markdown(report: Report) -> str:
    status_line = {
        "awaiting_owner": "**DRAFT** — awaiting the owner's decision; nothing here is final.",
        "approved": "**FINAL** — approved by the owner.",
        "rejected": "**REJECTED** by the owner.",
    }[report.status]
    paper = report.paper
    out: list[str] = [
        f"# {paper.title}",
        "",
        f"Research brief on {reference(paper.id)} — {', '.join(paper.authors) or 'authors unknown'}"
        + (f" — <{paper.url}>" if paper.url else ""),
        "",
        status_line,
        "",
        "## Answer",
        "",
        *answer_lines(report),
        "",
        "## Abstract",
        "",
        paper.abstract,
        "",
        "## Question",
        "",
        report.question,
        "",
        "Facets: " + "; ".join(f"{f.id} {f.text}" for f in report.facets),
        "",
        "## Method (as run)",
        "",
    ]
    out += [f"- **{step}**: {text}" for step, text in report.method.items()]
    if report.usage:
        out.append(f"- **usage** (live models): {usage_line(report.usage)}")
    if report.rejected_claims:
        out.append(
            f"- **rejected claims**: {len(report.rejected_claims)} proposed by the extractor model failed the quote "
            "or number check: " + "; ".join(f"{r.passage_id} ({r.reason})" for r in report.rejected_claims)
        )
    if report.fallbacks:
        out.append(f"- **fallbacks** ({len(report.fallbacks)}: a live model's output rejected, replaced or empty):")
        out += [f"  - round {f.round}, {role_name(f.role)}: {f.reason}." for f in report.fallbacks]
    elif report.usage:
        out.append("- **fallbacks**: none; every live model's output was used (after its checks).")
    out.append(f"- **queries** ({len(report.queries)}, run as parallel branches, relevance-sorted):")
    out += [f'  - round {q.round}: "{q.text}" — {q.origin}' for q in report.queries]
    out += [
        "- **tribunal**: SKEPTIC, VALIDATOR and SYNTHESIZER score the dossier 0–10 in parallel; the score is "
        "their mean; below 6.5 a revision round runs while one is left.",
        "",
        "## Results",
        "",
    ]
    verified = sum(c.verified for c in report.claims)
    labels = {label: sum(c.label == label for c in report.claims) for label in ("SUPPORT", "CONTRADICT")}
    out.append(
        f"{len(report.papers)} papers retrieved. {len(report.claims)} claims extracted, {verified} verified "
        f"({labels['SUPPORT']} supported, {labels['CONTRADICT']} contradicted by other papers). "
        f"Tribunal: {' → '.join(f'{x:.1f}' for x in report.round_scores) or '—'} (/10, per round) → "
        f"{report.recommendation} after {report.revision_rounds} revision round(s)."
    )
    out.append("")
    for facet in report.facets:
        addressing = [c for c in report.claims if facet.id in c.facets]
        label = f"- {facet.id} ({facet.kind}) *{facet.text}*"
        if not addressing:
            out.append(f"{label}: no claim addresses it.")
            continue
        verified_ids = [c.id for c in addressing if c.verified]
        ids = ", ".join(
            c.id + ("" if c.coverage.get(facet.id, 0) >= FULL_COVERAGE else " (in part)") for c in addressing
        )
        support = f"; verified: {', '.join(verified_ids)}" if verified_ids else "; none verified"
        out.append(f"{label}: {ids}{support}.")
    out += ["", "## Uncertainties", ""]
    out += [f"- {u}" for u in report.uncertainties]
    out += ["", "## Evidence gap", ""]
    grounded_nothing = [] if report.claims else final_round_extraction(report)
    out += [f"- The extractor model grounded nothing in round {f.round}: {f.reason}." for f in grounded_nothing]
    if report.gaps:
        out += [f"- {gap_sentence(g, report)}" for g in report.gaps]
    else:
        out.append("None: every facet of the question is fully addressed by at least one claim.")
    out += ["", "## Claims", ""]
    if report.claims:
        out.append(
            "Quoted: the quote is verbatim in its passage. Grounded: the quote entails the claim (n/a when the claim "
            "is its quote: that comparison cannot fail). Corroboration: what the other retrieved papers say. "
            "Verified: a check that could have failed passed, and no paper contradicts it."
        )
        out.append("")
        out += _table(
            [
                "ID",
                "Claim",
                "Facets",
                "Relevance",
                "Quoted",
                "Grounded",
                "Corroboration",
                "Verified",
                "Confidence",
                "Quote",
                "Source",
            ],
            [
                [
                    c.id,
                    c.text,
                    ", ".join(c.facets) or "—",
                    f"{c.relevance:.2f}",
                    "✓" if c.quoted else "×",
                    "n/a" if c.grounded is None else "✓" if c.grounded else "×",
                    c.label,
                    "✓" if c.verified else "×",
                    f"{c.confidence:.2f}",
                    "(the claim is its quote)" if c.text.strip() == c.quote.strip() else f"“{c.quote}”",
                    f"{c.place or reference(c.paper_id)} ({SUBJECT_CLAIM if c.from_subject else 'independent'})"
                    + (f"; evidence: {c.evidence[0].passage_id}" if c.evidence else ""),
                ]
                for c in report.claims
            ],
        )
    elif grounded_nothing:
        out.append(
            "No claim stands: the extractor model grounded nothing (see the evidence gap above, and "
            "`rejected_claims` in the JSON for each claim it proposed and why it failed)."
        )
    else:
        out.append(
            "No claim in the retrieved papers bears on the question: no candidate sentence cleared the relevance "
            "threshold. The evidence gap above names what the corpus lacks and the closest it holds."
        )
    out += ["", "## Tribunal", ""]
    out += _table(
        ["Round", "Reviewer", "Score", "Rationale", "Objections"],
        [
            [
                r.round,
                r.role,
                f"{r.score:.1f}",
                r.rationale,
                "; ".join(o.message for o in r.objections) or "—",
            ]
            for r in report.reviews
        ],
    )
    for revision in report.revisions:
        why = f"owner's note: “{revision.note}”" if revision.trigger == "owner" else "tribunal objections"
        out.append("")
        out.append(f"Revision round {revision.round} ({why}): " + "; ".join(revision.actions) + ".")
    out += [
        "",
        "## Policy",
        "",
        f"Recommendation: **{report.recommendation}** (tribunal {report.score:.1f}/10, threshold 6.5)"
        + ("; escalated to the owner." if report.escalated else "."),
        "",
        "## Owner decision",
        "",
    ]
    if report.owner_decision is None:
        out.append("Pending. Decide with: `" + RESUME_HINT.format(thread=report.thread_id or "<thread>") + "`")
    else:
        note = f" — “{report.owner_decision.note}”" if report.owner_decision.note else ""
        out.append(f"**{report.owner_decision.decision}**{note}")
    out += ["", "## References", ""]
    cited: dict[str, list[str]] = {}
    for c in report.claims:
        cited.setdefault(c.paper_id, []).append(c.id)
    for ref in report.references:
        by = f" — cited by {', '.join(cited[ref.id])}" if ref.id in cited else ""
        out.append(f"- [{reference(ref.id)}] {ref.title}." + (f" <{ref.url}>" if ref.url else "") + by)
    # One choke point for everything above that a user, a corpus or a model wrote: `cat` and `sovereign show`
    # print this file on a terminal, which would obey an ESC sequence in a title, a quote or a note.
    return escape_controls("\n".join(out) + "\n")


# JSON escapes C0 controls itself; with ensure_ascii=False it writes DEL and C1 controls (U+009B is CSI to a
# terminal) raw, and a lone surrogate that UTF-8 cannot encode. Inside a JSON string `\u009b` is the same
# character, so escaping them keeps the report exact.
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\ud800-\udfff]")


def to_json(report: Report) -> str:
    """The report as JSON: every value as it is, and safe to print on a terminal."""
    text = json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
