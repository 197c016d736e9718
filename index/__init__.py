"""reviewqa's data layer: corpus loading, chunking, embedding and the store.

Nothing here imports `assistant` or `ui`, and nothing heavy is imported at module import time.
"""

__version__ = "0.1.0"
