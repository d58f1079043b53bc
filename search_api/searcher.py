"""The searcher: keyword, semantic and hybrid search, code lookup and autocomplete.

One ``Searcher`` is opened per process on the served index artifact and shared by all
requests; whoosh searchers are kept per thread.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

import numpy as np
from whoosh import scoring
from whoosh.searching import Searcher as WhooshSearcher

from indexer.analysis import tokens
from indexer.artifact import Artifact, check_model, load_artifact
from indexer.errors import IndexUnavailable
from indexer.history import HistoryIndex
from indexer.keyword_index import (
    POSTINGS_FILE,
    TEXT_FIELDS,
    KeywordPostings,
    open_keyword_index,
    schema,
)
from indexer.prefix_index import PrefixIndex
from indexer.records import RECORDS_FILE, CodeRecord, read_records
from indexer.settings import Settings
from indexer.vector_index import VectorIndex
from indexer.vocabulary import Vocabulary
from models.embedding import Encoder, load_encoder

from .errors import BadRequest, NotFound
from .fusion import reciprocal_rank_fusion
from .names import NameIndex
from .query import CODE_PREFIX, AnalysedQuery, Correction, analyse

Mode = Literal["keyword", "semantic", "hybrid"]


class KeywordQuery(NamedTuple):
    clauses: list[tuple[str, str, float]]  # (field, analysed term, boost)
    stands_for: list[int]  # per clause, the query word it stands for (-1: none)
    words: int  # query words that carry meaning (stop words excluded)


BM25_B, BM25_K1 = 0.3, 1.2  # weak length normalisation: descriptors are short, synonyms many


@dataclass(frozen=True)
class RankingConfig:
    """Every tunable of the ranking, in one immutable value (tuned with ``codesearch eval``).

    Two kinds of text reach the search: queries typed into a box (a few words) and prose
    (a note, a chatbot message). In a short query every word counts, so the keyword channel
    multiplies BM25F by (share of the query's words a code matches) ** ``coordination``. In
    prose, filler words ("help with billing", "visit note") would earn codes that share, so
    prose is scored by BM25F alone and leans more on the embedding, which reads the gist.

    The "name" channel ranks codes one of whose synonyms the query contains whole
    (``search_api/names.py``). A name must cover ``name_min_coverage`` of the query's
    terms: "office visit" inside a sentence-long description says little about which visit.

    A weight of 0 switches a channel off; the quality tests switch each off in turn to show
    the floors notice (``tests/test_quality.py``).
    """

    field_boosts: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(
            {"descriptor": 2.0, "short": 1.0, "synonyms": 2.0, "plain": 1.0}
        )
    )
    expansion_boost: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"brand": 0.5, "lay": 0.8, "abbreviation": 0.8})
    )
    fuzzy_boost: float = 0.25
    channel_weights: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"keyword": 1.0, "semantic": 0.5, "name": 0.3})
    )
    prose_channel_weights: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"keyword": 1.0, "semantic": 0.7, "name": 0.3})
    )
    short_query_words: int = 6  # content words (stop words excluded)
    coordination: float = 1.0
    name_min_coverage: float = 0.25
    rrf_k: float = 10.0
    depth: int = 100  # candidates taken from each channel before fusion
    expand_vocabulary: bool = True  # lay terms, brands and shorthand added to the query

    def is_short(self, content_words: int) -> bool:
        """A query as typed into a search box, rather than prose."""
        return content_words <= self.short_query_words

    def weights(self, content_words: int) -> Mapping[str, float]:
        """Fusion weights for a query of this many content words."""
        return self.channel_weights if self.is_short(content_words) else self.prose_channel_weights


DEFAULT_RANKING = RankingConfig()


@dataclass
class Hit:
    record: CodeRecord
    score: float
    matched_fields: list[str] = field(default_factory=list)
    matched_terms: list[str] = field(default_factory=list)
    ranks: dict[str, int] = field(default_factory=dict)
    similarity: float | None = None
    channel: str = ""
    matched_name: str | None = None  # a synonym the query contains whole


@dataclass
class SearchResult:
    query: AnalysedQuery
    mode: str
    total: int
    hits: list[Hit]


class Searcher:
    """Everything a request needs, loaded once."""

    def __init__(
        self,
        settings: Settings,
        artifact: Artifact,
        encoder: Encoder | Future[Encoder],
        ranking: RankingConfig = DEFAULT_RANKING,
    ) -> None:
        """``encoder`` may still be loading (a future): the index loads meanwhile, and is
        checked against the model once that has loaded."""
        self.settings = settings
        self.ranking = ranking
        self.artifact = artifact
        directory = artifact.directory
        self.records: list[CodeRecord] = read_records(directory / RECORDS_FILE)
        self.position = {self._key(r): i for i, r in enumerate(self.records)}
        self.codes_sorted = sorted(
            (r.code, i) for i, r in enumerate(self.records) if r.system != "MODIFIER"
        )
        self.active = np.array([r.active for r in self.records], dtype=bool)
        self.systems = np.array([r.system for r in self.records])
        self.history = HistoryIndex.load(directory, self.position, self.active)
        self.vectors = VectorIndex(directory / "vectors.npy")
        if len(self.vectors) != len(self.records):
            raise ValueError("vectors and records differ in length")
        self.index = open_keyword_index(directory / "keyword")
        self.postings = KeywordPostings(directory / POSTINGS_FILE, b=BM25_B, k1=BM25_K1)
        if self.postings.documents != len(self.records):
            raise ValueError("keyword postings and records differ in length")
        self.docnum_position = self._docnum_positions()
        self.position_docnum = np.empty_like(self.docnum_position)
        self.position_docnum[self.docnum_position] = np.arange(len(self.docnum_position))
        self.vocabulary = Vocabulary.load(settings.corpus_dir)
        # whoosh answers only spelling and fuzzy-term questions at query time (cached), so
        # one searcher behind a lock serves every thread.
        self._whoosh: WhooshSearcher = self.index.searcher(
            weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1)
        )
        self._whoosh_lock = threading.Lock()
        self._embed_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._embed_lock = threading.Lock()
        self._embedding_now = 0
        # Query embedding and the vector scan run on two dedicated threads, whatever thread
        # the request came on: torch keeps per-thread state (and OpenMP teams), and with a
        # server's 40 request threads each calling it, memory grew past 1.5 GB under load.
        self._torch_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="semantic")
        self._terms_cache: dict[tuple[str, str], list[str]] = {}
        self._fuzzy_cache: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
        self._spelling_cache: dict[tuple[str, str], str | None] = {}
        self._analyzers = {name: schema()[name].analyzer for name in TEXT_FIELDS}
        self._vocabulary_words = {
            word
            for table in (
                self.vocabulary.lay_terms,
                self.vocabulary.brands,
                self.vocabulary.abbreviations,
            )
            for phrase in table
            for word in phrase.split()
        }
        self.prefixes = PrefixIndex(self.records)
        self.names = NameIndex(
            ((i, s) for i, r in enumerate(self.records) for s in r.synonyms),
            lambda text: self._field_terms("synonyms", text),
        )
        self.code_order = np.empty(len(self.records), dtype=np.int32)
        by_code = sorted(range(len(self.records)), key=lambda i: self.records[i].code)
        self.code_order[by_code] = np.arange(len(self.records), dtype=np.int32)
        self.encoder = encoder.result() if isinstance(encoder, Future) else encoder
        try:
            check_model(artifact.manifest, self.encoder.name, self.encoder.dimension)
        except IndexUnavailable:
            self.close()
            self._torch_pool.shutdown()
            raise

    def _docnum_positions(self) -> np.ndarray:
        """Record position of each whoosh document number."""
        mapping = np.full(self.postings.documents, -1, dtype=np.int64)
        with self.index.searcher() as searcher:
            for docnum, stored in searcher.iter_docs():
                mapping[docnum] = self.position[stored["key"]]
        if (mapping < 0).any():
            raise ValueError("keyword index and records disagree")
        return mapping

    @classmethod
    def open(cls, settings: Settings) -> Searcher:
        # Most of start-up is the encoder's imports (torch, transformers,
        # sentence-transformers): it loads on a thread while the index loads here.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoder-load") as pool:
            encoder = pool.submit(
                load_encoder, settings.encoder, settings.embed_precision, settings.encoder_path
            )
            artifact = load_artifact(settings.index_dir, model=None, dimension=None)
            return cls(settings, artifact, encoder)

    @staticmethod
    def _key(record: CodeRecord) -> str:
        return f"MOD:{record.code}" if record.system == "MODIFIER" else record.code

    @property
    def build_dir(self) -> Path:
        return self.artifact.directory

    def warm_up(self) -> None:
        """One query through every path, so the first user does not pay for lazy set-up
        (the first embedding alone took 0.7 s)."""
        self.search("blood glucose test strips", limit=1)
        self.autocomplete("wheelch", limit=1)
        self.clear_query_cache()

    def close(self) -> None:
        with self._whoosh_lock:
            self._whoosh.close()

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
        if self.prefixes.words.exact(word).size:
            return True
        return any(
            (name, term) in self.postings
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
                best = self.prefixes.completion(word)
                if best is not None:
                    corrections.append(Correction(word, best, "completion"))
                    continue
            if len(word) >= 4:
                suggestion = self._spelling(word)
                if suggestion:
                    corrections.append(Correction(word, suggestion, "spelling"))
        return corrections

    def _spelling(self, word: str) -> str | None:
        """whoosh's closest indexed word (cached, like ``_fuzzy_clauses``)."""
        key = ("~spelling", word)
        if key not in self._spelling_cache:
            distance = 1 if len(word) <= 5 else 2
            with self._whoosh_lock:
                found = self._whoosh.suggest("ac", word, limit=1, maxdist=distance, prefix=1)
            if len(self._spelling_cache) < 50_000:
                self._spelling_cache[key] = found[0] if found else None
            return found[0] if found else None
        return self._spelling_cache[key]

    # ----------------------------------------------------------------- keyword
    def _field_terms(self, field_name: str, text: str) -> list[str]:
        key = (field_name, text)
        found = self._terms_cache.get(key)
        if found is None:
            found = [t.text for t in self._analyzers[field_name](text)]
            if len(self._terms_cache) < 200_000:  # words people type: a bounded set in practice
                self._terms_cache[key] = found
        return found

    def content_words(self, words: list[str]) -> list[str]:
        """The distinct words that carry meaning (stop words analyse to nothing)."""
        return [
            word
            for word in dict.fromkeys(words)
            if any(self._field_terms(field_name, word) for field_name in TEXT_FIELDS)
        ]

    def keyword_clauses(self, query: AnalysedQuery) -> KeywordQuery:
        """``(field, term, boost)`` for the query's words and vocabulary expansions, as an
        OR over fields; a word no field knows adds its close spellings (fuzzy), weakly.
        Each clause also names the query word it stands for: an expansion stands for the
        first word of the phrase it expands."""
        ranking = self.ranking
        clauses: list[tuple[str, str, float]] = []
        stands_for: list[int] = []
        number = {word: i for i, word in enumerate(self.content_words(query.words))}

        def add_words(words: list[str], weight: float, fuzzy: bool, word_number: int) -> None:
            for word in words:
                before = len(clauses)
                for field_name, boost in ranking.field_boosts.items():
                    for term in self._field_terms(field_name, word):
                        clauses.append((field_name, term, boost * weight))
                if fuzzy and len(word) >= 4 and word.isalpha() and not self._known(word):
                    clauses.extend(self._fuzzy_clauses(word))
                stands_for.extend([word_number] * (len(clauses) - before))

        for word in query.words:
            add_words([word], 1.0, fuzzy=True, word_number=number.get(word, -1))
        for expansion in query.expansions:
            source = [number[w] for w in tokens(expansion.phrase) if w in number]
            add_words(
                tokens(expansion.replacement),
                ranking.expansion_boost[expansion.table],
                fuzzy=False,
                word_number=source[0] if source else -1,
            )
        return KeywordQuery(clauses, stands_for, len(number))

    def _fuzzy_clauses(self, word: str) -> list[tuple[str, str, float]]:
        """Indexed terms within a small edit distance of a word no field knows (cached:
        whoosh's automaton walk costs milliseconds)."""
        key = ("~fuzzy", word)
        found = self._fuzzy_cache.get(key)
        if found is None:
            distance = 1 if len(word) <= 6 else 2
            with self._whoosh_lock:
                reader = self._whoosh.reader()
                found = [
                    (field_name, near, self.ranking.fuzzy_boost)
                    for field_name in ("descriptor", "synonyms")
                    for near in sorted(reader.terms_within(field_name, word, distance, prefix=1))
                ]
            if len(self._fuzzy_cache) < 50_000:
                self._fuzzy_cache[key] = found
        return found

    def keyword_ranking(
        self, query: AnalysedQuery, allowed: np.ndarray, depth: int
    ) -> list[tuple[int, float, dict[str, list[str]]]]:
        """BM25F over the exported postings (whoosh's formula and statistics), best first."""
        keyword_query = self.keyword_clauses(query)
        clauses = keyword_query.clauses
        if not clauses:
            return []
        by_docnum = self.postings.score(clauses)
        if keyword_query.words > 1 and self.ranking.is_short(keyword_query.words):
            # Coordination: a code that matches more of the query's words ranks higher
            # ("heated humidifier for cpap": the humidifier that is also heated).
            held = self.postings.coverage(clauses, keyword_query.stands_for, keyword_query.words)
            by_docnum *= held**self.ranking.coordination
        scores = np.zeros(len(self.records), dtype=np.float32)
        scores[self.docnum_position] = by_docnum
        scores = np.where(allowed, scores, 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size > depth:
            candidates = candidates[np.argpartition(-scores[candidates], depth - 1)[:depth]]
        candidates = candidates[np.lexsort((self.code_order[candidates], -scores[candidates]))]
        docnums = self.position_docnum[candidates]
        matched = self.postings.matched(clauses, docnums)
        return [
            (int(i), float(scores[i]), terms) for i, terms in zip(candidates, matched, strict=True)
        ]

    # ---------------------------------------------------------------- semantic
    def embed_query(self, text: str) -> np.ndarray:
        with self._embed_lock:
            cached = self._embed_cache.get(text)
            if cached is not None:
                self._embed_cache.move_to_end(text)
                return cached
        with self._embed_lock:
            alone = self._embedding_now == 0
            self._embedding_now += 1
        # Alone, a long text embeds faster on two threads (21 ms against 32 ms for 64
        # tokens); beside other requests, more threads than one only fight for the cores.
        threads = self.settings.query_threads_alone if alone else self.settings.query_threads
        try:
            vector = self.encoder.encode([text], threads=threads)[0]
        finally:
            with self._embed_lock:
                self._embedding_now -= 1
        with self._embed_lock:
            self._embed_cache[text] = vector
            if len(self._embed_cache) > 4096:
                self._embed_cache.popitem(last=False)
        return vector

    def clear_query_cache(self) -> None:
        with self._embed_lock:
            self._embed_cache.clear()

    def semantic_ranking(
        self, query: AnalysedQuery, allowed: np.ndarray, depth: int
    ) -> list[tuple[int, float]]:
        return self.vectors.search(self.embed_query(query.expanded_text), allowed, depth)

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
        active_on: dt.date | None = None,
    ) -> SearchResult:
        query = analyse(text, self.vocabulary, self.repair_words)
        if not query.words:
            raise BadRequest("the query has no searchable words or codes")
        if not self.ranking.expand_vocabulary:
            query.expansions = []
        allowed = self._allowed(system, include_terminated or active_on is not None)
        if active_on is not None:  # codes valid on that day, by the releases' dates
            allowed &= self.history.active_mask(active_on)
        wanted = offset + limit
        depth = max(self.ranking.depth, wanted)

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
            text_hits = self._text_hits(query, allowed, depth, mode, skip=set(pinned))
            if text_hits:  # a named code ranks first on every scale (BM25F is unbounded)
                for hit in hits:
                    hit.score = max(hit.score, text_hits[0].score)
            hits += text_hits
        return SearchResult(query, mode, len(hits), hits[offset:wanted])

    def _text_hits(
        self, query: AnalysedQuery, allowed: np.ndarray, depth: int, mode: Mode, skip: set[int]
    ) -> list[Hit]:
        # A query that is a code skips the embedding channel: codes have no meaning to embed.
        use_semantic = mode != "keyword" and not query.code_prefix
        # Embedding releases the GIL: the keyword channel runs meanwhile.
        pending = (
            self._torch_pool.submit(self.semantic_ranking, query, allowed, depth)
            if use_semantic
            else None
        )
        keyword = self.keyword_ranking(query, allowed, depth) if mode != "semantic" else []
        semantic = pending.result() if pending is not None else []
        keyword_info = {i: (s, m) for i, s, m in keyword}
        similarity = dict(semantic)
        rankings = {"keyword": [i for i, _, _ in keyword], "semantic": [i for i, _ in semantic]}
        names: dict[int, str] = {}
        if mode == "hybrid":
            query_terms = self._field_terms("synonyms", " ".join(query.words))
            named = self.names.ranking(query_terms, allowed, self.ranking.name_min_coverage)
            # Names of equal length: the keyword channel's order decides.
            keyword_rank = {i: r for r, i in enumerate(rankings["keyword"])}
            named.sort(key=lambda hit: (-hit.length, keyword_rank.get(hit.index, depth)))
            rankings["name"] = [hit.index for hit in named[:depth]]
            names = {hit.index: hit.name for hit in named[:depth]}
        weights = self.ranking.weights(len(self.content_words(query.words)))
        fused = reciprocal_rank_fusion(rankings, weights, k=self.ranking.rrf_k)
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
                    matched_fields=sorted(matched)
                    + (["semantic"] if item.index in similarity else []),
                    matched_terms=sorted({t for terms in matched.values() for t in terms}),
                    ranks=item.ranks,
                    similarity=similarity.get(item.index),
                    channel=mode,
                    matched_name=names.get(item.index),
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
        if seen:
            allowed = allowed.copy()
            allowed[list(seen)] = False
        for index, score in self.prefixes.top(words, allowed, limit - len(hits), self.code_order):
            hits.append(
                Hit(self.records[index], round(score, 4), ["prefix"], words, channel="prefix")
            )
        return hits


def describe_expansions(query: AnalysedQuery) -> list[dict[str, Any]]:
    """What the service changed or added to the query, for the response's evidence."""
    return [
        {"phrase": c.word, "replacement": c.replacement, "table": c.kind} for c in query.corrections
    ] + [
        {"phrase": e.phrase, "replacement": e.replacement, "table": e.table}
        for e in query.expansions
    ]
