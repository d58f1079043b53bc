"""Search: GET /search (ranked), GET /autocomplete (as you type), POST /search (a long
text, with a calibrated confidence per result).

The text and page limits come from the settings, so this router is built from them.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from indexer.settings import Settings
from search_api.api.deps import ERRORS, SearcherDep, allowed_params
from search_api.api.schemas import (
    AutocompleteResponse,
    SearchResponse,
    TextSearchResponse,
    autocomplete_response,
    search_response,
    text_search_response,
)
from search_api.engine.dates import parse_day

System = Literal["HCPCS", "CPT", "MODIFIER"]


def search_router(settings: Settings) -> APIRouter:
    """The search routes, their limits taken from ``settings``."""
    router = APIRouter(tags=["search"])
    QueryText = Annotated[
        str,
        Query(
            min_length=1,
            max_length=settings.max_query_chars,
            description="Free text, a code or a code prefix.",
        ),
    ]
    Limit = Annotated[int, Query(ge=1, le=settings.max_limit)]

    class TextSearchRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")

        text: str = Field(
            min_length=1,
            max_length=settings.max_text_chars,
            description="Free text: a question, a sentence or a paragraph of a clinical note.",
        )
        limit: int = Field(default=5, ge=1, le=settings.max_limit)
        system: System | None = None

    @router.get(
        "/search",
        response_model=SearchResponse,
        responses=ERRORS,
        dependencies=[
            Depends(
                allowed_params(
                    "q", "limit", "offset", "mode", "system", "include_terminated", "active_on"
                )
            )
        ],
    )
    def search(
        searcher: SearcherDep,
        q: QueryText,
        limit: Limit = 10,
        offset: Annotated[int, Query(ge=0, le=1000)] = 0,
        mode: Literal["hybrid", "keyword", "semantic"] = "hybrid",
        system: System | None = None,
        include_terminated: bool = False,
        active_on: Annotated[str | None, Query(description="Codes valid on YYYY-MM-DD.")] = None,
    ) -> dict[str, Any]:
        """Ranked codes for free text, a code or a code prefix, with why each matched."""
        result = searcher.search(
            q,
            limit=limit,
            offset=offset,
            mode=mode,
            system=system,
            include_terminated=include_terminated,
            active_on=parse_day(active_on, "active_on") if active_on is not None else None,
        )
        return search_response(result)

    @router.get(
        "/autocomplete",
        response_model=AutocompleteResponse,
        responses=ERRORS,
        dependencies=[Depends(allowed_params("q", "limit", "system"))],
    )
    async def autocomplete(  # async: a lookup well under a millisecond needs no thread hop
        searcher: SearcherDep,
        q: QueryText,
        limit: Limit = 10,
        system: System | None = None,
    ) -> dict[str, Any]:
        """Suggestions as you type: every word is a prefix; code prefixes first."""
        return autocomplete_response(q, searcher.autocomplete(q, limit=limit, system=system))

    @router.post("/search", response_model=TextSearchResponse, responses=ERRORS)
    def search_text(body: TextSearchRequest, searcher: SearcherDep) -> dict[str, Any]:
        """Top-k codes for a long free text, each with a calibrated confidence."""
        result = searcher.search(body.text, limit=body.limit, system=body.system)
        return text_search_response(result)

    return router
