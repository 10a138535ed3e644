"""Parsed full text on disk, so a resume, a fork or a re-run reads a paper without asking arXiv again.

One file per paper under `$SOVEREIGN_HOME/fulltext/`, named by its versioned id (`2501.10120v1.json.gz`; the
bare id when the version is unknown; `hep-th_9901001v2` for an old-style id). A file is gzip text: a one-line
JSON header (origin, when stored, parser version), then the `Document` as JSON, so `entries()` reads headers
only. A "missing" entry (no header document) records that arXiv has neither HTML nor PDF for the paper; it
expires after `MISSING_TTL_SECONDS`, since arXiv may render HTML later. Files are written to a temporary in
the same directory and renamed into place, so a reader never sees half a file. Over the size cap, the least
recently used entries go (a hit touches its file's mtime). A cache that cannot be written (read-only mount,
full disk) logs one warning and the run goes on without it.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from sovereign_graph.errors import InputError
from sovereign_graph.home import sovereign_home
from sovereign_graph.sources.fulltext.document import PARSER_VERSION, Document

log = logging.getLogger(__name__)

CACHE_MB_ENV = "SOVEREIGN_FULLTEXT_CACHE_MB"
DEFAULT_MAX_MB = 500
# arXiv renders HTML for new submissions and reconverts old ones; a week is long enough not to ask every run.
MISSING_TTL_SECONDS = 7 * 24 * 3600
SUFFIX = ".json.gz"
TEMPORARY = ".tmp-"
# A temporary this old was left by a killed writer (a write takes milliseconds).
STALE_TEMPORARY_SECONDS = 3600
FORMAT = 1
EntryOrigin = Literal["arxiv_html", "pdf", "missing"]

# Only arXiv ids name files: new style 2501.10120, old style hep-th/9901001 (math.GT/0309136), optional vN.
_KEY = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
_warned_roots: set[Path] = set()
_warned_lock = threading.Lock()


@dataclass(frozen=True)
class CacheEntry:
    key: str  # the versioned id as stored: 2501.10120v1, hep-th/9901001v2, or a bare id
    bytes: int
    origin: EntryOrigin
    stored_at: float  # seconds since the epoch
    reason: str | None = None  # for a "missing" entry: what arXiv answered


def cache_key(paper_id: str, version: int | None) -> str:
    """`2501.10120v1`, or the bare id when the version is unknown; refuses anything that is not an arXiv id,
    so no id can name a path outside the cache (`../../etc/passwd` is refused, not resolved)."""
    key = paper_id if version is None else f"{paper_id}v{version}"
    if not _KEY.match(key) or (version is not None and version < 1):
        raise InputError(f"{paper_id!r} (version {version}) is not an arXiv id the full-text cache can store.")
    return key


def default_max_bytes() -> int:
    raw = os.environ.get(CACHE_MB_ENV, "")
    try:
        megabytes = float(raw) if raw.strip() else DEFAULT_MAX_MB
    except ValueError:
        raise InputError(f"${CACHE_MB_ENV} must be a number of megabytes (got {raw!r}).") from None
    return max(0, int(megabytes * 1024 * 1024))


class FullTextCache:
    def __init__(self, root: Path | None = None, max_bytes: int | None = None) -> None:
        self.root = root if root is not None else sovereign_home() / "fulltext"
        self.max_bytes = default_max_bytes() if max_bytes is None else max_bytes
        self._lock = threading.Lock()

    def path(self, key: str) -> Path:
        # '/' of an old-style id becomes '_', which no arXiv id contains, so names never collide.
        return self.root / (key.replace("/", "_") + SUFFIX)

    def get(self, paper_id: str, version: int | None) -> Document | None:
        """The cached document, or None (not cached, unreadable, or parsed by an older parser)."""
        path = self.path(cache_key(paper_id, version))
        header, body = _read(path, whole=True)
        if header is None or header.get("origin") == "missing" or header.get("parser_version") != PARSER_VERSION:
            return None
        try:
            document = Document.model_validate_json(body)
        except ValidationError:
            log.debug("unreadable cache entry %s", path)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used: the last to be evicted
        return document

    def missing(self, paper_id: str, version: int | None) -> str | None:
        """Why arXiv had neither HTML nor PDF, if it said so less than `MISSING_TTL_SECONDS` ago."""
        header, _ = _read(self.path(cache_key(paper_id, version)), whole=False)
        if header is None or header.get("origin") != "missing":
            return None
        stored_at = _stored_at(header)
        if stored_at is None or time.time() - stored_at > MISSING_TTL_SECONDS:  # a damaged date: asked again
            return None
        return str(header.get("reason") or "no HTML and no PDF on arXiv")

    def put(self, document: Document) -> None:
        key = cache_key(document.paper_id, document.version)
        header = {"origin": document.origin, "parser_version": document.parser_version}
        self._write(key, header, document.model_dump_json())

    def put_missing(self, paper_id: str, version: int | None, reason: str) -> None:
        key = cache_key(paper_id, version)
        self._write(key, {"origin": "missing", "parser_version": PARSER_VERSION, "reason": reason}, "")

    def entries(self) -> list[CacheEntry]:
        """Every entry, oldest stored first."""
        return self.scan()[0]

    def scan(self) -> tuple[list[CacheEntry], list[Path]]:
        """Every sound entry, oldest stored first, and the files that are damaged (unreadable, not an entry, or a
        header whose fields make no sense): listed by name, so one bad file never hides the others."""
        found: list[CacheEntry] = []
        damaged: list[Path] = []
        for path in self._files():
            header, _ = _read(path, whole=False)
            stored_at = _stored_at(header) if header is not None else None
            if header is None or stored_at is None:
                damaged.append(path)
                continue
            reason = header.get("reason")
            with contextlib.suppress(OSError):  # removed meanwhile (a clear, an eviction): not listed
                found.append(
                    CacheEntry(
                        key=str(header.get("key", path.name.removesuffix(SUFFIX))),
                        bytes=path.stat().st_size,
                        origin=header.get("origin", "pdf"),
                        stored_at=stored_at,
                        reason=None if reason is None else str(reason),
                    )
                )
        return sorted(found, key=lambda e: e.stored_at), damaged

    def clear(self) -> tuple[int, int]:
        """Removes every entry (and temporaries a killed writer left): how many entries, how many bytes."""
        count = size = 0
        with self._lock:
            for path in self._files():
                with contextlib.suppress(FileNotFoundError):
                    length = path.stat().st_size
                    path.unlink()
                    count, size = count + 1, size + length
            self._sweep_temporaries(older_than=STALE_TEMPORARY_SECONDS)  # a younger one is a live writer
        return count, size

    def _files(self) -> list[Path]:
        # pathlib's "*" matches dot files too: a writer's temporary is not an entry.
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.glob("*" + SUFFIX) if not p.name.startswith("."))

    def _sweep_temporaries(self, older_than: float) -> None:
        for path in self.root.glob(TEMPORARY + "*") if self.root.is_dir() else []:
            with contextlib.suppress(FileNotFoundError):
                if time.time() - path.stat().st_mtime >= older_than:
                    path.unlink()

    def _write(self, key: str, header: dict[str, Any], body: str) -> None:
        header = {"format": FORMAT, "key": key, "stored_at": time.time(), **header}
        data = gzip.compress((json.dumps(header) + "\n" + body).encode("utf-8"), compresslevel=6)
        if len(data) > self.max_bytes:
            log.info("full text of %s (%d bytes) is over the cache's cap; not cached", key, len(data))
            return
        target = self.path(key)
        with self._lock:
            try:
                self._replace(target, data)
                self._evict(keep=target)
            except OSError as error:
                self._warn_once(error)

    def _replace(self, target: Path, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f"{TEMPORARY}{uuid.uuid4().hex[:12]}"
        try:
            with open(temporary, "xb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()

    def _evict(self, keep: Path) -> None:
        """Least recently used first (mtime), never the entry just written, until the cache fits its cap."""
        self._sweep_temporaries(older_than=STALE_TEMPORARY_SECONDS)
        sized = []
        for path in self._files():
            with contextlib.suppress(FileNotFoundError):
                stat = path.stat()
                sized.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in sized)
        for _, size, path in sorted(sized, key=lambda item: item[0]):
            if total <= self.max_bytes:
                break
            if path != keep:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                total -= size

    def _warn_once(self, error: OSError) -> None:
        with _warned_lock:
            if self.root in _warned_roots:
                return
            _warned_roots.add(self.root)
        log.warning(
            "the full-text cache %s cannot be written (%s): papers are fetched without it",
            self.root,
            error.strerror or error,
        )


# The latest time a date can show (9999-12-31): beyond it, `datetime` cannot print it.
_LAST_TIME = 253_402_300_799.0


def _stored_at(header: dict[str, Any]) -> float | None:
    """When the entry was stored (0 for an entry from before the field), or None when the value makes no sense
    (text, NaN, negative, past year 9999): a hand-edited or damaged file."""
    value = header.get("stored_at", 0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0 <= value <= _LAST_TIME else None  # NaN fails both comparisons


def _read(path: Path, *, whole: bool) -> tuple[dict[str, Any] | None, str]:
    """The header (None when the file is absent or not an entry) and, if `whole`, the rest of the text."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            header = json.loads(file.readline())
            body = file.read() if whole else ""
    except (OSError, EOFError, ValueError, UnicodeDecodeError):
        return None, ""
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return None, ""
    return header, body
