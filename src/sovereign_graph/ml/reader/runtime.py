"""Runs the reader: tokenises pairs with `tokenizers` and scores them with onnxruntime (the `reader` extra), a pair
a call (`BATCH` says why).

A pair longer than the model's window is cut deliberately, never refused: the longer side loses its end first
(`longest_first`), and `Read.cut` says which side lost how much, so a report can say which part was read.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sovereign_graph.errors import InputError
from sovereign_graph.ml.reader.manifest import Manifest, _refuse, checked_manifest

if TYPE_CHECKING:
    from tokenizers import Tokenizer

# gzip: the int8 model is 22.9 MB as it is and 15.2 MB packed; unpacking it in memory takes about 0.15 s.
WEIGHTS_FILE = "reader.int8.onnx.gz"
TOKENIZER_FILE = "tokenizer.json"
# One pair a call: int8 dynamic quantisation scales activations by the range of the whole batch, so a batched
# pair's score would depend on the pairs beside it (up to 0.8 logits was seen). A score must be a function of its
# pair alone: one sentence planted beside another must not move it. Costs about an eighth of the throughput.
BATCH = 1
STANCE_LABELS = ("SUPPORT", "CONTRADICT", "NOT_ENOUGH_INFO")
READER_EXTRA = 'the neural engines need the reader extra: pip install "sovereign-graph[reader]".'


def relevance_pair(question: str, title: str, sentence: str) -> tuple[str, str]:
    """How a relevance pair is read, in training and at run time alike: the question, then the sentence after its
    paper's title (a sentence of a paper on the question's subject often does not repeat the subject's name)."""
    return question, f"{title.strip()}. {sentence.strip()}" if title.strip() else sentence.strip()


@dataclass(frozen=True)
class Cut:
    """How much of a pair the reader did not read: tokens dropped from the end of each side."""

    first: int = 0
    second: int = 0

    @property
    def any(self) -> bool:
        return bool(self.first or self.second)


@dataclass(frozen=True)
class Read:
    relevance: np.ndarray  # (n,) logits: the pair's second text answers its first
    stance: np.ndarray  # (n, 3) probabilities of STANCE_LABELS: the second text towards the first
    cut: tuple[Cut, ...]


class Reader:
    def __init__(self, folder: Path) -> None:
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError:
            raise InputError(READER_EXTRA) from None
        self.folder = folder
        self.manifest: Manifest = checked_manifest(folder)
        for name in (WEIGHTS_FILE, TOKENIZER_FILE):
            if name not in self.manifest.files:
                raise _refuse(folder / name, "missing from the manifest")
        options = onnxruntime.SessionOptions()
        # Two threads: the machines this runs on by default have two cores, and more threads only contend.
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        try:
            model = gzip.decompress((folder / WEIGHTS_FILE).read_bytes())
            self.session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own Fail/InvalidGraph types
            raise _refuse(folder / WEIGHTS_FILE, f"not a model onnxruntime can load ({type(error).__name__})") from None
        self.window = self.manifest.max_tokens
        self.tokenizer: Tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.window, strategy="longest_first")
        self.counter = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.counter.no_padding()
        self.counter.no_truncation()

    def _cuts(self, pairs: Sequence[tuple[str, str]], lengths: Sequence[int]) -> list[Cut]:
        cuts: list[Cut] = []
        for (first, second), read in zip(pairs, lengths, strict=True):
            whole_first = len(self.counter.encode(first, add_special_tokens=False).ids)
            whole_second = len(self.counter.encode(second, add_special_tokens=False).ids)
            if whole_first + whole_second + 3 <= read:
                cuts.append(Cut())
                continue
            # longest_first takes tokens one at a time from whichever side is longer.
            budget = read - 3
            keep_first, keep_second = whole_first, whole_second
            while keep_first + keep_second > budget:
                if keep_first > keep_second:
                    keep_first -= 1
                else:
                    keep_second -= 1
            cuts.append(Cut(whole_first - keep_first, whole_second - keep_second))
        return cuts

    def read(self, pairs: Sequence[tuple[str, str]]) -> Read:
        if not pairs:
            return Read(np.zeros(0, dtype=np.float32), np.zeros((0, 3), dtype=np.float32), ())
        encodings = self.tokenizer.encode_batch([(a, b) for a, b in pairs])
        lengths = [len(e.ids) for e in encodings]
        order = sorted(range(len(pairs)), key=lambda i: lengths[i])
        relevance = np.zeros(len(pairs), dtype=np.float32)
        stance = np.zeros((len(pairs), 3), dtype=np.float32)
        for k in range(0, len(order), BATCH):
            chunk = order[k : k + BATCH]
            width = max(lengths[i] for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            types = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                e = encodings[i]
                ids[row, : lengths[i]] = e.ids
                mask[row, : lengths[i]] = 1
                types[row, : lengths[i]] = e.type_ids
            rel, st = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
            relevance[chunk] = rel
            stance[chunk] = st
        return Read(relevance, stance, tuple(self._cuts(pairs, lengths)))


# Weights rebuilt elsewhere (`sovereign models train --out DIR`) are used when this variable names their folder.
FOLDER_VARIABLE = "SOVEREIGN_READER_DIR"


def shipped_folder() -> Path:
    return Path(str(resources.files("sovereign_graph.ml.reader")))


@cache
def _loaded(folder: Path) -> Reader:
    return Reader(folder)


def load_reader(folder: Path | None = None) -> Reader:
    """The reader whose weights are in `folder`, else in $SOVEREIGN_READER_DIR, else the package's own; each
    folder's is loaded once a process."""
    chosen = folder or (Path(os.environ[FOLDER_VARIABLE]) if os.environ.get(FOLDER_VARIABLE) else shipped_folder())
    return _loaded(chosen.resolve())
