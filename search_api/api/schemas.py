"""Response shapes of the API (also used by the CLI's --json)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from search_api.engine.confidence import THRESHOLD, hit_confidences, no_confident_match
from search_api.engine.searcher import Hit, SearchResult, describe_expansions


class AttributeEvidence(BaseModel):
    name: str = Field(description="size_cm, contrast, views, minutes, sequence, laterality...")
    query: str = Field(description="What the query states.")
    code: str = Field(description="What the code's texts state.")
    agrees: bool


class ResultItem(BaseModel):
    code: str
    system: str
    display: str
    descriptor_long: str | None = None
    descriptor_short: str
    score: float
    active: bool
    matched_fields: list[str] = Field(
        description="Fields that matched: descriptor, short, "
        "synonyms, plain, code, prefix, or 'semantic'."
    )
    matched_terms: list[str] = Field(default_factory=list, description="Index terms that matched.")
    ranks: dict[str, int] = Field(
        default_factory=dict, description="Rank in each channel: keyword, semantic, name."
    )
    matched_name: str | None = Field(
        default=None, description="A synonym of the code that the query contains whole."
    )
    similarity: float | None = Field(default=None, description="Cosine similarity (semantic).")
    attributes: list[AttributeEvidence] = Field(
        default_factory=list,
        description="Attributes the query and the code both state (size, contrast, views, "
        "time, first or additional...), and whether they agree; agreement ranks a code up, "
        "contradiction down.",
    )
    plain_language: str | None = None
    termination_date: str | None = None
    replaced_by: list[str] = Field(
        default_factory=list, description="For a terminated code: its cross-referenced codes."
    )


class SearchResponse(BaseModel):
    query: str
    mode: str
    total: int
    expansions: list[dict[str, Any]]
    results: list[ResultItem]


class AutocompleteItem(BaseModel):
    code: str
    system: str
    display: str
    score: float
    matched_fields: list[str]


class AutocompleteResponse(BaseModel):
    query: str
    results: list[AutocompleteItem]


class ErrorBody(BaseModel):
    error: dict[str, Any] = Field(
        description="{'status': int, 'type': str, 'message': str, 'details': list}"
    )


def result_item(hit: Hit) -> dict[str, Any]:
    record = hit.record
    return {
        "code": record.code,
        "system": record.system,
        "display": record.display,
        "descriptor_long": record.descriptor_long,
        "descriptor_short": record.descriptor_short,
        "score": hit.score,
        "active": record.active,
        "matched_fields": hit.matched_fields,
        "matched_terms": hit.matched_terms,
        "ranks": hit.ranks,
        "matched_name": hit.matched_name,
        "similarity": None if hit.similarity is None else round(hit.similarity, 4),
        "attributes": [
            {"name": a.name, "query": a.query, "code": a.code, "agrees": a.agrees}
            for a in hit.attributes
        ],
        "plain_language": record.plain_language,
        "termination_date": record.termination_date,
        "replaced_by": [] if record.active else list(record.cross_references),
    }


def search_response(result: SearchResult) -> dict[str, Any]:
    return {
        "query": result.query.text,
        "mode": result.mode,
        "total": result.total,
        "expansions": describe_expansions(result.query),
        "results": [result_item(h) for h in result.hits],
    }


def autocomplete_response(query: str, hits: list[Hit]) -> dict[str, Any]:
    return {
        "query": query,
        "results": [
            {
                "code": h.record.code,
                "system": h.record.system,
                "display": h.record.display,
                "score": h.score,
                "matched_fields": h.matched_fields,
            }
            for h in hits
        ],
    }


class TextSearchItem(ResultItem):
    confidence: float = Field(description="Calibrated probability that this code fits the text.")


class TextSearchResponse(BaseModel):
    no_confident_match: bool = Field(
        description="True when no result reaches the confidence threshold: nothing fits."
    )
    threshold: float
    total: int
    expansions: list[dict[str, Any]]
    results: list[TextSearchItem]


def text_search_response(result: SearchResult) -> dict[str, Any]:
    """The answer of POST /search (and the MCP ``search_codes`` tool): each hit with its
    calibrated confidence, and whether any reaches the threshold."""
    confidences = hit_confidences(result)
    return {
        "no_confident_match": no_confident_match(confidences),
        "threshold": THRESHOLD,
        "total": result.total,
        "expansions": describe_expansions(result.query),
        "results": [
            {**result_item(hit), "confidence": confidence}
            for hit, confidence in zip(result.hits, confidences, strict=True)
        ],
    }
