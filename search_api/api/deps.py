"""What every route shares: the searcher dependency, the parameter allow-list and the
documented error responses."""

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any

from fastapi import Depends, Request

from search_api.api.schemas import ErrorBody
from search_api.engine.errors import BadRequest
from search_api.engine.searcher import Searcher

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad input"},
    404: {"model": ErrorBody, "description": "Not found"},
    422: {"model": ErrorBody, "description": "Invalid parameters"},
}


def error_body(
    status: int, kind: str, message: str, details: list[Any] | None = None
) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"error": {"status": status, "type": kind, "message": message, "details": details or []}}


async def get_searcher(request: Request) -> Searcher:
    searcher: Searcher = request.app.state.searcher
    return searcher


SearcherDep = Annotated[Searcher, Depends(get_searcher)]


def unknown_params(request: Request, names: Iterable[str]) -> list[str]:
    """The request's query parameters that are not among ``names``, sorted. Every route
    checks its parameters with this; what an unknown one means is the protocol's call."""
    return sorted(set(request.query_params) - set(names))


def allowed_params(*names: str) -> Callable[[Request], Awaitable[None]]:
    """Our REST API rejects query parameters an endpoint does not know (a typo would
    otherwise be silently ignored)."""

    async def check(request: Request) -> None:  # async: no thread hop for a set difference
        unknown = unknown_params(request, names)
        if unknown:
            raise BadRequest(
                f"unknown parameter(s): {', '.join(unknown)}; allowed: {', '.join(names)}"
            )

    return check
