"""What the MCP route costs: the README question through `sovereign mcp` (stdio, the official MCP client) against
the same question through `sovereign run`, and the server's memory while it waits.

    python evals/mcp_bench.py --out evals/results/mcp_bench.txt [--repeats 5]

Each repeat, in turn: `sovereign run` in a new process (process start to exit: the CLI's cold run), then a new
`sovereign mcp` process started by the client: the time to a ready session (spawn + initialize), the first
`analyze_paper` call from the call to its result (the server's first run: the corpus loads inside it), and a second
call on the same server (warm). Every run uses a fresh SQLite database under one $SOVEREIGN_HOME, warmed by one
untimed run of each route first. The idle RSS is the server process's VmRSS after `initialize` and again after
its two runs, read from /proc.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tables import cpu_and_memory, key_value_table

PAPER = "2604.23996"
QUESTION = (
    "Does modality-guided expert specialization improve the accuracy and efficiency of MoE-based VLMs compared to "
    "modality-agnostic routing?"
)
OTHER = "Does soft routing of visual tokens reduce expert-parallel communication overhead?"


def cli_run(home: Path, db: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sovereign_graph", "run", "--paper", PAPER, "--question", QUESTION,
         "--db", str(db), "--out", str(db.parent)],
        env={**os.environ, "SOVEREIGN_HOME": str(home)},
        check=True,
        capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def server_pid() -> int:
    """The `sovereign mcp` child the client spawned."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"mcp" in command:
            return int(entry.name)
    raise RuntimeError("the MCP server process was not found")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def mcp_session(home: Path, db: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "sovereign_graph", "mcp", "--db", str(db), "--out", str(db.parent)]
    params = StdioServerParameters(
        command=command[0], args=command[1:], env={**os.environ, "SOVEREIGN_HOME": str(home)}
    )
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        from mcp.client.stdio import stdio_client

        async with Client(stdio_client(params, errlog=quiet)) as client:
            ready = time.perf_counter() - started
            pid = server_pid()
            idle = rss_mib(pid)
            called = time.perf_counter()
            first = await client.call_tool("analyze_paper", {"paper": PAPER, "question": QUESTION})
            first_call = time.perf_counter() - called
            assert not first.is_error, first.content
            total = time.perf_counter() - started
            called = time.perf_counter()
            second = await client.call_tool("analyze_paper", {"paper": PAPER, "question": OTHER})
            warm = time.perf_counter() - called
            assert not second.is_error, second.content
            await anyio.sleep(1.0)  # let the runs' garbage settle before reading the idle size again
            after = rss_mib(pid)
    return {"ready": ready, "first": first_call, "total": total, "warm": warm, "idle": idle, "after": after}


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    console = Console(record=True, width=120)
    cpu, memory = cpu_and_memory()
    load = os.getloadavg()[0]
    cli: list[float] = []
    sessions: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        for n in range(args.repeats + 1):
            took = cli_run(home, Path(tmp) / f"cli{n}" / "runs.sqlite")
            session = anyio.run(mcp_session, home, Path(tmp) / f"mcp{n}" / "runs.sqlite")
            if n:  # the first of each only warms the home and the file cache
                cli.append(took)
                sessions.append(session)
    of = {key: [s[key] for s in sessions] for key in sessions[0]}
    console.print(
        key_value_table(
            "MCP route benchmark",
            {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), {memory}, load {load:.2f}",
                "python": platform.python_version(),
                "inputs": f"the README question on {PAPER}, embedded default, {args.repeats} repeats (+1 untimed)",
            },
        )
    )
    table = Table("route", "seconds, median (min, max)", title="time to the owner's pause")
    table.add_row("sovereign run (new process, start to exit)", spread(cli))
    table.add_row("sovereign mcp: spawn + initialize (ready session)", spread(of["ready"]))
    table.add_row("sovereign mcp: first call, call to result", spread(of["first"]))
    table.add_row("sovereign mcp: spawn to first result", spread(of["total"]))
    table.add_row("sovereign mcp: second call on the same server (warm)", spread(of["warm"]))
    console.print(table)
    ratio = Table("figure", "value", title="against the target (first call ≤ 1.2× the CLI's cold run)")
    ratio.add_row("first call / CLI", f"{statistics.median(of['first']) / statistics.median(cli):.2f}×")
    ratio.add_row("spawn to first result / CLI", f"{statistics.median(of['total']) / statistics.median(cli):.2f}×")
    ratio.add_row("idle RSS after initialize", f"{statistics.median(of['idle']):.0f} MiB")
    ratio.add_row("idle RSS after two runs", f"{statistics.median(of['after']):.0f} MiB")
    console.print(ratio)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(console.export_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
