"""The ceiling of live extraction: what a perfect judge reading the papers could put in a report, next to the
embedded default, on the labelled questions' TEST half (`evals/data/relevance`).

    python evals/live_ceiling_bench.py --out evals/results/live_ceiling_bench.txt

The perfect judge is the loopback NIM (`tests/nim_loopback.py`, through the real ChatNVIDIA client) whose extractor
answers from the labelled judgements: for each candidate passage it is shown, relevance 9 if judged `answers`, 4
`background`, 1 `off_topic` (2 never judged), and one claim per passage judged `answers`, quoting it whole. Only
the extractor is live: the other steps are the embedded engines, so the searches are the offline planner's, whose
results were judged. Each question runs to the owner's pause with no revision
round (the extractor's reach is what is measured).

Figures per question and pooled:
- recall: of the gold answering sentences (judged `answers`), how many the report's claims rest on, out of as many
  as the claim caps allow (8 claims, 3 per paper);
- claim precision: claims on sentences judged `answers` over claims on judged sentences (claims on sentences never
  judged are counted apart);
- unanswerable questions with zero claims;
- how many of the judge's claims the rubrics call off-topic: below the relevance bar, which a claim the model
  judged at least 7/10 clears at an offline probability of 0.1 (`RelevanceBar`), and how many the offline bar
  alone would have.
Targets (issue 29): recall >= 80% per question, precision >= 0.95, unanswerable 0 claims.

`--samples DIR` also writes the judge's reports for `SAMPLE_QUESTIONS` there (markdown and JSON), to be read as
their owner would.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.nim_loopback

from tests.nim_loopback import MODEL, NimLoopback, nim_loopback

from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.evaluation.questions import LabelledQuestion, SentenceJudgement, load_judgements, load_questions
from sovereign_graph.llm.role_models import RoleModels
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.runtime.context import Context
from sovereign_graph.settings.live import LiveConfig
from sovereign_graph.state import Claim
from sovereign_graph.steps.extract.relevance.model import load_relevance_model

DATA = Path(__file__).resolve().parent / "data" / "relevance"
MAX_CLAIMS, MAX_PER_PAPER = 8, 3
SCORES = {"answers": 9, "background": 4, "off_topic": 1}
SAMPLE_QUESTIONS = ("q05", "q26")
CANDIDATE = re.compile(r"^\[([^\]]+)\](?: \([^)]*\))? (.+)$", re.MULTILINE)


@dataclass
class PerfectJudge(NimLoopback):
    """The loopback whose extractor reads the labelled judgements."""

    judgements: dict[tuple[str, str], SentenceJudgement] | None = None
    question_ids: dict[str, str] | None = None

    def _answer(self, role: str, prompt: str) -> dict[str, Any]:
        if role != "extractor":
            return super()._answer(role, prompt)
        asked = re.search(r"^Research question: (.+)$", prompt, re.MULTILINE)
        qid = (self.question_ids or {}).get(asked.group(1).strip() if asked else "", "")
        judged = self.judgements or {}
        passages, claims = [], []
        for pid, text in CANDIDATE.findall(prompt):
            label = judged.get((qid, pid))
            score = SCORES[label.label] if label else 2
            passages.append({"passage_id": pid, "relevance": score, "reason": label.label if label else "unjudged"})
            if label and label.label == "answers":
                claims.append(
                    {"passage_id": pid, "quote": text, "claim": text, "own_result": True, "subject": "the method"}
                )
        return {"passages": passages, "claims": claims}


@dataclass
class Outcome:
    claims: list[Claim]
    seconds: float


def run(question: LabelledQuestion, context: Context, tmp: Path, sample: Path | None = None) -> Outcome:
    started = time.perf_counter()
    with sqlite_saver(tmp / f"{question.id}-{id(context)}.sqlite") as saver:
        thread = f"perfect-judge-{question.id}"
        report = (
            Runner(saver, context).start(question.paper, question.question, thread_id=thread, max_revisions=0).report
        )
    if sample is not None:
        sample.mkdir(parents=True, exist_ok=True)
        (sample / f"{thread}.md").write_text(to_markdown(report), encoding="utf-8")
        (sample / f"{thread}.json").write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return Outcome(report.claims, time.perf_counter() - started)


def achievable(gold: set[str]) -> int:
    """How many gold sentences the claim caps let a report hold: at most 3 a paper, 8 in all."""
    per_paper: dict[str, int] = {}
    for pid in gold:
        paper = pid.split("#")[0]
        per_paper[paper] = per_paper.get(paper, 0) + 1
    return min(MAX_CLAIMS, sum(min(MAX_PER_PAPER, n) for n in per_paper.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--samples", type=Path, help="write the judge's reports of SAMPLE_QUESTIONS here")
    args = parser.parse_args()
    console = Console(record=True, width=150)
    questions = [q for q in load_questions(DATA / "questions.jsonl") if q.split == "test"]
    judgements = load_judgements(DATA / "judgements.jsonl")
    console.print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, python {platform.python_version()}; "
        f"{len(questions)} test questions, {len(judgements)} judged sentences; perfect judge: tests/nim_loopback.py "
        f"as {MODEL} through ChatNVIDIA"
    )
    bar = load_relevance_model().bar
    judge = PerfectJudge(judgements=judgements, question_ids={q.question: q.id for q in questions})
    table = Table(title="Test half, no revision round: gold answering sentences in the report's claims")
    for column in ("question", "kind", "gold (cap)", "offline: kept", "offline: claims", "judge: kept",
                   "judge: claims", "judge: off-topic for the rubrics"):  # fmt: skip
        table.add_column(column)
    totals = {
        e: {"kept": 0, "cap": 0, "claims": 0, "judged": 0, "answers": 0, "unjudged": 0, "at_80": 0}
        for e in ("offline", "judge")
    }
    answerable = {"offline": 0, "judge": 0}
    unanswerable_ok = {"offline": 0, "judge": 0}
    unanswerable = below_bar = judge_claims = low = offline_only = 0
    started = time.perf_counter()
    with nim_loopback(judge) as nim, tempfile.TemporaryDirectory() as tmp:
        # Only the extractor is the judge: the offline planner's searches are the ones whose results were judged.
        extractor = {"model": f"nvidia:{MODEL}", "base_url": nim.base_url}
        config = LiveConfig.model_validate({"roles": {"extractor": extractor}, "timeout": 10.0, "attempts": 2})
        live = Context(llm=RoleModels.from_config(config))
        for q in questions:
            gold = {pid for (qid, pid), j in judgements.items() if qid == q.id and j.label == "answers"}
            cap = achievable(gold)
            cells: dict[str, tuple[int, int]] = {}
            for engine, context in (("offline", Context()), ("judge", live)):
                sample = args.samples if engine == "judge" and q.id in SAMPLE_QUESTIONS else None
                outcome = run(q, context, Path(tmp), sample)
                kept = len({c.passage_id for c in outcome.claims} & gold)
                labels = [judgements.get((q.id, c.passage_id)) for c in outcome.claims]
                t = totals[engine]
                t["kept"] += kept
                t["cap"] += cap
                t["claims"] += len(outcome.claims)
                t["judged"] += sum(x is not None for x in labels)
                t["answers"] += sum(x is not None and x.label == "answers" for x in labels)
                t["unjudged"] += sum(x is None for x in labels)
                if cap:
                    answerable[engine] += 1
                    t["at_80"] += kept >= 0.8 * cap
                else:
                    unanswerable_ok[engine] += not outcome.claims
                cells[engine] = (kept, len(outcome.claims))
                if engine == "judge":
                    judge_claims += len(outcome.claims)
                    low = sum(not bar.clears(c) for c in outcome.claims)
                    below_bar += low
                    offline_only += sum(c.relevance < bar.threshold and not c.from_subject for c in outcome.claims)
            unanswerable += not cap
            kind = "unanswerable" if not q.answerable else ("subject answers" if q.subject_answers else "others")
            table.add_row(
                q.id, kind, f"{len(gold)} ({cap})", str(cells["offline"][0]), str(cells["offline"][1]),
                str(cells["judge"][0]), str(cells["judge"][1]), str(low),
            )  # fmt: skip
    console.print(table)
    summary = Table(title="Figures (targets from issue 29)")
    for column in ("figure", "offline default", "perfect judge", "target"):
        summary.add_column(column)

    def recall(e: str) -> str:
        t = totals[e]
        return f"{t['kept'] / t['cap']:.2f} ({t['kept']}/{t['cap']})" if t["cap"] else "-"

    def precision(e: str) -> str:
        t = totals[e]
        value = t["answers"] / t["judged"] if t["judged"] else 1.0
        return f"{value:.3f} ({t['answers']}/{t['judged']}; {t['unjudged']} on unjudged sentences)"

    summary.add_row(
        "recall of gold answering sentences, pooled (up to the caps)", recall("offline"), recall("judge"), ""
    )
    summary.add_row(
        "questions with >= 80% of their gold sentences (up to the caps)",
        f"{totals['offline']['at_80']}/{answerable['offline']}", f"{totals['judge']['at_80']}/{answerable['judge']}",
        "all",
    )  # fmt: skip
    summary.add_row("claim precision", precision("offline"), precision("judge"), ">= 0.95")
    summary.add_row(
        "questions with no gold sentence: zero claims",
        f"{unanswerable_ok['offline']}/{unanswerable}", f"{unanswerable_ok['judge']}/{unanswerable}", "all",
    )  # fmt: skip
    summary.add_row("judge's claims the rubrics call off-topic", "", f"{below_bar}/{judge_claims}", "")
    summary.add_row("... with the offline bar alone (subject's claims aside)", "", f"{offline_only}/{judge_claims}", "")
    console.print(summary)
    console.print(f"runs took {time.perf_counter() - started:.0f} s")
    if args.out:
        args.out.write_text(console.export_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
