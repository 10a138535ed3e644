"""read: the full text of the subject paper and the best hits, where the source has it."""
