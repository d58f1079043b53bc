"""The search engine, with no web framework: query analysis, the channels, fusion,
confidence and code detail. The API and the protocol adapters call :class:`Searcher`."""

from search_api.engine.ranking import DEFAULT_RANKING, RankingConfig
from search_api.engine.searcher import Hit, Searcher, SearchResult

__all__ = ["DEFAULT_RANKING", "Hit", "RankingConfig", "SearchResult", "Searcher"]
