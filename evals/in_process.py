"""The `sovereign` command run in this process, as the benchmarks that drive it need it: its stdout, or SystemExit
naming the command and its exit code (the command line is what users run, and its module path never moves); and
corpora built through it from records of the bundled snapshot."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any


def sovereign(*args: str, quiet: bool = False) -> str:
    """Run one `sovereign` command; `quiet`: its progress lines (stderr) are dropped too."""
    from sovereign_graph.cli import main

    buffer = io.StringIO()
    argv, sys.argv = sys.argv, ["sovereign", *args]
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO() if quiet else sys.stderr):
            main()
    except SystemExit as done:
        if done.code not in (0, None):
            raise SystemExit(f"`sovereign {' '.join(args[:3])} ...` exited {done.code}:\n{buffer.getvalue()}") from None
    finally:
        sys.argv = argv
    return buffer.getvalue()


def snapshot_records() -> dict[str, dict[str, Any]]:
    """The bundled snapshot's records by id, as its files hold them."""
    records: dict[str, dict[str, Any]] = {}
    for name in ("moe_arxiv_dw-dengwei.jsonl.gz", "vlm_nonmoe_arxiv_dw-dengwei.jsonl.gz", "target_papers.jsonl.gz"):
        raw = gzip.decompress(resources.files("sovereign_graph.data").joinpath(name).read_bytes()).decode("utf-8")
        for line in raw.splitlines():
            if line.strip():
                record = json.loads(line)
                records.setdefault(str(record["id"]), record)
    return records


def build_corpus(home: Path, name: str, records: list[dict[str, Any]]) -> None:
    """`sovereign corpus build` of `records`, written as JSONL under `home`."""
    path = home / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    sovereign("corpus", "build", str(path), "--name", name, quiet=True)
