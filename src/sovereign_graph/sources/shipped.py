"""Models derived from the bundled snapshot, fitted once and shipped beside it (see data/PROVENANCE.md).

Fitting the snapshot's LSA embeddings and the verifier's vocabulary took a cold run 3-4 s (and needs
scikit-learn, itself over a second to import); both depend only on the bundled data and fixed
parameters, so `python -m sovereign_graph.training.shipped` fits them and stores their arrays as
`.npz` files in `sovereign_graph/data/`. Each file records the digest of the data and the recipe it was
fitted with; a file that is missing, unreadable or fitted from other data or another recipe is ignored
(the caller fits in-process instead), so a stale file can slow a run down but never change its result.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "sovereign-shipped/1"
DATA_PACKAGE = "sovereign_graph.data"
_META = "meta"
_log = logging.getLogger(__name__)


def data_digest(filenames: Iterable[str], recipe: str) -> str:
    """sha256 over the recipe and each data file's name and bytes: what a shipped model was derived from."""
    digest = hashlib.sha256(f"{FORMAT}\n{recipe}\n".encode())
    data = resources.files(DATA_PACKAGE)
    for name in filenames:
        digest.update(f"{name}\n".encode())
        digest.update(data.joinpath(name).read_bytes())
    return digest.hexdigest()


def pack_strings(strings: list[str]) -> np.ndarray:
    """A list of strings without newlines as one UTF-8 byte array: loads without pickles, and fast."""
    if any("\n" in s for s in strings):
        raise ValueError("a shipped string contains a newline")
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def unpack_strings(packed: np.ndarray) -> list[str]:
    text = packed.tobytes().decode("utf-8")
    return text.split("\n") if text else []


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray], digest: str, about: Mapping[str, object]) -> None:
    meta = {"format": FORMAT, "digest": digest, **about}
    stored: dict[str, Any] = {**arrays, _META: np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
    np.savez_compressed(path, **stored)


def read_arrays(filename: str, digest: str) -> dict[str, np.ndarray] | None:
    """The arrays of a shipped file if it was derived from data and recipe with this `digest`, else None."""
    try:
        with resources.files(DATA_PACKAGE).joinpath(filename).open("rb") as handle, np.load(handle) as stored:
            meta = json.loads(stored[_META].tobytes().decode("utf-8"))
            if meta.get("format") != FORMAT or meta.get("digest") != digest:
                _log.warning("%s was fitted from other data or another recipe: fitting in-process (slow)", filename)
                return None
            return {name: stored[name] for name in stored.files if name != _META}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        _log.warning("%s is unreadable (%s): fitting in-process (slow)", filename, error)
        return None
