from __future__ import annotations

import numpy as np

from search_api.engine.channels.names import NameIndex
from search_api.engine.searcher import Searcher

NAMES = [
    (0, "Remicade"),
    (0, "infliximab"),
    (1, "Remicade biosimilar"),
    (1, "Inflectra"),
    (2, "eye injection"),
    (3, "eye injection for macular degeneration"),
    (3, "eye injection"),
]


def split(text: str) -> list[str]:
    return text.lower().split()


def test_a_query_names_a_code_only_with_a_whole_synonym() -> None:
    index = NameIndex(NAMES, split)
    everything = np.ones(4, dtype=bool)
    assert index.ranking(split("remicade"), everything) == [(0, 1, "Remicade")]
    found = index.ranking(split("remicade biosimilar 10 mg"), everything)
    assert [(hit.position, hit.length) for hit in found] == [(1, 2), (0, 1)]
    assert index.ranking(split("biosimilar"), everything) == []
    assert index.ranking([], everything) == []


def test_the_longest_contained_name_counts_and_the_mask_applies() -> None:
    index = NameIndex(NAMES, split)
    query = split("monthly eye injection for macular degeneration left eye")
    everything = np.ones(4, dtype=bool)
    assert [(h.position, h.length) for h in index.ranking(query, everything)] == [(3, 5), (2, 2)]
    only_two = np.array([False, False, True, False])
    assert [h.position for h in index.ranking(query, only_two)] == [2]
    # "eye injection" is 2 of the query's 8 terms: too little of it at a third.
    assert [h.position for h in index.ranking(query, everything, min_coverage=1 / 3)] == [3]


def test_hybrid_search_reports_the_name_the_query_contains(searcher: Searcher) -> None:
    hit = searcher.search("my cpap machine is broken", mode="hybrid").hits[0]
    assert hit.record.code == "E0601"
    assert hit.matched_name == "cpap machine" and hit.ranks["name"] == 1
    keyword = searcher.search("my cpap machine is broken", mode="keyword").hits[0]
    assert keyword.matched_name is None and "name" not in keyword.ranks
