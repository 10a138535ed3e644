"""Many questions in one call: a batch file of (paper, question[, thread]) rows run to the owner's pause by a
pool of worker processes, idempotent by thread id, so a re-run skips what is done and continues what stopped."""
