"""NLM Clinical Tables protocol: the positional array [total, codes, extra_data, display_rows]."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import assert_error_shape

# The fixture's active HCPCS codes with a word starting "inj", in autocomplete order.
INJECTIONS = ["J1885", "J3475", "J9902", "J0561", "J1100", "J2405", "J9060", "J3420", "J0129"]


def nlm(client: TestClient, table: str = "hcpcs", **params: Any) -> list[Any]:
    response = client.get(f"/api/{table}/v3/search", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list) and len(body) == 4
    total, codes, extra, rows = body
    assert isinstance(total, int) and total >= len(codes)
    assert isinstance(codes, list) and all(isinstance(c, str) for c in codes)
    assert extra is None or isinstance(extra, dict)
    assert isinstance(rows, list) and len(rows) == len(codes)
    assert all(isinstance(r, list) and all(isinstance(v, str) for v in r) for r in rows)
    return body


def test_documented_layout_for_a_known_query(client: TestClient) -> None:
    """Defaults as documented: 7 results, codes, null extra data, [code, display] rows."""
    assert nlm(client, terms="inj") == [
        9,
        INJECTIONS[:7],
        None,
        [
            ["J1885", "Injection, ketorolac tromethamine, per 15 mg"],
            ["J3475", "Injection, magnesium sulfate, per 500 mg"],
            ["J9902", "Injection, zorbavimab (fixture drug), 1 mg"],
            ["J0561", "Injection, penicillin g benzathine, 100,000 units"],
            ["J1100", "Injection, dexamethasone sodium phosphate, 1 mg"],
            ["J2405", "Injection, ondansetron hydrochloride, per 1 mg"],
            ["J9060", "Injection, cisplatin, powder or solution, 10 mg"],
        ],
    ]


def test_paging_display_and_extra_fields(client: TestClient) -> None:
    total, codes, extra, rows = nlm(
        client, terms="inj", count=2, offset=1, df="short_desc", ef="short_desc:short,obsolete"
    )
    assert total == 9 and codes == INJECTIONS[1:3]
    assert rows == [["Inj magnesium sulfate"], ["Inj zorbavimab 1 mg"]]
    assert extra == {
        "short": ["Inj magnesium sulfate", "Inj zorbavimab 1 mg"],
        "obsolete": [False, False],
    }
    assert nlm(client, terms="inj", maxList=3)[1] == INJECTIONS[:3]
    assert nlm(client, terms="inj", maxList="")[1] == INJECTIONS  # empty: up to 500


def test_terms_are_word_prefixes_and_codes(client: TestClient) -> None:
    assert nlm(client, terms="dexameth sod phos")[1] == ["J1100"]
    assert nlm(client, terms="E06")[1] == ["E0601"]
    assert nlm(client, terms="toradol")[1] == ["J1885"]  # the project's synonyms count
    assert nlm(client, terms="toradol", sf="code,long_desc")[:2] == [0, []]


def test_extra_query(client: TestClient) -> None:
    assert nlm(client, terms="w", q="code:K*")[1] == ["K0001", "K0003"]
    assert nlm(client, terms="inj", q="code:J1885")[1] == ["J1885"]


def test_cpt_table(client: TestClient) -> None:
    total, codes, extra, rows = nlm(client, "cpt", terms="psyc", ef="work_rvu", cf="code")
    assert total == 3 and codes == ["90834", "90837", "90839"]
    assert extra == {"work_rvu": [2.0, 3.0, 3.1]}
    assert rows[0] == ["90834", "psychotherapy with patient 45 minutes"]
    assert nlm(client, "cpt", terms="inj")[1] == ["96372"]
    assert "J1885" not in nlm(client, "cpt", terms="ketorolac")[1]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 422),
        ({"terms": ""}, 422),
        ({"terms": "inj", "maxList": "x"}, 422),
        ({"terms": "inj", "maxList": "501"}, 422),
        ({"terms": "inj", "count": "0"}, 422),
        ({"terms": "inj", "count": "501"}, 422),
        ({"terms": "inj", "offset": "-1"}, 422),
        ({"terms": "inj", "df": "nope"}, 422),
        ({"terms": "inj", "sf": "plain_language"}, 422),
        ({"terms": "inj", "ef": "code,bogus:alias"}, 422),
        ({"terms": "inj", "cf": "code,display"}, 422),
        ({"terms": "inj", "q": "(a OR b)"}, 422),
        ({"terms": "inj", "colour": "red"}, 400),
        ({"terms": "?"}, 400),
    ],
)
def test_errors_have_the_app_shape(client: TestClient, params: dict[str, str], status: int) -> None:
    response = client.get("/api/hcpcs/v3/search", params=params)
    assert response.status_code == status, response.text
    assert_error_shape(response.json(), status)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(terms=st.text(min_size=1, max_size=80))
def test_no_terms_yield_a_5xx(client: TestClient, terms: str) -> None:
    response = client.get("/api/cpt/v3/search", params={"terms": terms})
    assert response.status_code < 500, (terms, response.text)
    if response.status_code >= 400:
        assert_error_shape(response.json(), response.status_code)
