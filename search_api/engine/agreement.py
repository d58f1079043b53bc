"""Attribute agreement: among the fused candidates, the sibling whose attributes agree with
the query's goes up, the one that contradicts them goes down.

Sibling codes differ in one attribute (size, contrast, views, time, age, first or each
additional, one side or both, new or established). The words that carry those attributes
("with and without", "2.5 cm", "one view") are weak or stop words for BM25 and a blur for
the embedding, so the fused ranking finds the family and often the wrong member. Each
code's attributes are extracted at build time (``indexer.attributes``, stored in the
build); the query's at search time. Agreement is evidence in the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from indexer.attributes import Agreement, Attribute, compare
from search_api.engine.fusion import FusedHit


class Adjusted(NamedTuple):
    fused: FusedHit  # the candidate as fusion ranked it (position, score, ranks)
    score: float  # its score after agreement
    agreements: list[Agreement]


def rerank(
    fused: Sequence[FusedHit],
    query: list[Attribute],
    attributes: Sequence[list[Attribute]],
    *,
    agree: float,
    contradict: float,
    depth: int,
) -> list[Adjusted]:
    """Every candidate, best first, the first ``depth`` re-scored by attribute agreement
    (a contradicted one may sink below candidates that were not compared).

    Args:
        fused: the fused candidates, best first.
        query: the query's attributes (none: nothing moves).
        attributes: each record's attributes, by record position.
        agree: added to the score for each attribute name the code agrees on.
        contradict: taken from the score for each attribute name it contradicts.
        depth: how many of the best candidates are compared (siblings sit near the top).
    Returns:
        Every candidate with its score and the agreements that moved it.
    """
    compared = depth if query else 0
    adjusted: list[Adjusted] = []
    for number, hit in enumerate(fused):
        agreements = compare(query, attributes[hit.position]) if number < compared else []
        shift = sum(agree if a.agrees else -contradict for a in agreements)
        adjusted.append(Adjusted(hit, hit.score + shift, agreements))
    adjusted.sort(key=lambda item: -item.score)  # stable: ties keep the fused order
    return adjusted
