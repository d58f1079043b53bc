from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import assert_error_shape


def test_paragraph_finds_the_code_with_a_confidence(client: TestClient) -> None:
    text = (
        "Hi, the patient came in with pain after surgery and the nurse gave a toradol shot "
        "in the clinic. Which code do we bill for the drug?"
    )
    response = client.post("/search", json={"text": text, "limit": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["results"]) == 3
    assert "J1885" in [r["code"] for r in body["results"]]
    assert all(0.0 <= r["confidence"] <= 1.0 for r in body["results"])
    assert {"no_confident_match", "threshold", "expansions"} <= set(body)


def test_a_code_in_the_text_is_a_confident_match(client: TestClient) -> None:
    body = client.post("/search", json={"text": "was J1100 billed correctly?"}).json()
    assert body["results"][0]["code"] == "J1100"
    assert body["results"][0]["confidence"] >= body["threshold"]
    assert body["no_confident_match"] is False


@pytest.mark.parametrize(
    "text", ["the weather is nice today", "who won the football game last night", "asdf qwer zxcv"]
)
def test_unrelated_text_says_no_confident_match(client: TestClient, text: str) -> None:
    body = client.post("/search", json={"text": text}).json()
    assert body["no_confident_match"] is True
    assert all(r["confidence"] < body["threshold"] for r in body["results"])


def test_system_filter(client: TestClient) -> None:
    body = client.post("/search", json={"text": "chronic care management", "system": "CPT"}).json()
    assert body["results"] and {r["system"] for r in body["results"]} == {"CPT"}


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (None, 422),
        ({}, 422),
        ({"text": ""}, 422),
        ({"text": 42}, 422),
        ({"text": ["cpap"]}, 422),
        ({"text": "cpap", "limit": 0}, 422),
        ({"text": "cpap", "limit": "many"}, 422),
        ({"text": "cpap", "system": "ICD10"}, 422),
        ({"text": "cpap", "colour": "red"}, 422),
        ({"text": "x " * 5000}, 422),
        ({"text": "( * : )"}, 400),
    ],
)
def test_bad_bodies_are_4xx_with_one_shape(
    client: TestClient, payload: object, status: int
) -> None:
    response = client.post("/search", json=payload)
    assert response.status_code == status, response.text
    assert_error_shape(response.json(), status)


def test_body_that_is_not_json(client: TestClient) -> None:
    response = client.post(
        "/search", content=b"text=cpap", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert_error_shape(response.json(), 422)


def test_a_long_paragraph_is_accepted(client: TestClient) -> None:
    text = "The patient uses a cpap device every night for sleep apnea. " * 60
    assert 2000 < len(text) < 8000
    response = client.post("/search", json={"text": text})
    assert response.status_code == 200
    assert "E0601" in [r["code"] for r in response.json()["results"]]


def test_the_page_is_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'role="combobox"' in page.text and "/static/app.js" in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200
