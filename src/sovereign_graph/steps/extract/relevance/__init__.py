"""Relevance of candidate sentences to the whole research question: features, the shipped model, training."""
