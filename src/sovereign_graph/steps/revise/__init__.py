"""revise: objections and the owner's note become actions: new queries, dropped claims, new facets (offline:
`rules.py`; a chat model: `model.py`)."""
