"""Names a query contains: the project's synonyms of each code, matched as whole phrases.

A query that contains a code's whole synonym ("remicade", "eylea 2 mg", "cpap machine")
names that code, which is stronger evidence than sharing words with it: "remicade"
names J1745, while the biosimilars only carry "remicade biosimilar". The matches form a
fusion channel of their own, longest name first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np

Terms = Callable[[str], list[str]]


class NamedHit(NamedTuple):
    position: int  # record position
    length: int  # analysed terms
    name: str


class NameIndex:
    """Analysed synonym phrases → the records that carry them."""

    def __init__(self, names: Iterable[tuple[int, str]], terms: Terms) -> None:
        by_first: defaultdict[str, dict[tuple[str, ...], dict[int, str]]] = defaultdict(dict)
        for index, name in names:
            phrase = tuple(terms(name))
            if phrase:
                by_first[phrase[0]].setdefault(phrase, {}).setdefault(index, name)
        self._by_first = {
            first: sorted(phrases.items(), key=lambda item: -len(item[0]))
            for first, phrases in by_first.items()
        }

    def ranking(
        self, query_terms: list[str], allowed: np.ndarray, min_coverage: float = 0.0
    ) -> list[NamedHit]:
        """Records with a name the query contains: the longest such name of each (its
        length in terms, and the name as written), longest first, then by record. Names
        shorter than ``min_coverage`` of the query's terms do not count."""
        shortest = min_coverage * len(query_terms)
        best: dict[int, NamedHit] = {}
        for start, term in enumerate(query_terms):
            for phrase, carriers in self._by_first.get(term, ()):
                if len(phrase) < shortest:
                    break  # longest first: the rest are shorter still
                if tuple(query_terms[start : start + len(phrase)]) != phrase:
                    continue
                for index, name in carriers.items():
                    if allowed[index] and (index not in best or best[index].length < len(phrase)):
                        best[index] = NamedHit(index, len(phrase), name)
        return sorted(best.values(), key=lambda hit: (-hit.length, hit.position))
