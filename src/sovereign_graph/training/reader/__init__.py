"""Training of the embedded reader: a MiniLM cross-encoder with a relevance head and a stance head.

`data` assembles the examples (no torch); `fit` trains in resumable stages (torch, the `train` extra); `export`
writes the ONNX model, its int8 quantisation and the manifest the runtime (`sovereign_graph.ml.reader`) checks.
"""
