"""review: SKEPTIC, VALIDATOR and SYNTHESIZER score the dossier in parallel: rubrics offline (`rubrics.py`), or a
chat model (`model.py`) whose review `guard.py` holds against the rubric. The Answer is the next step's
(`steps/answer`)."""
