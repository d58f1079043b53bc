"""The project's vocabulary tables: CMS shorthand, lay terms and brand names.

Tables live in ``corpus/`` as TSV files written by the project. The shorthand table is
completed at build time by mining the aligned long and short descriptors of the HCPCS
release being indexed (``mine_abbreviations``); curated rows always win.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analysis import ngrams, normalize, tokens
from .errors import SourceError


def read_pairs(path: Path, columns: tuple[str, str]) -> list[tuple[str, str]]:
    """Rows of a two-column TSV with the given header, normalised, blank rows skipped."""
    if not path.exists():
        return []
    rows: list[tuple[str, str]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header is None or tuple(h.strip().lower() for h in header[:2]) != columns:
            raise SourceError(str(path), f"header must be {columns[0]}<TAB>{columns[1]}", 1)
        for number, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 2 or not row[0].strip() or not row[1].strip():
                raise SourceError(str(path), "expected two non-empty tab-separated columns", number)
            rows.append((normalize(row[0]), normalize(row[1])))
    return rows


@dataclass
class Vocabulary:
    abbreviations: dict[str, str] = field(default_factory=dict)
    lay_terms: dict[str, list[str]] = field(default_factory=dict)
    brands: dict[str, list[str]] = field(default_factory=dict)
    mined_abbreviations: int = 0

    @classmethod
    def load(cls, corpus_dir: Path) -> Vocabulary:
        vocabulary = cls()
        for short, expansion in read_pairs(
            corpus_dir / "abbreviations.tsv", ("abbreviation", "expansion")
        ):
            vocabulary.abbreviations[short] = expansion
        lay: defaultdict[str, list[str]] = defaultdict(list)
        for term, clinical in read_pairs(corpus_dir / "lay_terms.tsv", ("lay", "clinical")):
            if clinical not in lay[term] and clinical != term:
                lay[term].append(clinical)
        brands: defaultdict[str, list[str]] = defaultdict(list)
        for brand, generic in read_pairs(corpus_dir / "brands.tsv", ("brand", "generic")):
            if generic not in brands[brand]:
                brands[brand].append(generic)
        vocabulary.lay_terms = dict(lay)
        vocabulary.brands = dict(brands)
        return vocabulary

    def words(self) -> set[str]:
        """Every word of a phrase the tables expand (spelling repair leaves them alone)."""
        return {
            word
            for table in (self.lay_terms, self.brands, self.abbreviations)
            for phrase in table
            for word in phrase.split()
        }

    def to_json(self) -> dict[str, object]:
        """The tables as a build stores them (``vocabulary.json``)."""
        return {
            "abbreviations": self.abbreviations,
            "lay_terms": self.lay_terms,
            "brands": self.brands,
            "mined_abbreviations": self.mined_abbreviations,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Vocabulary:
        return cls(
            abbreviations=dict(data["abbreviations"]),
            lay_terms={k: list(v) for k, v in data["lay_terms"].items()},
            brands={k: list(v) for k, v in data["brands"].items()},
            mined_abbreviations=int(data["mined_abbreviations"]),
        )

    def add_mined(self, mined: dict[str, str]) -> None:
        for short, expansion in mined.items():
            if short not in self.abbreviations:
                self.abbreviations[short] = expansion
                self.mined_abbreviations += 1

    def expand_shorthand(self, text: str) -> str:
        """A short descriptor with every known abbreviation spelled out."""
        return " ".join(self.abbreviations.get(t, t) for t in tokens(text))

    def query_expansions(self, words: list[str]) -> list[tuple[str, str, str]]:
        """(matched phrase, replacement, table) for lay terms, brands and shorthand in a query."""
        found: list[tuple[str, str, str]] = []
        covered: set[int] = set()
        for start, end, phrase in ngrams(words):
            span = set(range(start, end))
            if span & covered:
                continue
            hits = [(g, "brand") for g in self.brands.get(phrase, [])]
            hits += [(c, "lay") for c in self.lay_terms.get(phrase, [])]
            if end - start == 1 and phrase in self.abbreviations:
                hits.append((self.abbreviations[phrase], "abbreviation"))
            if hits:
                covered |= span
                found.extend((phrase, replacement, table) for replacement, table in hits)
        return found


VOCABULARY_FILE = "vocabulary.json"  # the query-side tables, in a build's folder


def save_vocabulary(vocabulary: Vocabulary, path: Path) -> None:
    path.write_text(json.dumps(vocabulary.to_json(), ensure_ascii=False), encoding="utf-8")


def read_vocabulary(path: Path) -> Vocabulary:
    return Vocabulary.from_json(json.loads(path.read_text(encoding="utf-8")))


def mine_abbreviations(pairs: Iterable[tuple[str, str]], min_support: int = 2) -> dict[str, str]:
    """Learn shorthand -> word from aligned (short, long) descriptors of the same code.

    A short-descriptor token that is not itself a word of the long descriptors is paired
    with each long-descriptor word of the same code that starts with the same letter and
    contains the token's letters in order ("chrnc" -> "chronic"). The most frequent pairing
    wins when it has ``min_support`` codes behind it and at least half of the token's votes.
    """
    pairs = list(pairs)
    long_counts: Counter[str] = Counter()
    short_counts: Counter[str] = Counter()
    for short_text, long_text in pairs:
        long_counts.update(tokens(long_text))
        short_counts.update(tokens(short_text))
    # A token is a word when the long descriptors use it too, not just in passing.
    long_words = {t for t, n in long_counts.items() if n * 10 >= short_counts[t]}
    votes: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for short_text, long_text in pairs:
        candidates = set(tokens(long_text))
        for token in set(tokens(short_text)):
            if token in long_words or len(token) < 2 or not token.isalpha():
                continue
            for word in candidates:
                if len(word) > len(token) and word[0] == token[0] and _in_order(token, word):
                    votes[token][word] += 1
    mined: dict[str, str] = {}
    for token, counter in votes.items():
        (word, count), total = counter.most_common(1)[0], sum(counter.values())
        if count >= min_support and count * 2 >= total:
            mined[token] = word
    return mined


def _in_order(short: str, word: str) -> bool:
    position = 0
    for char in short:
        position = word.find(char, position)
        if position < 0:
            return False
        position += 1
    return True


__all__ = [
    "VOCABULARY_FILE",
    "Vocabulary",
    "mine_abbreviations",
    "normalize",
    "read_pairs",
    "read_vocabulary",
    "save_vocabulary",
]
