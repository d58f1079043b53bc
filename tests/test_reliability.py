"""Safe rebuilds, live reload, refused artifacts, bad source files, the admin token, CORS."""

from __future__ import annotations

import json
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from indexer.artifact import current_link, load_artifact
from indexer.build import build_index
from indexer.errors import IndexUnavailable, SourceError
from indexer.settings import Settings
from search_api.api.app import create_app
from tests.conftest import fixture_settings
from tests.fixture_data import HCPCS_NEW, MODIFIERS, _fixed_width, write_corpus, write_sources
from tests.helpers import ThreadedServer

TOKEN = "s3cret-token"


@pytest.fixture()
def fresh(tmp_path: Path) -> Settings:
    """A private copy of the fixture sources and corpus, with one build served."""
    write_sources(tmp_path)
    write_corpus(tmp_path)
    settings = fixture_settings(tmp_path, admin_token=TOKEN)
    build_index(settings)
    return settings


def served(settings: Settings) -> str:
    return current_link(settings.index_dir).resolve().name


def builds(settings: Settings) -> list[str]:
    return sorted(p.name for p in (settings.index_dir / "builds").iterdir())


# ------------------------------------------------------------------ bad sources
def _truncated_zip(data: Path) -> str:
    archive = next(data.rglob("*.zip"))
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return archive.name


def _wrong_columns(data: Path) -> str:
    import openpyxl

    workbook = next(data.rglob("*.xlsx"))
    book = openpyxl.Workbook()
    book.active.append(["CODE", "WHAT", "WHEN"])
    book.active.append(["A0428", "Ambulance", "2025"])
    book.save(workbook)
    return workbook.name


def _duplicate_codes(data: Path) -> str:
    archive = next(data.rglob("*.zip"))
    with zipfile.ZipFile(archive, "w") as rewritten:
        rewritten.writestr(
            "HCPC2024_OCT_ANWEB_test.txt", _fixed_width(HCPCS_NEW + HCPCS_NEW[:1], MODIFIERS)
        )
    return "HCPC2024_OCT_ANWEB_test.txt"


def _wrong_encoding(data: Path) -> str:
    archive = next(data.rglob("*.zip"))
    text = _fixed_width(HCPCS_NEW, MODIFIERS).decode("cp1252")
    with zipfile.ZipFile(archive, "w") as rewritten:
        rewritten.writestr("HCPC2024_OCT_ANWEB_test.txt", text.encode("utf-16"))
    return "HCPC2024_OCT_ANWEB_test.txt"


def _rvu_wrong_columns(data: Path) -> str:
    rvu = next(data.rglob("PPRRVU*.csv"))
    rvu.write_text("CODE,PRICE\r\n99213,100\r\n")
    return rvu.name


@pytest.mark.parametrize(
    "damage",
    [_truncated_zip, _wrong_columns, _duplicate_codes, _wrong_encoding, _rvu_wrong_columns],
)
def test_bad_source_fails_the_build_and_writes_nothing(fresh: Settings, damage: object) -> None:
    before, listing = served(fresh), builds(fresh)
    name = damage(fresh.data_dir)  # type: ignore[operator]
    with pytest.raises(SourceError) as failure:
        build_index(fresh)
    assert name in str(failure.value)
    assert served(fresh) == before and builds(fresh) == listing  # nothing written, none left


def test_wrong_encoding_says_so(fresh: Settings) -> None:
    _wrong_encoding(fresh.data_dir)  # type: ignore[arg-type]
    with pytest.raises(SourceError, match=r"ANWEB_test.txt, row 1: .*UTF-16.*Windows-1252"):
        build_index(fresh)


def test_bad_row_is_named(fresh: Settings) -> None:
    archive = next(fresh.data_dir.rglob("*.zip"))  # type: ignore[union-attr]
    with zipfile.ZipFile(archive, "w") as rewritten:
        rewritten.writestr(
            "HCPC2024_OCT_ANWEB_test.txt", _fixed_width(HCPCS_NEW[:3], []) + b"A0000 short\r\n"
        )
    with pytest.raises(SourceError, match=r"HCPC2024_OCT_ANWEB_test.txt.*row 4"):
        build_index(fresh)


# ------------------------------------------------------------ refused artifacts
def test_damaged_or_mismatched_builds_are_refused(fresh: Settings) -> None:
    build_dir = current_link(fresh.index_dir).resolve()
    model = json.loads((build_dir / "manifest.json").read_text())["model"]
    assert load_artifact(fresh.index_dir, model=model["name"], dimension=model["dimension"])
    with pytest.raises(IndexUnavailable, match="all-MiniLM-L6-v2"):
        load_artifact(fresh.index_dir, model="all-MiniLM-L6-v2", dimension=model["dimension"])
    with pytest.raises(IndexUnavailable, match="rebuild"):
        load_artifact(fresh.index_dir, model=model["name"], dimension=model["dimension"] + 1)
    with (build_dir / "records.jsonl").open("a") as handle:
        handle.write("\n")
    with pytest.raises(IndexUnavailable, match="does not match its manifest"):
        load_artifact(fresh.index_dir, model=model["name"], dimension=model["dimension"])
    (build_dir / "manifest.json").unlink()
    with pytest.raises(IndexUnavailable, match="no readable manifest"):
        load_artifact(fresh.index_dir, model=model["name"], dimension=model["dimension"])


def test_searcher_refuses_a_build_of_another_model(fresh: Settings) -> None:
    """The encoder loads while the index does; the model check comes once it has."""
    from search_api.engine.searcher import Searcher

    assert Searcher.open(fresh).encoder.name
    manifest_path = current_link(fresh.index_dir).resolve() / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["model"]["dimension"] += 1
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexUnavailable, match=r"the service is configured for .*: rebuild"):
        Searcher.open(fresh)


# ------------------------------------------------------------------ admin token
def test_admin_endpoint_absent_without_token(client: TestClient) -> None:
    response = client.post("/admin/reload")
    assert response.status_code == 404 and response.json()["error"]["type"] == "not_found"


def test_admin_endpoint_needs_the_bearer_token(fresh: Settings) -> None:
    with TestClient(create_app(fresh)) as test_client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = test_client.post("/admin/reload", headers=headers)
            assert response.status_code == 401, headers
            assert response.json()["error"]["type"] == "unauthorized"
        answer = test_client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200 and answer.json()["status"] == "unchanged"


# ------------------------------------------------------------------ live reload
@pytest.fixture()
def live(fresh: Settings) -> Iterator[str]:
    with ThreadedServer(create_app(fresh)) as url:
        yield url


def hammer(url: str, stop: threading.Event, statuses: Counter[str]) -> None:
    queries = ["ketorolac injection", "cpap", "walker with wheels", "E06", "blood draw"]
    with httpx.Client(base_url=url, timeout=30) as client:
        n = 0
        while not stop.is_set():
            query = queries[n % len(queries)]
            path = "/autocomplete" if n % 3 == 0 else "/search"
            try:
                statuses[str(client.get(path, params={"q": query}).status_code)] += 1
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
            n += 1


def test_live_reload_fails_no_request(fresh: Settings, live: str) -> None:
    statuses: Counter[str] = Counter()
    stop = threading.Event()
    workers = [threading.Thread(target=hammer, args=(live, stop, statuses)) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.3)
        first = httpx.get(f"{live}/health").json()["build_id"]
        build_index(fresh)  # beside the served one, switched in by the link
        new = served(fresh)
        assert new != first
        before_switch = sum(statuses.values())
        answer = httpx.post(
            f"{live}/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            **answer.json(),
            "status": "reloaded",
            "build_id": new,
            "previous_build_id": first,
        }
        assert httpx.get(f"{live}/health").json()["build_id"] == new
        time.sleep(0.3)

        # A damaged build is refused while the reloaded one keeps serving.
        build_index(fresh)
        damaged = current_link(fresh.index_dir).resolve()
        (damaged / "vectors.npy").write_bytes(b"\x93NUMPY damaged")
        refused = httpx.post(
            f"{live}/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
        )
        assert refused.status_code == 409
        assert refused.json()["error"]["type"] == "reload_refused"
        assert "does not match its manifest" in refused.json()["error"]["message"]
        assert httpx.get(f"{live}/health").json()["build_id"] == new
        time.sleep(0.3)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    assert sum(statuses.values()) > before_switch > 0
    assert set(statuses) == {"200"}, statuses


# ------------------------------------------------------------------------ CORS
def test_cors_allow_list(settings: Settings, searcher: object) -> None:
    allowed = settings.model_copy(update={"cors_origins": ["https://ehr.example"]})
    with TestClient(create_app(allowed, searcher=searcher)) as test_client:  # type: ignore[arg-type]
        preflight = {"Access-Control-Request-Method": "GET"}
        ok = test_client.options("/search", headers={"Origin": "https://ehr.example", **preflight})
        assert ok.headers.get("access-control-allow-origin") == "https://ehr.example"
        other = test_client.get(
            "/search", params={"q": "cpap"}, headers={"Origin": "https://evil.example"}
        )
        assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
    with TestClient(create_app(settings, searcher=searcher)) as test_client:  # type: ignore[arg-type]
        plain = test_client.get(
            "/search", params={"q": "cpap"}, headers={"Origin": "https://ehr.example"}
        )
        assert "access-control-allow-origin" not in plain.headers
