from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.embedding import HashingEncoder, MiniLMEncoder, cpu_has_native_bf16, resolve_precision

AMD_ZEN4 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n"
INTEL_AVX2 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n"
SAPPHIRE_RAPIDS = "processor\t: 0\nflags\t\t: avx512f amx_tile amx_bf16 amx_int8\n"


def test_native_bf16_is_read_from_the_cpu_flags() -> None:
    assert cpu_has_native_bf16(AMD_ZEN4)
    assert cpu_has_native_bf16(SAPPHIRE_RAPIDS)
    assert not cpu_has_native_bf16(INTEL_AVX2)
    assert not cpu_has_native_bf16("")  # not Linux, or no flags line


def test_explicit_precisions_are_kept_and_unknown_ones_refused() -> None:
    assert resolve_precision("float32") == "float32"
    assert resolve_precision("bfloat16") == "bfloat16"
    assert resolve_precision("auto") in {"float32", "bfloat16"}
    with pytest.raises(ValueError):
        resolve_precision("int4")


def test_each_precision_has_its_own_embedding_cache(tmp_path: Path) -> None:
    from indexer.vector_index import EmbeddingCache, embed_texts

    class Bf16Hashing(HashingEncoder):
        precision = "bfloat16"

    embed_texts(["walker", "cane"], HashingEncoder(), tmp_path)
    assert len(EmbeddingCache(tmp_path, HashingEncoder()).rows) == 2
    assert len(EmbeddingCache(tmp_path, Bf16Hashing()).rows) == 0


def test_bfloat16_vectors_agree_with_float32() -> None:
    texts = [
        "Injection, ketorolac tromethamine, per 15 mg",
        "toradol shot",
        "Continuous positive airway pressure (cpap) device",
        "psychotherapy with patient 45 minutes",
        "Walker, rigid (pickup), adjustable or fixed height",
        "a" * 3000,  # truncated at the model's 256 word pieces
        "",
    ]
    full = MiniLMEncoder("float32").encode(texts)
    half = MiniLMEncoder("bfloat16").encode(texts)
    assert full.dtype == half.dtype == np.float32
    assert full.shape == half.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(half, axis=1), 1.0, atol=1e-4)
    cosine = (full * half).sum(axis=1)
    assert cosine.min() > 0.999, cosine
    assert MiniLMEncoder("float32").encode([]).shape == (0, 384)
