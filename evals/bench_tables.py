"""Pieces of the benchmarks' printed reports that several scripts share."""

from __future__ import annotations

import contextlib
from pathlib import Path

from rich.table import Table


def cpu_and_memory() -> tuple[str, str]:
    """The CPU's model name and the memory in GiB, from /proc ('unknown' where it cannot be read)."""
    cpu = memory = "unknown"
    with contextlib.suppress(OSError, StopIteration):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
        lines = Path("/proc/meminfo").read_text().splitlines()
        memory = f"{int(next(line.split()[1] for line in lines if line.startswith('MemTotal'))) / 1024**2:.1f} GiB"
    return cpu, memory


def key_value_table(title: str, rows: dict[str, str]) -> Table:
    """A two-column table of named figures (machine, settings, totals)."""
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows.items():
        table.add_row(key, value)
    return table
