"""An embedder that remembers the vectors of the texts it embedded last: for texts embedded
again and again at question time (the sentences of a film's long reviews, read for every
question asked of that film), not for ingest, where each text is new."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from index.embedders.base import Embedder

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from index.embedders.base import Vectors

REMEMBERED = 20_000  # texts kept: 384 float32 each, 30 MB for MiniLM


class CachedEmbedder(Embedder):
    """`inner`'s vectors, each text embedded once while it is among the `size` texts used
    last; the texts it has not seen are embedded together, in one call."""

    def __init__(self, inner: Embedder, size: int = REMEMBERED) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.size = size
        self._vectors: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    def _encode(self, texts: Sequence[str]) -> Vectors:
        import numpy as np

        with self._lock:
            known = {text: self._vectors[text] for text in texts if text in self._vectors}
            for text in known:
                self._vectors.move_to_end(text)
        new = list(dict.fromkeys(text for text in texts if text not in known))
        if new:  # embedded outside the lock: another question need not wait for this one
            # each row copied: a view would keep its whole batch alive after the row is dropped
            fresh = {text: row.copy() for text, row in zip(new, self.inner.embed(new), strict=True)}
            known.update(fresh)
            with self._lock:
                self._vectors.update(fresh)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([known[text] for text in texts]).astype(np.float32, copy=False)
