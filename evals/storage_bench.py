"""Storage per thread: how many bytes a run leaves in the SQLite checkpointer, against the text it read (issue 27,
part 6).

Run from the repository root (the package installed):

    python evals/storage_bench.py --out evals/results/storage_bench.txt

Three runs, each to the owner's pause and then approved (`sovereign run`, `sovereign resume --decision approve`):
- normal: the README's question on the bundled snapshot;
- large record: a corpus of what that run retrieves, plus one record on the question's subject whose abstract is
  100 KB (the `corpus build` cap) of real abstracts from the snapshot, so that it is retrieved and read;
- large subject: the same corpus, with the subject paper's own abstract grown to 100 KB the same way.

"text read" is the UTF-8 size of every distinct text the run read: the abstracts of the subject and of each paper
it retrieved, and the body passages of full text. "stored" is the thread's share of the database: its
checkpoints (state and metadata), its writes, and its entry in the thread index. The figure that matters is the
ratio: how many times over the database keeps what was read.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from in_process import build_corpus, snapshot_records, sovereign

PAPER = "2604.23996"
QUESTION = "Does modality-guided expert specialization improve the accuracy and efficiency of MoE-based VLMs?"
LARGE = 100_000  # characters: the default abstract cap of `corpus build`


def grown(abstract: str, others: list[dict[str, Any]]) -> str:
    """`abstract` followed by other papers' abstracts, up to LARGE characters: large, and real prose throughout."""
    parts = [abstract]
    for other in others:
        if sum(len(p) + 1 for p in parts) + len(other["abstract"]) > LARGE:
            break
        parts.append(other["abstract"])
    return " ".join(parts)


def text_read(home: Path, thread: str) -> int:
    from sovereign_graph.app.checkpoints import open_saver
    from sovereign_graph.app.runner import Runner

    with open_saver(home / "sovereign.sqlite", must_exist=True) as saver:
        values = Runner(saver).graph.get_state({"configurable": {"thread_id": thread}}).values
    texts = {values["subject"].id: values["subject"].abstract}
    texts.update({hit.paper.id: hit.paper.abstract for hit in values.get("hits", [])})
    texts.update({p.id: p.text for p in values.get("passages", []) if p.kind != "abstract"})
    return sum(len(text.encode("utf-8")) for text in texts.values())


def stored(home: Path, thread: str) -> tuple[int, int, int]:
    """(checkpoints, writes, thread index) bytes of one thread."""
    with sqlite3.connect(home / "sovereign.sqlite") as db:
        checkpoints = db.execute(
            "SELECT COALESCE(SUM(LENGTH(checkpoint) + LENGTH(metadata)), 0) FROM checkpoints WHERE thread_id = ?",
            (thread,),
        ).fetchone()[0]
        writes = db.execute(
            "SELECT COALESCE(SUM(LENGTH(value)), 0) FROM writes WHERE thread_id = ?", (thread,)
        ).fetchone()[0]
        index = db.execute(
            "SELECT COALESCE(SUM(LENGTH(report)), 0) FROM sovereign_thread_index WHERE thread_id = ?", (thread,)
        ).fetchone()[0]
    return int(checkpoints), int(writes), int(index)


def run(home: Path, thread: str, *source: str) -> None:
    out = home / "out"
    out.mkdir(parents=True, exist_ok=True)
    sovereign("run", *source, "--paper", PAPER, "--question", QUESTION, "--thread", thread, "--out", str(out),
              quiet=True)  # fmt: skip
    sovereign("resume", thread, "--decision", "approve", "--out", str(out), quiet=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    console = Console(record=True, width=120)
    console.print(f"machine: {platform.platform()}, {os.cpu_count()} cpus, python {platform.python_version()}")
    console.print(f"inputs: {PAPER}, “{QUESTION}”; large records of {LARGE:,} characters")
    table = Table("run", "checkpoints", "text read", "checkpoint bytes", "write bytes", "index bytes", "stored",
                  "stored / read")  # fmt: skip
    records = snapshot_records()
    with tempfile.TemporaryDirectory(prefix="storage-") as tmp:
        home = Path(tmp) / "home"
        os.environ["SOVEREIGN_HOME"] = str(home)
        for name in [n for n in os.environ if n.startswith("SOVEREIGN_") and n != "SOVEREIGN_HOME"]:
            del os.environ[name]
        run(home, "normal")
        retrieved = json.loads((home / "out" / "normal.json").read_text(encoding="utf-8"))["references"]
        clean = [records[r["id"]] for r in retrieved if r["id"] in records]
        others = [r for r in records.values() if r["id"] not in {c["id"] for c in clean}]
        subject = records[PAPER]
        large = {
            "id": "2699.00001",
            "title": f"{subject['title']}: an extended study",
            "abstract": grown(subject["abstract"].replace("We ", "They "), others),
            "authors": ["A. Other"],
            "published": "2026-06-01",
            "categories": ["cs.CV"],
        }
        build_corpus(home, "large-record", [*clean, large])
        run(home, "large-record", "--corpus", "large-record")
        big_subject = [{**r, "abstract": grown(r["abstract"], others)} if r["id"] == PAPER else r for r in clean]
        build_corpus(home, "large-subject", big_subject)
        run(home, "large-subject", "--corpus", "large-subject")
        for thread in ("normal", "large-record", "large-subject"):
            with sqlite3.connect(home / "sovereign.sqlite") as db:
                count = db.execute("SELECT COUNT(*) FROM checkpoints WHERE thread_id = ?", (thread,)).fetchone()[0]
            read = text_read(home, thread)
            checkpoints, writes, index = stored(home, thread)
            total = checkpoints + writes + index
            table.add_row(thread, str(count), f"{read:,}", f"{checkpoints:,}", f"{writes:,}", f"{index:,}",
                          f"{total:,}", f"{total / read:.1f}×")  # fmt: skip
    console.print(table)
    if args.out:
        args.out.write_text(console.export_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
