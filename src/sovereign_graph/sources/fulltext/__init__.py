"""Full text of papers: the document model, arXiv HTML (LaTeXML) and PDF parsing, the live fetcher and its
on-disk cache. Abstract passages stay as they are; body passages join them in the same index."""
