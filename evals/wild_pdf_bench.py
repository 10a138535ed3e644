"""Wild-PDF benchmark: each of the real PDFs of `../shared/data/fulltext/wild/` (see its PROVENANCE.md; read in
place, never copied) parsed alone, and libraries built with and without the worker processes.

    python3 evals/wild_pdf_bench.py --out evals/results/wild_pdf_bench.txt

1. Per file, in a fresh process each (`--file-child`): `library.parse_file` in that process (no worker, no
   limit), timed around the parse only (the parsers and the English word list loaded before); pages/s = pages
   / that time; peak RSS = the child's own maximum resident set (`os.wait4`), which includes the interpreter
   with the parsers imported (the baseline row: a child that loads them and parses nothing). Outcome: read
   (blocks, characters replaced by U+FFFD) or the reason it is skipped.
2. Libraries, in a fresh process each (`--build-child`): `build_corpus` of the fixture PDFs
   (tests/fixtures/fulltext/pdf) and of the wild folder, with SOVEREIGN_PDF_WORKERS=0 (parsed in the build's
   own process, as before the workers) and 2 (the default: two worker processes under the limits). Wall time
   from spawn to exit; peak RSS of the build process itself (`os.wait4`; its workers are separate processes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WILD = REPO.parent / "shared" / "data" / "fulltext" / "wild"
FIXTURE_PDFS = REPO / "tests" / "fixtures" / "fulltext" / "pdf"


def _file_child(path: str) -> None:
    from sovereign_graph.sources.fulltext.html import parse_arxiv_html
    from sovereign_graph.sources.fulltext.isolation import Parsed, ParseLimits
    from sovereign_graph.sources.fulltext.library import parse_file
    from sovereign_graph.sources.fulltext.pdf import parse_pdf
    from sovereign_graph.sources.fulltext.pdf.words import _english_words

    # Loaded before the clock starts, as a worker has them: the parsers and the English word list.
    del parse_arxiv_html, parse_pdf
    _english_words()
    if not path:
        print(json.dumps({}))
        return
    started = time.perf_counter()
    outcome = parse_file(Path(path), ParseLimits(workers=0))
    seconds = time.perf_counter() - started
    result: dict[str, object]
    if isinstance(outcome, Parsed):
        document = outcome.document
        result = {"read": True, "pages": document.pages or 0, "blocks": len(document.blocks)}
        result["replaced"] = document.replaced_characters
    else:
        result = {"read": False, "reason": outcome}
    print(json.dumps(result | {"seconds": seconds}))


def _build_child(paths: list[str]) -> None:
    from sovereign_graph.sources.corpora import build_corpus

    result = build_corpus("bench", [Path(p) for p in paths])
    print(json.dumps({"documents": result.meta.documents, "bad": len(result.bad_files)}))


def _run_child(arguments: list[str], env: dict[str, str]) -> tuple[dict[str, object], float, float]:
    """(the child's JSON, wall seconds, its own peak RSS in MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, *arguments], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    data = json.loads(output) if output.strip() else {"crashed": process.returncode}
    return data, wall, usage.ru_maxrss / 1024


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "?",
    )
    memory = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")),
        "0",
    )
    import pypdfium2

    load = os.getloadavg()[0]
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), {int(memory) / 2**20:.0f} GB, load {load:.2f}; "
        f"Python {platform.python_version()}, pypdfium2 {pypdfium2.version.PYPDFIUM_INFO}, "
        f"pdfium {pypdfium2.version.PDFIUM_INFO}"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    parser.add_argument("--file-child")
    parser.add_argument("--build-child", nargs="+")
    args = parser.parse_args()
    if args.file_child is not None:
        _file_child(args.file_child)
        return 0
    if args.build_child:
        _build_child(args.build_child)
        return 0
    if not WILD.is_dir():
        print(f"the wild PDF corpus is not here ({WILD})", file=sys.stderr)
        return 1
    from sovereign_graph.sources.fulltext.library import library_files

    lines = [f"# wild_pdf_bench, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", f"machine: {_machine()}"]
    files = library_files([WILD])
    size = sum(f.stat().st_size for f in files)
    lines.append(f"inputs: {len(files)} PDFs in {WILD.relative_to(REPO.parent)} ({size / 1e6:.1f} MB)")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH", "")) if p)

    lines += ["", "## 1. Each file alone, in a fresh process (parse_file, no worker, no limit)", ""]
    lines.append(f"| {'file':<52} | pages | parse s | pages/s | peak RSS MB | outcome |")
    lines.append(f"|{'-' * 54}|------:|--------:|--------:|------------:|---|")
    _, _, baseline = _run_child(["--file-child", ""], env)
    lines.append(f"| {'(baseline: imports only)':<52} |       |         |         | {baseline:11.0f} | |")
    read = pages = 0
    seconds = 0.0
    for path in files:
        data, _, rss = _run_child(["--file-child", str(path)], env)
        if data.get("read"):
            read += 1
            pages += int(data["pages"])  # type: ignore[call-overload]
            seconds += float(data["seconds"])  # type: ignore[arg-type]
            outcome = f"read, {data['blocks']} blocks" + (f", {data['replaced']} U+FFFD" if data["replaced"] else "")
            rate = f"{int(data['pages']) / max(float(data['seconds']), 1e-6):7.0f}"  # type: ignore[call-overload,arg-type]
            page_cell = f"{data['pages']:>5}"
        else:
            outcome = f"skipped: {data.get('reason', data)}"
            rate, page_cell = f"{'':>7}", f"{'':>5}"
        parse = f"{float(data.get('seconds', 0.0)):7.2f}"  # type: ignore[arg-type]
        lines.append(f"| {path.name[:52]:<52} | {page_cell} | {parse} | {rate} | {rss:11.0f} | {outcome} |")
        print(lines[-1], file=sys.stderr)
    lines.append("")
    lines.append(
        f"read {read} of {len(files)}, skipped {len(files) - read}; {pages:,} pages in {seconds:.1f} s of parsing"
    )
    lines.append(f"({pages / seconds:.0f} pages/s over the files read)")

    lines += ["", "## 2. Libraries: build_corpus in a fresh process, without and with the worker processes", ""]
    lines.append("| library | files | SOVEREIGN_PDF_WORKERS | wall s | build peak RSS MB | read | skipped |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for label, folder in (("fixture PDFs", FIXTURE_PDFS), ("wild", WILD)):
        count = len(library_files([folder]))
        for workers in ("0", "2"):
            with tempfile.TemporaryDirectory() as home:
                child_env = env | {"SOVEREIGN_HOME": home, "SOVEREIGN_PDF_WORKERS": workers}
                data, wall, rss = _run_child(["--build-child", str(folder)], child_env)
            outcome = f"{data.get('documents')} | {data.get('bad')}"
            row = f"| {label} | {count} | {workers} | {wall:.1f} | {rss:.0f} | {outcome} |"
            lines.append(row)
            print(row, file=sys.stderr)
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
