"""Two source trees side by side: the cold offline run to the owner's pause and `sovereign --help`, each a fresh
process, run in turn (A B A B ...) so that a drifting machine weighs on both alike.

Run from the repository root, with the tree to compare against checked out elsewhere (e.g. `git worktree add
/tmp/before <commit>`):

    python evals/tree_bench.py --before /tmp/before/src --after src --runs 5 --out evals/results/tree_bench.txt

Each cold run is `python -c "from sovereign_graph.cli import main; main()" run --paper 2604.23996 --question ...`
(what the console script runs) with PYTHONPATH set to the tree's `src` and a new empty $SOVEREIGN_HOME and --out,
timed from spawn to exit; peak RSS is the child's (`RUSAGE_CHILDREN`, measured by a wrapper process per run). The
table gives min / median / max of each, and the median of the after/before ratios taken pair by pair. Targets
(issue 26): the cold run within 10 % of before, `--help` at most 0.5 s. SOVEREIGN_* variables are removed first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

PAPER = "2604.23996"
QUESTION = (
    "Does modality-guided expert specialization improve the accuracy and efficiency of MoE-based VLMs compared to "
    "modality-agnostic routing?"
)
# Runs one command and reports its wall time and peak RSS (KiB) as JSON: the wrapper's children are only it.
WRAPPER = (
    "import json, resource, subprocess, sys, time; start = time.perf_counter(); "
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
    "wall = time.perf_counter() - start; "
    "print(json.dumps({'wall': wall, 'rss': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, 'code': code}))"
)


def commit_of(src: Path) -> str:
    """The tree's commit (and '+ changes' if its work tree differs), or '?' outside git."""
    git = ["git", "-C", str(src)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "."], capture_output=True, text=True).stdout.strip()
    return (head or "?") + (" + changes" if dirty else "")


def one_run(src: Path, args: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tree-bench-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOVEREIGN_")}
        env |= {"PYTHONPATH": str(src.resolve()), "SOVEREIGN_HOME": home}
        command = [sys.executable, "-c", "from sovereign_graph.cli import main; main()", *args]
        if args and args[0] == "run":
            command += ["--out", home]
        started = time.perf_counter()
        raw = subprocess.run([sys.executable, "-c", WRAPPER, *command], env=env, capture_output=True, text=True)
        result: dict[str, float] = json.loads(raw.stdout)
        if result["code"] != 0:
            raise SystemExit(f"{' '.join(args[:1])} on {src} exited {result['code']}")
        result["outer"] = time.perf_counter() - started
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="the `src` folder of the tree to compare against")
    parser.add_argument("--after", type=Path, default=Path("src"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    console = Console(record=True, width=120)
    console.print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, python {platform.python_version()}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    console.print(
        f"inputs: before {args.before}, after {args.after}; {args.runs} runs each, in turn, after one warm-up"
    )
    console.print(f"cold run: sovereign run --paper {PAPER} --question {QUESTION!r} (new home and --out each run)")
    commands = {"cold run to the pause": ["run", "--paper", PAPER, "--question", QUESTION], "--help": ["--help"]}
    table = Table("command", "tree", "wall min", "wall median", "wall max", "peak RSS median", "after/before")
    for name, command in commands.items():
        one_run(args.before, command), one_run(args.after, command)  # warm-up: the page cache, .pyc files
        runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for _ in range(args.runs):
            runs["before"].append(one_run(args.before, command))
            runs["after"].append(one_run(args.after, command))
        ratio = statistics.median(a["wall"] / b["wall"] for a, b in zip(runs["after"], runs["before"], strict=True))
        for tree in ("before", "after"):
            walls = [r["wall"] for r in runs[tree]]
            table.add_row(
                name,
                tree,
                f"{min(walls):.3f} s",
                f"{statistics.median(walls):.3f} s",
                f"{max(walls):.3f} s",
                f"{statistics.median(r['rss'] for r in runs[tree]) / 1000:.0f} MB",
                f"{ratio:.3f}" if tree == "after" else "",
            )
    console.print(table)
    if args.out:
        args.out.write_text(console.export_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
