"""owner: the run pauses for its owner's decision (approve, reject, revise) on the checkpointer; then the final
report (`final.py`)."""
