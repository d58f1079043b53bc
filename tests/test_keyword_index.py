"""The vectorised BM25F scorer against whoosh's own BM25F on the same index (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import query as wq
from whoosh import scoring

from search_api.query import analyse
from search_api.searcher import BM25_B, BM25_K1, Searcher

QUERIES = [
    "ketorolac injection",
    "walker with wheels",
    "blood glucose test strips",
    "toradol shot",
    "knee brace hinge",
    "psychotherapy 45 minutes",
    "oxygen concentrator portable",
    "office visit new patient",
]


@pytest.mark.parametrize("text", QUERIES)
def test_scores_equal_whoosh_bm25f(searcher: Searcher, text: str) -> None:
    query = analyse(text, searcher.vocabulary, searcher.repair_words)
    clauses = searcher.keyword_clauses(query)
    assert clauses, "the query must produce terms"
    ours = searcher.postings.score(clauses)
    oracle = wq.Or([wq.Term(f, t, boost=b) for f, t, b in clauses])
    with searcher.index.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1)) as whoosh:
        results = whoosh.search(oracle, limit=None)
        expected = {hit.docnum: hit.score for hit in results}
    assert expected, "whoosh must match something for this query"
    assert set(np.flatnonzero(ours > 0)) == set(expected)
    for docnum, score in expected.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-4)


def test_matched_terms_are_the_terms_each_document_holds(searcher: Searcher) -> None:
    query = analyse("ketorolac injection", searcher.vocabulary)
    allowed = np.ones(len(searcher.records), dtype=bool)
    ranking = searcher.keyword_ranking(query, allowed, depth=20)
    assert ranking
    for position, _score, matched in ranking:
        record = searcher.records[position]
        assert matched, record.code
        for field_name, terms in matched.items():
            for term in terms:
                assert term in searcher._field_terms(field_name, _field_text(record, field_name))


def _field_text(record: object, field_name: str) -> str:
    from indexer.documents import keyword_fields

    return keyword_fields(record)[field_name]  # type: ignore[arg-type]
