"""FHIR R4 terminology operations: every response is validated with fhir.resources (R4B models)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.terminologycapabilities import TerminologyCapabilities
from fhir.resources.R4B.valueset import ValueSet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS_VS = HCPCS + "?fhir_vs"
CPT_VS = CPT + "?fhir_vs"
LOOKUP = "/fhir/CodeSystem/$lookup"


def fhir_json(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    body: dict[str, Any] = response.json()
    return body


def params_of(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    Parameters.model_validate(body)
    found: dict[str, list[dict[str, Any]]] = {}
    for parameter in body["parameter"]:
        found.setdefault(parameter["name"], []).append(parameter)
    return found


def properties_of(body: dict[str, Any]) -> dict[str, Any]:
    props = {}
    for parameter in params_of(body).get("property", []):
        parts = {p["name"]: p for p in parameter["part"]}
        value = next(v for k, v in parts["value"].items() if k.startswith("value"))
        props[parts["code"]["valueCode"]] = value
    return props


def assert_outcome(response: Any, status: int, code: str) -> str:
    body = fhir_json(response, status)
    OperationOutcome.model_validate(body)
    issue = body["issue"][0]
    assert issue["severity"] == "error" and issue["code"] == code, body
    assert issue["diagnostics"]
    return str(issue["diagnostics"])


def test_lookup_hcpcs(client: TestClient) -> None:
    body = fhir_json(client.get(LOOKUP, params={"system": HCPCS, "code": "J1885"}))
    found = params_of(body)
    assert found["display"][0]["valueString"] == "Injection, ketorolac tromethamine, per 15 mg"
    assert found["version"][0]["valueString"] == "2025-01"
    designations = {}
    for parameter in found["designation"]:
        parts = {p["name"]: p for p in parameter["part"]}
        designations.setdefault(parts["use"]["valueCoding"]["code"], []).append(
            parts["value"]["valueString"]
        )
    assert designations["short-descriptor"] == ["Ketorolac tromethamine inj"]
    assert designations["plain-language"][0].startswith("A shot of ketorolac")
    assert designations["900000000000013009"] == ["toradol shot", "ketorolac injection"]
    props = properties_of(body)
    assert props["status"] == "active" and props["inactive"] is False
    assert props["addedDate"] == "1993-01-01" and props["category"].startswith("Drugs")


def test_lookup_cpt_work_rvu_and_property_filter(client: TestClient) -> None:
    body = fhir_json(client.get(LOOKUP, params={"system": CPT, "code": "99490"}))
    assert properties_of(body)["workRvu"] == 1.0
    only = fhir_json(
        client.get(
            "/fhir/CodeSystem/$lookup",
            params={"system": CPT, "code": "99490", "property": ["workRvu", "status"]},
        )
    )
    assert set(properties_of(only)) == {"workRvu", "status"}
    assert "designation" not in params_of(only)


def test_lookup_https_alias_modifier_and_inactive(client: TestClient) -> None:
    alias = HCPCS.replace("http://", "https://")
    body = fhir_json(client.get("/fhir/CodeSystem/$lookup", params={"system": alias, "code": "LT"}))
    assert properties_of(body)["modifier"] is True
    terminated = properties_of(
        fhir_json(client.get("/fhir/CodeSystem/$lookup", params={"system": HCPCS, "code": "A9999"}))
    )
    assert terminated["status"] == "retired" and terminated["retirementDate"] == "2025-01-01"


def test_lookup_post_parameters(client: TestClient) -> None:
    request = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "coding", "valueCoding": {"system": HCPCS, "code": "E0601"}},
        ],
    }
    Parameters.model_validate(request)
    response = client.post("/fhir/CodeSystem/$lookup", json=request)
    body = fhir_json(response)
    assert params_of(body)["display"][0]["valueString"].startswith("Continuous positive airway")


def test_validate_code(client: TestClient) -> None:
    def result(path: str, **params: str) -> dict[str, list[dict[str, Any]]]:
        return params_of(fhir_json(client.get(path, params=params)))

    ok = result(
        "/fhir/CodeSystem/$validate-code",
        url=HCPCS,
        code="J1885",
        display="Ketorolac tromethamine inj",
    )
    assert ok["result"][0]["valueBoolean"] is True and "message" not in ok
    wrong_display = result(
        "/fhir/CodeSystem/$validate-code", url=HCPCS, code="J1885", display="aspirin"
    )
    assert wrong_display["result"][0]["valueBoolean"] is False
    assert "aspirin" in wrong_display["message"][0]["valueString"]
    unknown = result("/fhir/CodeSystem/$validate-code", url=HCPCS, code="Z9999")
    assert unknown["result"][0]["valueBoolean"] is False
    lower = result("/fhir/CodeSystem/$validate-code", url=HCPCS, code="j1885")
    assert "did you mean 'J1885'" in lower["message"][0]["valueString"]
    hcpcs_in_cpt = result("/fhir/ValueSet/$validate-code", url=CPT_VS, code="J1885")
    assert hcpcs_in_cpt["result"][0]["valueBoolean"] is False
    in_vs = result("/fhir/ValueSet/$validate-code", url=CPT_VS, system=CPT, code="99213")
    assert in_vs["result"][0]["valueBoolean"] is True
    inactive = result("/fhir/ValueSet/$validate-code", url=HCPCS_VS, code="A9999")
    assert inactive["result"][0]["valueBoolean"] is True
    assert "inactive" in inactive["message"][0]["valueString"]


def test_validate_code_post(client: TestClient) -> None:
    request = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "url", "valueUri": HCPCS_VS},
            {"name": "coding", "valueCoding": {"system": HCPCS, "code": "K0001"}},
        ],
    }
    body = fhir_json(client.post("/fhir/ValueSet/$validate-code", json=request))
    assert params_of(body)["result"][0]["valueBoolean"] is True


def expansion(client: TestClient, **params: Any) -> dict[str, Any]:
    body = fhir_json(client.get("/fhir/ValueSet/$expand", params=params))
    ValueSet.model_validate(body)
    expansion: dict[str, Any] = body["expansion"]
    return expansion


def test_expand_filter_pages(client: TestClient) -> None:
    first = expansion(client, url=HCPCS_VS, filter="inj", count=3)
    # Nine active J codes of the fixture have a word starting "inj"; C9901 (terminated) last.
    assert first["total"] == 10 and first["offset"] == 0 and len(first["contains"]) == 3
    assert first["contains"][0] == {
        "system": HCPCS,
        "code": "J1885",
        "display": "Injection, ketorolac tromethamine, per 15 mg",
    }
    rest = expansion(client, url=HCPCS_VS, filter="inj", count=10, offset=3)
    codes = [c["code"] for c in first["contains"] + rest["contains"]]
    assert len(codes) == 10 == len(set(codes)) and all(c.startswith("J") for c in codes[:9])
    assert codes[9] == "C9901" and rest["contains"][-1]["inactive"] is True
    spelled = expansion(client, url=HCPCS_VS, filter="dexameth sod phos")
    assert spelled["contains"][0]["code"] == "J1100"
    assert expansion(client, url=HCPCS_VS, filter="toradol")["contains"][0]["code"] == "J1885"


def test_expand_inactive_and_active_only(client: TestClient) -> None:
    with_inactive = expansion(client, url=HCPCS_VS, filter="misc dme")
    assert with_inactive["contains"] == [
        {
            "system": HCPCS,
            "code": "A9999",
            "inactive": True,
            "display": "Miscellaneous dme supply or accessory, not otherwise specified",
        }
    ]
    assert expansion(client, url=HCPCS_VS, filter="misc dme", activeOnly="true")["total"] == 0


def test_expand_whole_code_system(client: TestClient) -> None:
    everything = expansion(client, url=CPT_VS, count=1000)
    codes = [c["code"] for c in everything["contains"]]
    assert everything["total"] == len(codes) == 14 and codes == sorted(codes)
    assert all(c["system"] == CPT for c in everything["contains"])
    size_only = expansion(client, url=CPT_VS, count=0)
    assert size_only["total"] == 14 and "contains" not in size_only


def test_expand_post(client: TestClient) -> None:
    request = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "url", "valueUri": CPT_VS},
            {"name": "filter", "valueString": "psyc"},
            {"name": "count", "valueInteger": 2},
        ],
    }
    body = fhir_json(client.post("/fhir/ValueSet/$expand", json=request))
    ValueSet.model_validate(body)
    assert body["expansion"]["total"] == 3 and len(body["expansion"]["contains"]) == 2


def test_metadata(client: TestClient) -> None:
    statement = fhir_json(client.get("/fhir/metadata"))
    CapabilityStatement.model_validate(statement)
    operations = {
        (r["type"], o["name"]) for r in statement["rest"][0]["resource"] for o in r["operation"]
    }
    assert operations == {
        ("CodeSystem", "lookup"),
        ("CodeSystem", "validate-code"),
        ("ValueSet", "expand"),
        ("ValueSet", "validate-code"),
    }
    capabilities = fhir_json(client.get("/fhir/metadata", params={"mode": "terminology"}))
    TerminologyCapabilities.model_validate(capabilities)
    assert {c["uri"] for c in capabilities["codeSystem"]} == {HCPCS, CPT}
    assert "every word is the start of a word" in capabilities["expansion"]["textFilter"]


@pytest.mark.parametrize(
    ("method", "path", "params", "status", "code"),
    [
        (
            "GET",
            "/fhir/CodeSystem/$lookup",
            {"system": "http://loinc.org", "code": "1"},
            400,
            "not-supported",
        ),
        ("GET", "/fhir/CodeSystem/$lookup", {"system": HCPCS}, 400, "required"),
        ("GET", "/fhir/CodeSystem/$lookup", {"code": "J1885"}, 400, "required"),
        ("GET", "/fhir/CodeSystem/$lookup", {"system": HCPCS, "code": "Z9999"}, 404, "not-found"),
        (
            "GET",
            "/fhir/CodeSystem/$lookup",
            {"system": HCPCS, "code": "J1885", "property": "x"},
            400,
            "not-supported",
        ),
        ("GET", "/fhir/CodeSystem/$lookup", {"system": HCPCS, "code": "A" * 65}, 400, "invalid"),
        (
            "GET",
            "/fhir/CodeSystem/$lookup",
            {"system": HCPCS, "code": "J1885", "colour": "red"},
            400,
            "not-supported",
        ),
        (
            "GET",
            "/fhir/CodeSystem/$lookup",
            {"system": HCPCS, "code": "J1885", "_format": "xml"},
            406,
            "not-supported",
        ),
        ("GET", "/fhir/ValueSet/$expand", {"url": HCPCS_VS, "count": "-1"}, 400, "invalid"),
        ("GET", "/fhir/ValueSet/$expand", {"url": HCPCS_VS, "count": "abc"}, 400, "invalid"),
        ("GET", "/fhir/ValueSet/$expand", {"url": HCPCS_VS, "count": "5000"}, 400, "invalid"),
        ("GET", "/fhir/ValueSet/$expand", {"url": HCPCS_VS, "activeOnly": "maybe"}, 400, "invalid"),
        ("GET", "/fhir/ValueSet/$expand", {"url": HCPCS_VS, "filter": "?"}, 400, "invalid"),
        ("GET", "/fhir/ValueSet/$expand", {}, 400, "required"),
        ("GET", "/fhir/ValueSet/$expand", {"url": "http://example.org/vs"}, 400, "not-supported"),
        ("GET", "/fhir/ValueSet/$validate-code", {"url": HCPCS_VS}, 400, "required"),
        ("GET", "/fhir/metadata", {"mode": "odd"}, 400, "invalid"),
        ("GET", "/fhir/Patient/1", {}, 404, "not-supported"),
        ("DELETE", "/fhir/metadata", {}, 405, "not-supported"),
    ],
)
def test_errors_are_operation_outcomes(
    client: TestClient, method: str, path: str, params: dict[str, str], status: int, code: str
) -> None:
    assert_outcome(client.request(method, path, params=params), status, code)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "structure"),
        (b'{"resourceType": "Patient"}', "structure"),
        (b'{"resourceType": "Parameters", "parameter": [{"name": "url"}]}', "structure"),
        (
            b'{"resourceType": "Parameters", "parameter": [{"name": "count", "valueString": "7"}]}',
            "invalid",
        ),
        (
            b'{"resourceType": "Parameters", "parameter": [{"name": "bogus", "valueString": "7"}]}',
            "not-supported",
        ),
    ],
)
def test_bad_post_bodies(client: TestClient, body: bytes, code: str) -> None:
    response = client.post(
        "/fhir/ValueSet/$expand", content=body, headers={"content-type": "application/fhir+json"}
    )
    assert_outcome(response, 400, code)


@pytest.mark.parametrize(
    "parameter",
    [
        {"name": "coding", "valueCoding": {"system": {"a": 1}, "code": "J1885"}},
        {"name": "coding", "valueString": "J1885"},
        {"name": "property", "valueCoding": {"code": "workRvu"}},
        {"name": "system", "valueInteger": 3},
    ],
)
def test_odd_lookup_parameters_are_4xx(client: TestClient, parameter: dict[str, Any]) -> None:
    body = {"resourceType": "Parameters", "parameter": [parameter]}
    assert_outcome(client.post(LOOKUP, json=body), 400, "invalid")


def test_other_paths_keep_the_app_error_shape(client: TestClient) -> None:
    body = client.get("/nowhere").json()
    assert set(body) == {"error"} and body["error"]["status"] == 404


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=80))
def test_no_filter_or_code_yields_a_5xx(client: TestClient, text: str) -> None:
    expand = client.get("/fhir/ValueSet/$expand", params={"url": HCPCS_VS, "filter": text})
    lookup = client.get("/fhir/CodeSystem/$lookup", params={"system": CPT, "code": text})
    for response in (expand, lookup):
        assert response.status_code < 500, (text, response.text)
        if response.status_code >= 400:
            OperationOutcome.model_validate(response.json())
        elif response is expand:
            ValueSet.model_validate(response.json())
