"""reviewqa's core: retrieval, answer engines, citations and chat. Knows no face (no UI code)."""
