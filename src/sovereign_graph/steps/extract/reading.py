"""The extractor's model role, PaperQA2's way: the offline ranker only proposes (its best `READ_CANDIDATES`
passages, no lexical gate), and the model reads them paper by paper, each paper in its own call (in parallel, at
most as many at once as the role has clients): the paper's title and year, whether it is the subject, its abstract
and each candidate with its paragraph. It judges every candidate's relevance (0-10, with a reason) and extracts
claims, each with a verbatim quote, whether the result is the paper's own or cited, and what it is about.

Every claim then passes the same checks as before (`checks.py`: the quote is the passage's own text, the claim
follows from it). Selection: the claims whose passage the model judged at least `READ_RELEVANCE_BAR`, the
subject's first, then by the model's relevance and the offline probability, within the claim caps. A claim's
`relevance` stays the offline probability (no rubric input is something the model alone asserted); the model's
score is recorded beside it (`model_relevance`)."""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from pydantic import BaseModel, Field

from sovereign_graph.errors import ModelError
from sovereign_graph.llm.calls import ask
from sovereign_graph.llm.prompts import fence, render
from sovereign_graph.llm.role import RoleResult
from sovereign_graph.llm.role_models import RoleModel
from sovereign_graph.sources.ids import reference
from sovereign_graph.state import Claim, Facet, Paper, Passage, RejectedClaim, RoleUsage
from sovereign_graph.steps.extract.checks import check_claim, extractor_reason
from sovereign_graph.steps.extract.faithful import Context
from sovereign_graph.steps.plan.facets.coverage import claim_coverage
from sovereign_graph.steps.plan.model import facet_lines

PROMPT = "reader.md"
READ_CANDIDATES = 60  # the offline ranker's best passages the model reads (on the labelled questions the first
# 20 already hold 95-98% of the sentences judged to answer)
READ_RELEVANCE_BAR = 5.0  # a claim stands only on a passage the model itself judged at least this relevant
MAX_CLAIMS_PER_CALL = 4


class PassageJudgement(BaseModel):
    passage_id: str = Field(description="the id in brackets of a candidate passage")
    relevance: float = Field(description="0 (unrelated) to 10 (answers the question directly)")
    reason: str = Field(description="one line: why")


class PaperClaim(BaseModel):
    passage_id: str = Field(description="the id in brackets of the passage the claim rests on")
    quote: str = Field(description="verbatim text copied from that passage")
    claim: str = Field(description="the finding in one sentence, in the quote's own words")
    own_result: bool = Field(description="true: this paper's own result; false: another work's, cited")
    subject: str = Field(description="what the finding is about, as the paper names it")


class PaperReading(BaseModel):
    passages: list[PassageJudgement] = Field(default_factory=list)
    claims: list[PaperClaim] = Field(default_factory=list)


@dataclass(frozen=True)
class PaperToRead:
    paper_id: str
    title: str
    year: str
    subject: bool
    abstract: str
    candidates: list[Passage]  # best first
    paragraphs: dict[str, str]  # a body candidate's id -> the paragraph it stands in


@dataclass
class Read:
    """One paper's reading: its judgements and checked claims, or why the model could not read it."""

    paper: PaperToRead
    relevance: dict[str, float]
    reasons: dict[str, str]
    claims: list[tuple[PaperClaim, str]]  # each standing claim with its passage's exact quote
    rejected: list[RejectedClaim]
    proposed: int
    usage: RoleUsage
    failure: str | None = None
    shrunk: bool = False  # its first answer was cut off at max_tokens: it was read again with half its candidates


def papers_to_read(
    candidates: Sequence[Passage], passages: Sequence[Passage], papers: dict[str, Paper], subject_id: str
) -> list[PaperToRead]:
    """The candidates grouped by paper, the subject's first, then in the order of each paper's best candidate."""
    by_paper: dict[str, list[Passage]] = {}
    for passage in candidates:
        by_paper.setdefault(passage.paper_id, []).append(passage)
    blocks: dict[tuple[str, str], list[str]] = {}
    for p in passages:
        if p.kind != "abstract":
            blocks.setdefault((p.paper_id, p.anchor), []).append(p.text)
    order = sorted(by_paper, key=lambda pid: pid != subject_id)  # stable: best candidate first otherwise
    read: list[PaperToRead] = []
    for pid in order:
        paper = papers.get(pid)
        read.append(
            PaperToRead(
                paper_id=pid,
                title=paper.title if paper else "",
                year=(paper.published[:4] if paper and paper.published else ""),
                subject=pid == subject_id,
                abstract=paper.abstract if paper else "",
                candidates=by_paper[pid],
                paragraphs={
                    p.id: " ".join(blocks.get((pid, p.anchor), [p.text])) for p in by_paper[pid] if p.kind != "abstract"
                },
            )
        )
    return read


def paper_text(paper: PaperToRead) -> str:
    role = "the SUBJECT paper (the question is about it)" if paper.subject else "another retrieved paper"
    lines = [f"{reference(paper.paper_id)} ({paper.year or 'year unknown'}), {role}", f"Title: {paper.title}"]
    if paper.abstract:
        lines.append(f"Abstract: {' '.join(paper.abstract.split())}")
    lines.append("Candidate passages:")
    for p in paper.candidates:
        place = f" ({p.place})" if p.place else ""
        lines.append(f"[{p.id}]{place} {' '.join(p.text.split())}")
        if p.id in paper.paragraphs:
            lines.append(f"    its paragraph: {' '.join(paper.paragraphs[p.id].split())}")
    return "\n".join(lines)


def read_paper(target: RoleModel, paper: PaperToRead, *, question: str, facets: list[Facet], round_number: int) -> Read:
    """One call (and, if the answer was cut off at max_tokens, one more for the better half of the candidates)."""
    candidates = paper.candidates
    usage = RoleUsage()
    for attempt in range(2):
        shown = replace(paper, candidates=candidates)
        prompt = render(
            __package__,
            PROMPT,
            max_claims=MAX_CLAIMS_PER_CALL,
            question=question,
            facets=facet_lines(facets),
            paper=fence(paper_text(shown)),
        )
        try:
            reading, used = ask("extractor", target, PaperReading, prompt, target.retry)
        except ModelError as error:
            if error.final or not error.truncated or attempt == 1 or len(candidates) == 1:
                raise
            candidates = candidates[: max(1, len(candidates) // 2)]
            continue
        usage = usage.plus(used)
        break
    by_id = {p.id: p for p in candidates}
    contexts = {
        p.id: Context(passage=f"{paper.abstract} {paper.paragraphs.get(p.id, '')}", title=paper.title)
        for p in candidates
    }
    relevance = {j.passage_id.strip().strip("[]"): max(0.0, min(10.0, j.relevance)) for j in reading.passages}
    reasons = {j.passage_id.strip().strip("[]"): " ".join(j.reason.split())[:200] for j in reading.passages}
    standing: list[tuple[PaperClaim, str]] = []
    rejected: list[RejectedClaim] = []
    for proposed in reading.claims:  # every one checked (an invented quote is counted), the caps applied later
        quote, reason = check_claim(proposed, by_id, contexts)
        if quote is None:
            rejected.append(
                RejectedClaim(
                    round=round_number,
                    passage_id=proposed.passage_id,
                    claim=proposed.claim,
                    quote=proposed.quote,
                    reason=reason,
                )
            )
        elif len(standing) < MAX_CLAIMS_PER_CALL:
            standing.append((proposed, quote))
    return Read(
        paper,
        relevance,
        reasons,
        standing,
        rejected,
        len(reading.claims),
        usage,
        shrunk=len(candidates) < len(paper.candidates),
    )


def read_papers(
    clients: Sequence[RoleModel], papers: list[PaperToRead], read: Callable[[RoleModel, PaperToRead], Read]
) -> list[Read]:
    """Each paper read by whichever client is free, at most one call per client at a time (a client object must not
    send two requests at once); results in the papers' order. A paper whose model kept failing is returned with
    its failure, not raised: the others stand."""
    free: queue.Queue[RoleModel] = queue.Queue()
    for client in clients:
        free.put(client)

    def one(paper: PaperToRead) -> Read:
        client = free.get()
        try:
            return read(client, paper)
        except ModelError as error:
            if error.final:
                raise
            return Read(paper, {}, {}, [], [], 0, RoleUsage(), failure=str(error))
        finally:
            free.put(client)

    with ThreadPoolExecutor(max_workers=max(1, len(clients)), thread_name_prefix="sovereign-reader") as pool:
        return list(pool.map(one, papers))


@dataclass(frozen=True)
class Selected:
    claims: list[Claim]
    rejected: list[RejectedClaim]
    usage: RoleUsage
    fallback: str | None


def select_claims(
    reads: list[Read],
    *,
    facets: list[Facet],
    probability: dict[str, float],
    max_claims: int,
    max_per_paper: int,
    subject_id: str,
) -> Selected:
    """The claims that stand, on passages the model judged relevant enough, the subject's first, then by the model's
    relevance and the offline probability; one claim per passage; within the caps."""
    ranked: list[tuple[tuple[bool, float, float], PaperClaim, str, Passage, float]] = []
    usage = RoleUsage()
    rejected: list[RejectedClaim] = []
    proposed = 0
    for read in reads:
        usage = usage.plus(read.usage)
        rejected += read.rejected
        proposed += read.proposed
        by_id = {p.id: p for p in read.paper.candidates}
        for claim, quote in read.claims:
            passage = by_id[claim.passage_id.strip().strip("[]")]
            score = read.relevance.get(passage.id, 0.0)
            if score < READ_RELEVANCE_BAR:
                continue
            key = (passage.paper_id != subject_id, -score, -probability.get(passage.id, 0.0))
            ranked.append((key, claim, quote, passage, score))
    ranked.sort(key=lambda item: item[0])
    claims: list[Claim] = []
    per_paper: dict[str, int] = {}
    seen: set[str] = set()
    for _, proposed_claim, quote, passage, score in ranked:
        if len(claims) == max_claims or per_paper.get(passage.paper_id, 0) >= max_per_paper or passage.id in seen:
            continue
        seen.add(passage.id)
        per_paper[passage.paper_id] = per_paper.get(passage.paper_id, 0) + 1
        coverage = claim_coverage(facets, quote)
        claims.append(
            Claim(
                id=f"C{len(claims) + 1}",
                text=" ".join(proposed_claim.claim.split()),
                quote=quote,
                paper_id=passage.paper_id,
                passage_id=passage.id,
                place=passage.place,
                facets=sorted(coverage, key=lambda fid: int(fid[1:])),
                coverage=coverage,
                relevance=round(probability.get(passage.id, passage.relevance), 4),
                model_relevance=score,
                own_result=proposed_claim.own_result,
                from_subject=passage.paper_id == subject_id,
            )
        )
    failed = [r for r in reads if r.failure]
    shrunk = sum(r.shrunk for r in reads)
    notes = [
        (
            f"the model's answer was cut off at its max_tokens for {shrunk} paper{'s' if shrunk != 1 else ''}; each "
            "was read again with the better half of its candidates"
            if shrunk
            else None
        ),
        extractor_reason(proposed, rejected, len(claims), sum(len(r.paper.candidates) for r in reads)),
        (
            f"{len(failed)} of {len(reads)} papers could not be read by the model ({failed[0].failure})"
            if failed
            else None
        ),
    ]
    return Selected(claims, rejected, usage, "; ".join(n for n in notes if n) or None)


def read_and_select(
    clients: Sequence[RoleModel],
    *,
    question: str,
    facets: list[Facet],
    candidates: Sequence[Passage],
    passages: Sequence[Passage],
    papers: dict[str, Paper],
    probability: dict[str, float],
    subject_id: str,
    max_claims: int,
    max_per_paper: int,
    round_number: int,
    embedded: Callable[[], list[Claim]],
) -> RoleResult[tuple[list[Claim], list[RejectedClaim]]]:
    """The live extractor's step: the papers read in parallel, their claims checked and selected. Raises the
    subject paper's ModelError when the model could not read it (the step then falls back to the embedded
    extractor: the subject's own findings are what a report cannot do without). When more of the model's claims
    fail the checks than stand (a model that lies, or obeys a planted order), none of them is trusted: the
    `embedded` extractor's claims stand instead, and the refused ones are recorded."""
    to_read = papers_to_read(candidates, passages, papers, subject_id)
    reads = read_papers(
        clients,
        to_read,
        lambda client, paper: read_paper(client, paper, question=question, facets=facets, round_number=round_number),
    )
    subject_failure = next((r.failure for r in reads if r.paper.subject and r.failure), None)
    if subject_failure is not None or (reads and all(r.failure for r in reads)):
        raise ModelError(subject_failure or next(r.failure for r in reads if r.failure) or "")
    selected = select_claims(
        reads,
        facets=facets,
        probability=probability,
        max_claims=max_claims,
        max_per_paper=max_per_paper,
        subject_id=subject_id,
    )
    standing = sum(len(r.claims) for r in reads)
    refused = len(selected.rejected)
    if refused > standing:
        reason = (
            f"{selected.fallback}; more of its claims failed the checks than stood, so none is trusted: the embedded "
            "extractor's claims stand instead"
        )
        return RoleResult((embedded(), selected.rejected), selected.usage, reason)
    return RoleResult((selected.claims, selected.rejected), selected.usage, selected.fallback)
