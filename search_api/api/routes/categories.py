"""GET /categories: HCPCS letter ranges and CPT sections, and each one's codes."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from search_api.api.deps import ERRORS, SearcherDep, allowed_params
from search_api.engine.detail import category_members, category_stats
from search_api.engine.errors import NotFound

router = APIRouter(tags=["categories"])


@router.get("/categories", responses=ERRORS, dependencies=[Depends(allowed_params())])
def categories(searcher: SearcherDep) -> dict[str, Any]:
    """HCPCS letter ranges and CPT sections with code counts and work-RVU statistics."""
    return {"categories": category_stats(searcher.build_dir)["categories"]}


@router.get(
    "/categories/{category_id}",
    responses=ERRORS,
    dependencies=[Depends(allowed_params("limit", "offset", "include_terminated"))],
)
def category(
    searcher: SearcherDep,
    category_id: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    include_terminated: bool = False,
) -> dict[str, Any]:
    """One category's statistics and its codes in code order."""
    found = category_members(searcher, category_id, include_terminated)
    if found is None:
        raise NotFound(f"unknown category {category_id[:40]!r}: see /categories for the ids")
    stats, members = found
    return {
        **stats,
        "total": len(members),
        "results": [
            {
                "code": r.code,
                "system": r.system,
                "display": r.display,
                "active": r.active,
                "termination_date": r.termination_date,
            }
            for r in members[offset : offset + limit]
        ],
    }
