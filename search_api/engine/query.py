"""From user text to an analysed query: words, code tokens, and vocabulary expansions.

User text is never handed to a query parser: words are extracted and the index queries
are built from them, so ``AND ( * :`` is just text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from indexer.analysis import normalize, tokens
from indexer.vocabulary import Vocabulary

CODE_TOKEN = re.compile(r"^(?:[a-z]\d{4}|\d{5}|\d{4}[ftum])$")
CODE_PREFIX = re.compile(r"^(?:[a-z]\d{0,4}|\d{1,5}|\d{4}[ftum])$")


@dataclass
class Expansion:
    phrase: str
    replacement: str
    table: str


@dataclass
class Correction:
    word: str
    replacement: str
    kind: str  # "spelling" or "completion"


@dataclass
class AnalysedQuery:
    text: str
    words: list[str]
    corrections: list[Correction] = field(default_factory=list)
    code_prefix: str | None = None  # the whole query looks like a code or code prefix
    codes: list[str] = field(default_factory=list)  # full codes mentioned inside free text
    expansions: list[Expansion] = field(default_factory=list)

    @property
    def expanded_text(self) -> str:
        """The query with what the vocabulary tables add, for the embedding channel."""
        extra = [e.replacement for e in self.expansions if e.replacement not in self.text]
        return self.text if not extra else f"{self.text} ({'; '.join(extra)})"


def analyse(
    text: str, vocabulary: Vocabulary, repair: Callable[[list[str]], list[Correction]] | None = None
) -> AnalysedQuery:
    """Words, codes and vocabulary expansions of a query.

    ``repair`` proposes corrections for words the index does not know (typos, truncated
    words); the corrected words replace the originals before expansion.
    """
    normal = normalize(text)
    words = tokens(normal)
    corrections = repair(words) if repair else []
    if corrections:
        fixed = {c.word: c.replacement for c in corrections}
        words = [fixed.get(w, w) for w in words]
        normal = " ".join(fixed.get(w, w) for w in normal.split(" "))
    compact = normal.replace(" ", "")
    query = AnalysedQuery(text=normal, words=words, corrections=corrections)
    if compact and CODE_PREFIX.match(compact) and not (compact.isalpha() and len(compact) > 1):
        query.code_prefix = compact.upper()
    query.codes = [w.upper() for w in words if CODE_TOKEN.match(w)]
    query.expansions = [Expansion(*e) for e in vocabulary.query_expansions(words)]
    return query
