"""Where papers come from: live arXiv, the bundled snapshot, on-disk and PostgreSQL corpora, and full text
(arXiv HTML, PDF, the user's PDF library)."""
