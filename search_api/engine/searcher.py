"""The searcher: composes the channels (code, keyword, semantic, names) and fuses them.

One ``Searcher`` is opened per process on the served index artifact and shared by all
requests. Each channel owns its part of the build and its caches
(``search_api/engine/channels/``); the searcher analyses the query, asks the channels,
fuses their rankings (``fusion.py``) and assembles hits with their evidence. Everything
tunable is in ``self.ranking`` (``ranking.py``).
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from indexer.artifact import Artifact, check_model, load_artifact
from indexer.attributes import ATTRIBUTES_FILE, Agreement, extract, read_attributes
from indexer.errors import IndexUnavailable
from indexer.history import HistoryIndex
from indexer.prefix_index import PrefixIndex
from indexer.records import RECORDS_FILE, CodeRecord, read_records
from indexer.settings import Settings
from indexer.vocabulary import VOCABULARY_FILE, read_vocabulary
from models.embedding import Encoder, load_encoder
from search_api.engine.agreement import rerank
from search_api.engine.channels.code import CodeChannel
from search_api.engine.channels.keyword import KeywordChannel
from search_api.engine.channels.names import NameIndex
from search_api.engine.channels.semantic import SemanticChannel
from search_api.engine.errors import BadRequest, NotFound
from search_api.engine.fusion import reciprocal_rank_fusion
from search_api.engine.query import AnalysedQuery, analyse
from search_api.engine.ranking import DEFAULT_RANKING, RankingConfig
from search_api.engine.spelling import Repairer

Mode = Literal["keyword", "semantic", "hybrid"]
SYSTEMS = ("HCPCS", "CPT", "MODIFIER")


@dataclass
class Hit:
    """One result: the record, its score in the mode asked for, and why it matched."""

    record: CodeRecord
    score: float
    matched_fields: list[str] = field(default_factory=list)
    matched_terms: list[str] = field(default_factory=list)
    ranks: dict[str, int] = field(default_factory=dict)  # channel -> rank (from 1)
    similarity: float | None = None
    channel: str = ""  # "code", "prefix", or the mode that found it
    matched_name: str | None = None  # a synonym the query contains whole
    attributes: list[Agreement] = field(default_factory=list)  # the query's vs the code's


@dataclass
class SearchResult:
    query: AnalysedQuery
    mode: str
    total: int
    hits: list[Hit]


class Searcher:
    """The served build and its channels, loaded once, composed per query."""

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
        self.artifact = artifact
        self.ranking = ranking
        directory = artifact.directory
        self.records: list[CodeRecord] = read_records(directory / RECORDS_FILE)
        self.active = np.array([r.active for r in self.records], dtype=bool)
        self.systems = np.array([r.system for r in self.records])
        self.codes = CodeChannel(self.records)
        self.history = HistoryIndex.load(directory, self.codes.position, self.active)
        self.keyword = KeywordChannel(directory, self.codes.position, self.codes.code_order)
        self.vocabulary = read_vocabulary(directory / VOCABULARY_FILE)
        self.attributes = read_attributes(directory / ATTRIBUTES_FILE)
        self.prefixes = PrefixIndex(self.records)
        self.repair = Repairer(self.prefixes, self.keyword, self.vocabulary.words())
        self.names = NameIndex(
            ((i, s) for i, r in enumerate(self.records) for s in r.synonyms),
            lambda text: self.keyword.field_terms("synonyms", text),
        )
        loaded = encoder.result() if isinstance(encoder, Future) else encoder
        self.semantic = SemanticChannel(
            directory / "vectors.npy",
            loaded,
            threads=settings.query_threads,
            threads_alone=settings.query_threads_alone,
        )
        try:
            if len(self.semantic) != len(self.records):
                raise IndexUnavailable("vectors and records differ in length")
            if len(self.attributes) != len(self.records):
                raise IndexUnavailable("attributes and records differ in length")
            check_model(artifact.manifest, loaded.name, loaded.dimension)
        except IndexUnavailable:
            self.close()
            self.semantic.shutdown()
            raise

    @classmethod
    def open(cls, settings: Settings) -> Searcher:
        """Open the served build (``current``) with the configured encoder.

        Most of start-up is the encoder's imports (torch, transformers,
        sentence-transformers): it loads on a thread while the index loads here.

        Raises:
            IndexUnavailable: no build, a damaged one, or one made with another model.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoder-load") as pool:
            encoder = pool.submit(
                load_encoder, settings.encoder, settings.embed_precision, settings.encoder_path
            )
            artifact = load_artifact(settings.index_dir, model=None, dimension=None)
            return cls(settings, artifact, encoder)

    @property
    def build_dir(self) -> Path:
        return self.artifact.directory

    @property
    def encoder(self) -> Encoder:
        return self.semantic.encoder

    def warm_up(self) -> None:
        """One query through every path, so the first user does not pay for lazy set-up
        (the first embedding alone took 0.7 s)."""
        self.search("blood glucose test strips", limit=1)
        self.autocomplete("wheelch", limit=1)
        self.semantic.clear_cache()

    def close(self) -> None:
        self.keyword.close()

    # ----------------------------------------------------------------- lookups
    def lookup(self, code: str) -> CodeRecord:
        """The record of a code or modifier, written in any case.

        Raises:
            NotFound: no record has it.
        """
        position = self.codes.find(code)
        if position is None:
            raise NotFound(f"unknown code {code!r}: no HCPCS, CPT or modifier record has it")
        return self.records[position]

    def allowed(self, system: str | None, include_terminated: bool) -> np.ndarray:
        """A mask over record positions: the system's records (modifiers only when asked
        for by name), active ones unless terminated are included."""
        mask = np.ones(len(self.records), dtype=bool) if include_terminated else self.active.copy()
        if system:
            mask &= self.systems == system
        else:
            mask &= self.systems != "MODIFIER"
        return mask

    def analyse(self, text: str) -> AnalysedQuery:
        """Words, codes, repairs and (unless switched off) vocabulary expansions."""
        query = analyse(text, self.vocabulary, self.repair)
        if not self.ranking.expand_vocabulary:
            query.expansions = []
        return query

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
        """Ranked codes for free text, a code or a code prefix.

        Args:
            text: what the user typed (a few words, a sentence, a note).
            limit, offset: the page of hits wanted.
            mode: ``hybrid`` (every channel, fused), ``keyword`` or ``semantic`` alone.
            system: only codes of ``HCPCS``, ``CPT`` or ``MODIFIER`` (modifiers are left out
                unless named).
            include_terminated: also codes no longer active (flagged on the record).
            active_on: only codes valid on that day, by the releases' dates.
        Returns:
            The analysed query, the number of hits found and the page of hits: codes the
            text is or names first, then text matches with their evidence.
        Raises:
            BadRequest: the text has no searchable words or codes.
        """
        query = self.analyse(text)
        if not query.words:
            raise BadRequest("the query has no searchable words or codes")
        allowed = self.allowed(system, include_terminated or active_on is not None)
        if active_on is not None:
            allowed &= self.history.active_mask(active_on)
        wanted = offset + limit
        depth = max(self.ranking.depth, wanted)

        pinned: list[int] = []
        if query.code_prefix:
            pinned = self.codes.prefixed(query.code_prefix, allowed, depth)
        for code in query.codes:
            index = self.codes.exact(code)
            if index is not None and allowed[index] and index not in pinned:
                pinned.append(index)
        hits = [
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
        ranking = self.ranking
        # A query that is a code skips the embedding channel: codes have no meaning to embed.
        use_semantic = mode != "keyword" and not query.code_prefix
        pending = (
            self.semantic.submit(query.expanded_text, allowed, depth) if use_semantic else None
        )
        keyword = self.keyword.rank(query, allowed, depth, ranking) if mode != "semantic" else []
        semantic = pending.result() if pending is not None else []
        keyword_info = {hit.position: hit for hit in keyword}
        similarity = dict(semantic)
        rankings = {"keyword": [h.position for h in keyword], "semantic": [i for i, _ in semantic]}
        names: dict[int, str] = {}
        if mode == "hybrid":
            query_terms = self.keyword.field_terms("synonyms", " ".join(query.words))
            named = self.names.ranking(query_terms, allowed, ranking.name_min_coverage)
            # Names of equal length: the keyword channel's order decides.
            keyword_rank = {i: r for r, i in enumerate(rankings["keyword"])}
            named.sort(key=lambda hit: (-hit.length, keyword_rank.get(hit.position, depth)))
            rankings["name"] = [hit.position for hit in named[:depth]]
            names = {hit.position: hit.name for hit in named[:depth]}
        weights = ranking.weights(len(self.keyword.content_words(query.words)))
        fused = reciprocal_rank_fusion(rankings, weights, k=ranking.rrf_k)
        adjusted = rerank(
            [item for item in fused if item.position not in skip],
            extract(query.text) if mode == "hybrid" else [],
            self.attributes,
            agree=ranking.attribute_agree,
            contradict=ranking.attribute_contradict,
            depth=ranking.attribute_depth,
        )
        hits = []
        for item in adjusted:
            position = item.fused.position
            found = keyword_info.get(position)
            matched = found.matched if found is not None else {}
            score = item.score
            if mode == "keyword":
                score = keyword_info[position].score
            elif mode == "semantic":
                score = similarity[position]
            hits.append(
                Hit(
                    self.records[position],
                    score=round(float(score), 6),
                    matched_fields=sorted(matched)
                    + (["semantic"] if position in similarity else []),
                    matched_terms=sorted({t for terms in matched.values() for t in terms}),
                    ranks=item.fused.ranks,
                    similarity=similarity.get(position),
                    channel=mode,
                    matched_name=names.get(position),
                    attributes=item.agreements,
                )
            )
        return hits

    # ------------------------------------------------------------ autocomplete
    def autocomplete(self, text: str, *, limit: int = 10, system: str | None = None) -> list[Hit]:
        """Suggestions as someone types: every word is a prefix of a word of the code's
        descriptors or synonyms and all must match; code prefixes first. Keyword only.

        Raises:
            BadRequest: the text has no searchable words or codes.
        """
        query = analyse(text, self.vocabulary)
        if not query.words:
            raise BadRequest("the query has no searchable words or codes")
        allowed = self.allowed(system, include_terminated=False)
        hits: list[Hit] = []
        seen: set[int] = set()
        if query.code_prefix:
            for index in self.codes.prefixed(query.code_prefix, allowed, limit):
                hits.append(Hit(self.records[index], 1.0, ["code"], channel="code"))
                seen.add(index)
        if len(hits) >= limit:
            return hits[:limit]
        words = query.words[:12]
        if seen:
            allowed = allowed.copy()
            allowed[list(seen)] = False
        top = self.prefixes.top(words, allowed, limit - len(hits), self.codes.code_order)
        for index, score in top:
            hits.append(
                Hit(self.records[index], round(score, 4), ["prefix"], words, channel="prefix")
            )
        return hits

    def prefix_matches(self, text: str, mask: np.ndarray) -> np.ndarray:
        """Positions, in code order, of the records in ``mask`` that every word of ``text``
        starts a word of (or whose code starts with it): autocomplete's rule with no
        ranking and no limit, for listings that must include inactive codes."""
        query = analyse(text, self.vocabulary)
        matched = mask & (self.prefixes.scores(query.words[:12]) > 0)
        if query.code_prefix:
            matched[self.codes.prefixed(query.code_prefix, mask, len(self.records))] = True
        positions = np.flatnonzero(matched)
        return positions[np.argsort(self.codes.code_order[positions])]


def describe_expansions(query: AnalysedQuery) -> list[dict[str, Any]]:
    """What the service changed or added to the query, for the response's evidence."""
    return [
        {"phrase": c.word, "replacement": c.replacement, "table": c.kind} for c in query.corrections
    ] + [
        {"phrase": e.phrase, "replacement": e.replacement, "table": e.table}
        for e in query.expansions
    ]
