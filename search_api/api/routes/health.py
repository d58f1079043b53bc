"""GET /health: the served build, its releases, counts and model."""

from typing import Any

from fastapi import APIRouter, Depends

from search_api.api.deps import SearcherDep, allowed_params

router = APIRouter(tags=["health"])


@router.get("/health", dependencies=[Depends(allowed_params())])
def health(searcher: SearcherDep) -> dict[str, Any]:
    """Service status: index build, releases, counts and model."""
    manifest = searcher.artifact.manifest
    return {
        "status": "ok",
        "build_id": manifest["build_id"],
        "built_at": manifest["built_at"],
        "releases": manifest["releases"],
        "counts": manifest["counts"],
        "model": manifest["model"],
    }
