"""Generated input against every endpoint and the analyser: no input yields a 5xx, every
rejection is a 4xx in the endpoint's one error shape, and analysis is well behaved.

The example counts add up to over 10,000 generated inputs per run; each test checks that
hypothesis really ran as many as it was asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.analysis import normalize, tokens
from search_api.engine.query import analyse
from search_api.engine.searcher import Searcher

# Text people (and fuzzers) send: anything, query syntax, code-like strings, long runs.
SYNTAX = st.sampled_from(
    [
        "AND",
        "OR",
        "NOT",
        "(",
        ")",
        "*",
        "?",
        "~",
        "^",
        ":",
        '"',
        "'",
        "\\",
        "/",
        "[",
        "]",
        "{",
        "}",
        "-",
        "+",
        "!",
        "&&",
        "||",
        "%",
        "\x00",
    ]
)
CODELIKE = st.from_regex(r"[A-Va-v]?\d{0,5}[FTUMftum]?", fullmatch=True)
WORDS = st.sampled_from(
    [
        "knee",
        "brace",
        "inj",
        "cpap",
        "walker",
        "blood",
        "draw",
        "E06",
        "J1885",
        "with",
        "the",
        "toradol",
        "wheelch",
        "ins",
    ]
)
TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(SYNTAX, WORDS, CODELIKE), max_size=12).map(" ".join),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1990, max_size=2010),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
)
NUMBER = st.one_of(st.integers(-5, 2000).map(str), st.text(max_size=6))


def run(count: int, strategy: st.SearchStrategy[Any], check: Callable[[Any], None]) -> int:
    """Run ``check`` on ``count`` generated examples; return how many really ran."""
    seen = [0]

    @settings(
        max_examples=count, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(strategy)
    def inner(example: Any) -> None:
        seen[0] += 1
        check(example)

    inner()
    return seen[0]


def no_5xx(response: Any, fhir: bool = False) -> None:
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        body = response.json()
        if fhir:
            assert body["resourceType"] == "OperationOutcome" and body["issue"]
        else:
            assert set(body) == {"error"}, body
            error = body["error"]
            assert error["status"] == response.status_code and error["message"]
            assert set(error) == {"status", "type", "message", "details"}


ENDPOINTS: list[tuple[str, int, st.SearchStrategy[Any], Callable[[TestClient, Any], Any], bool]] = [
    (
        "search",
        2000,
        st.tuples(TEXT, NUMBER, NUMBER, st.sampled_from(["hybrid", "keyword", "semantic", "x"])),
        lambda c, e: c.get(
            "/search", params={"q": e[0], "limit": e[1], "offset": e[2], "mode": e[3]}
        ),
        False,
    ),
    (
        "autocomplete",
        2000,
        st.tuples(TEXT, NUMBER),
        lambda c, e: c.get("/autocomplete", params={"q": e[0], "limit": e[1]}),
        False,
    ),
    ("codes", 800, TEXT, lambda c, e: c.get("/codes/" + quote(e, safe="")), False),
    (
        "history",
        400,
        st.one_of(CODELIKE, st.text(max_size=20)),
        lambda c, e: c.get(f"/codes/{quote(e or 'x', safe='')}/history"),
        False,
    ),
    (
        "changes",
        600,
        st.tuples(st.text(max_size=12), NUMBER),
        lambda c, e: c.get("/changes", params={"since": e[0], "limit": e[1]}),
        False,
    ),
    (
        "categories",
        400,
        st.text(max_size=20),
        lambda c, e: c.get(f"/categories/{quote(e or 'x', safe='')}"),
        False,
    ),
    (
        "search_active_on",
        400,
        st.tuples(TEXT, st.text(max_size=12)),
        lambda c, e: c.get("/search", params={"q": e[0], "active_on": e[1], "mode": "keyword"}),
        False,
    ),
    (
        "nlm",
        1000,
        st.tuples(TEXT, NUMBER, st.text(max_size=20)),
        lambda c, e: c.get(
            "/api/hcpcs/v3/search", params={"terms": e[0], "maxList": e[1], "df": e[2]}
        ),
        False,
    ),
    (
        "fhir_expand",
        800,
        st.tuples(TEXT, NUMBER),
        lambda c, e: c.get(
            "/fhir/ValueSet/$expand",
            params={
                "url": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets?fhir_vs",
                "filter": e[0],
                "count": e[1],
            },
        ),
        True,
    ),
    (
        "fhir_lookup",
        600,
        st.tuples(
            TEXT,
            st.sampled_from(
                [
                    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
                    "http://www.ama-assn.org/go/cpt",
                    "urn:unknown",
                    "",
                ]
            ),
        ),
        lambda c, e: c.get("/fhir/CodeSystem/$lookup", params={"code": e[0], "system": e[1]}),
        True,
    ),
    (
        "fhir_post_body",
        400,
        st.one_of(st.text(max_size=100), st.binary(max_size=100)),
        lambda c, e: c.post(
            "/fhir/CodeSystem/$lookup", content=e, headers={"content-type": "application/fhir+json"}
        ),
        True,
    ),
]


@pytest.mark.parametrize("name,count,strategy,call,fhir", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_endpoint_never_fails_on_generated_input(
    client: TestClient,
    name: str,
    count: int,
    strategy: st.SearchStrategy[Any],
    call: Callable[[TestClient, Any], Any],
    fhir: bool,
) -> None:
    ran = run(count, strategy, lambda example: no_5xx(call(client, example), fhir))
    assert ran >= count * 0.95, f"{name}: only {ran} of {count} examples ran"


def test_total_generated_inputs_reach_ten_thousand() -> None:
    assert sum(e[1] for e in ENDPOINTS) + ANALYSER_EXAMPLES >= 10_000


ANALYSER_EXAMPLES = 1500


def test_analyser_properties(searcher: Searcher) -> None:
    def check(text: str) -> None:
        once = normalize(text)
        assert normalize(once) == once  # idempotent
        assert all(t == t.lower() and t.strip() == t and t for t in tokens(text))
        query = analyse(text, searcher.vocabulary, searcher.repair)
        assert all(w for w in query.words)
        assert all(c.upper() == c for c in query.codes)

    ran = run(ANALYSER_EXAMPLES, TEXT, check)
    assert ran >= ANALYSER_EXAMPLES * 0.95


# ------------------------------------------------------- answers, not only statuses
QUERY_WORDS = st.lists(st.one_of(WORDS, CODELIKE, st.sampled_from(["pump", "x-ray", "E0601"])))


def evidence(result: dict[str, Any]) -> bool:
    return bool(result["matched_fields"] or result["similarity"] is not None)


def test_search_answers_are_well_formed(client: TestClient) -> None:
    """On 200: no more than ``limit`` results, no code twice, scores never rise, every
    result says why it matched, and a page is the slice of the longer answer."""

    def check(example: tuple[list[str], int, int, str]) -> None:
        words, limit, offset, mode = example
        params = {"q": " ".join(words) or "x", "limit": limit, "offset": offset, "mode": mode}
        response = client.get("/search", params=params)
        no_5xx(response)
        if response.status_code != 200:
            return
        results = response.json()["results"]
        codes = [(r["system"], r["code"]) for r in results]
        assert len(results) <= limit and len(codes) == len(set(codes)), codes
        scores = [r["score"] for r in results]
        assert scores == sorted(scores, reverse=True), scores
        assert all(evidence(r) for r in results), results
        whole = client.get("/search", params={**params, "offset": 0, "limit": offset + limit})
        assert [r["code"] for r in whole.json()["results"][offset:]] == [c for _s, c in codes]

    strategy = st.tuples(
        QUERY_WORDS.filter(bool),
        st.integers(1, 20),
        st.integers(0, 15),
        st.sampled_from(["hybrid", "keyword", "semantic"]),
    )
    assert run(300, strategy, check) >= 285


def test_autocomplete_answers_are_well_formed(client: TestClient) -> None:
    def check(example: tuple[list[str], int]) -> None:
        words, limit = example
        response = client.get("/autocomplete", params={"q": " ".join(words), "limit": limit})
        no_5xx(response)
        if response.status_code == 200:
            codes = [(r["system"], r["code"]) for r in response.json()["results"]]
            assert len(codes) <= limit and len(codes) == len(set(codes)), codes

    assert run(300, st.tuples(QUERY_WORDS.filter(bool), st.integers(1, 20)), check) >= 285


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
DEEP = st.integers(20, 20_000).map(lambda n: "[" * n + "]" * n)


def test_post_search_never_fails_on_generated_bodies(client: TestClient) -> None:
    bodies = st.one_of(
        JSON.map(lambda j: {"json": j}),
        st.fixed_dictionaries(
            {"text": TEXT, "limit": st.one_of(st.integers(-3, 200), JSON)},
            optional={"system": st.sampled_from(["HCPCS", "CPT", "X", ""]), "extra": JSON},
        ).map(lambda j: {"json": j}),
        st.one_of(DEEP, st.binary(max_size=80)).map(lambda raw: {"content": raw}),
    )

    def check(body: dict[str, Any]) -> None:
        response = client.post("/search", headers={"content-type": "application/json"}, **body)
        no_5xx(response)
        if response.status_code == 200:
            answer = response.json()
            assert all(0.0 <= r["confidence"] <= 1.0 for r in answer["results"])
            limit = (
                body.get("json", {}).get("limit", 5) if isinstance(body.get("json"), dict) else 5
            )
            assert len(answer["results"]) <= limit

    assert run(500, bodies, check) >= 475


FHIR_POSTS = ["/fhir/CodeSystem/$lookup", "/fhir/ValueSet/$expand", "/fhir/ValueSet/$validate-code"]
FHIR_VALUE = st.one_of(
    st.tuples(st.sampled_from(["valueString", "valueCode", "valueUri"]), st.one_of(TEXT, JSON)),
    st.tuples(st.sampled_from(["valueInteger", "valueBoolean"]), JSON),
)
FHIR_PARAMETER = st.tuples(
    st.sampled_from(["code", "system", "url", "filter", "count", "offset", "display", "x", ""]),
    FHIR_VALUE,
).map(lambda p: {"name": p[0], p[1][0]: p[1][1]})


def test_fhir_post_bodies_never_fail(client: TestClient) -> None:
    bodies = st.one_of(
        st.lists(FHIR_PARAMETER, max_size=5).map(
            lambda ps: json_body({"resourceType": "Parameters", "parameter": ps})
        ),
        JSON.map(json_body),
        DEEP.map(str.encode),
        DEEP.map(
            lambda nested: f'{{"resourceType": "Parameters", "parameter": {nested}}}'.encode()
        ),
    )

    def check(example: tuple[str, bytes]) -> None:
        path, body = example
        response = client.post(
            path, content=body, headers={"content-type": "application/fhir+json"}
        )
        no_5xx(response, fhir=True)

    assert run(600, st.tuples(st.sampled_from(FHIR_POSTS), bodies), check) >= 570


def json_body(value: Any) -> bytes:
    import json

    return json.dumps(value).encode()


def test_mcp_tools_never_fail_on_generated_arguments(searcher: Searcher) -> None:
    """Tool calls with generated arguments come back as a result or a tool error, and the
    session stays usable."""
    import anyio
    from mcp import Client

    from search_api.protocols.mcp import build_mcp_server

    server = build_mcp_server(searcher)
    arguments = st.one_of(
        st.tuples(
            st.just("search_codes"),
            st.fixed_dictionaries(
                {"query": st.one_of(TEXT, JSON)},
                optional={"limit": JSON, "system": st.one_of(st.sampled_from(["CPT", "x"]), JSON)},
            ),
        ),
        st.tuples(st.just("lookup_code"), st.fixed_dictionaries({"code": st.one_of(TEXT, JSON)})),
        st.tuples(
            st.sampled_from(["search_codes", "lookup_code", "nope"]),
            JSON.filter(lambda j: isinstance(j, dict)),
        ),
    )

    def check(example: tuple[str, dict[str, Any]]) -> None:
        name, args = example

        async def call() -> None:
            async with Client(server) as session:
                result = await session.call_tool(name, args)
                if not result.is_error:
                    assert isinstance(result.structured_content, dict)
                alive = await session.call_tool("lookup_code", {"code": "J1885"})
                assert not alive.is_error

        anyio.run(call)

    assert run(200, arguments, check) >= 190
