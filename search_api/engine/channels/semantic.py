"""The semantic channel: the query's sentence embedding against every code's passage.

The scan runs over a float16 copy of the vectors and the best candidates are rescored
exactly in float32 from the memory-mapped matrix (``indexer.vector_index``). Query
embeddings are cached (LRU), and embedding runs on two dedicated threads whatever thread
the request came on: torch keeps per-thread state (and OpenMP teams), and with a
server's 40 request threads each calling it, memory grew past 1.5 GB under load.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from indexer.vector_index import VectorIndex
from models.embedding import Encoder

SemanticHit = tuple[int, float]  # (record position, cosine similarity)
CACHED_QUERIES = 4096


class SemanticChannel:
    """Embeds queries and finds the nearest code passages."""

    def __init__(
        self, vectors_path: Path, encoder: Encoder, threads: int, threads_alone: int
    ) -> None:
        """Args:
        vectors_path: the build's ``vectors.npy``.
        encoder: the model the build was embedded with (checked by the caller).
        threads: torch threads per query while other queries are embedding.
        threads_alone: torch threads per query when it is the only one.
        """
        self.vectors = VectorIndex(vectors_path)
        self.encoder = encoder
        self.threads, self.threads_alone = threads, threads_alone
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._embedding_now = 0
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="semantic")

    def __len__(self) -> int:
        return len(self.vectors)

    def embed(self, text: str) -> np.ndarray:
        """The text's embedding (cached)."""
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
            alone = self._embedding_now == 0
            self._embedding_now += 1
        # Alone, a long text embeds faster on two threads (21 ms against 32 ms for 64
        # tokens); beside other requests, more threads than one only fight for the cores.
        try:
            threads = self.threads_alone if alone else self.threads
            vector: np.ndarray = self.encoder.encode([text], threads=threads)[0]
        finally:
            with self._lock:
                self._embedding_now -= 1
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > CACHED_QUERIES:
                self._cache.popitem(last=False)
        return vector

    def rank(self, text: str, allowed: np.ndarray, depth: int) -> list[SemanticHit]:
        """The ``depth`` allowed records nearest the text, nearest first."""
        return self.vectors.search(self.embed(text), allowed, depth)

    def submit(self, text: str, allowed: np.ndarray, depth: int) -> Future[list[SemanticHit]]:
        """:meth:`rank` on the channel's own threads (embedding releases the GIL, so the
        caller's other channels run meanwhile)."""
        return self._pool.submit(self.rank, text, allowed, depth)

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def shutdown(self) -> None:
        """Stop the channel's threads (only when the searcher is abandoned before serving:
        a replaced searcher may still finish requests in flight)."""
        self._pool.shutdown(wait=False)
