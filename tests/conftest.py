from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

from indexer.build import BuildResult, build_index
from indexer.settings import Settings
from search_api.app import create_app
from search_api.searcher import Searcher

from .fixture_data import write_corpus, write_sources

# Property tests are derandomized by default, so CI runs exactly the examples a developer
# ran; `HYPOTHESIS_PROFILE=explore make test` searches new random examples (more of them).
hypothesis_settings.register_profile("codesearch", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False, max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "codesearch"))


def fixture_settings(root: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": root / "data",
        "corpus_dir": root / "corpus",
        "index_dir": root / "index",
        "cache_dir": root / "cache",
        "encoder": "hashing",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fixture")
    write_sources(root)
    write_corpus(root)
    return root


@pytest.fixture(scope="session")
def settings(fixture_root: Path) -> Settings:
    return fixture_settings(fixture_root)


@pytest.fixture(scope="session")
def built(settings: Settings) -> BuildResult:
    return build_index(settings)


@pytest.fixture(scope="session")
def searcher(settings: Settings, built: BuildResult) -> Searcher:
    return Searcher.open(settings)


@pytest.fixture(scope="session")
def client(settings: Settings, searcher: Searcher) -> Iterator[TestClient]:
    with TestClient(create_app(settings, searcher=searcher)) as test_client:
        yield test_client
