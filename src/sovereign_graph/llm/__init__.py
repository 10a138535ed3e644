"""Chat-model plumbing shared by the steps' model roles: providers and clients, one structured call with retries
and usage, prompt files, the role result, live embeddings. What each role asks lives in its step's `model.py`."""
