"""The ranking's tunables: field and expansion boosts, channel weights, coordination.

Everything ``codesearch eval`` tunes lives in one immutable value, handed to each channel
on each search, so a test or an experiment can change one part without touching the
loaded index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

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
    (``channels/names.py``). A name must cover ``name_min_coverage`` of the query's
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
    # Attribute agreement (agreement.py), in units of the fused score: the gap between
    # neighbouring ranks near the top is about 0.01, so an agreement moves a sibling past
    # its neighbours while a code from another family stays out of reach.
    attribute_agree: float = 0.02
    attribute_contradict: float = 0.03
    attribute_depth: int = 30

    def is_short(self, content_words: int) -> bool:
        """A query as typed into a search box, rather than prose."""
        return content_words <= self.short_query_words

    def weights(self, content_words: int) -> Mapping[str, float]:
        """Fusion weights for a query of this many content words."""
        return self.channel_weights if self.is_short(content_words) else self.prose_channel_weights


DEFAULT_RANKING = RankingConfig()
