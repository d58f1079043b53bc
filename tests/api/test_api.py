from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import assert_error_shape


def test_search_shape(client: TestClient) -> None:
    response = client.get("/search", params={"q": "toradol shot"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "toradol shot" and body["mode"] == "hybrid"
    first = body["results"][0]
    assert first["code"] == "J1885" and first["system"] == "HCPCS" and first["active"] is True
    assert {"display", "descriptor_long", "score", "matched_fields"} <= set(first)
    assert body["expansions"][0]["replacement"] == "ketorolac"


def test_code_query(client: TestClient) -> None:
    assert client.get("/search", params={"q": "J1100"}).json()["results"][0]["code"] == "J1100"


def test_autocomplete(client: TestClient) -> None:
    body = client.get("/autocomplete", params={"q": "cpap dev"}).json()
    assert "E0601" in [r["code"] for r in body["results"][:3]]


def test_lookup_and_404(client: TestClient) -> None:
    body = client.get("/codes/g9649").json()
    assert body["code"] == "G9649" and body["plain_language"] and body["rvu"] is None
    assert client.get("/codes/99490").json()["rvu"]["work_rvu"] == 1.0
    assert client.get("/codes/LT").json()["system"] == "MODIFIER"
    missing = client.get("/codes/Z9999")
    assert missing.status_code == 404
    assert_error_shape(missing.json(), 404)


def test_health(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["releases"] == ["2024-10", "2025-01", "rvu 2025-01"]
    assert body["counts"]["cpt_active"] == 13 and body["model"]["name"] == "hashing-test-encoder"


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/search", {}, 422),
        ("/search", {"q": ""}, 422),
        ("/search", {"q": "x" * 2001}, 422),
        ("/search", {"q": "cpap", "limit": "0"}, 422),
        ("/search", {"q": "cpap", "limit": "abc"}, 422),
        ("/search", {"q": "cpap", "mode": "magic"}, 422),
        ("/search", {"q": "cpap", "system": "ICD10"}, 422),
        ("/search", {"q": "cpap", "offset": "-1"}, 422),
        ("/search", {"q": "cpap", "colour": "red"}, 400),
        ("/search", {"q": "( * : )"}, 400),
        ("/autocomplete", {"q": "?"}, 400),
        ("/codes/" + "A" * 40, {}, 400),
        ("/nowhere", {}, 404),
    ],
)
def test_errors_have_one_shape(
    client: TestClient, path: str, params: dict[str, str], status: int
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert_error_shape(response.json(), status)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(min_size=0, max_size=120))
def test_no_input_yields_a_5xx(client: TestClient, text: str) -> None:
    for path in ("/search", "/autocomplete"):
        response = client.get(
            path, params={"q": text, "mode": "keyword"} if path == "/search" else {"q": text}
        )
        assert response.status_code < 500, (text, response.text)
        if response.status_code >= 400:
            assert_error_shape(response.json(), response.status_code)


def test_query_text_is_not_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    secret = "john smith dob 1970 psoriasis"
    with caplog.at_level("INFO", logger="codesearch.api"):
        client.get("/search", params={"q": secret})
    assert caplog.records and all(secret not in r.getMessage() for r in caplog.records)
    assert any(" /search query=<" in r.getMessage() for r in caplog.records)


def test_path_text_is_not_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    """A clinician may paste a patient into the path: the log carries the route template."""
    with caplog.at_level("INFO", logger="codesearch.api"):
        client.get("/codes/John%20Doe%20123-45-6789%0Aforged%00line")
        client.get("/nowhere/John%20Doe")
    messages = [r.getMessage() for r in caplog.records]
    assert messages and not any("John" in m or "forged" in m or "\x00" in m for m in messages)
    assert any(" /codes/{code} " in m for m in messages)
    assert any(" <no route> " in m for m in messages)
