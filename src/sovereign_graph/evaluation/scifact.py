"""SciFact files (claims and corpus) read with checks that name the offending line.

Used by `sovereign eval retrieval` and `sovereign eval scifact`. Any claims file in the SciFact format
is accepted, labelled (with `evidence`) or not (held-out test claims have only `id` and `claim`).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Literal

from sovereign_graph.errors import InputError, shown_path

EvidenceLabel = Literal["SUPPORT", "CONTRADICT"]


@dataclass(frozen=True)
class Rationale:
    sentences: tuple[int, ...]
    label: EvidenceLabel


@dataclass(frozen=True)
class SciFactClaim:
    id: int
    claim: str
    evidence: dict[int, tuple[Rationale, ...]] = field(default_factory=dict)
    cited_doc_ids: tuple[int, ...] = ()
    labelled: bool = True

    def label_for(self, doc_id: int) -> EvidenceLabel | None:
        rationales = self.evidence.get(doc_id)
        return rationales[0].label if rationales else None


@dataclass(frozen=True)
class SciFactDoc:
    doc_id: int
    title: str
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        return self.title + ". " + " ".join(self.sentences)


BUNDLED_CLAIMS = "claims_train.jsonl.gz"
BUNDLED_CORPUS = "corpus.jsonl.gz"


def _open_lines(path: Path | None, bundled: str) -> Iterator[tuple[int, str]]:
    if path is not None and not path.is_file():
        raise InputError(f"{shown_path(path)}: no such file.")
    with ExitStack() as stack:
        handle: IO[str]
        if path is None:
            raw = stack.enter_context(resources.files("sovereign_graph.data.scifact").joinpath(bundled).open("rb"))
            handle = stack.enter_context(gzip.open(raw, "rt", encoding="utf-8"))
        elif path.suffix == ".gz":
            handle = stack.enter_context(gzip.open(path, "rt", encoding="utf-8"))
        else:
            handle = stack.enter_context(path.open(encoding="utf-8"))
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def _record(source: str, number: int, line: str) -> dict[str, object]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"{source} line {number}: not valid JSON ({error.msg}).") from None
    if not isinstance(record, dict):
        raise InputError(f"{source} line {number}: expected a JSON object.")
    return record


def _parse_claim(source: str, number: int, record: dict[str, object]) -> SciFactClaim:
    def bad(what: str) -> InputError:
        return InputError(f"{source} line {number}: {what}.")

    if not isinstance(record.get("id"), int):
        raise bad("missing or non-integer 'id'")
    text = record.get("claim")
    if not isinstance(text, str) or not text.strip():
        raise bad("missing or empty 'claim'")
    labelled = "evidence" in record
    raw_evidence = record.get("evidence") or {}
    if not isinstance(raw_evidence, dict):
        raise bad("'evidence' must be an object {doc_id: [{sentences, label}]}")
    evidence: dict[int, tuple[Rationale, ...]] = {}
    for doc_id, rationales in raw_evidence.items():
        try:
            evidence[int(doc_id)] = tuple(
                Rationale(sentences=tuple(int(s) for s in r["sentences"]), label=r["label"]) for r in rationales
            )
        except (KeyError, TypeError, ValueError):
            raise bad(f"malformed evidence for doc {doc_id}") from None
        if any(r.label not in ("SUPPORT", "CONTRADICT") for r in evidence[int(doc_id)]):
            raise bad(f"evidence label for doc {doc_id} must be SUPPORT or CONTRADICT")
    cited = record.get("cited_doc_ids") or []
    if not isinstance(cited, list) or not all(isinstance(d, int) for d in cited):
        raise bad("'cited_doc_ids' must be a list of integers")
    assert isinstance(record["id"], int)
    return SciFactClaim(
        id=record["id"], claim=text.strip(), evidence=evidence, cited_doc_ids=tuple(cited), labelled=labelled
    )


def load_claims(path: Path | None = None) -> list[SciFactClaim]:
    """Claims from `path` (.jsonl or .jsonl.gz), or the bundled training claims."""
    source = shown_path(path) if path else "bundled claims_train.jsonl"
    claims = [_parse_claim(source, n, _record(source, n, line)) for n, line in _open_lines(path, BUNDLED_CLAIMS)]
    if not claims:
        raise InputError(f"{source}: no claims in the file.")
    return claims


def load_corpus(path: Path | None = None) -> list[SciFactDoc]:
    """Abstracts from `path`, or the bundled SciFact corpus (5,183 abstracts)."""
    source = shown_path(path) if path else "bundled corpus.jsonl"
    docs: list[SciFactDoc] = []
    for number, line in _open_lines(path, BUNDLED_CORPUS):
        record = _record(source, number, line)
        doc_id, title, abstract = record.get("doc_id"), record.get("title"), record.get("abstract")
        if not isinstance(doc_id, int) or not isinstance(title, str) or not isinstance(abstract, list):
            raise InputError(f"{source} line {number}: needs 'doc_id' (int), 'title' and 'abstract' (a list).")
        docs.append(SciFactDoc(doc_id=doc_id, title=title, sentences=tuple(str(s) for s in abstract)))
    if not docs:
        raise InputError(f"{source}: no documents in the file.")
    return docs


def check_claims_match_corpus(claims: list[SciFactClaim], docs: list[SciFactDoc]) -> None:
    """Every evidence doc id a claim names must be in the corpus: otherwise the files don't belong together."""
    known = {d.doc_id for d in docs}
    missing = sorted({doc for c in claims for doc in (*c.evidence, *c.cited_doc_ids) if doc not in known})
    if missing:
        shown = ", ".join(map(str, missing[:5])) + (" ..." if len(missing) > 5 else "")
        raise InputError(f"{len(missing)} doc ids named by the claims are not in the corpus ({shown}).")
