"""A calibrated confidence for each hit, and the ``no_confident_match`` decision.

Chatbot backends send whatever the user wrote — sometimes a clinical note, sometimes
"the weather is nice today" — and need to know when nothing fits. The searcher always
returns *something*, so the confidence is a logistic model over signals the searcher
already puts on every hit: the cosine similarity of the semantic channel, how much of the
query's content the keyword channel matched in that record, and where each channel
ranked it. It estimates P(this hit is a correct code for the text).

The coefficients below were fitted by ``codesearch calibrate`` (see
:mod:`search_api.devtools.calibrate`) on the two labelled query sets (positives: a hit is correct
when it is a gold code) and ``corpus/eval/offtopic.jsonl`` (negatives: no hit is correct),
each query also wrapped in chatbot-style sentences. Refit after changing the ranking.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

from indexer.keyword_index import schema
from search_api.engine.query import AnalysedQuery
from search_api.engine.searcher import Hit, SearchResult

FEATURES = ("similarity", "coverage", "covered", "keyword_rank", "semantic_rank", "top_gap")

# Fitted by `codesearch calibrate /work/shared/eval/dev_queries.jsonl corpus/eval/queries.jsonl`
# on the real index (MiniLM), refitted after coordination joined the keyword channel of
# short queries: 1,185 texts, 10 hits each.
INTERCEPT = -5.8473
COEFFICIENTS = {
    "similarity": 1.4607,
    "coverage": -0.0417,
    "covered": 0.6711,
    "keyword_rank": 4.1327,
    "semantic_rank": 1.9338,
    "top_gap": -4.644,
}
# Below this top confidence a response says ``no_confident_match``. Chosen on held-out
# figures (docs/quality.md): 0.3 flags 94-98% of off-topic texts and keeps 93% (dev set)
# and 84% (own set) of the texts whose top hit is correct.
THRESHOLD = 0.3
# A full code written in the text is a match whatever the model says; a code prefix
# ("E06") names a family, not a code.
CODE_CONFIDENCE = 0.99
PREFIX_CONFIDENCE = 0.5


@lru_cache(maxsize=4096)
def _index_terms(word: str) -> frozenset[str]:
    """The stemmed index terms of a word (empty for stop words)."""
    analyzer = schema()["descriptor"].analyzer
    return frozenset(t.text for t in analyzer(word))


def content_terms(query: AnalysedQuery) -> list[frozenset[str]]:
    """One entry per distinct content word of the query: the index terms that count as
    matching it — its own stems, and those of what the vocabulary expands it to
    ("toradol" is matched by "ketorolac")."""
    per_word: dict[str, set[str]] = {}
    for word in query.words:
        terms = _index_terms(word)
        if terms and word not in per_word:
            per_word[word] = set(terms)
    for expansion in query.expansions:
        replacement = {t for w in expansion.replacement.split() for t in _index_terms(w)}
        for word in expansion.phrase.split():
            if word in per_word:
                per_word[word] |= replacement
    return [frozenset(terms) for terms in per_word.values()]


def hit_features(
    query_terms: Sequence[frozenset[str]], hit: Hit, top_similarity: float
) -> dict[str, float]:
    """The model's inputs for one hit.

    Args:
        query_terms: :func:`content_terms` of the query.
        hit: a text hit (keyword and/or semantic channel).
        top_similarity: the best cosine similarity among the response's hits.
    Returns:
        One value per name in ``FEATURES``.
    """
    matched = set(hit.matched_terms)
    covered = sum(1 for terms in query_terms if terms & matched)
    similarity = hit.similarity if hit.similarity is not None else 0.0
    keyword_rank = hit.ranks.get("keyword")
    semantic_rank = hit.ranks.get("semantic")
    return {
        "similarity": similarity,
        "coverage": covered / len(query_terms) if query_terms else 0.0,
        "covered": math.log1p(covered),
        "keyword_rank": 1.0 / keyword_rank if keyword_rank else 0.0,
        "semantic_rank": 1.0 / semantic_rank if semantic_rank else 0.0,
        "top_gap": top_similarity - similarity,
    }


def probability(features: dict[str, float]) -> float:
    z = INTERCEPT + sum(COEFFICIENTS[name] * features[name] for name in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def hit_confidences(result: SearchResult) -> list[float]:
    """A confidence in [0, 1] for each hit of the result, in order."""
    query = result.query
    terms = content_terms(query)
    similarities = [h.similarity for h in result.hits if h.similarity is not None]
    top_similarity = max(similarities, default=0.0)
    confidences = []
    for hit in result.hits:
        if hit.channel == "code":
            exact = hit.record.code in query.codes or hit.record.code == query.code_prefix
            confidences.append(CODE_CONFIDENCE if exact else PREFIX_CONFIDENCE)
        else:
            confidences.append(round(probability(hit_features(terms, hit, top_similarity)), 4))
    return confidences


def no_confident_match(confidences: Sequence[float], threshold: float = THRESHOLD) -> bool:
    """True when no hit reaches the threshold (including when there is no hit)."""
    return max(confidences, default=0.0) < threshold
