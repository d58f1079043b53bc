"""The vector index: one unit-length float32 row per record, in record order.

Embeddings are cached by model revision and text hash, so a rebuild embeds only texts
it has not seen before.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from models.embedding import Encoder


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    """A folder per model revision holding ``keys.json`` and ``vectors.npy``."""

    def __init__(self, cache_dir: Path, encoder: Encoder) -> None:
        # bf16 and float32 vectors agree to cosine 0.9999, but a cached vector should be
        # exactly what this build would compute, so each precision has its own folder.
        identity = f"{encoder.name}|{encoder.revision}|{encoder.dimension}"
        if encoder.precision != "float32":
            identity += f"|{encoder.precision}"
        tag = hashlib.sha256(identity.encode())
        self.folder = cache_dir / "embeddings" / tag.hexdigest()[:16]
        self.dimension = encoder.dimension
        self.rows: dict[str, int] = {}
        self.matrix = np.zeros((0, encoder.dimension), dtype=np.float32)
        try:
            keys = json.loads((self.folder / "keys.json").read_text())
            matrix = np.load(self.folder / "vectors.npy")
            if matrix.shape == (len(keys), self.dimension):
                self.rows, self.matrix = {k: i for i, k in enumerate(keys)}, matrix
        except (OSError, ValueError):
            pass  # no cache yet, or a damaged one: start empty

    def lookup(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing = []
        for i, text in enumerate(texts):
            row = self.rows.get(_text_key(text))
            if row is None:
                missing.append(i)
            else:
                out[i] = self.matrix[row]
        return out, missing

    def store(self, texts: list[str], vectors: np.ndarray) -> None:
        """Add new texts (duplicates and known texts are skipped) and save atomically."""
        fresh: dict[str, int] = {}
        for i, text in enumerate(texts):
            key = _text_key(text)
            if key not in self.rows and key not in fresh:
                fresh[key] = i
        if not fresh:
            return
        start = len(self.rows)
        self.matrix = np.vstack([self.matrix, vectors[list(fresh.values())].astype(np.float32)])
        for offset, key in enumerate(fresh):
            self.rows[key] = start + offset
        self.folder.mkdir(parents=True, exist_ok=True)
        ordered = sorted(self.rows, key=self.rows.__getitem__)
        tmp_vectors = self.folder / f"vectors.{os.getpid()}.tmp.npy"
        tmp_keys = self.folder / f"keys.{os.getpid()}.tmp.json"
        np.save(tmp_vectors, self.matrix)
        tmp_keys.write_text(json.dumps(ordered))
        os.replace(tmp_vectors, self.folder / "vectors.npy")
        os.replace(tmp_keys, self.folder / "keys.json")


def embed_texts(
    texts: list[str],
    encoder: Encoder,
    cache_dir: Path,
    batch_size: int = 64,
    progress: bool = False,
    threads: int = 0,
) -> tuple[np.ndarray, int]:
    """Vectors for the texts, from the cache where possible. Returns (matrix, newly embedded)."""
    cache = EmbeddingCache(cache_dir, encoder)
    matrix, missing = cache.lookup(texts)
    if missing:
        todo = [texts[i] for i in missing]
        # Longest first keeps padding waste low inside each batch.
        order = sorted(range(len(todo)), key=lambda i: -len(todo[i]))
        vectors = encoder.encode(
            [todo[i] for i in order], batch_size=batch_size, progress=progress, threads=threads
        )
        fresh = np.zeros_like(vectors)
        fresh[order] = vectors
        matrix[missing] = fresh
        cache.store(todo, fresh)
    return matrix, len(missing)


def save_vectors(matrix: np.ndarray, path: Path) -> None:
    np.save(path, matrix.astype(np.float32))


def load_vectors(path: Path) -> np.ndarray:
    return np.load(path, mmap_mode="r")


class VectorIndex:
    """Exact cosine search over unit vectors, fast on a CPU.

    The float32 matrix stays memory-mapped; a float16 copy (half the memory) is scanned
    with torch, whose half-precision matrix-vector product is several times faster than
    numpy's float32 one here (0.9 ms against 8 ms for 20,505 x 384 on one core). The
    best candidates of that scan are then rescored in float32, so the ranking and the
    similarities reported are exact unless a true top-``depth`` row falls outside the
    ``depth * OVERSAMPLE`` candidates, which half precision's ~1e-3 error makes unlikely.
    """

    OVERSAMPLE = 3

    def __init__(self, path: Path) -> None:
        import torch

        self._torch = torch
        self.matrix = load_vectors(path)
        self.half = torch.from_numpy(np.asarray(self.matrix, dtype=np.float16))

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    def search(
        self, vector: np.ndarray, allowed: np.ndarray, depth: int
    ) -> list[tuple[int, float]]:
        """Up to ``depth`` allowed rows as (row, cosine), best first."""
        depth = min(depth, int(allowed.sum()))
        if depth <= 0:
            return []
        query = self._torch.from_numpy(np.asarray(vector, dtype=np.float16))
        rough = self._torch.mv(self.half, query).float().numpy()
        rough = np.where(allowed, rough, -np.inf)
        wide = min(len(rough), depth * self.OVERSAMPLE)
        candidates = np.argpartition(-rough, wide - 1)[:wide]
        rows = np.sort(candidates[np.isfinite(rough[candidates])])  # sorted: mmap reads in order
        exact = np.asarray(self.matrix[rows] @ vector, dtype=np.float32)
        best = np.argsort(-exact, kind="stable")[:depth]
        return [(int(rows[i]), float(exact[i])) for i in best]
