from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient

from indexer.categories import percentile_rank
from tests.fixture_data import (
    CPT_ROWS,
    HCPCS_NEW,
    HCPCS_NEW_CHANGED,
    HCPCS_OLD_ONLY,
    HISTORY_NEW,
)
from tests.helpers import assert_error_shape


def test_percentile_rank_counts_ties_as_half() -> None:
    assert percentile_rank(2.0, [1.0, 2.0, 3.0, 4.0]) == 37.5
    assert percentile_rank(1.0, [1.0]) == 50.0


def test_category_counts_match_the_fixture_files(client: TestClient) -> None:
    rows = {r[0]: r for r in HCPCS_NEW + HCPCS_NEW_CHANGED + HISTORY_NEW + HCPCS_OLD_ONLY}
    expected = Counter(code[0] for code in rows)
    expected_active = Counter(code[0] for code, row in rows.items() if not row[4])
    body = client.get("/categories").json()["categories"]
    by_id = {c["id"]: c for c in body}
    for letter, count in expected.items():
        category = by_id[f"hcpcs-{letter.lower()}"]
        assert category["codes"] == count, letter
        assert category["active"] == expected_active[letter], letter
    assert by_id["cpt-em"]["system"] == "CPT"
    cpt_total = sum(c["codes"] for c in body if c["system"] == "CPT")
    assert cpt_total == len(CPT_ROWS)


def test_work_rvu_share_and_percentile(client: TestClient) -> None:
    g_codes = client.get("/categories/hcpcs-g").json()
    # G0438 is the only active G code with a work RVU in the fixture's RVU file
    assert g_codes["active_without_work_rvu"] == g_codes["active"] - 1
    assert g_codes["work_rvu"]["count"] == 1 and g_codes["work_rvu"]["max"] == 2.6
    em = client.get("/codes/99491").json()["comparison"]
    # E/M in the fixture: 99213 0.85, 99214 1.30, 99490 1.00, 99491 1.45 -> 99491 is the top
    assert em["category_id"] == "cpt-em" and em["work_rvu_percentile"] == 87.5
    assert any("percentile" in line for line in em["summary"])


def test_category_browse_lists_codes(client: TestClient) -> None:
    body = client.get("/categories/HCPCS-J", params={"limit": 3}).json()
    assert body["id"] == "hcpcs-j" and body["total"] == body["active"]
    assert [r["code"] for r in body["results"]] == sorted(r["code"] for r in body["results"])
    assert len(body["results"]) == 3
    everything = client.get("/categories/hcpcs-c", params={"include_terminated": "true"}).json()
    assert "C9901" in [r["code"] for r in everything["results"]]
    missing = client.get("/categories/nowhere")
    assert missing.status_code == 404
    assert_error_shape(missing.json(), 404)


def test_code_detail_is_enriched(client: TestClient) -> None:
    body = client.get("/codes/99490").json()
    assert body["rvu"]["status"].startswith("Active") and body["rvu"]["work_rvu"] == 1.0
    assert body["rvu"]["global_days_meaning"] == "Global period concept does not apply"
    assert body["likely_specialties"]  # from the category, CPT codes carry no BETOS
    j = client.get("/codes/J1885").json()
    assert j["clinical_context"]["betos"] == {"code": "D1E", "meaning": "Other DME"}
    assert j["clinical_context"]["type_of_service"] == [{"code": "1", "meaning": "Medical care"}]
    assert j["coverage_meaning"] == "Carrier judgment" and "DME supplier" in j["likely_specialties"]
    assert [e["kind"] for e in j["history"]] == ["added"]
    terminated = client.get("/codes/C9901").json()
    assert terminated["active"] is False and terminated["replaced_by"] == ["J9902"]
