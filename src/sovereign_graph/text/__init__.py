"""The text layer: words, stems, sentences, numbers, stop words, word counts and TF-IDF, BM25, LSA embeddings and
the hybrid ranker. It imports nothing of the package above it."""
