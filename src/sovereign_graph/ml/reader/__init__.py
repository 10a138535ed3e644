"""The embedded reader: a MiniLM cross-encoder (int8 ONNX) that scores a question against a sentence (relevance)
and a claim against evidence (stance), run by onnxruntime with the `tokenizers` library, without torch.

Its weights ship beside this module with a manifest; `load_reader` refuses weights that do not match it.
"""
