"""The searcher: keyword, semantic and hybrid search, code lookup and autocomplete.

One ``Searcher`` is opened per process on the served index artifact and shared by all
requests; whoosh searchers are kept per thread.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.searching import Searcher as WhooshSearcher

from indexer.analysis import tokens
from indexer.artifact import Artifact, load_artifact
from indexer.keyword_index import TEXT_FIELDS, open_keyword_index, schema
from indexer.records import CodeRecord
from indexer.settings import Settings
from indexer.vector_index import load_vectors
from indexer.vocabulary import Vocabulary
from models.embedding import Encoder, load_encoder

from .errors import BadRequest, NotFound
from .fusion import reciprocal_rank_fusion
from .query import CODE_PREFIX, AnalysedQuery, Correction, analyse

Mode = Literal["keyword", "semantic", "hybrid"]

# Field weights for BM25F; tuned with `codesearch eval` on the project's query sets.
FIELD_BOOSTS = {"descriptor": 2.0, "short": 1.0, "synonyms": 2.0, "plain": 1.0}
EXPANSION_BOOST = {"brand": 0.5, "lay": 0.8, "abbreviation": 0.8}
FUZZY_BOOST = 0.25
BM25_B, BM25_K1 = 0.3, 1.2  # weak length normalisation: descriptors are short, synonyms many
CHANNEL_WEIGHTS = {"keyword": 1.0, "semantic": 0.7}
RRF_K = 10.0
DEPTH = 100  # candidates taken from each channel before fusion


@dataclass
class Hit:
    record: CodeRecord
    score: float
    matched_fields: list[str] = field(default_factory=list)
    matched_terms: list[str] = field(default_factory=list)
    ranks: dict[str, int] = field(default_factory=dict)
    similarity: float | None = None
    channel: str = ""


@dataclass
class SearchResult:
    query: AnalysedQuery
    mode: str
    total: int
    hits: list[Hit]


class Searcher:
    """Everything a request needs, loaded once."""

    def __init__(self, settings: Settings, artifact: Artifact, encoder: Encoder) -> None:
        self.settings = settings
        self.artifact = artifact
        self.encoder = encoder
        directory = artifact.directory
        self.records: list[CodeRecord] = []
        with (directory / "records.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                self.records.append(CodeRecord.from_dict(json.loads(line)))
        self.position = {self._key(r): i for i, r in enumerate(self.records)}
        self.codes_sorted = sorted(
            (r.code, i) for i, r in enumerate(self.records) if r.system != "MODIFIER"
        )
        self.active = np.array([r.active for r in self.records], dtype=bool)
        self.systems = np.array([r.system for r in self.records])
        self.vectors = load_vectors(directory / "vectors.npy")
        if self.vectors.shape[0] != len(self.records):
            raise ValueError("vectors and records differ in length")
        self.index = open_keyword_index(directory / "keyword")
        self.vocabulary = Vocabulary.load(settings.corpus_dir)
        self._local = threading.local()
        self._embed_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._embed_lock = threading.Lock()
        self._analyzers = {name: schema()[name].analyzer for name in (*TEXT_FIELDS, "ac")}
        self._vocabulary_words = {
            word
            for table in (self.vocabulary.lay_terms, self.vocabulary.brands, self.vocabulary.abbreviations)
            for phrase in table
            for word in phrase.split()
        }
        self._ac_tokens = [
            (tokens(r.display + " " + r.descriptor_short), tokens(" ".join(r.synonyms)))
            for r in self.records
        ]

    @classmethod
    def open(cls, settings: Settings) -> Searcher:
        encoder = load_encoder(settings.encoder, settings.torch_threads)
        artifact = load_artifact(
            settings.index_dir, model=encoder.name, dimension=encoder.dimension
        )
        return cls(settings, artifact, encoder)

    @staticmethod
    def _key(record: CodeRecord) -> str:
        return f"MOD:{record.code}" if record.system == "MODIFIER" else record.code

    @property
    def build_dir(self) -> Path:
        return self.artifact.directory

    def _whoosh(self) -> WhooshSearcher:
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self.index.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
            self._local.searcher = searcher
        return searcher

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()

    # ----------------------------------------------------------------- lookups
    def lookup(self, code: str) -> CodeRecord:
        cleaned = code.strip().upper()
        for key in (cleaned, f"MOD:{cleaned}"):
            if key in self.position:
                return self.records[self.position[key]]
        raise NotFound(f"unknown code {code!r}: no HCPCS, CPT or modifier record has it")

    def _allowed(self, system: str | None, include_terminated: bool) -> np.ndarray:
        mask = np.ones(len(self.records), dtype=bool) if include_terminated else self.active.copy()
        if system:
            mask &= self.systems == system
        else:
            mask &= self.systems != "MODIFIER"
        return mask

    def code_prefix_hits(self, prefix: str, allowed: np.ndarray, limit: int) -> list[int]:
        """Codes starting with the prefix, exact code first, in code order."""
        start = bisect.bisect_left(self.codes_sorted, (prefix, -1))
        found: list[int] = []
        for code, index in self.codes_sorted[start:]:
            if not code.startswith(prefix) or len(found) >= limit:
                break
            if allowed[index]:
                found.append(index)
        if len(prefix) == 2:  # a modifier such as LT or 25
            modifier = self.position.get(f"MOD:{prefix}")
            if modifier is not None and allowed[modifier]:
                found.insert(0, modifier)
        return found

    # ------------------------------------------------------------- correction
    def _known(self, word: str) -> bool:
        reader = self._whoosh().reader()
        if ("ac", word) in reader:
            return True
        return any(
            (name, term) in reader
            for name in TEXT_FIELDS
            for term in self._field_terms(name, word)
        )

    def repair_words(self, words: list[str]) -> list[Correction]:
        """Corrections for words no field knows: a completion when the word is the start of
        indexed words (people type "wheelch"), else the closest indexed word by edit
        distance. Known words are never touched, so a correction cannot outrank an exact
        match."""
        corrections: list[Correction] = []
        vocabulary_words = self._vocabulary_words
        searcher = self._whoosh()
        reader = searcher.reader()
        for position, word in enumerate(words):
            if (
                len(word) < 3
                or not word.isalpha()
                or CODE_PREFIX.match(word)
                or word in vocabulary_words
                or self._known(word)
            ):
                continue
            last = position == len(words) - 1
            if len(word) >= 4 or last:
                best = max(
                    reader.expand_prefix("ac", word),
                    key=lambda t: (reader.doc_frequency("ac", t), t),
                    default=None,
                )
                if best is not None:
                    best_text = best.decode() if isinstance(best, bytes) else str(best)
                    corrections.append(Correction(word, best_text, "completion"))
                    continue
            if len(word) >= 4:
                distance = 1 if len(word) <= 5 else 2
                suggestions = searcher.suggest("ac", word, limit=1, maxdist=distance, prefix=1)
                if suggestions:
                    corrections.append(Correction(word, suggestions[0], "spelling"))
        return corrections

    # ----------------------------------------------------------------- keyword
    def _field_terms(self, field_name: str, text: str) -> list[str]:
        return [t.text for t in self._analyzers[field_name](text)]

    def _keyword_query(self, query: AnalysedQuery) -> wq.Query | None:
        reader = self._whoosh().reader()
        clauses: list[wq.Query] = []

        def add_words(words: list[str], weight: float, fuzzy: bool) -> None:
            for word in words:
                per_field: list[wq.Query] = []
                known = False
                for field_name, boost in FIELD_BOOSTS.items():
                    for term in self._field_terms(field_name, word):
                        per_field.append(wq.Term(field_name, term, boost=boost * weight))
                        known = known or (field_name, term) in reader
                if fuzzy and not known and len(word) >= 4 and word.isalpha():
                    distance = 1 if len(word) <= 6 else 2
                    for field_name in ("descriptor", "synonyms"):
                        per_field.append(
                            wq.FuzzyTerm(
                                field_name, word, boost=FUZZY_BOOST, maxdist=distance, prefixlength=1
                            )
                        )
                if per_field:
                    clauses.append(wq.Or(per_field))

        add_words(query.words, 1.0, fuzzy=True)
        for expansion in query.expansions:
            add_words(tokens(expansion.replacement), EXPANSION_BOOST[expansion.table], fuzzy=False)
        return wq.Or(clauses) if clauses else None

    def keyword_ranking(
        self, query: AnalysedQuery, allowed: np.ndarray, depth: int
    ) -> list[tuple[int, float, dict[str, list[str]]]]:
        built = self._keyword_query(query)
        if built is None:
            return []
        searcher = self._whoosh()
        results = searcher.search(built, limit=depth * 3, terms=True)
        ranking = []
        for hit in results:
            index = self.position.get(hit["key"])
            if index is None or not allowed[index]:
                continue
            matched: dict[str, list[str]] = {}
            for field_name, term in hit.matched_terms() or []:
                text = term.decode() if isinstance(term, bytes) else str(term)
                matched.setdefault(field_name, []).append(text)
            ranking.append((index, float(hit.score), matched))
            if len(ranking) >= depth:
                break
        return ranking

    # ---------------------------------------------------------------- semantic
    def embed_query(self, text: str) -> np.ndarray:
        with self._embed_lock:
            cached = self._embed_cache.get(text)
            if cached is not None:
                self._embed_cache.move_to_end(text)
                return cached
        vector = self.encoder.encode([text])[0]
        with self._embed_lock:
            self._embed_cache[text] = vector
            if len(self._embed_cache) > 4096:
                self._embed_cache.popitem(last=False)
        return vector

    def semantic_ranking(
        self, query: AnalysedQuery, allowed: np.ndarray, depth: int
    ) -> list[tuple[int, float]]:
        vector = self.embed_query(query.expanded_text)
        similarities = np.asarray(self.vectors @ vector, dtype=np.float32)
        similarities = np.where(allowed, similarities, -np.inf)
        depth = min(depth, int(allowed.sum()))
        if depth <= 0:
            return []
        top = np.argpartition(-similarities, depth - 1)[:depth]
        top = top[np.argsort(-similarities[top])]
        return [(int(i), float(similarities[i])) for i in top]

    # ------------------------------------------------------------------ search
    def search(
        self,
        text: str,
        *,
        limit: int = 10,
        offset: int = 0,
        mode: Mode = "hybrid",
        system: str | None = None,
        include_terminated: bool = False,
    ) -> SearchResult:
        query = analyse(text, self.vocabulary, self.repair_words)
        if not query.words:
            raise BadRequest("the query has no searchable words or codes")
        allowed = self._allowed(system, include_terminated)
        wanted = offset + limit
        depth = max(DEPTH, wanted)

        pinned: list[int] = []
        if query.code_prefix:
            pinned = self.code_prefix_hits(query.code_prefix, allowed, depth)
        for code in query.codes:
            index = self.position.get(code)
            if index is not None and allowed[index] and index not in pinned:
                pinned.append(index)
        hits: list[Hit] = [
            Hit(self.records[i], score=1.0, matched_fields=["code"], channel="code") for i in pinned
        ]

        if not query.code_prefix or len(hits) < wanted:
            hits += self._text_hits(query, allowed, depth, mode, skip=set(pinned))
        return SearchResult(query, mode, len(hits), hits[offset:wanted])

    def _text_hits(
        self, query: AnalysedQuery, allowed: np.ndarray, depth: int, mode: Mode, skip: set[int]
    ) -> list[Hit]:
        keyword = self.keyword_ranking(query, allowed, depth) if mode != "semantic" else []
        # A query that is a code skips the embedding channel: codes have no meaning to embed.
        use_semantic = mode != "keyword" and not query.code_prefix
        semantic = self.semantic_ranking(query, allowed, depth) if use_semantic else []
        keyword_info = {i: (s, m) for i, s, m in keyword}
        similarity = dict(semantic)
        rankings = {"keyword": [i for i, _, _ in keyword], "semantic": [i for i, _ in semantic]}
        fused = reciprocal_rank_fusion(rankings, CHANNEL_WEIGHTS, k=RRF_K)
        hits = []
        for item in fused:
            if item.index in skip:
                continue
            matched = keyword_info.get(item.index, (0.0, {}))[1]
            score = item.score
            if mode == "keyword":
                score = keyword_info[item.index][0]
            elif mode == "semantic":
                score = similarity[item.index]
            hits.append(
                Hit(
                    self.records[item.index],
                    score=round(float(score), 6),
                    matched_fields=sorted(matched) + (["semantic"] if item.index in similarity else []),
                    matched_terms=sorted({t for terms in matched.values() for t in terms}),
                    ranks=item.ranks,
                    similarity=similarity.get(item.index),
                    channel=mode,
                )
            )
        return hits

    # ------------------------------------------------------------ autocomplete
    def autocomplete(self, text: str, *, limit: int = 10, system: str | None = None) -> list[Hit]:
        """Every word is a prefix and all must match; code prefixes first. Keyword only."""
        query = analyse(text, self.vocabulary)
        if not query.words:
            raise BadRequest("the query has no searchable words or codes")
        allowed = self._allowed(system, include_terminated=False)
        hits: list[Hit] = []
        seen: set[int] = set()
        if query.code_prefix:
            for index in self.code_prefix_hits(query.code_prefix, allowed, limit):
                hits.append(Hit(self.records[index], 1.0, ["code"], channel="code"))
                seen.add(index)
        if len(hits) >= limit:
            return hits[:limit]
        words = query.words[:12]
        built = wq.And([wq.Prefix("ac", w) for w in words])
        results = self._whoosh().search(built, limit=max(400, limit))
        scored = []
        for hit in results:
            index = self.position.get(hit["key"])
            if index is None or index in seen or not allowed[index]:
                continue
            scored.append((self._prefix_score(index, words), index))
        scored.sort(key=lambda s: (-s[0], self.records[s[1]].code))
        for score, index in scored[: limit - len(hits)]:
            hits.append(Hit(self.records[index], round(score, 4), ["prefix"], words, channel="prefix"))
        return hits

    def _prefix_score(self, index: int, words: list[str]) -> float:
        descriptor, synonyms = self._ac_tokens[index]
        score = 0.0
        for word in words:
            if word in descriptor:
                score += 2.0
            elif any(t.startswith(word) for t in descriptor):
                score += 1.5
            elif word in synonyms:
                score += 1.2
            elif any(t.startswith(word) for t in synonyms):
                score += 1.0
        return score + 1.0 / (1 + len(descriptor)) * 3


def describe_expansions(query: AnalysedQuery) -> list[dict[str, Any]]:
    """What the service changed or added to the query, for the response's evidence."""
    return [
        {"phrase": c.word, "replacement": c.replacement, "table": c.kind} for c in query.corrections
    ] + [
        {"phrase": e.phrase, "replacement": e.replacement, "table": e.table}
        for e in query.expansions
    ]
