"""The prefix index behind autocomplete: sorted terms with contiguous postings.

Terms of a field are sorted and their postings (record positions) are stored one after
another in the same order, so every record holding *any* term that starts with a prefix
lies in one contiguous slice of the postings array. A prefix of one letter costs a
bisection and a numpy scatter, never an expansion into thousands of query terms.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from .analysis import tokens
from .records import CodeRecord

# Points a query word earns in a record, strongest first (only the strongest counts).
EXACT_DESCRIPTOR, PREFIX_DESCRIPTOR, EXACT_SYNONYM, PREFIX_SYNONYM = 2.0, 1.5, 1.2, 1.0
SHORT_BONUS = 3.0  # shorter descriptors first among equals: "Cane" before a cane accessory


class TermPostings:
    """One field: sorted terms, and for term i the records postings[offsets[i]:offsets[i+1]]."""

    def __init__(self, documents: Iterable[Iterable[str]]) -> None:
        holders: dict[str, list[int]] = defaultdict(list)
        for position, words in enumerate(documents):
            for word in set(words):
                holders[word].append(position)
        self.terms = sorted(holders)
        sizes = np.fromiter((len(holders[t]) for t in self.terms), dtype=np.int64)
        self.offsets = np.concatenate(([0], np.cumsum(sizes)))
        self.postings = np.fromiter(
            (p for t in self.terms for p in holders[t]), dtype=np.int32, count=int(sizes.sum())
        )
        self.doc_frequency = sizes

    def span(self, prefix: str) -> tuple[int, int]:
        """The range of term numbers that start with ``prefix``."""
        low = bisect.bisect_left(self.terms, prefix)
        high = bisect.bisect_left(self.terms, prefix + "\U0010ffff", lo=low)
        return low, high

    def with_prefix(self, prefix: str) -> np.ndarray:
        low, high = self.span(prefix)
        return self.postings[self.offsets[low] : self.offsets[high]]

    def exact(self, word: str) -> np.ndarray:
        low = bisect.bisect_left(self.terms, word)
        if low < len(self.terms) and self.terms[low] == word:
            return self.postings[self.offsets[low] : self.offsets[low + 1]]
        return self.postings[:0]

    def most_frequent_completion(self, prefix: str) -> tuple[str, int] | None:
        low, high = self.span(prefix)
        if low == high:
            return None
        best = low + int(np.argmax(self.doc_frequency[low:high]))
        return self.terms[best], int(self.doc_frequency[best])


class PrefixIndex:
    """Every query word is a prefix and all must match; scores favour whole words and
    descriptor matches over synonym matches, then shorter descriptors."""

    def __init__(self, records: list[CodeRecord]) -> None:
        descriptor_words: list[list[str]] = []
        synonym_words: list[list[str]] = []
        bonus = np.zeros(len(records), dtype=np.float32)
        for position, record in enumerate(records):
            shown = tokens(record.display + " " + record.descriptor_short)
            extra = tokens(record.descriptor_expanded) if record.descriptor_long else []
            descriptor_words.append(shown + extra)
            synonym_words.append(tokens(" ".join(record.synonyms)))
            bonus[position] = SHORT_BONUS / (1 + len(shown))
        self.descriptor = TermPostings(descriptor_words)
        self.synonyms = TermPostings(synonym_words)
        self.words = TermPostings(
            d + s for d, s in zip(descriptor_words, synonym_words, strict=True)
        )
        self.bonus = bonus
        self.size = len(records)

    def scores(self, words: list[str]) -> np.ndarray:
        """Score per record; 0 where some word matches nothing."""
        total = np.zeros(self.size, dtype=np.float32)
        for word in words:
            points = np.zeros(self.size, dtype=np.float32)
            points[self.synonyms.with_prefix(word)] = PREFIX_SYNONYM
            points[self.synonyms.exact(word)] = EXACT_SYNONYM
            points[self.descriptor.with_prefix(word)] = PREFIX_DESCRIPTOR
            points[self.descriptor.exact(word)] = EXACT_DESCRIPTOR
            total = np.where(points > 0, total + points, -np.inf)
        return np.where(np.isfinite(total), total + self.bonus, 0.0).astype(np.float32)

    def top(
        self, words: list[str], allowed: np.ndarray, limit: int, tie: np.ndarray
    ) -> list[tuple[int, float]]:
        """The best ``limit`` records as (position, score); ties broken by ``tie`` (code order)."""
        scores = np.where(allowed, self.scores(words), 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size > limit:
            keep = np.argpartition(-scores[candidates], limit - 1)[:limit]
            threshold = scores[candidates[keep]].min()
            candidates = candidates[scores[candidates] >= threshold]  # keep ties at the edge
        order = np.lexsort((tie[candidates], -scores[candidates]))[:limit]
        return [(int(candidates[i]), float(scores[candidates[i]])) for i in order]

    def completion(self, prefix: str) -> str | None:
        """The indexed word held by most records among those that start with ``prefix``."""
        found = self.words.most_frequent_completion(prefix)
        return found[0] if found else None
