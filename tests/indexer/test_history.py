from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from indexer.build import BuildResult
from indexer.hcpcs import HcpcsRow
from indexer.history import HistoryIndex, Release, active_periods, build_history
from tests.helpers import assert_error_shape


def row(code: str, long: str = "Thing, each", **fields: Any) -> HcpcsRow:
    return HcpcsRow(
        code=code, is_modifier=False, descriptor_long=long, descriptor_short=long[:28], **fields
    )


def kinds(history: dict[str, Any], key: str) -> list[tuple[str, str | None]]:
    return [(e["kind"], e["date"]) for e in history["codes"][key]["events"]]


def test_releases_are_compared_in_order() -> None:
    old = Release(
        "2025-01",
        [
            row("A0001", added_date="2001-01-01"),
            row("A0002", "Old words", added_date="2002-01-01"),
            row("A0003", added_date="2003-01-01"),
            row("A0004", added_date="2004-01-01", termination_date="2024-12-31", action_code="D"),
            row("A0005", added_date="2005-01-01"),
        ],
    )
    new = Release(
        "2025-04",
        [
            row("A0001", added_date="2001-01-01"),
            row(
                "A0002",
                "New words",
                added_date="2002-01-01",
                effective_date="2025-04-01",
                action_code="C",
            ),
            row(
                "A0003",
                added_date="2003-01-01",
                termination_date="2025-03-31",
                cross_references=["A0006"],
            ),
            row("A0004", added_date="2004-01-01", effective_date="2025-04-01", action_code="R"),
            row("A0006", added_date="2025-04-01", action_code="A"),
        ],
    )
    history = build_history([old, new])
    assert history["releases"] == ["2025-01", "2025-04"]
    assert kinds(history, "A0001") == [("added", "2001-01-01")]
    changed = history["codes"]["A0002"]["events"][-1]
    assert changed["kind"] == "changed" and changed["date"] == "2025-04-01"
    assert changed["changes"][0] == {
        "field": "descriptor_long",
        "old": "Old words",
        "new": "New words",
    }
    terminated = history["codes"]["A0003"]["events"][-1]
    assert terminated["kind"] == "terminated" and terminated["replaced_by"] == ["A0006"]
    assert history["codes"]["A0003"]["active_periods"] == [["2003-01-01", "2025-03-31"]]
    assert kinds(history, "A0004") == [
        ("added", "2004-01-01"),
        ("terminated", "2024-12-31"),
        ("reinstated", "2025-04-01"),
    ]
    assert history["codes"]["A0004"]["active_periods"] == [
        ["2004-01-01", "2024-12-31"],
        ["2025-04-01", None],
    ]
    assert kinds(history, "A0006") == [("added", "2025-04-01")]
    # dropped from the newer release without a termination date: terminated the day before
    assert kinds(history, "A0005")[-1] == ("terminated", "2025-03-31")


def test_a_later_quarter_needs_no_code_changes() -> None:
    releases = [
        Release(name, [row("B0001", text, added_date="2020-01-01")])
        for name, text in (("2025-01", "One"), ("2025-04", "Two"), ("2026-01", "Three"))
    ]
    events = build_history(releases)["codes"]["B0001"]["events"]
    assert [(e["kind"], e["release"]) for e in events] == [
        ("added", "2025-01"),
        ("changed", "2025-04"),
        ("changed", "2026-01"),
    ]
    assert events[-1]["changes"][0]["old"] == "Two" and events[-1]["date"] == "2026-01-01"


def test_oldest_release_action_code_is_a_change_with_unknown_old_text() -> None:
    history = build_history(
        [
            Release(
                "2025-01",
                [
                    row(
                        "C0001",
                        "Now",
                        added_date="2019-01-01",
                        effective_date="2025-01-01",
                        action_code="C",
                    )
                ],
            )
        ]
    )
    changed = history["codes"]["C0001"]["events"][-1]
    assert changed["basis"] == "action_code" and changed["changes"][0]["old"] is None


def test_active_periods_follow_a_moved_termination() -> None:
    events = [
        {"kind": "added", "date": "2020-01-01"},
        {"kind": "terminated", "date": "2025-03-31"},
        {"kind": "terminated", "date": "2025-06-30"},
    ]
    assert active_periods(events) == [["2020-01-01", "2025-06-30"]]


def test_active_mask_uses_periods_and_falls_back_to_current_state() -> None:
    history = {
        "releases": ["2025-01"],
        "codes": {"A0001": {"events": [], "active_periods": [["2020-01-01", "2024-12-31"]]}},
    }
    index = HistoryIndex(history, {"A0001": 0, "99213": 1}, np.array([False, True]))
    assert index.active_mask(dt.date(2024, 6, 1)).tolist() == [True, True]
    assert index.active_mask(dt.date(2025, 6, 1)).tolist() == [False, True]


# ------------------------------------------------------------- API over the fixture
def test_code_history_endpoint(client: TestClient) -> None:
    body = client.get("/codes/c9901/history").json()
    assert body["code"] == "C9901" and body["active"] is False
    assert body["releases"] == ["2024-10", "2025-01"]
    assert body["replaced_by"] == ["J9902"]
    assert [e["kind"] for e in body["events"]] == ["added", "terminated"]
    assert body["events"][-1]["date"] == "2024-12-31"
    assert body["events"][-1]["replaced_by"] == ["J9902"]
    added = client.get("/codes/J9902/history").json()["events"]
    assert [(e["kind"], e["date"], e["release"]) for e in added] == [
        ("added", "2025-01-01", "2025-01")
    ]
    reinstated = client.get("/codes/Q9903/history").json()
    assert reinstated["active_periods"] == [["2020-01-01", "2024-06-30"], ["2025-01-01", None]]


def test_changed_descriptor_keeps_old_and_new_text(client: TestClient) -> None:
    events = client.get("/codes/A4206/history").json()["events"]
    changed = [e for e in events if e["kind"] == "changed"]
    assert len(changed) == 1 and changed[0]["release"] == "2025-01"
    assert changed[0]["changes"] == [
        {
            "field": "descriptor_long",
            "old": "Syringe with needle, sterile, 1 cc or less, each (older wording)",
            "new": "Syringe with needle, sterile, 1 cc or less, each",
        }
    ]


def test_changes_since(client: TestClient) -> None:
    body = client.get("/changes", params={"since": "2024-10-01"}).json()
    found = {(c["kind"], c["code"]) for c in body["changes"]}
    assert {
        ("added", "J9902"),
        ("changed", "A4206"),
        ("terminated", "C9901"),
        ("reinstated", "Q9903"),
    } <= found
    assert body["counts"]["added"] == 1 and body["total"] == len(body["changes"])
    assert all(c["date"] >= "2024-10-01" for c in body["changes"])
    only = client.get("/changes", params={"since": "2024-10-01", "kind": "terminated"}).json()
    assert {c["code"] for c in only["changes"]} >= {"C9901"}
    assert {c["kind"] for c in only["changes"]} == {"terminated"}
    bounded = client.get("/changes", params={"since": "2024-10-01", "until": "2024-12-31"}).json()
    assert ("added", "J9902") not in {(c["kind"], c["code"]) for c in bounded["changes"]}


def test_active_on_filters_search(client: TestClient) -> None:
    def codes(day: str) -> list[str]:
        params = {"q": "zorbavimab", "mode": "keyword", "active_on": day}
        return [r["code"] for r in client.get("/search", params=params).json()["results"]]

    assert "C9901" in codes("2024-11-01") and "J9902" not in codes("2024-11-01")
    assert "J9902" in codes("2025-02-01") and "C9901" not in codes("2025-02-01")
    quixi = {"q": "quixifoam", "mode": "keyword"}
    assert not client.get("/search", params={**quixi, "active_on": "2024-08-01"}).json()["results"]
    assert client.get("/search", params={**quixi, "active_on": "2025-02-01"}).json()["results"]


def test_terminated_search_hit_is_flagged_with_replacement(client: TestClient) -> None:
    params = {"q": "zorbavimab", "mode": "keyword", "include_terminated": "true"}
    results = {r["code"]: r for r in client.get("/search", params=params).json()["results"]}
    assert results["C9901"]["active"] is False
    assert results["C9901"]["termination_date"] == "2024-12-31"
    assert results["C9901"]["replaced_by"] == ["J9902"]
    assert results["J9902"]["active"] is True and results["J9902"]["replaced_by"] == []


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/changes", {}, 422),
        ("/changes", {"since": "yesterday"}, 422),
        ("/changes", {"since": "2025-13-01"}, 422),
        ("/changes", {"since": "2025-02-30"}, 422),
        ("/changes", {"since": "20250101"}, 422),
        ("/changes", {"since": "2025-01-01", "until": "2024-01-01"}, 400),
        ("/changes", {"since": "2025-01-01", "kind": "deleted"}, 422),
        ("/changes", {"since": "2025-01-01", "colour": "red"}, 400),
        ("/search", {"q": "cpap", "active_on": "2025-1-1"}, 422),
        ("/search", {"q": "cpap", "active_on": "not a date"}, 422),
        ("/codes/Z9999/history", {}, 404),
        ("/codes/" + "A" * 40 + "/history", {}, 400),
    ],
)
def test_history_errors_have_one_shape(
    client: TestClient, path: str, params: dict[str, str], status: int
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert_error_shape(response.json(), status)
    if "date" in response.text or "YYYY" in response.text:
        assert "YYYY-MM-DD" in response.json()["error"]["message"]


def test_history_and_categories_are_artifact_files(built: BuildResult) -> None:
    files = built.manifest["files"]
    assert {"history.json", "categories.json"} <= set(files)
    assert all(len(files[name]) == 64 for name in ("history.json", "categories.json"))
