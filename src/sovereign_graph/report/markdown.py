"""The report as markdown, for people: the answer first, then the seed reports' sections."""

from __future__ import annotations

import re
from collections.abc import Callable

from sovereign_graph.printable import escape_controls
from sovereign_graph.report.model import (
    RESUME_HINT,
    SUBJECT_CLAIM,
    Report,
    final_round_extraction,
    role_name,
    tribunal_threshold,
)
from sovereign_graph.scoring import FULL_COVERAGE
from sovereign_graph.sources.ids import reference
from sovereign_graph.state import (
    Gap,
    RoleUsage,
)
from sovereign_graph.text.latex import readable


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


def evidence_gap_lines(report: Report) -> list[str]:
    """What the evidence leaves open: a failed extraction's reason, then each facet no claim fully addresses."""
    grounded_nothing = [] if report.claims else final_round_extraction(report)
    lines = [f"The extractor model grounded nothing in round {f.round}: {f.reason}." for f in grounded_nothing]
    return lines + [gap_sentence(g, report) for g in report.gaps]


def cell(text: object) -> str:
    """A markdown table cell that cannot break the table: no raw pipes or line breaks."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def answer_lines(report: Report) -> list[str]:
    """The bottom line, then per facet what the evidence says (each sentence citing its claims), or that the
    literature is silent."""
    bottom = " ".join(s.text.rstrip() for s in report.bottom_line)
    lines = [f"**Bottom line:** {bottom}", ""] if bottom else []
    lines += [
        f"- **{a.facet_id}** ({a.kind}) *{a.facet}*"
        + (" — in part" if a.status == "in_part" else "")
        + ": "
        + " ".join(s.text.rstrip() for s in a.sentences)
        for a in report.answer
    ]
    if report.answer_dropped:
        lines.append(
            f"- ({len(report.answer_dropped)} answer sentence(s) were dropped by the checks: "
            + "; ".join(f"{d.facet_id}: {d.reason}" for d in report.answer_dropped)
            + ")"
        )
    return lines or ["No answer was written (the run has not reached the tribunal)."]


def to_markdown(report: Report) -> str:
    # Who decided, in the first lines: an agent allowed to decide over MCP is never mistaken for the owner.
    by = report.owner_decision.by if report.owner_decision is not None and report.owner_decision.by else "the owner"
    status_line = {
        "awaiting_owner": "**DRAFT** — awaiting the owner's decision; nothing here is final.",
        "approved": f"**FINAL** — approved by {by}.",
        "rejected": f"**REJECTED** by {by}.",
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
    if report.settings is not None and (changed := report.settings.differences()):
        out.append("- **settings** (not the defaults): " + "; ".join(f"{k} {v}" for k, v in changed.items()))
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
        f"their mean; below {tribunal_threshold(report):g} a revision round runs while one is left.",
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
    out += [f"- {line}" for line in evidence_gap_lines(report)]
    if not report.gaps:
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
        f"Recommendation: **{report.recommendation}** (tribunal {report.score:.1f}/10, threshold "
        f"{tribunal_threshold(report):g})" + ("; escalated to the owner." if report.escalated else "."),
        "",
        "## Owner decision",
        "",
    ]
    if report.owner_decision is None:
        out.append("Pending. Decide with: `" + RESUME_HINT.format(thread=report.thread_id or "<thread>") + "`")
    else:
        note = f" — “{report.owner_decision.note}”" if report.owner_decision.note else ""
        out.append(f"**{report.owner_decision.decision}**{note}")
        if report.owner_decision.by:
            out += ["", f"Decided by {report.owner_decision.by}, not by the owner in person."]
    out += ["", "## References", ""]
    cited: dict[str, list[str]] = {}
    for c in report.claims:
        cited.setdefault(c.paper_id, []).append(c.id)
    for ref in report.references:
        by = f" — cited by {', '.join(cited[ref.id])}" if ref.id in cited else ""
        out.append(f"- [{reference(ref.id)}] {ref.title}." + (f" <{ref.url}>" if ref.url else "") + by)
    # One choke point for everything above that a user, a corpus or a model wrote: `cat` and `sovereign show`
    # print this file on a terminal, which would obey an ESC sequence in a title, a quote or a note; a markdown
    # viewer would run a `<script>` or follow a `javascript:` link in one.
    # Inline LaTeX of abstracts shown as a reader expects it ("2.16$\\times$" as "2.16×"); the JSON keeps it verbatim.
    return escape_controls(inert_html(readable("\n".join(out))) + "\n")


# A code span on one line: a backtick run not escaped, up to the next run of the same length. Its content is
# shown literally by any renderer, so it is left as written; one that a renderer might not see as code (an
# unclosed run, one across lines) is escaped like prose, which is safe either way.
_CODE_SPAN = re.compile(r"(?<![\\`])(`+)(?!`)[^\n]*?(?<!`)\1(?!`)")
# The report's own links (`<https://arxiv.org/abs/...>`): kept. Any other `<...>` is escaped, a URL with
# another scheme included.
_AUTOLINK = re.compile(r"<https?://[^\s<>]*>")
# A script URL in a link `[x](javascript:...)`: a space after the scheme's name makes it no link destination;
# entities do not help (CommonMark decodes them in a destination), and `&` is escaped anyway.
_SCRIPT_SCHEME = re.compile(r"(java|vb)(script):", re.IGNORECASE)


def inert_html(text: str) -> str:
    """Markdown with no HTML of its own and no script link: `<` and `&` as entities and `javascript:`
    broken, everywhere but in code spans and the report's own http(s) links."""
    return _split_keep(text, _CODE_SPAN, lambda prose: _split_keep(prose, _AUTOLINK, _entities))


def _split_keep(text: str, keep: re.Pattern[str], change: Callable[[str], str]) -> str:
    pieces: list[str] = []
    last = 0
    for found in keep.finditer(text):
        pieces += [change(text[last : found.start()]), found.group()]
        last = found.end()
    return "".join([*pieces, change(text[last:])])


def _entities(text: str) -> str:
    # `<` opens every tag and `&` every entity; a lone `>` opens nothing, and the report's own text ("P >= 0.5")
    # reads better raw in a terminal.
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return _SCRIPT_SCHEME.sub(r"\1\2 :", text)
