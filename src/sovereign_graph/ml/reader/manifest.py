"""The reader's manifest: what the shipped weights are, what made them, and the sha256 of every file.

Loading checks the manifest before anything is read, so a truncated download, an edited file or weights from
another build stop the run with one line that names the file and the command that rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from sovereign_graph.errors import InputError, shown_path

FORMAT = "sovereign-reader/1"
MANIFEST_FILE = "manifest.json"
REBUILD = "sovereign models train"


class WeightsError(InputError):
    """The reader's weights are missing, corrupt or not the ones their manifest describes."""


class DataSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    stage: str
    rows: int
    sha256: str


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str
    base_model: str
    base_sha256: str
    max_tokens: int
    seed: int
    threads: int
    stages: list[dict[str, Any]]
    data: list[DataSet]
    files: dict[str, str]  # file name -> sha256
    figures: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(self.model_dump(), indent=1) + "\n"


def sha256_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _refuse(path: Path, problem: str) -> WeightsError:
    return WeightsError(f"{shown_path(path)}: {problem}; rebuild the reader's weights with `{REBUILD}`.")


def checked_manifest(folder: Path) -> Manifest:
    """The manifest of the weights in `folder`, once every file it lists is there with its recorded sha256."""
    path = folder / MANIFEST_FILE
    if not path.is_file():
        raise _refuse(path, "the reader's manifest is missing")
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except ValidationError:
        raise _refuse(path, "not a reader manifest") from None
    if manifest.format != FORMAT:
        raise _refuse(path, f"a manifest of format {manifest.format!r}, this version reads {FORMAT!r}")
    for name, expected in sorted(manifest.files.items()):
        file = folder / name
        if Path(name).name != name or not file.is_file():
            raise _refuse(file, "missing (the manifest lists it)")
        if sha256_of(file) != expected:
            raise _refuse(file, "does not match its sha256 in the manifest (corrupt, edited or from another build)")
    return manifest
