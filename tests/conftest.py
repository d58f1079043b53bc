from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

from indexer.build import BuildResult, build_index
from indexer.settings import PROJECT_ROOT, Settings
from search_api.api.app import create_app
from search_api.engine.searcher import Searcher
from tests.fixture_data import write_corpus, write_sources

# Property tests are derandomized by default, so CI runs exactly the examples a developer
# ran; `HYPOTHESIS_PROFILE=explore make test` searches new random examples (more of them).
hypothesis_settings.register_profile("codesearch", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False, max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "codesearch"))


# In CI every test must run: a skipped end-to-end or browser test would let a green run
# hide that the real model, the real CMS files or the real browser were never exercised.
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true), which counts as a failure: {reason}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(
            f"WARNING: {len(skipped)} test(s) SKIPPED: the real model, CMS files or browser "
            "were not all exercised (in CI, with CI=true, a skip fails the run)",
            red=True,
            bold=True,
        )


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


# ----------------------------------------------- the real CMS files and the real model
def real_data_dir() -> Path:
    """The official CMS files: ``CODESEARCH_DATA_DIR`` (the Makefile sets it), else
    ``../shared/data``."""
    return Settings().data_dir or PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = real_data_dir()
    if not data.is_dir():
        pytest.skip(f"official CMS files not found at {data}")
    return Settings(
        data_dir=data,
        corpus_dir=PROJECT_ROOT / "corpus",
        index_dir=tmp_path_factory.mktemp("real-index"),
        cache_dir=PROJECT_ROOT / "var" / "cache",
        encoder="minilm",
    )


@pytest.fixture(scope="session")
def real_searcher(real_settings: Settings) -> Searcher:
    """The full index over the real files and the packaged MiniLM (2-3 minutes cold; the
    embedding cache in var/cache makes later runs fast)."""
    build_index(real_settings)
    return Searcher.open(real_settings)


@pytest.fixture(scope="session")
def real_client(real_settings: Settings, real_searcher: Searcher) -> Iterator[TestClient]:
    with TestClient(create_app(real_settings, searcher=real_searcher)) as client:
        yield client
