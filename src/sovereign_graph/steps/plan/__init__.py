"""plan: resolve the subject paper, split the question into facets (`facets/`), write four search queries
(offline: `rules.py`; a chat model: `model.py`)."""
