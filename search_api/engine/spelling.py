"""Repair of query words no field knows: truncated words completed, typos corrected.

Known words are never touched, so a correction cannot outrank an exact match; each repair
is reported in the response's ``expansions``.
"""

from __future__ import annotations

from collections.abc import Set

from indexer.prefix_index import PrefixIndex
from search_api.engine.channels.keyword import KeywordChannel
from search_api.engine.query import CODE_PREFIX, Correction


class Repairer:
    """Completes a word from the autocomplete index, else asks the keyword index for the
    closest spelling."""

    def __init__(
        self, prefixes: PrefixIndex, keyword: KeywordChannel, vocabulary_words: Set[str]
    ) -> None:
        self.prefixes = prefixes
        self.keyword = keyword
        self.vocabulary_words = vocabulary_words  # words the vocabulary tables expand

    def known(self, word: str) -> bool:
        return bool(self.prefixes.words.exact(word).size) or self.keyword.knows(word)

    def __call__(self, words: list[str]) -> list[Correction]:
        """Corrections for words no field knows: a completion when the word is the start of
        indexed words (people type "wheelch"), else the closest indexed word by edit
        distance."""
        corrections: list[Correction] = []
        for position, word in enumerate(words):
            if (
                len(word) < 3
                or not word.isalpha()
                or CODE_PREFIX.match(word)
                or word in self.vocabulary_words
                or self.known(word)
            ):
                continue
            last = position == len(words) - 1
            if len(word) >= 4 or last:
                best = self.prefixes.completion(word)
                if best is not None:
                    corrections.append(Correction(word, best, "completion"))
                    continue
            if len(word) >= 4:
                suggestion = self.keyword.closest_spelling(word)
                if suggestion:
                    corrections.append(Correction(word, suggestion, "spelling"))
        return corrections
