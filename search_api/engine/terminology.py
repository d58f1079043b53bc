"""Matching shared by the terminology protocols (FHIR ``$expand``, NLM Clinical Tables).

Both protocols list *every* code that matches what a person typed, so they page through
the searcher's autocomplete (every word is a prefix of a word in the descriptor, the
short descriptor or a synonym; a code prefix such as ``E06`` matches codes) instead of
its ranked free-text search, which stops at a relevance cut-off.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

import numpy as np

from indexer.records import CodeRecord
from search_api.engine.searcher import Searcher

MAX_MATCHES = 7500  # the most codes one filtered listing considers (NLM's own ceiling)

_sorted_records: weakref.WeakKeyDictionary[Searcher, list[CodeRecord]] = weakref.WeakKeyDictionary()


def all_codes(searcher: Searcher, systems: Iterable[str], *, active_only: bool) -> list[CodeRecord]:
    """Every record of the systems, in code order."""
    ordered = _sorted_records.get(searcher)
    if ordered is None:
        ordered = sorted(searcher.records, key=lambda r: (r.code, r.system))
        _sorted_records[searcher] = ordered
    wanted = set(systems)
    return [r for r in ordered if r.system in wanted and (r.active or not active_only)]


def prefix_matches(
    searcher: Searcher,
    text: str,
    systems: Iterable[str],
    *,
    include_inactive: bool = False,
    limit: int = MAX_MATCHES,
) -> list[CodeRecord]:
    """Codes whose words start with every word of ``text``, best first, then inactive ones.

    Active codes come from :meth:`Searcher.autocomplete` (its ranking: code prefixes
    first, then whole-word and descriptor matches before synonym matches). The searcher
    only completes active codes, so inactive ones, when asked for, are matched here with
    the same rule and listed after them in code order.

    Raises:
        BadRequest: the text has no searchable words or codes.
    """
    systems = list(systems)
    found: list[CodeRecord] = []
    for system in systems:
        found += [h.record for h in searcher.autocomplete(text, limit=limit, system=system)]
    if include_inactive and len(found) < limit:
        inactive = ~searcher.active & np.isin(searcher.systems, systems)
        found += [searcher.records[i] for i in searcher.prefix_matches(text, inactive)]
    return found[:limit]
