"""What every route shares: the searcher dependency, the parameter allow-list and the
documented error responses."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from .errors import BadRequest
from .schemas import ErrorBody
from .searcher import Searcher

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


def allowed_params(*names: str) -> Callable[[Request], Awaitable[None]]:
    """Reject query parameters the endpoint does not know (a typo would be silently ignored)."""

    async def check(request: Request) -> None:  # async: no thread hop for a set difference
        unknown = sorted(set(request.query_params) - set(names))
        if unknown:
            raise BadRequest(
                f"unknown parameter(s): {', '.join(unknown)}; allowed: {', '.join(names)}"
            )

    return check
