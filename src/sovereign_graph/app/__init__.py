"""The application around the graph: the runner (start, resume, fork, decide), checkpoints, history, the
coordination of processes over one database, the thread index, and the checks of where a run writes."""
