"""extract: claims that bear on the question, each with a verbatim quote: candidates scored by the relevance
model (`relevance/`), mined offline (`rules.py`) or proposed by a chat model (`model.py`) and checked
(`checks.py`)."""
