"""Reciprocal rank fusion of the keyword and semantic channels.

``score(d) = sum_c w_c / (k + rank_c(d))`` over the channels c that ranked d (rank from 1).
RRF needs no score calibration between BM25 and cosine similarity, and a document found
by both channels beats one found by either alone unless the single channel ranks it far
higher. ``k`` damps the difference between neighbouring ranks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class FusedHit(NamedTuple):
    position: int  # record position
    score: float
    ranks: dict[str, int]


def reciprocal_rank_fusion(
    rankings: Mapping[str, list[int]], weights: Mapping[str, float], k: float = 60.0
) -> list[FusedHit]:
    """Fuse ranked lists of record indexes (best first) into one list, best first.

    Args:
        rankings: channel name -> record indexes in rank order.
        weights: channel name -> weight (missing channels weigh 1.0).
        k: the rank damping constant.
    Returns:
        Fused hits, highest score first; ties keep the order of first appearance.
    """
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for channel, ranking in rankings.items():
        weight = weights.get(channel, 1.0)
        for rank, index in enumerate(ranking, start=1):
            scores[index] = scores.get(index, 0.0) + weight / (k + rank)
            ranks.setdefault(index, {})[channel] = rank
    ordered = sorted(scores, key=lambda i: -scores[i])
    return [FusedHit(i, scores[i], ranks[i]) for i in ordered]
