"""The benchmark harness: SciFact (verification, open setting, retrieval) and the labelled relevance questions.
Loaded by `sovereign eval` only, never by a run."""
