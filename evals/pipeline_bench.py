"""Pipeline benchmark: wall time and peak memory of one research question, run to the owner's pause.

Run from the repository root (the package installed, e.g. `pip install -e .`):

    python evals/pipeline_bench.py --out evals/results/pipeline_bench.txt

What it measures, for one example question on paper 2604.23996:

1. Cold: a fresh Python process (`sys.executable -c ...`) imports the package and runs the question to
   the pause on a new SQLite file in a temporary directory. That includes the interpreter start, the
   imports, loading the bundled corpus and fitting its local models. The clock runs from just before
   the process is spawned to its exit. Three runs; the child reports its own peak RSS.
2. Warm: in this process, after a first run, a second question on the same paper, three times (new
   thread ids each time, same database). Nothing is loaded or fitted again.
3. Per node, for the median warm run: when each node finished (from Runner's `on_progress`).
4. Peak RSS (`getrusage(...).ru_maxrss`, KiB on Linux) of each cold process and of this one.
5. Commands: the wall time of a fresh `sovereign` process (`sys.executable -c "from sovereign_graph.cli
   import main; main()" ARGS`, what the console script runs), spawn to exit, median of three, for
   `--help`, `threads` and `show T` on a small database (the one thread of the first cold command run),
   and the offline cold run to the pause (`sovereign run`, new home and database each time).

Targets: warm <= 5 s, cold <= 4 s, peak RSS <= 600 MB (1 MB = 10^6 bytes); commands: `--help` <= 0.5 s,
`threads` and `show` <= 1 s, cold `run` to the pause <= 4 s. The whole benchmark takes about a minute
on an idle 2-core machine; times grow with other load, so the output
shows the load average and each cold process's CPU time. SOVEREIGN_* environment variables (which
change the pipeline's settings) are removed first so every run uses the package defaults. Exit
status: 0, or 1 if a run did not stop at the owner's pause (a missed target is reported, not an error).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from threadpoolctl import threadpool_info

from bench_tables import key_value_table
from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.runtime.context import Context
from sovereign_graph.sources.snapshot import bundled_snapshot

PAPER = "2604.23996"
COLD_QUESTION = (
    "Does modality-guided expert specialization improve the accuracy and efficiency of MoE-based VLMs compared to "
    "modality-agnostic routing?"
)
WARM_QUESTION = (
    "What accuracy gains does SMoES report on multimodal benchmarks compared to modality-agnostic routing baselines?"
)
COLD_RUNS = 3
WARM_RUNS = 3
WARM_TARGET_S = 5.0
COLD_TARGET_S = 4.0
RSS_TARGET_MB = 600.0
CHILD_TIMEOUT_S = 120.0
COMMAND_RUNS = 3
CLI_PAPER = "2511.15690"
CLI_QUESTION = (
    "Does dynamic expert skipping in MoE multimodal LLMs preserve accuracy better than skipping methods designed "
    "for unimodal LLMs?"
)
CLI_THREAD = "bench"
# What the `sovereign` console script runs, without depending on where it is installed.
CLI_CODE = "from sovereign_graph.cli import main; main()"
PARALLEL_NODES = {"search", "skeptic", "validator", "synthesizer"}
# The engines the runs use (`--engines neural`: the embedded reader's relevance and verifier); the defaults if empty.
ENGINES: dict[str, Any] = {}
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
PACKAGES = ("sovereign-graph", "langgraph", "langgraph-checkpoint-sqlite", "langchain-core", "scikit-learn")

# The cold child: nothing but the package (no rich, no benchmark code). Prints one JSON line.
CHILD_CODE = """
import json, resource, sys, time
t0 = time.perf_counter()
from pathlib import Path
from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.runtime.context import Context
from sovereign_graph.app.runner import Runner
t1 = time.perf_counter()
paper, question, db = sys.argv[1:4]
with sqlite_saver(Path(db)) as saver:
    outcome = Runner(saver, Context(**json.loads(sys.argv[4]))).start(paper, question)
t2 = time.perf_counter()
print(json.dumps({
    "import_s": t1 - t0,
    "run_s": t2 - t1,
    "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
    "paused": outcome.paused,
    "thread_id": outcome.thread_id,
    "score": outcome.report.score,
    "recommendation": outcome.report.recommendation,
}))
"""


@dataclass(frozen=True)
class ColdRun:
    wall_s: float
    import_s: float
    run_s: float
    maxrss_kib: int
    cpu_s: float
    paused: bool
    score: float
    recommendation: str


@dataclass(frozen=True)
class NodeEvent:
    node: str
    offset_s: float  # the runner's own clock (starts when the graph stream starts)
    since_call_s: float  # our clock, from just before runner.start()


@dataclass
class WarmRun:
    thread_id: str
    wall_s: float = 0.0
    cpu_s: float = 0.0
    paused: bool = False
    score: float = 0.0
    recommendation: str = ""
    events: list[NodeEvent] = field(default_factory=list)


def mb(kib: int) -> float:
    return kib * 1024 / 1e6


def clean_environment() -> list[str]:
    """Drops SOVEREIGN_* overrides so the runs use the package defaults; returns what was dropped."""
    dropped = sorted(name for name in os.environ if name.startswith("SOVEREIGN_"))
    for name in dropped:
        del os.environ[name]
    return dropped


def read_proc(path: str, key: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return value.strip()
    except OSError:
        pass
    return "unknown"


def nproc() -> str:
    binary = shutil.which("nproc")
    if binary is None:
        return "unknown (no nproc)"
    return subprocess.run([binary], capture_output=True, text=True, check=False).stdout.strip()


def load_average() -> str:
    try:
        with open("/proc/loadavg", encoding="utf-8") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "unknown"


def machine_info(load_before: str) -> dict[str, str]:
    return {
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "os.cpu_count()": str(os.cpu_count()),
        "nproc": nproc(),
        "CPU model": read_proc("/proc/cpuinfo", "model name"),
        "total memory": read_proc("/proc/meminfo", "MemTotal"),
        "native thread pools": native_threads(),
        "load average 1/5/15 min": f"{load_before} before the runs → {load_average()} after "
        "(other work on the machine skews the times)",
        "thread env vars": ", ".join(f"{name}={os.environ.get(name, 'unset')}" for name in THREAD_VARIABLES),
    }


def native_threads() -> str:
    """The BLAS / OpenMP pools loaded in this process (numpy, scipy, scikit-learn) and their sizes."""
    pools = [f"{p['internal_api']} {p.get('version') or ''} ×{p['num_threads']}" for p in threadpool_info()]
    return "; ".join(" ".join(pool.split()) for pool in pools) or "none loaded"


def package_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def cold_run(workdir: Path, index: int) -> ColdRun:
    """One fresh interpreter, timed from just before the spawn to its exit."""
    db = workdir / f"cold-{index}" / "bench.sqlite"
    db.parent.mkdir(parents=True)
    env = {**os.environ, "SOVEREIGN_HOME": str(db.parent)}
    command = [sys.executable, "-c", CHILD_CODE, PAPER, COLD_QUESTION, str(db), json.dumps(ENGINES)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=CHILD_TIMEOUT_S, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"cold run {index} failed (exit {done.returncode}):\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return ColdRun(
        wall_s=wall,
        import_s=result["import_s"],
        run_s=result["run_s"],
        maxrss_kib=int(result["maxrss_kib"]),
        cpu_s=float(result["cpu_s"]),
        paused=bool(result["paused"]),
        score=float(result["score"]),
        recommendation=str(result["recommendation"]),
    )


@dataclass(frozen=True)
class CommandTimes:
    label: str
    target_s: float
    walls: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.walls)


def timed_command(args: list[str], home: Path) -> float:
    """Wall time of one fresh `sovereign ARGS` process, spawn to exit; it must succeed."""
    env = {**os.environ, "SOVEREIGN_HOME": str(home)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CLI_CODE, *args], capture_output=True, text=True, env=env, timeout=CHILD_TIMEOUT_S
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"sovereign {' '.join(args)} failed (exit {done.returncode}):\n{done.stderr}")
    return wall


def command_times(workdir: Path) -> list[CommandTimes]:
    """The commands' cold wall times; `threads` and `show` read the first cold run's database."""
    runs: list[float] = []
    for i in range(1, COMMAND_RUNS + 1):
        run_dir = workdir / f"cli-{i}"
        run_dir.mkdir()
        db = str(run_dir / "runs.sqlite")
        args = ["run", "--paper", CLI_PAPER, "--question", CLI_QUESTION, "--thread", CLI_THREAD]
        runs.append(timed_command([*args, "--db", db, "--out", str(run_dir)], run_dir / "home"))
    db, home = str(workdir / "cli-1" / "runs.sqlite"), workdir / "cli-1" / "home"

    def times(args: list[str]) -> list[float]:
        return [timed_command(args, home) for _ in range(COMMAND_RUNS)]

    return [
        CommandTimes("sovereign --help", 0.5, times(["--help"])),
        CommandTimes("sovereign threads (1 thread)", 1.0, times(["threads", "--db", db])),
        CommandTimes(f"sovereign show {CLI_THREAD}", 1.0, times(["show", CLI_THREAD, "--db", db])),
        CommandTimes("sovereign run, offline, cold, to the pause", COLD_TARGET_S, runs),
    ]


def commands_table(commands: list[CommandTimes]) -> Table:
    table = Table(
        title=f"Commands, cold (a fresh process each, median of {COMMAND_RUNS})",
        title_justify="left",
        caption=f"run: paper {CLI_PAPER}, new home and database each time; threads/show: the first run's database.",
        caption_justify="left",
    )
    for name in ("command", "wall (spawn→exit)", "runs", "target", "pass/fail"):
        table.add_column(name, justify="left" if name == "command" else "right")
    for command in commands:
        table.add_row(
            command.label,
            f"{command.median:.2f} s",
            ", ".join(f"{w:.2f}" for w in command.walls),
            f"≤ {command.target_s:g} s",
            verdict(command.median, command.target_s),
        )
    return table


def timed_run(runner: Runner, question: str, thread_id: str) -> WarmRun:
    """One run to the pause in this process, recording when each node finished."""
    run = WarmRun(thread_id=thread_id)
    cpu_started = time.process_time()
    started = time.perf_counter()

    def on_progress(node: str, update: dict[str, Any], seconds: float) -> None:
        run.events.append(NodeEvent(node, seconds, time.perf_counter() - started))

    outcome = runner.start(PAPER, question, thread_id=thread_id, on_progress=on_progress)
    run.wall_s = time.perf_counter() - started
    run.cpu_s = time.process_time() - cpu_started
    run.paused = outcome.paused
    run.score = outcome.report.score
    run.recommendation = outcome.report.recommendation
    return run


def warm_runs(workdir: Path) -> tuple[WarmRun, list[WarmRun], int]:
    """The first in-process run, then the warm ones; returns them and this process's peak RSS (KiB)."""
    with sqlite_saver(workdir / "warm" / "bench.sqlite") as saver:
        runner = Runner(saver, Context(**ENGINES))
        first = timed_run(runner, COLD_QUESTION, "bench-first")
        warm = [timed_run(runner, WARM_QUESTION, f"bench-warm-{i}") for i in range(1, WARM_RUNS + 1)]
    return first, warm, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def corpus_size() -> int:
    return len(bundled_snapshot())


def verdict(value: float, target: float) -> str:
    return "[green]PASS[/]" if value <= target else "[bold red]FAIL[/]"


def cold_table(runs: list[ColdRun]) -> Table:
    table = Table(
        title="Cold runs through the Python API (fresh process each)",
        title_justify="left",
        caption="imports = the package's modules (langgraph, langchain-core, numpy, ...); start→pause = Runner.start, "
        "which loads the corpus and its shipped models; rest = interpreter start-up (~0.2 s) and exit, most of it "
        "the interpreter's finalisation freeing the objects the imports made (gc.freeze() at exit skips it: "
        "0.7 → 0.08 s measured); CPU = user + sys time of the process (all threads): well under the wall time "
        "means it waited for a core.",
        caption_justify="left",
    )
    columns = ("run", "wall (spawn→exit)", "imports", "start→pause", "rest", "CPU", "peak RSS", "paused", "result")
    for name in columns:
        table.add_column(name, justify="left" if name in ("run", "result") else "right")
    for i, run in enumerate(runs, 1):
        table.add_row(
            str(i),
            f"{run.wall_s:.2f} s",
            f"{run.import_s:.2f} s",
            f"{run.run_s:.2f} s",
            f"{run.wall_s - run.import_s - run.run_s:.2f} s",
            f"{run.cpu_s:.2f} s",
            f"{mb(run.maxrss_kib):.0f} MB",
            "yes" if run.paused else "[bold red]NO[/]",
            f"{run.score:.1f}/10 → {run.recommendation}",
        )
    return table


def results_table(cold: list[ColdRun], first: WarmRun, warm: list[WarmRun], parent_rss_kib: int) -> Table:
    cold_walls = [r.wall_s for r in cold]
    warm_walls = [r.wall_s for r in warm]
    cold_median = statistics.median(cold_walls)
    warm_median = statistics.median(warm_walls)
    cold_rss = max(r.maxrss_kib for r in cold)
    table = Table(title="Results", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_column("pass/fail", justify="center")
    table.add_row(
        f"cold wall time to pause, median of {len(cold)}",
        f"{cold_median:.2f} s (min {min(cold_walls):.2f}, max {max(cold_walls):.2f})",
        f"≤ {COLD_TARGET_S:.0f} s",
        verdict(cold_median, COLD_TARGET_S),
    )
    table.add_row(
        f"warm wall time to pause, median of {len(warm)}",
        f"{warm_median:.2f} s (min {min(warm_walls):.2f}, max {max(warm_walls):.2f}; "
        f"CPU {statistics.median(r.cpu_s for r in warm):.2f} s)",
        f"≤ {WARM_TARGET_S:.0f} s",
        verdict(warm_median, WARM_TARGET_S),
    )
    table.add_row(
        "first in-process run (loads corpus, fits models)", f"{first.wall_s:.2f} s (CPU {first.cpu_s:.2f} s)", "—", "—"
    )
    table.add_row(
        f"peak RSS, cold process (max of {len(cold)})",
        f"{mb(cold_rss):.0f} MB ({cold_rss:,} KiB)",
        f"≤ {RSS_TARGET_MB:.0f} MB",
        verdict(mb(cold_rss), RSS_TARGET_MB),
    )
    table.add_row(
        f"peak RSS, bench process ({1 + len(warm)} runs, + rich)",
        f"{mb(parent_rss_kib):.0f} MB ({parent_rss_kib:,} KiB)",
        f"≤ {RSS_TARGET_MB:.0f} MB",
        verdict(mb(parent_rss_kib), RSS_TARGET_MB),
    )
    all_paused = all(r.paused for r in cold) and first.paused and all(r.paused for r in warm)
    table.add_row(
        "every run stopped at the owner's pause",
        "yes" if all_paused else "no",
        "yes",
        "[green]PASS[/]" if all_paused else "[bold red]FAIL[/]",
    )
    return table


def node_table(run: WarmRun) -> Table:
    rounds = sum(e.node == "revise" for e in run.events)
    table = Table(
        title=f"Per node, warm run {run.thread_id} (the median one: {run.wall_s * 1000:.0f} ms, "
        f"{run.score:.1f}/10 → {run.recommendation}, {rounds} automatic revision round(s))",
        title_justify="left",
        caption="offset = when the node finished, from the start of the graph stream; Δ = since the previous "
        "completion. Parallel branches (4× search, 3 reviewers) overlap, so their Δ are gaps between "
        "completions, not the branch's own run time.",
        caption_justify="left",
    )
    table.add_column("#", justify="right")
    table.add_column("round", justify="right")
    table.add_column("node")
    table.add_column("offset", justify="right")
    table.add_column("Δ", justify="right")
    table.add_column("note")
    events = sorted(run.events, key=lambda e: e.offset_s)
    before = events[0].since_call_s - events[0].offset_s if events else 0.0
    table.add_row("", "", "(before the graph)", "", f"{before * 1000:.1f} ms", "input check, thread lookup")
    round_no, previous = 0, 0.0
    for i, event in enumerate(events, 1):
        if event.node == "revise":
            round_no += 1
        note = "parallel branch" if event.node in PARALLEL_NODES else ""
        table.add_row(
            str(i),
            str(round_no),
            event.node,
            f"{event.offset_s * 1000:.1f} ms",
            f"{(event.offset_s - previous) * 1000:.1f} ms",
            note,
        )
        previous = event.offset_s
    after = run.wall_s - events[-1].since_call_s if events else run.wall_s
    note = "owner node to its interrupt, get_state, report"
    table.add_row("", "", "(after the last node)", "", f"{after * 1000:.1f} ms", note)
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, help="also write the printed text to this file")
    parser.add_argument(
        "--engines",
        choices=("default", "neural"),
        default="default",
        help="neural: --relevance neural --verifier neural (the embedded reader) in every run",
    )
    args = parser.parse_args()

    dropped = clean_environment()
    if args.engines == "neural":
        ENGINES.update(relevance="neural", verifier="neural")
        os.environ.update(SOVEREIGN_RELEVANCE="neural", SOVEREIGN_VERIFIER="neural")  # the `sovereign run` commands
    console = Console(width=120, record=True)
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="sovereign-bench-") as tmp:
        workdir = Path(tmp)
        cold = [cold_run(workdir, i) for i in range(1, COLD_RUNS + 1)]
        commands = command_times(workdir)
        first, warm, parent_rss = warm_runs(workdir)
    median_run = sorted(warm, key=lambda r: r.wall_s)[len(warm) // 2]

    console.print(f"[bold]sovereign-graph pipeline benchmark[/] · {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    console.print(key_value_table("Machine", machine_info(load_before)))
    console.print(key_value_table("Packages", package_versions()))
    inputs = {
        "paper": PAPER,
        "cold question (and first in-process run)": COLD_QUESTION,
        "warm question": WARM_QUESTION,
        "commands' run": f"paper {CLI_PAPER}: {CLI_QUESTION}",
        "corpus": f"bundled snapshot, {corpus_size():,} papers",
        "settings": f"Context() defaults{', ' + str(ENGINES) if ENGINES else ''}, max_revisions=1"
        + (f" (dropped from env: {', '.join(dropped)})" if dropped else ""),
    }
    console.print(key_value_table("Inputs", inputs))
    console.print(cold_table(cold))
    spread = [r.run_s for r in cold]
    if max(spread) > 1.5 * min(spread):
        console.print(
            f"[yellow]note:[/] start→pause varies {min(spread):.2f}–{max(spread):.2f} s across cold runs. Besides "
            "other load (see load average and the CPU column), a cause seen on this 2-core machine is the LSA "
            "fit, erratic with multi-threaded OpenBLAS: compare with OPENBLAS_NUM_THREADS=1."
        )
    console.print(results_table(cold, first, warm, parent_rss))
    console.print(commands_table(commands))
    console.print(node_table(median_run))

    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        console.save_text(str(args.out))
    ok = all(r.paused for r in [*warm, first]) and all(r.paused for r in cold)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
