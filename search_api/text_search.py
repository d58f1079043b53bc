"""POST /search: a long free text (a chatbot's paragraph) to top-k codes with a calibrated
confidence, and an explicit ``no_confident_match`` when nothing fits."""

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from indexer.settings import Settings

from .confidence import THRESHOLD, hit_confidences, no_confident_match
from .deps import SearcherDep
from .schemas import ResultItem, result_item
from .searcher import Searcher, describe_expansions

System = Literal["HCPCS", "CPT", "MODIFIER"]


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


def text_search_payload(
    searcher: Searcher, text: str, limit: int, system: str | None
) -> dict[str, Any]:
    """The response of POST /search (also the MCP ``search_codes`` tool's result)."""
    result = searcher.search(text, limit=limit, system=system)
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


def text_search_router(settings: Settings, responses: dict[int | str, dict[str, Any]]) -> APIRouter:
    """The router; the body's limits come from the settings."""

    class TextSearchRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")

        text: str = Field(
            min_length=1,
            max_length=settings.max_text_chars,
            description="Free text: a question, a sentence or a paragraph of a clinical note.",
        )
        limit: int = Field(default=5, ge=1, le=settings.max_limit)
        system: System | None = None

    router = APIRouter()

    @router.post("/search", response_model=TextSearchResponse, responses=responses)
    def search_text(body: TextSearchRequest, searcher: SearcherDep) -> dict[str, Any]:
        """Top-k codes for a long free text, each with a calibrated confidence."""
        return text_search_payload(searcher, body.text, body.limit, body.system)

    return router
