"""Names a user gives that end up in paths or in commands we print: thread ids and corpus names.

One rule for both (letters, digits, '.', '_', '-'; at most 64; not starting with a dot), so no name can
climb out of the directory it belongs in, hide itself, or break the shell line we suggest.
"""

from __future__ import annotations

import hashlib
import re
import shlex

from sovereign_graph.errors import InputError, shown

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_RULE = "letters, digits, '.', '_' or '-', at most 64, not starting with '.', no path separators"


def is_safe_name(name: str) -> bool:
    return NAME.fullmatch(name) is not None


def require_thread_id(thread_id: str) -> str:
    if not is_safe_name(thread_id):
        raise InputError(f"thread id {shown(thread_id)} is not usable: {NAME_RULE}.")
    return thread_id


def file_stem(thread_id: str) -> str:
    """The report files' stem: the thread id itself when it is a safe name (every id `sovereign run`
    accepts); any other id (from the SDK or Studio) folded into one, unique by a short hash."""
    if is_safe_name(thread_id):
        return thread_id
    folded = re.sub(r"[^A-Za-z0-9._-]+", "_", thread_id).strip("._-")[:48] or "thread"
    digest = hashlib.sha256(thread_id.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{folded}-{digest}"


def shell_word(value: str) -> str:
    """A value as one word of a shell command line we print for the user to copy."""
    return shlex.quote(value)
