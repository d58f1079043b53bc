from __future__ import annotations

from pathlib import Path


def test_embedding_cache_survives_duplicate_texts(tmp_path: Path) -> None:
    from indexer.vector_index import EmbeddingCache, embed_texts
    from models.embedding import HashingEncoder

    encoder = HashingEncoder()
    texts = ["walker", "cane", "walker", "crutches"]
    first, embedded = embed_texts(texts, encoder, tmp_path)
    assert embedded == 4
    again, embedded_again = embed_texts(texts + ["commode"], encoder, tmp_path)
    assert embedded_again == 1
    assert (again[:4] == first).all()
    assert len(EmbeddingCache(tmp_path, encoder).rows) == 4


def test_vector_search_equals_exact_float32_ranking(tmp_path: Path) -> None:
    import numpy as np

    from indexer.vector_index import VectorIndex, save_vectors

    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(3000, 64)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    save_vectors(matrix, tmp_path / "vectors.npy")
    index = VectorIndex(tmp_path / "vectors.npy")
    allowed = rng.random(3000) > 0.3
    for _ in range(20):
        query = matrix[rng.integers(3000)] + rng.normal(scale=0.5, size=64).astype(np.float32)
        query /= np.linalg.norm(query)
        found = index.search(query, allowed, depth=50)
        exact = np.where(allowed, matrix @ query, -np.inf)
        expected = np.argsort(-exact, kind="stable")[:50]
        assert [row for row, _ in found] == expected.tolist()
        assert np.allclose([s for _, s in found], exact[expected], atol=1e-6)
    assert index.search(matrix[0], np.zeros(3000, dtype=bool), depth=10) == []
