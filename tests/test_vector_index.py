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
