"""GET /codes/{code} and its history: what a coder needs once a code is found."""

from typing import Any

from fastapi import APIRouter, Depends

from search_api.api.deps import ERRORS, SearcherDep, allowed_params
from search_api.engine.detail import code_detail, code_history, find_code

router = APIRouter(tags=["codes"])


@router.get("/codes/{code}", responses=ERRORS, dependencies=[Depends(allowed_params())])
def lookup(searcher: SearcherDep, code: str) -> dict[str, Any]:
    """The full record of one code or modifier, with meanings, comparison and history."""
    return code_detail(find_code(searcher, code), searcher)


@router.get("/codes/{code}/history", responses=ERRORS, dependencies=[Depends(allowed_params())])
def history(searcher: SearcherDep, code: str) -> dict[str, Any]:
    """When the code was added, its descriptor changed, and it was terminated or reinstated."""
    return code_history(find_code(searcher, code), searcher)
