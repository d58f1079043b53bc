"""The metric code, the committed-figures check and the query-set discovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.errors import SourceError
from search_api.devtools.evaluate import _metrics, query_sets, read_queries, regressions


def test_metrics_by_hand() -> None:
    # ranks 1, 3, missing, 7, 12-is-outside-top-10 is recorded as missing by the caller
    metrics = _metrics([1, 3, None, 7])
    assert metrics == {
        "R@1": 0.25,
        "R@5": 0.5,
        "R@10": 0.75,
        "MRR": round((1 + 1 / 3 + 1 / 7) / 4, 4),
    }
    assert _metrics([]) == {"R@1": 0.0, "R@5": 0.0, "R@10": 0.0, "MRR": 0.0}
    assert _metrics([None, None])["MRR"] == 0.0
    assert _metrics([5])["R@5"] == 1.0 and _metrics([6])["R@5"] == 0.0


def figures(mrr: float, r1: float) -> dict[str, object]:
    return {"sets": {"s": {"queries": 10, "hybrid": {"R@1": r1, "MRR": mrr}}}}


def test_regressions_flag_drops_past_the_tolerance_only() -> None:
    measured = {"s": {"queries": 10, "hybrid": {"R@1": 0.80, "MRR": 0.90}}}
    assert regressions(measured, figures(0.91, 0.81)) == []
    assert regressions(measured, figures(0.92, 0.82)) == []  # exactly the tolerance
    dropped = regressions(measured, figures(0.93, 0.80))
    assert len(dropped) == 1 and dropped[0].startswith("s hybrid MRR 0.900 < 0.930")
    assert len(regressions(measured, figures(0.95, 0.90))) == 2


def test_a_set_without_committed_figures_fails() -> None:
    measured = {"new": {"queries": 3, "hybrid": {"R@1": 1.0, "MRR": 1.0}}}
    assert "no committed figures" in regressions(measured, figures(0.5, 0.5))[0]


def test_query_sets_cover_both_folders_but_not_offtopic(tmp_path: Path) -> None:
    shared, corpus = tmp_path / "eval", tmp_path / "corpus"
    (corpus / "eval").mkdir(parents=True)
    shared.mkdir()
    for path in (
        shared / "dev_a.jsonl",
        corpus / "eval" / "own.jsonl",
        corpus / "eval" / "offtopic.jsonl",
    ):
        path.write_text("")
    assert list(query_sets(shared, corpus)) == ["dev_a", "own"]


def test_read_queries_names_a_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"query": "x", "gold": ["a1234"]}) + '\n{"query": 1}\n')
    with pytest.raises(SourceError, match="row 2"):
        read_queries(path)
    path.write_text(json.dumps({"query": "x", "gold": ["a1234"]}) + "\n")
    assert read_queries(path) == [{"query": "x", "gold": ["A1234"], "kind": "all"}]
