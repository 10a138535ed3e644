"""Writes the candidate sentences of each labelled question, for people to judge.

    python evals/relevance_candidates.py [--questions evals/data/relevance/questions.jsonl]
        [--out evals/data/relevance/candidates.jsonl] [--only q01,q02] [--corpus NAME]

For every question: the pipeline's own plan -> search -> index on the bundled snapshot or --corpus (round 0), then the
candidates the extractor's relevance model reads (every subject-paper sentence and the 30 others ranked first;
`select_candidates` in `steps/extract/relevance/features.py`). Each line: question id, passage id, paper id and
title, the sentence, whether it is the subject paper's. Lines already in --out are kept (so a re-run only adds
what is new).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sovereign_graph import Context
from sovereign_graph.evaluation.questions import indexed_state, load_questions
from sovereign_graph.steps.extract.relevance.features import QuestionView, select_candidates

DATA = Path(__file__).resolve().parent / "data" / "relevance"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=DATA / "questions.jsonl")
    parser.add_argument("--out", type=Path, default=DATA / "candidates.jsonl")
    parser.add_argument("--only", default="", help="comma-separated question ids")
    parser.add_argument("--corpus", default=None, help="a built corpus to search (default: the bundled snapshot)")
    args = parser.parse_args()
    context = Context(corpus=args.corpus) if args.corpus else None
    only = set(filter(None, args.only.split(",")))
    existing = [json.loads(line) for line in args.out.read_text().splitlines()] if args.out.exists() else []
    seen = {(row["question"], row["passage_id"]) for row in existing}
    rows = list(existing)
    for q in load_questions(args.questions):
        if only and q.id not in only:
            continue
        state = indexed_state(q.paper, q.question, context)
        titles = {h.paper.id: h.paper.title for h in state["hits"]}
        view = QuestionView.of(state["question"], state["facets"], state["subject"].id)
        added = 0
        for p in select_candidates(state["passages"], view):
            if (q.id, p.id) in seen:
                continue
            seen.add((q.id, p.id))
            added += 1
            rows.append(
                {
                    "question": q.id,
                    "passage_id": p.id,
                    "paper_id": p.paper_id,
                    "title": titles.get(p.paper_id, ""),
                    "subject": p.paper_id == state["subject"].id,
                    "text": p.text,
                }
            )
        print(f"{q.id}: {added} new candidates; facets {[f'{f.kind}: {f.text}' for f in state['facets']]}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(f"{len(rows)} candidates in {args.out}")


if __name__ == "__main__":
    main()
