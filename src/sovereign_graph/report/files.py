"""A report on disk: `<thread>.md` and `<thread>.json` in the report directory, written as a pair."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

from sovereign_graph.errors import ReportWriteError
from sovereign_graph.names import file_stem
from sovereign_graph.report.json_export import to_json
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.report.model import Report


def report_paths(thread_id: str, out_dir: Path) -> tuple[Path, Path]:
    """Both files directly inside `out_dir`, whatever the thread id (see `names.file_stem`)."""
    stem = file_stem(thread_id)
    return out_dir / f"{stem}.md", out_dir / f"{stem}.json"


def write_report_files(report: Report, out_dir: Path, *, html: str | None = None) -> tuple[Path, Path]:
    """Both files (and `<thread>.html` when `html` is given: `sovereign show --html --out`) are written in full to
    hidden temporaries first and only then renamed into place, so a failure (a full disk, a read-only directory)
    leaves the previous files, or nothing, and no temporaries."""
    md_path, json_path = report_paths(report.thread_id or "report", out_dir)
    paths = [md_path, json_path]
    contents = [to_markdown(report), to_json(report)]
    if html is not None:
        paths.append(md_path.with_suffix(".html"))
        contents.append(html)
    temporaries: list[str] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, text in zip(paths, contents, strict=True):
            # Opened by name ("x": never an existing file), so the file gets the user's umask, as before.
            temporary = str(out_dir / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
            temporaries.append(temporary)
            with open(temporary, "x", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
        # The JSON (and page) first: whoever sees the new markdown can read its JSON.
        for temporary, path in reversed(list(zip(temporaries, paths, strict=True))):
            os.replace(temporary, path)
    except OSError as error:
        for temporary in temporaries:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        raise ReportWriteError(f"could not write the report files in {out_dir} ({error.strerror or error}).") from error
    return md_path, json_path
