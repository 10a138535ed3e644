"""review: SKEPTIC, VALIDATOR and SYNTHESIZER score the dossier in parallel: rubrics offline (`rubrics.py`), or a
chat model (`model.py`) whose review `guard.py` holds against the rubric; the SYNTHESIZER writes the Answer
(`answer.py`)."""
