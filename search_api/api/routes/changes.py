"""GET /changes: codes added, changed, terminated or reinstated since a date."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from indexer.history import EVENT_KINDS
from search_api.api.deps import ERRORS, SearcherDep, allowed_params
from search_api.engine.dates import parse_day
from search_api.engine.errors import BadRequest

router = APIRouter(tags=["changes"])

EventKind = Literal["added", "changed", "terminated", "reinstated"]


@router.get(
    "/changes",
    responses=ERRORS,
    dependencies=[Depends(allowed_params("since", "until", "kind", "limit", "offset"))],
)
def changes(
    searcher: SearcherDep,
    since: Annotated[str, Query(description="First day, YYYY-MM-DD.")],
    until: Annotated[str | None, Query(description="Last day, YYYY-MM-DD.")] = None,
    kind: EventKind | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Codes added, changed, terminated or reinstated on or after a date, oldest first."""
    first = parse_day(since, "since")
    last = parse_day(until, "until") if until is not None else None
    if last is not None and last < first:
        raise BadRequest(f"until ({last}) is before since ({first})")
    found = searcher.history.changes_since(first, (kind,) if kind else EVENT_KINDS, last)
    counts = {k: sum(1 for e in found if e["kind"] == k) for k in EVENT_KINDS}
    return {
        "since": first.isoformat(),
        "until": last.isoformat() if last else None,
        "releases": searcher.history.releases,
        "total": len(found),
        "counts": counts,
        "changes": found[offset : offset + limit],
    }
