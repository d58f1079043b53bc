"""The vectorised BM25F scorer against whoosh's own BM25F on the same index (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import query as wq
from whoosh import scoring

from search_api.engine.query import analyse
from search_api.engine.ranking import BM25_B, BM25_K1
from search_api.engine.searcher import Searcher

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
    query = analyse(text, searcher.vocabulary, searcher.repair)
    clauses = searcher.keyword.clauses(query, searcher.ranking).clauses
    assert clauses, "the query must produce terms"
    ours = searcher.keyword.postings.score(clauses)
    oracle = wq.Or([wq.Term(f, t, boost=b) for f, t, b in clauses])
    with searcher.keyword.index.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1)) as whoosh:
        results = whoosh.search(oracle, limit=None)
        expected = {hit.docnum: hit.score for hit in results}
    assert expected, "whoosh must match something for this query"
    assert set(np.flatnonzero(ours > 0)) == set(expected)
    for docnum, score in expected.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-4)


def test_matched_terms_are_the_terms_each_document_holds(searcher: Searcher) -> None:
    query = analyse("ketorolac injection", searcher.vocabulary)
    allowed = np.ones(len(searcher.records), dtype=bool)
    ranking = searcher.keyword.rank(query, allowed, 20, searcher.ranking)
    assert ranking
    for position, _score, matched in ranking:
        record = searcher.records[position]
        assert matched, record.code
        for field_name, terms in matched.items():
            for term in terms:
                assert term in searcher.keyword.field_terms(
                    field_name, _field_text(record, field_name)
                )


def _field_text(record: object, field_name: str) -> str:
    from indexer.documents import keyword_fields

    return keyword_fields(record)[field_name]  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["ketorolac injection", "walker with wheels", "toradol shot"])
def test_coverage_is_the_share_of_query_words_a_code_matches(searcher: Searcher, text: str) -> None:
    """The oracle: for each query word, its own terms and its expansions' terms, looked up
    in each document's analysed fields."""
    from indexer.analysis import tokens

    query = analyse(text, searcher.vocabulary, searcher.repair)
    keyword_query = searcher.keyword.clauses(query, searcher.ranking)
    coverage = searcher.keyword.postings.coverage(
        keyword_query.clauses, keyword_query.stands_for, keyword_query.words
    )
    content = [w for w in dict.fromkeys(query.words) if _terms_of(searcher, w)]
    assert keyword_query.words == len(content) >= 2
    wanted = {w: _terms_of(searcher, w) for w in content}
    for expansion in query.expansions:
        first = next(w for w in tokens(expansion.phrase) if w in wanted)
        for word in tokens(expansion.replacement):
            wanted[first] |= _terms_of(searcher, word)
    held_somewhere = 0
    for position, record in enumerate(searcher.records):
        fields = {
            name: set(searcher.keyword.field_terms(name, _field_text(record, name)))
            for name in wanted_fields()
        }
        held = sum(
            any((name, term) in wanted[w] for name, terms in fields.items() for term in terms)
            for w in content
        )
        docnum = searcher.keyword.position_docnum[position]
        assert coverage[docnum] == pytest.approx(held / len(content)), record.code
        held_somewhere += held == len(content)
    assert held_somewhere, "some code must match every word"


def test_codes_matching_more_words_rank_higher(searcher: Searcher) -> None:
    query = analyse("ketorolac injection", searcher.vocabulary)
    keyword_query = searcher.keyword.clauses(query, searcher.ranking)
    bm25 = searcher.keyword.postings.score(keyword_query.clauses)
    coverage = searcher.keyword.postings.coverage(
        keyword_query.clauses, keyword_query.stands_for, keyword_query.words
    )
    allowed = np.ones(len(searcher.records), dtype=bool)
    ranking = searcher.keyword.rank(query, allowed, 50, searcher.ranking)
    assert {coverage[searcher.keyword.position_docnum[p]] for p, _s, _m in ranking} == {0.5, 1.0}
    for position, score, _matched in ranking:
        docnum = searcher.keyword.position_docnum[position]
        assert score == pytest.approx(
            bm25[docnum] * coverage[docnum] ** searcher.ranking.coordination
        )


def test_prose_is_scored_by_bm25f_alone(searcher: Searcher) -> None:
    """Past short_query_words content words, filler would earn coverage: no coordination."""
    text = "hi I need some help with billing: ketorolac injection for pain, which code fits?"
    query = analyse(text, searcher.vocabulary)
    keyword_query = searcher.keyword.clauses(query, searcher.ranking)
    assert keyword_query.words > searcher.ranking.short_query_words
    bm25 = searcher.keyword.postings.score(keyword_query.clauses)
    ranking = searcher.keyword.rank(
        query, np.ones(len(searcher.records), dtype=bool), 50, searcher.ranking
    )
    assert ranking
    for position, score, _matched in ranking:
        assert score == pytest.approx(bm25[searcher.keyword.position_docnum[position]])


def wanted_fields() -> tuple[str, ...]:
    from indexer.keyword_index import TEXT_FIELDS

    return TEXT_FIELDS


def _terms_of(searcher: Searcher, word: str) -> set[tuple[str, str]]:
    return {
        (name, term)
        for name in wanted_fields()
        for term in searcher.keyword.field_terms(name, word)
    }
