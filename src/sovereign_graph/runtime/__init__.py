"""The run's context: its settings resolved into the services the steps call (a paper source, an embedder, the
verifier's vocabulary, chat models), and the objects a host app injects into the graph."""
