"""The one settings object. Nothing else in the project reads ``os.environ``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration, read from ``CODESEARCH_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="CODESEARCH_", extra="ignore")

    data_dir: Path | None = Field(
        default=None,
        description="Folder (or zip) holding the official CMS files as downloaded. When unset, "
        "the files listed in corpus/sources.json are fetched and checked by sha256.",
    )
    corpus_dir: Path = Field(
        default=PROJECT_ROOT / "corpus",
        description="The project's own enrichment: synonyms, plain language, vocabulary tables.",
    )
    eval_dir: Path | None = Field(
        default=None,
        description="Evaluation query sets (*.jsonl), measured beside the project's own in "
        "corpus/eval/ by `codesearch quality` and the quality tests. Unset: the 'eval' "
        "folder beside data_dir (../shared/eval next to ../shared/data).",
    )
    index_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "index",
        description="Where index builds live; 'current' points at the served build.",
    )
    cache_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "cache",
        description="Embedding cache (by model and text hash) and downloaded source files.",
    )
    encoder: Literal["minilm", "hashing", "path"] = Field(
        default="minilm",
        description="'minilm': packaged all-MiniLM-L6-v2 (offline). 'path': the "
        "sentence-transformers model folder named by encoder_path (offline; see "
        "docs/models.md). 'hashing': a tiny deterministic encoder used by unit tests only.",
    )
    encoder_path: Path | None = Field(
        default=None,
        description="With encoder='path': a sentence-transformers model folder on disk "
        "(modules.json, config.json, weights). It is named in the manifest and the embedding "
        "cache by its folder name and a digest of its files; a service refuses an index built "
        "with a model of another name or dimension.",
    )
    torch_threads: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Threads torch uses to embed at build time (0 = one per core).",
    )
    query_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Threads torch uses to embed a query while other queries are embedding: "
        "more than one then only fights for the cores (2 were 10-40x slower under load).",
    )
    query_threads_alone: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Threads torch uses to embed a query when no other is embedding.",
    )
    embed_batch_size: int = Field(default=64, ge=1, le=4096)
    embed_precision: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto",
        description="Arithmetic for the sentence-transformers encoder. 'auto': bfloat16 "
        "where the CPU has native bf16 instructions (avx512_bf16 or amx_bf16: about twice "
        "as fast, vectors within cosine 0.9999 of float32), else float32.",
    )
    log_queries: bool = Field(
        default=False,
        description="Log raw query text. Off by default: clinicians may type patient details.",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="CORS allow-list of origins (JSON list in the environment); empty = no CORS.",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for POST /admin/reload. Unset: the admin endpoint does "
        "not exist.",
    )
    max_query_chars: int = Field(default=2000, ge=16, le=100_000)
    max_text_chars: int = Field(
        default=8000,
        ge=16,
        le=100_000,
        description="Longest text POST /search and the MCP search tool accept (a chatbot "
        "may forward a whole paragraph or note).",
    )
    max_limit: int = Field(default=100, ge=1, le=1000)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=32)
    keep_alive_s: int = Field(
        default=75,
        ge=1,
        le=3600,
        description="Seconds an idle keep-alive connection stays open. uvicorn's 5 s default "
        "let a client reuse a connection the server was closing (a dropped request under load).",
    )

    @field_validator(
        "data_dir", "corpus_dir", "eval_dir", "index_dir", "cache_dir", "encoder_path", mode="after"
    )
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return value.expanduser().resolve() if value is not None else None

    @property
    def eval_sets_dir(self) -> Path:
        """Where the shared evaluation sets are (see ``eval_dir``)."""
        if self.eval_dir is not None:
            return self.eval_dir
        if self.data_dir is not None:
            return self.data_dir.parent / "eval"
        return PROJECT_ROOT.parent / "shared" / "eval"

    @model_validator(mode="after")
    def _encoder_path_fits(self) -> Settings:
        if self.encoder == "path":
            if self.encoder_path is None:
                raise ValueError("encoder='path' needs encoder_path (CODESEARCH_ENCODER_PATH)")
            if not self.encoder_path.is_dir():
                raise ValueError(f"encoder_path {self.encoder_path} is not a folder")
        elif self.encoder_path is not None:
            raise ValueError(f"encoder_path is only read with encoder='path', not {self.encoder!r}")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
