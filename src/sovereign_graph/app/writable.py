"""Where a run writes, checked before it starts: a run that cannot write its report or its checkpoints
must say so in one line at once, not after minutes of work."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from sovereign_graph.errors import InputError

SQLITE_HEADER = b"SQLite format 3\x00"


def check_db_path(path: Path, *, must_exist: bool) -> Path:
    """A usable SQLite path: an existing SQLite file, or (when allowed) a new file in a writable place."""
    if path.is_dir():
        raise InputError(f"--db {path} is a directory, not a SQLite file.")
    if path.exists():
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise InputError(f"--db {path} is not a SQLite database.")
        return path
    if must_exist:
        raise InputError(f"no database at {path}: start a run first (sovereign run), or pass --db.")
    return path


def _why(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _probe(directory: Path) -> None:
    """Create and remove a file in `directory`: the only test of writability that root cannot bypass
    (a read-only mount refuses root too; permission bits do not)."""
    handle, name = tempfile.mkstemp(prefix=".sovereign-probe-", dir=directory)
    os.close(handle)
    os.unlink(name)


def _nearest_existing(directory: Path) -> Path:
    """`directory`, or the closest ancestor that exists: where creating it would start. Probing there
    leaves nothing behind, so a run refused for another reason has written nothing."""
    place = directory
    while not place.exists() and place.parent != place:
        place = place.parent
    return place


def require_writable_dir(directory: Path, flag: str) -> Path:
    """`directory` (or where it would be created) takes new files; else InputError naming `flag`."""
    place = _nearest_existing(directory)
    if not place.is_dir():
        raise InputError(f"{flag} {directory}: {place} is a file, not a directory; give a directory for the files.")
    try:
        _probe(place)
    except OSError as error:
        raise InputError(f"{flag} {directory} is not writable ({_why(error)}): choose another {flag}.") from None
    return directory


def require_writable_db(path: Path, *, is_default: bool) -> Path:
    """A SQLite file (new or existing) that can be written, in a directory that takes SQLite's journal."""
    where = (
        f"the default database {path} (under $SOVEREIGN_HOME, else ~/.sovereign): set SOVEREIGN_HOME to a "
        "writable directory, or pass --db PATH"
        if is_default
        else f"--db {path}: pass a writable --db PATH"
    )
    try:
        place = _nearest_existing(path.parent)
        if not place.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{place} is a file")
        _probe(place)
        if path.exists():
            with path.open("r+b"):
                pass
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise InputError(f"no space left for {where}.") from None
        raise InputError(f"cannot write {where} ({_why(error)}).") from None
    return path
