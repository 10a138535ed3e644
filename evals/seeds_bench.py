"""The five seed questions, rerun: what the owner's prototype reported beside what we report now.

    python evals/seeds_bench.py --out evals/results/seeds_bench.txt [--seeds ../shared/seeds]

Each seed report (`shared/seeds/*.txt`, from the owner's earlier prototype) states its research goal and a
results line ("11 papers retrieved. 6 claims extracted, 0 verified. Tribunal: 3.4/10 → REJECT"). Every
question is run here on subject paper 2604.23996 (SMoES, as in the seeds) with the embedded default, to
the owner's pause (automatic revision rounds: the default, 1). Per question: papers, claims, verified,
the share of claims that address each facet, the facets left as evidence gaps, the tribunal's score per
round and the recommendation.
"""

from __future__ import annotations

import argparse
import platform
import re
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.runtime.context import Context

PAPER = "2604.23996"
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
_GOAL = re.compile(r"Research goal: (.+?)\??\.?\s*$", re.MULTILINE)
_LINE = re.compile(
    r"(\d+) papers retrieved\. (\d+) claims extracted, (\d+) verified\. Tribunal: ([\d.]+)/10 → (\w+)", re.MULTILINE
)


def seed_questions(folder: Path) -> list[tuple[str, str, str]]:
    """(file, question, the seed's own results line) for each seed report."""
    seeds = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text().replace("\\_", "_")
        goal, line = _GOAL.search(text), _LINE.search(text)
        if goal and line:
            papers, claims, verified, score, recommendation = line.groups()
            summary = f"{papers} papers · {claims} claims · {verified} verified · {score}/10 → {recommendation}"
            seeds.append((path.name[:3], goal.group(1).rstrip("?.") + "?", summary))
    return seeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    console = Console(record=True, width=140)
    seeds = seed_questions(args.seeds)
    console.print(
        f"machine: {platform.platform()}, python {platform.python_version()}; subject paper {PAPER}; "
        f"{len(seeds)} seed questions from {args.seeds}"
    )

    summary = Table(title="Seed questions: the prototype's report vs ours (embedded default)")
    for column in (
        "seed",
        "prototype (seed report)",
        "ours: papers · claims · verified",
        "tribunal per round",
        "recommendation",
        "s",
    ):
        summary.add_column(column)
    details: list[Table] = []
    with tempfile.TemporaryDirectory() as tmp, sqlite_saver(Path(tmp) / "seeds.sqlite") as saver:
        runner = Runner(saver, Context())
        for name, question, prototype in seeds:
            started = time.perf_counter()
            report = runner.start(PAPER, question, thread_id=f"seed-{name}").report
            seconds = time.perf_counter() - started
            per_round = " → ".join(f"{score:.1f}" for score in report.round_scores)
            verified = sum(c.verified for c in report.claims)
            summary.add_row(
                name,
                prototype,
                f"{len(report.papers)} · {len(report.claims)} · {verified}",
                per_round,
                report.recommendation,
                f"{seconds:.1f}",
            )
            detail = Table(title=f"seed {name}: {question}", title_justify="left")
            for column in ("facet", "kind", "claims addressing it (share)", "gap"):
                detail.add_column(column)
            gaps = {g.facet_id for g in report.gaps}
            for facet in report.facets:
                addressing = [c.id for c in report.claims if facet.id in c.facets]
                share = f"{len(addressing)}/{len(report.claims)}" if report.claims else "0/0"
                detail.add_row(
                    f"{facet.id} {facet.text}",
                    facet.kind,
                    f"{share} {', '.join(addressing)}",
                    "GAP" if facet.id in gaps else "",
                )
            details.append(detail)
    console.print(summary)
    for detail in details:
        console.print(detail)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        console.save_text(str(args.out))


if __name__ == "__main__":
    main()
