"""The embedded reader: its shipped weights load only as their manifest describes them, it runs without torch,
it reads a pair longer than its window by cutting it (and says so), and its scores mean what they are used for."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sovereign_graph.ml.reader.manifest import MANIFEST_FILE, REBUILD, WeightsError
from sovereign_graph.ml.reader.runtime import TOKENIZER_FILE, WEIGHTS_FILE, Reader, load_reader, shipped_folder


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    """A copy of the shipped weights that a test may break."""
    folder = tmp_path / "reader"
    folder.mkdir()
    for name in (WEIGHTS_FILE, TOKENIZER_FILE, MANIFEST_FILE):
        shutil.copyfile(shipped_folder() / name, folder / name)
    return folder


def test_shipped_weights_match_their_manifest_and_record_what_made_them() -> None:
    manifest = load_reader().manifest
    assert set(manifest.files) == {WEIGHTS_FILE, TOKENIZER_FILE}
    assert manifest.base_sha256 and manifest.seed is not None
    names = {d.name for d in manifest.data}
    # Trained on tuning parts and public train rows only: never a test part or a measure-only set.
    assert all("(test)" not in n and "COVID-Fact" not in n and "FEVER" not in n for n in names)
    assert any("stance" in n for n in names) and any("relevance" in n for n in names)
    size = sum((shipped_folder() / name).stat().st_size for name in manifest.files)
    assert size <= 30 * 1024 * 1024


def test_a_sentence_that_answers_outscores_one_that_does_not() -> None:
    question = "Does top-k expert routing improve the accuracy of sparse mixture-of-experts language models?"
    read = load_reader().read(
        [
            (question, "Sparse MoE. Top-k routing improves accuracy by 2.1 points over dense baselines on GLUE."),
            (question, "Sparse MoE. The authors thank the anonymous reviewers for their comments."),
        ]
    )
    assert read.relevance[0] > read.relevance[1]


def test_stance_tells_a_finding_from_its_reversal() -> None:
    finding = "Pruning half of the experts reduces accuracy by less than one point."
    read = load_reader().read(
        [
            ("Removing half of the experts costs under one point of accuracy.", finding),
            ("Pruning half of the experts causes a large drop in accuracy.", finding),
        ]
    )
    support, contradict = read.stance[0], read.stance[1]
    assert support.sum() == pytest.approx(1.0, abs=1e-4)
    assert support[0] > contradict[0]
    assert contradict[1] > support[1]


def test_a_pair_longer_than_the_window_is_cut_from_the_longer_side_and_said_to_be() -> None:
    reader = load_reader()
    long_evidence = " ".join(["The experts were evaluated on many benchmarks."] * 60)
    read = reader.read([("Does routing help?", long_evidence), ("Does routing help?", "Routing helps.")])
    assert read.cut[0].any and read.cut[0].first == 0 and read.cut[0].second > 0
    assert not read.cut[1].any
    assert len(read.relevance) == 2 and all(abs(x) < 100 for x in read.relevance)


def test_a_batch_is_scored_as_each_pair_alone() -> None:
    reader = load_reader()
    pairs = [("q one?", "a short sentence."), ("a much longer question about routing and experts?", "x " * 90)]
    together = reader.read(pairs).relevance
    alone = [reader.read([p]).relevance[0] for p in pairs]
    assert together == pytest.approx(alone, abs=1e-3)


def test_missing_weights_are_refused_naming_the_file_and_the_rebuild_command(weights: Path) -> None:
    (weights / WEIGHTS_FILE).unlink()
    with pytest.raises(WeightsError) as raised:
        Reader(weights)
    assert WEIGHTS_FILE in str(raised.value) and REBUILD in str(raised.value)


def test_corrupt_weights_are_refused(weights: Path) -> None:
    data = bytearray((weights / WEIGHTS_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (weights / WEIGHTS_FILE).write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="does not match its sha256"):
        Reader(weights)


def test_weights_without_a_manifest_or_with_another_format_are_refused(weights: Path) -> None:
    manifest = json.loads((weights / MANIFEST_FILE).read_text())
    (weights / MANIFEST_FILE).write_text(json.dumps(manifest | {"format": "sovereign-reader/0"}))
    with pytest.raises(WeightsError, match="format"):
        Reader(weights)
    (weights / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(WeightsError, match="not a reader manifest"):
        Reader(weights)
    (weights / MANIFEST_FILE).unlink()
    with pytest.raises(WeightsError, match="manifest is missing"):
        Reader(weights)


def test_the_reader_runs_where_torch_cannot_be_imported(tmp_path: Path) -> None:
    script = tmp_path / "no_torch.py"
    script.write_text(
        "import sys\n"
        "sys.modules['torch'] = None  # any `import torch` now fails\n"
        "sys.modules['transformers'] = None\n"
        "from sovereign_graph.ml.reader.runtime import load_reader\n"
        "read = load_reader().read([('Does routing help?', 'Routing improves accuracy.')])\n"
        "print(read.stance.shape, 'torch' in sys.modules and sys.modules['torch'] is not None)\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=os.environ, check=True)
    assert done.stdout.strip() == "(1, 3) False"
