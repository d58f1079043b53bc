"""Attribute agreement moves siblings, never a code the query says nothing about."""

from __future__ import annotations

from indexer.attributes import extract
from search_api.engine.agreement import rerank
from search_api.engine.fusion import FusedHit


def test_the_agreeing_sibling_moves_up_and_the_contradicting_one_down() -> None:
    texts = [
        "Shaving of epidermal lesion, face; lesion diameter 1.1 to 2.0 cm",
        "Shaving of epidermal lesion, face; lesion diameter 2.1 to 3.0 cm",
        "Knee brace, hinged",
    ]
    attributes = [extract(t) for t in texts]
    fused = [FusedHit(0, 0.16, {}), FusedHit(1, 0.15, {}), FusedHit(2, 0.14, {})]
    ranked = rerank(
        fused,
        extract("shave lesion face 2.5 cm"),
        attributes,
        agree=0.02,
        contradict=0.03,
        depth=30,
    )
    assert [item.fused.position for item in ranked] == [1, 2, 0]
    assert [a.agrees for a in ranked[0].agreements] == [True]
    assert ranked[1].agreements == []  # the brace states no size: untouched
    assert ranked[0].score == 0.15 + 0.02 and ranked[2].score == 0.16 - 0.03


def test_nothing_moves_without_query_attributes_or_past_the_depth() -> None:
    attributes = [extract("with contrast"), extract("without contrast")]
    fused = [FusedHit(0, 0.2, {}), FusedHit(1, 0.1, {})]
    assert [
        i.fused.position for i in rerank(fused, [], attributes, agree=1, contradict=1, depth=30)
    ] == [
        0,
        1,
    ]
    query = extract("without contrast")
    shallow = rerank(fused, query, attributes, agree=1, contradict=1, depth=0)
    assert [(i.fused.position, i.score) for i in shallow] == [(h.position, h.score) for h in fused]
