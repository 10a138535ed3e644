"""index: papers split into passages (abstract sentences, full-text paragraphs) and embedded into a vector store."""
