"""Writes the trained reader as ONNX, quantises it to int8, and checks the int8 model against the float one."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

from sovereign_graph.training.reader.fit import ReaderNet

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUTS = ("relevance", "stance")


class _Exported(torch.nn.Module):
    """The network as it runs: no dropout, the stance as probabilities."""

    def __init__(self, net: ReaderNet) -> None:
        super().__init__()
        self.net = net

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = self.net.pooled(input_ids, attention_mask, token_type_ids)
        return self.net.relevance(pooled).squeeze(-1), torch.softmax(self.net.stance(pooled), dim=-1)


def export_onnx(net: ReaderNet, path: Path) -> None:
    net.eval()
    # The default (SDPA) attention traces its padding checks as constants; eager attention traces as a graph that
    # gives the network's own numbers at any batch shape.
    net.encoder.set_attn_implementation("eager")
    example = (
        torch.ones((2, 16), dtype=torch.long),
        torch.ones((2, 16), dtype=torch.long),
        torch.zeros((2, 16), dtype=torch.long),
    )
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {name: {0: "batch"} for name in OUTPUTS}
    tmp = path.with_suffix(".tmp.onnx")
    torch.onnx.export(
        _Exported(net), example, str(tmp), input_names=list(INPUTS), output_names=list(OUTPUTS),
        dynamic_axes=axes, opset_version=17, dynamo=False,
    )  # fmt: skip
    os.replace(tmp, path)


def quantise(source: Path, target: Path) -> None:
    """Dynamic int8: the weights of every MatMul and the embedding tables (Gather) stored as int8."""
    tmp = target.with_suffix(".tmp.onnx")
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather"])
    os.replace(tmp, target)
