"""The keyword channel: BM25F over the postings each build exports from its whoosh index.

Scores are whoosh's BM25F formula and statistics, computed with numpy over
``postings.npz`` (a test checks they equal whoosh's own). whoosh itself answers only the
questions numpy cannot: the closest indexed spelling of an unknown word, and the indexed
terms within a small edit distance of it (both cached).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import NamedTuple

import numpy as np
from whoosh import scoring
from whoosh.searching import Searcher as WhooshSearcher

from indexer.analysis import tokens
from indexer.keyword_index import (
    POSTINGS_FILE,
    TEXT_FIELDS,
    KeywordPostings,
    open_keyword_index,
    schema,
)
from search_api.engine.query import AnalysedQuery
from search_api.engine.ranking import BM25_B, BM25_K1, RankingConfig

Clause = tuple[str, str, float]  # (field, analysed term, boost)


class KeywordQuery(NamedTuple):
    clauses: list[Clause]
    stands_for: list[int]  # per clause, the query word it stands for (-1: none)
    words: int  # query words that carry meaning (stop words excluded)


class KeywordHit(NamedTuple):
    position: int  # record position
    score: float
    matched: dict[str, list[str]]  # field -> index terms of the query it holds


class KeywordChannel:
    """BM25F ranking, term analysis per field, and the index's spelling knowledge."""

    def __init__(self, directory: Path, positions: dict[str, int], code_order: np.ndarray) -> None:
        """Open the build's whoosh index and exported postings.

        Args:
            directory: the build folder.
            positions: record key -> record position (the records file's order).
            code_order: each record's rank in code order (ties in score break by code).
        """
        self.index = open_keyword_index(directory / "keyword")
        self.postings = KeywordPostings(directory / POSTINGS_FILE, b=BM25_B, k1=BM25_K1)
        if self.postings.documents != len(positions):
            raise ValueError("keyword postings and records differ in length")
        self.code_order = code_order
        self.docnum_position = self._docnum_positions(positions)
        self.position_docnum = np.empty_like(self.docnum_position)
        self.position_docnum[self.docnum_position] = np.arange(len(self.docnum_position))
        # whoosh answers only spelling and fuzzy-term questions at query time (cached), so
        # one searcher behind a lock serves every thread.
        self._whoosh: WhooshSearcher = self.index.searcher(
            weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1)
        )
        self._whoosh_lock = threading.Lock()
        self._analyzers = {name: schema()[name].analyzer for name in TEXT_FIELDS}
        self._terms_cache: dict[tuple[str, str], list[str]] = {}
        self._fuzzy_cache: dict[str, list[Clause]] = {}
        self._spelling_cache: dict[str, str | None] = {}

    def _docnum_positions(self, positions: dict[str, int]) -> np.ndarray:
        """Record position of each whoosh document number."""
        mapping = np.full(self.postings.documents, -1, dtype=np.int64)
        with self.index.searcher() as searcher:
            for docnum, stored in searcher.iter_docs():
                mapping[docnum] = positions[stored["key"]]
        if (mapping < 0).any():
            raise ValueError("keyword index and records disagree")
        return mapping

    def close(self) -> None:
        with self._whoosh_lock:
            self._whoosh.close()

    # ------------------------------------------------------------------ terms
    def field_terms(self, field_name: str, text: str) -> list[str]:
        """The index terms of ``text`` as the field's analyser makes them (cached)."""
        key = (field_name, text)
        found = self._terms_cache.get(key)
        if found is None:
            found = [t.text for t in self._analyzers[field_name](text)]
            if len(self._terms_cache) < 200_000:  # words people type: a bounded set in practice
                self._terms_cache[key] = found
        return found

    def content_words(self, words: list[str]) -> list[str]:
        """The distinct words that carry meaning (stop words analyse to nothing)."""
        return [
            word
            for word in dict.fromkeys(words)
            if any(self.field_terms(field_name, word) for field_name in TEXT_FIELDS)
        ]

    def knows(self, word: str) -> bool:
        """Whether any field holds the word (after its analysis)."""
        return any(
            (name, term) in self.postings
            for name in TEXT_FIELDS
            for term in self.field_terms(name, word)
        )

    def closest_spelling(self, word: str) -> str | None:
        """whoosh's closest indexed word within a small edit distance (cached)."""
        if word not in self._spelling_cache:
            distance = 1 if len(word) <= 5 else 2
            with self._whoosh_lock:
                found = self._whoosh.suggest("ac", word, limit=1, maxdist=distance, prefix=1)
            if len(self._spelling_cache) < 50_000:
                self._spelling_cache[word] = found[0] if found else None
            return found[0] if found else None
        return self._spelling_cache[word]

    def _fuzzy_clauses(self, word: str, boost: float) -> list[Clause]:
        """Indexed terms within a small edit distance of a word no field knows (cached:
        whoosh's automaton walk costs milliseconds)."""
        found = self._fuzzy_cache.get(word)
        if found is None:
            distance = 1 if len(word) <= 6 else 2
            with self._whoosh_lock:
                reader = self._whoosh.reader()
                found = [
                    (field_name, near, 1.0)
                    for field_name in ("descriptor", "synonyms")
                    for near in sorted(reader.terms_within(field_name, word, distance, prefix=1))
                ]
            if len(self._fuzzy_cache) < 50_000:
                self._fuzzy_cache[word] = found
        return [(field_name, near, boost) for field_name, near, _ in found]

    # ---------------------------------------------------------------- ranking
    def clauses(self, query: AnalysedQuery, ranking: RankingConfig) -> KeywordQuery:
        """``(field, term, boost)`` for the query's words and vocabulary expansions, as an
        OR over fields; a word no field knows adds its close spellings (fuzzy), weakly.
        Each clause also names the query word it stands for: an expansion stands for the
        first word of the phrase it expands."""
        clauses: list[Clause] = []
        stands_for: list[int] = []
        number = {word: i for i, word in enumerate(self.content_words(query.words))}

        def add_words(words: list[str], weight: float, fuzzy: bool, word_number: int) -> None:
            for word in words:
                before = len(clauses)
                for field_name, boost in ranking.field_boosts.items():
                    for term in self.field_terms(field_name, word):
                        clauses.append((field_name, term, boost * weight))
                if fuzzy and len(word) >= 4 and word.isalpha() and not self.knows(word):
                    clauses.extend(self._fuzzy_clauses(word, ranking.fuzzy_boost))
                stands_for.extend([word_number] * (len(clauses) - before))

        for word in query.words:
            add_words([word], 1.0, fuzzy=True, word_number=number.get(word, -1))
        for expansion in query.expansions:
            source = [number[w] for w in tokens(expansion.phrase) if w in number]
            add_words(
                tokens(expansion.replacement),
                ranking.expansion_boost[expansion.table],
                fuzzy=False,
                word_number=source[0] if source else -1,
            )
        return KeywordQuery(clauses, stands_for, len(number))

    def rank(
        self, query: AnalysedQuery, allowed: np.ndarray, depth: int, ranking: RankingConfig
    ) -> list[KeywordHit]:
        """BM25F over the exported postings (whoosh's formula and statistics), best first.

        Args:
            query: the analysed query.
            allowed: a boolean mask over record positions.
            depth: the most hits returned.
            ranking: boosts and the coordination rule.
        Returns:
            Hits with their score and the query terms each field matched.
        """
        keyword_query = self.clauses(query, ranking)
        clauses = keyword_query.clauses
        if not clauses:
            return []
        by_docnum = self.postings.score(clauses)
        if keyword_query.words > 1 and ranking.is_short(keyword_query.words):
            # Coordination: a code that matches more of the query's words ranks higher
            # ("heated humidifier for cpap": the humidifier that is also heated).
            held = self.postings.coverage(clauses, keyword_query.stands_for, keyword_query.words)
            by_docnum *= held**ranking.coordination
        scores = np.zeros(len(self.docnum_position), dtype=np.float32)
        scores[self.docnum_position] = by_docnum
        scores = np.where(allowed, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size > depth:
            candidates = candidates[np.argpartition(-scores[candidates], depth - 1)[:depth]]
        candidates = candidates[np.lexsort((self.code_order[candidates], -scores[candidates]))]
        matched = self.postings.matched(clauses, self.position_docnum[candidates])
        return [
            KeywordHit(int(i), float(scores[i]), terms)
            for i, terms in zip(candidates, matched, strict=True)
        ]
