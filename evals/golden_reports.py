"""Golden reports: the offline default's markdown and JSON reports for a fixed set of runs, recorded once and
compared byte for byte after a change that must not alter behaviour (the layout move of issue 26).

Run from the repository root (the package installed):

    python evals/golden_reports.py record  --out evals/results/golden_reports.jsonl.gz
    python evals/golden_reports.py compare --against evals/results/golden_reports.jsonl.gz

What it runs, through the `sovereign` command line in this process (the CLI is what users run, and its
module path is the one thing every layout keeps), on a fresh SQLite database in a temporary home:

1. `sovereign run` for the first QUESTIONS questions of `evals/data/relevance/questions.jsonl` (tune and test
   alike: nothing is tuned here), each on its own thread `g-<question id>`, to the owner's pause;
2. one owner revise round: `sovereign resume g-q02 --decision revise --note ...`, to the next pause;
3. one fork: `sovereign fork g-q03 --checkpoint <the checkpoint before tribunal> --thread g-q03-fork
   --decision approve`, to the final report;

and keeps each run's `<thread>.md` and `<thread>.json`. The JSON's settings record (`settings`, added by
issue 26) is set aside before comparing, as the issue allows; everything else must match byte for byte.
`compare` prints one line per report and exits 1 if any differs (with a unified diff of the first one).
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import os
import platform
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from in_process import sovereign

QUESTIONS = 24
QUESTIONS_FILE = Path(__file__).parent / "data" / "relevance" / "questions.jsonl"
REVISE_THREAD, REVISE_NOTE = "g-q02", "uniform frame sampling accuracy"
FORK_THREAD, FORK_BEFORE = "g-q03", "tribunal"
# What a later version may add to the JSON report without changing behaviour (issue 26: the run's settings).
IGNORED_JSON_KEYS = ("settings",)


def checkpoint_before(db: Path, thread: str, node: str) -> str:
    """The id of the thread's checkpoint whose next step is `node`, read from `sovereign history`'s table."""
    os.environ["COLUMNS"] = "400"  # rich would fold the table's cells at a terminal's width
    for line in sovereign("history", thread, "--db", str(db)).splitlines():
        cells = [cell.strip() for cell in re.split(r"[│┃|]", line) if cell.strip()]
        if len(cells) >= 4 and node in cells[3].split(", "):
            return cells[0]
    raise SystemExit(f"no checkpoint before {node} in {thread}")


def record(questions: int) -> dict[str, str]:
    """Run everything in a fresh home; return {file name: content}."""
    rows = [json.loads(line) for line in QUESTIONS_FILE.read_text().splitlines() if line.strip()][:questions]
    files: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        home = Path(tmp)
        os.environ["SOVEREIGN_HOME"] = str(home / "home")
        for name in [n for n in os.environ if n.startswith("SOVEREIGN_") and n != "SOVEREIGN_HOME"]:
            del os.environ[name]
        db, out = home / "golden.sqlite", home / "out"
        out.mkdir()
        for row in rows:
            thread = f"g-{row['id']}"
            sovereign("run", "--paper", row["paper"], "--question", row["question"], "--thread", thread,
                      "--db", str(db), "--out", str(out))  # fmt: skip
            print(f"ran {thread}", file=sys.stderr)
        revise_out = home / "revise"
        revise_out.mkdir()
        sovereign("resume", REVISE_THREAD, "--decision", "revise", "--note", REVISE_NOTE, "--db", str(db),
                  "--out", str(revise_out))  # fmt: skip
        fork_out = home / "fork"
        fork_out.mkdir()
        checkpoint = checkpoint_before(db, FORK_THREAD, FORK_BEFORE)
        sovereign("fork", FORK_THREAD, "--checkpoint", checkpoint, "--thread", f"{FORK_THREAD}-fork",
                  "--decision", "approve", "--db", str(db), "--out", str(fork_out))  # fmt: skip
        for folder, prefix in ((out, ""), (revise_out, "revise/"), (fork_out, "fork/")):
            for path in sorted(folder.iterdir()):
                files[prefix + path.name] = path.read_text(encoding="utf-8")
    return files


def comparable(name: str, text: str) -> str:
    if not name.endswith(".json"):
        return text
    data: dict[str, Any] = json.loads(text)
    for key in IGNORED_JSON_KEYS:
        data.pop(key, None)
    method = data.get("method")
    if isinstance(method, dict):
        for key in IGNORED_JSON_KEYS:
            method.pop(key, None)
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)


def save(files: dict[str, str], path: Path) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        for name in sorted(files):
            stream.write(json.dumps({"file": name, "text": files[name]}, ensure_ascii=False) + "\n")


def load(path: Path) -> dict[str, str]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return {row["file"]: row["text"] for row in map(json.loads, stream)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("record", "compare"))
    parser.add_argument("--out", type=Path, help="record: where to write the gzipped JSONL")
    parser.add_argument("--against", type=Path, help="compare: the recording to compare with")
    parser.add_argument("--questions", type=int, default=QUESTIONS)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, python {platform.python_version()}, {os.cpu_count()} cpus")
    print(f"inputs: the first {args.questions} questions of {QUESTIONS_FILE.name}, one revise round "
          f"({REVISE_THREAD}), one fork ({FORK_THREAD} before {FORK_BEFORE}, approved)")  # fmt: skip
    files = record(args.questions)
    if args.mode == "record":
        if args.out is None:
            parser.error("record needs --out")
        save(files, args.out)
        print(f"recorded {len(files)} report files to {args.out}")
        return
    if args.against is None:
        parser.error("compare needs --against")
    golden = load(args.against)
    differing = []
    print(f"{'file':<32} result")
    for name in sorted(set(golden) | set(files)):
        if name not in files or name not in golden:
            verdict = "missing now" if name not in files else "new"
        elif comparable(name, golden[name]) == comparable(name, files[name]):
            verdict = "identical"
        else:
            verdict = "DIFFERS"
        if verdict != "identical":
            differing.append(name)
        print(f"{name:<32} {verdict}")
    print(f"{len(files) - len(differing)} of {len(set(golden) | set(files))} report files identical")
    if differing:
        first = differing[0]
        if first in golden and first in files:
            diff = difflib.unified_diff(
                comparable(first, golden[first]).splitlines(),
                comparable(first, files[first]).splitlines(),
                "recorded",
                "now",
                lineterm="",
            )
            print("\n".join(list(diff)[:80]))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
