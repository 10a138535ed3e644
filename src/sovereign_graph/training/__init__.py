"""Rebuilding what the package ships: the SciFact-trained verifier, the relevance model and the bundled snapshot's
fitted indexes. Run by the evals scripts and tests, never by a run."""
