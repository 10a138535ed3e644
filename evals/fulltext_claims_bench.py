"""Full-text claims benchmark: do the claims of full-text runs answer the question? Judged by reading.

    python3 evals/fulltext_claims_bench.py --collect      # run, store every claim in claims.jsonl
    python3 evals/fulltext_claims_bench.py --out evals/results/fulltext_claims_bench.txt

The rules that decide which body sentences become claims were written without labelled data. This benchmark
measures them on 16 research questions about the seven fixture documents (six real PDFs, one arXiv HTML page),
written by reading the papers before the pipeline was run on any of them, and never used to tune anything
(`evals/data/fulltext_questions/`, README there).

1. Library: `sovereign corpus build <6 PDFs> <the HTML page> --name lab` in a fresh process, SOVEREIGN_HOME in
   a temporary directory (package defaults: every other SOVEREIGN_* variable is dropped).
2. Runs: per question `sovereign run --corpus lab --paper <the subject's file> --question ... --max-revisions 1`
   (fresh process each, own --db, --out and --thread), then every claim of `<thread>.json`.
3. `--collect` writes those claims to `claims.jsonl` (what a judge reads). Normal mode joins each claim with
   `judgements.jsonl` on (question, quote): a claim whose quote was never judged is counted apart
   (unjudged), never as an answer. Printed: the machine, the inputs, a table per question, the totals (claim
   precision = answers / judged claims, overall, body claims and abstract claims; questions answered in the body
   that got a body claim judged `answers`; unanswerable questions with zero claims), then every judged claim
   that is not `answers` and every unjudged one.

Exit status 0, or 1 if a run failed or did not reach the owner's pause.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bench_tables import cpu_and_memory, key_value_table

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "fulltext"
FIXTURES = SHARED if (SHARED / "pdf").is_dir() else ROOT / "tests" / "fixtures" / "fulltext"
DATA = ROOT / "evals" / "data" / "fulltext_questions"
QUESTIONS = DATA / "questions.jsonl"
CLAIMS = DATA / "claims.jsonl"
JUDGEMENTS = DATA / "judgements.jsonl"
HTML_FILE = FIXTURES / "arxiv_html" / "2501.11120v1.html"
CORPUS = "lab"
RUN_TIMEOUT_S = 300.0
LABELS = ("answers", "background", "off_topic")


# --- inputs --------------------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def library_files() -> list[Path]:
    return [*sorted((FIXTURES / "pdf").glob("*.pdf")), HTML_FILE]


def clean_environment() -> list[str]:
    dropped = sorted(name for name in os.environ if name.startswith("SOVEREIGN_"))
    for name in dropped:
        del os.environ[name]
    return dropped


# --- children ------------------------------------------------------------------------------------------------


@dataclass
class Done:
    code: int
    wall_s: float
    stdout: str
    stderr: str


def sovereign(args: list[str], home: Path) -> Done:
    """`python3 -m sovereign_graph ARGS` in a fresh process with SOVEREIGN_HOME=home (PYTHONPATH passes on)."""
    env = {**os.environ, "SOVEREIGN_HOME": str(home)}
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "sovereign_graph", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as timeout:
        out = timeout.stdout.decode() if isinstance(timeout.stdout, bytes) else (timeout.stdout or "")
        return Done(-9, time.perf_counter() - started, out, f"timed out after {RUN_TIMEOUT_S:.0f} s")
    return Done(done.returncode, time.perf_counter() - started, done.stdout, done.stderr)


@dataclass
class Claim:
    id: str
    text: str
    quote: str
    place: str
    paper: str
    title: str
    from_subject: bool

    @property
    def body(self) -> bool:
        return bool(self.place)


@dataclass
class Run:
    question: dict[str, Any]
    done: Done
    status: str = ""
    recommendation: str = ""
    facets: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    rejected: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.status == "awaiting_owner"


def run_question(question: dict[str, Any], home: Path, workdir: Path) -> Run:
    thread = question["id"]
    paper = FIXTURES / question["paper"]
    args = ["run", "--corpus", CORPUS, "--paper", str(paper), "--question", question["question"]]
    args += ["--db", str(workdir / f"{thread}.sqlite"), "--out", str(workdir / "out"), "--thread", thread]
    args += ["--max-revisions", "1"]
    done = sovereign(args, home)
    run = Run(question, done)
    report_path = workdir / "out" / f"{thread}.json"
    if done.code != 0 or not report_path.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        run.error = f"exit {done.code}: {' | '.join(tail)}"
        return run
    report = json.loads(report_path.read_text(encoding="utf-8"))
    titles = {p["id"]: p.get("title", "") for p in [*report.get("papers", []), *report.get("references", [])]}
    run.status = report.get("status", "")
    run.recommendation = report.get("recommendation") or ""
    run.facets = [f"{f['id']} {f['kind']}: {f['text']}" for f in report.get("facets", [])]
    run.rejected = len(report.get("rejected_claims") or [])
    run.claims = [
        Claim(
            c["id"],
            c.get("text", ""),
            c.get("quote") or c.get("text", ""),
            c.get("place") or "",
            c.get("paper_id", ""),
            titles.get(c.get("paper_id", ""), ""),
            bool(c.get("from_subject")),
        )
        for c in report.get("claims", [])
    ]
    return run


# --- scoring -------------------------------------------------------------------------------------------------


def wilson(hits: int, n: int, z: float = 1.96) -> str:
    """95% Wilson score interval, as 'lo–hi'."""
    if n == 0:
        return "–"
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"{max(0.0, centre - half):.0%}–{min(1.0, centre + half):.0%}"


def share(hits: int, n: int) -> str:
    return f"{hits}/{n} = {hits / n:.0%} (95% CI {wilson(hits, n)})" if n else "0/0 (none)"


def label_of(judged: dict[tuple[str, str], dict[str, Any]], run: Run, claim: Claim) -> dict[str, Any] | None:
    return judged.get((run.question["id"], claim.quote))


def answered(run: Run, judged: dict[tuple[str, str], dict[str, Any]], *, body_only: bool) -> bool:
    """Whether a claim of the run (a body claim, with `body_only`) is judged `answers`."""
    for claim in run.claims:
        judgement = label_of(judged, run, claim)
        if judgement and judgement["label"] == "answers" and (claim.body or not body_only):
            return True
    return False


# --- output --------------------------------------------------------------------------------------------------


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def git(*args: str) -> str:
    binary = shutil.which("git")
    if binary is None:
        return "unknown"
    done = subprocess.run([binary, *args], capture_output=True, text=True, cwd=ROOT, check=False)
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def machine(load_before: str) -> dict[str, str]:
    cpu, memory = cpu_and_memory()
    import sovereign_graph

    changed = [line[3:] for line in git("status", "--porcelain", "--", "src").splitlines() if line.strip()]
    return {
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "cpu": f"{cpu}; os.cpu_count() = {os.cpu_count()}",
        "memory": memory,
        "load average 1/5/15 min": f"{load_before} before → {load_average()} after",
        "package": f"{Path(sovereign_graph.__file__).parent} (the runs' child processes import the same)",
        "commit": git("rev-parse", "--short", "HEAD")
        + (f"; uncommitted changes in src/: {', '.join(changed)}" if changed else "; src/ clean"),
    }


def inputs_table(files: list[Path]) -> Table:
    table = Table(title=f"Inputs (library files in {FIXTURES}; data in {DATA.relative_to(ROOT)})", title_justify="left")
    for name in ("file", "bytes", "sha256"):
        table.add_column(name, justify="right" if name == "bytes" else "left")
    for path in files:
        table.add_row(str(path.relative_to(FIXTURES)), f"{path.stat().st_size:,}", sha(path)[:16] + "…")
    for path in (QUESTIONS, CLAIMS, JUDGEMENTS):
        if path.is_file():
            lines = len(read_jsonl(path))
            table.add_row(f"{path.name} ({lines} lines)", f"{path.stat().st_size:,}", sha(path)[:16] + "…")
        else:
            table.add_row(f"{path.name} (missing)", "–", "–")
    return table


def question_table(runs: list[Run], judged: dict[tuple[str, str], dict[str, Any]]) -> Table:
    table = Table(
        title="Per question (one fresh `sovereign run --corpus lab --paper <file> --max-revisions 1` each)",
        title_justify="left",
        caption="answer in = where the question's answer is in its subject paper (written before any run). "
        "claims = claims of the run's report; body = claims with a place (quoted from a paper's body); answers = "
        "claims judged `answers` (of those judged: all / body); unjudged = claims whose quote has no judgement "
        "(counted apart, never as answers); rec. = the run's recommendation.",
        caption_justify="left",
    )
    columns = ("id", "answer in", "subject", "claims", "body", "answers/judged", "body answers", "unjudged")
    for name in (*columns, "rec.", "wall"):
        table.add_column(name, justify="left" if name in ("id", "answer in", "subject", "rec.") else "right")
    for run in runs:
        q = run.question
        if run.error:
            wall = f"{run.done.wall_s:.1f} s"
            table.add_row(q["id"], q["answer_in"], q["paper"].split("/")[-1], "[red]run failed[/]", *[""] * 5, wall)
            continue
        labels = [label_of(judged, run, c) for c in run.claims]
        answers = sum(1 for x in labels if x and x["label"] == "answers")
        judged_n = sum(1 for x in labels if x)
        body_judged = [x for c, x in zip(run.claims, labels, strict=True) if c.body and x]
        body_answers = sum(1 for x in body_judged if x["label"] == "answers")
        table.add_row(
            q["id"],
            q["answer_in"],
            q["paper"].split("/")[-1],
            str(len(run.claims)),
            str(sum(c.body for c in run.claims)),
            f"{answers}/{judged_n}",
            f"{body_answers}/{len(body_judged)}",
            str(len(run.claims) - judged_n),
            run.recommendation,
            f"{run.done.wall_s:.1f} s",
        )
    return table


def totals(runs: list[Run], judged: dict[tuple[str, str], dict[str, Any]]) -> dict[str, str]:
    pairs = [(run, c, label_of(judged, run, c)) for run in runs for c in run.claims]
    judged_pairs = [(r, c, x) for r, c, x in pairs if x]
    body = [(r, c, x) for r, c, x in judged_pairs if c.body]
    abstract = [(r, c, x) for r, c, x in judged_pairs if not c.body]
    subject = [(r, c, x) for r, c, x in judged_pairs if c.from_subject]
    other = [(r, c, x) for r, c, x in judged_pairs if not c.from_subject]

    def answers(rows: list[tuple[Run, Claim, dict[str, Any]]]) -> int:
        return sum(1 for _, _, x in rows if x["label"] == "answers")

    counts = {label: sum(1 for _, _, x in judged_pairs if x["label"] == label) for label in LABELS}
    body_questions = [r for r in runs if r.question["answer_in"] == "body"]
    answered_in_body = [r for r in body_questions if answered(r, judged, body_only=True)]
    abstract_questions = [r for r in runs if r.question["answer_in"] == "abstract"]
    answered_abstract_q = [r for r in abstract_questions if answered(r, judged, body_only=False)]
    none_questions = [r for r in runs if r.question["answer_in"] == "none"]
    silent = [r for r in none_questions if not r.error and not r.claims]
    return {
        "claims": f"{len(pairs)} ({sum(c.body for _, c, _ in pairs)} body, "
        f"{sum(not c.body for _, c, _ in pairs)} abstract); judged {len(judged_pairs)}, "
        f"unjudged {len(pairs) - len(judged_pairs)} (not counted below)",
        "labels of judged claims": ", ".join(f"{k} {v}" for k, v in counts.items()),
        "claim precision, all": share(answers(judged_pairs), len(judged_pairs)),
        "claim precision, body claims": share(answers(body), len(body)),
        "claim precision, abstract claims": share(answers(abstract), len(abstract)),
        "claim precision, subject's claims": share(answers(subject), len(subject)),
        "claim precision, other papers' claims": share(answers(other), len(other)),
        "body questions with a body claim that answers": share(len(answered_in_body), len(body_questions))
        + (
            "; missing: " + ", ".join(r.question["id"] for r in body_questions if r not in answered_in_body)
            if len(answered_in_body) < len(body_questions)
            else ""
        ),
        "abstract questions with a claim that answers": share(len(answered_abstract_q), len(abstract_questions)),
        "unanswerable questions with zero claims": share(len(silent), len(none_questions))
        + "".join(
            f"; {r.question['id']}: " + ("run failed" if r.error else f"{len(r.claims)} claims")
            for r in none_questions
            if r not in silent
        ),
        "runs that failed or did not pause": str(sum(not r.ok for r in runs)),
    }


def not_answers(console: Console, runs: list[Run], judged: dict[tuple[str, str], dict[str, Any]]) -> None:
    console.print("[bold]Claims judged not `answers`[/] (question · claim · label · reason · place · quote)")
    none = True
    for run in runs:
        for c in run.claims:
            x = label_of(judged, run, c)
            if x and x["label"] != "answers":
                none = False
                where = c.place or f"{c.paper} abstract"
                line = f"  {run.question['id']} {c.id} {x['label']}: {x.get('reason', '')} · {where} · “{c.quote}”"
                console.print(escape(line), highlight=False)
    if none:
        console.print("  none", highlight=False)
    console.print("[bold]Unjudged claims[/] (quote not in judgements.jsonl: re-judge before reading the totals)")
    unjudged = [(run, c) for run in runs for c in run.claims if not label_of(judged, run, c)]
    for run, c in unjudged:
        where = c.place or f"{c.paper} abstract"
        console.print(escape(f"  {run.question['id']} {c.id} · {where} · “{c.quote}”"), highlight=False)
    if not unjudged:
        console.print("  none", highlight=False)


def collected_drift(runs: list[Run]) -> str:
    """How this run's claims compare with the stored `claims.jsonl` (the claims that were judged)."""
    stored = {(row["question"], row["quote"]) for row in read_jsonl(CLAIMS)}
    now = {(run.question["id"], c.quote) for run in runs for c in run.claims}
    if not stored:
        return "no claims.jsonl"
    return (
        f"{len(now & stored)} of this run's {len(now)} claims are in claims.jsonl ({len(stored)}); "
        f"{len(now - stored)} new, {len(stored - now)} no longer produced"
    )


# --- main ----------------------------------------------------------------------------------------------------


def built_summary(stdout: str) -> list[str]:
    keep = ("corpus '", "with full text", "unreadable", "skipped")
    lines = [line.strip() for line in stdout.splitlines()]
    return [line.split(" at /")[0] for line in lines if any(k in line for k in keep)] or ["(no summary printed)"]


def collect_rows(runs: list[Run]) -> list[dict[str, Any]]:
    return [
        {
            "question": run.question["id"],
            "claim": c.id,
            "quote": c.quote,
            "text": c.text,
            "place": c.place,
            "paper": c.paper,
            "title": c.title,
            "from_subject": c.from_subject,
        }
        for run in runs
        for c in run.claims
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--collect", action="store_true", help="write the runs' claims to claims.jsonl")
    parser.add_argument("--out", type=Path, help="also write the printed text to this file")
    args = parser.parse_args()

    dropped = clean_environment()
    load_before = load_average()
    console = Console(width=160, record=True)
    questions = read_jsonl(QUESTIONS)
    files = library_files()
    judgements = read_jsonl(JUDGEMENTS)
    judged = {(row["question"], row["quote"]): row for row in judgements}
    if len(judged) != len(judgements):
        console.print(f"[red]judgements.jsonl has {len(judgements) - len(judged)} duplicate (question, quote)[/]")
    bad = [row for row in judgements if row.get("label") not in LABELS]
    if bad:
        raise SystemExit(f"judgements.jsonl: {len(bad)} rows with a label not in {LABELS}")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sovereign-fulltext-claims-") as tmp:
        workdir = Path(tmp)
        home = workdir / "home"
        built = sovereign(["corpus", "build", *map(str, files), "--name", CORPUS], home)
        if built.code != 0:
            raise SystemExit(f"corpus build failed (exit {built.code}):\n{built.stdout}\n{built.stderr}")
        runs = []
        for question in questions:
            run = run_question(question, home, workdir)
            said = f"  ran {question['id']}: {len(run.claims)} claims, {run.done.wall_s:.1f} s {run.error}"
            console.print(escape(said), highlight=False)
            runs.append(run)
    elapsed = time.perf_counter() - started

    if args.collect:
        rows = collect_rows(runs)
        write_jsonl(CLAIMS, rows)
        console.print(f"wrote {len(rows)} claims of {len(runs)} questions to {CLAIMS.relative_to(ROOT)}")
        for run in runs:
            console.print(f"{run.question['id']} facets: {'; '.join(run.facets)}", highlight=False)
        return 0 if all(r.ok for r in runs) else 1

    console.print(f"[bold]sovereign-graph full-text claims benchmark[/] · {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    console.print(key_value_table("Machine", machine(load_before)))
    settings = "package defaults (embedded engines, LSA, trained verifier)"
    if dropped:
        settings += f"; dropped from env: {', '.join(dropped)}"
    console.print(
        key_value_table(
            "Settings",
            {
                "library": f"sovereign corpus build <{len(files)} files> --name {CORPUS} (fresh SOVEREIGN_HOME): "
                + "; ".join(built_summary(built.stdout)),
                "runs": f"{len(runs)} questions, one fresh process each, --max-revisions 1, {elapsed:.0f} s in all",
                "context": settings,
                "claims vs the judged set": collected_drift(runs),
            },
        )
    )
    console.print(inputs_table(files))
    console.print(question_table(runs, judged))
    console.print(key_value_table("Totals, all 16 questions", totals(runs, judged)))
    # The body-claim rule (a body sentence names the question's subject and most of its facets) was chosen
    # looking at the tuning half's claims only: the test half is the held-out figure.
    for split in ("tune", "test"):
        chosen = [r for r in runs if r.question.get("split") == split]
        console.print(key_value_table(f"Totals, {split} half ({len(chosen)} questions)", totals(chosen, judged)))
    console.print("[bold]Facets of each question (as the run parsed them)[/]")
    for run in runs:
        facets = "; ".join(run.facets) if not run.error else f"(run failed: {run.error})"
        console.print(escape(f"  {run.question['id']}: {run.question['question']} → {facets}"), highlight=False)
    not_answers(console, runs, judged)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        console.save_text(str(args.out))
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
