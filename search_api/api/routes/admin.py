"""Administration: reload the served index after a rebuild, without dropping a request.

Off unless ``CODESEARCH_ADMIN_TOKEN`` is set: without a token the endpoint does not exist
(404, like any unknown path). With one, a request needs ``Authorization: Bearer <token>``.
``SIGHUP`` does the same reload from the machine itself.
"""

import asyncio
import logging
import secrets
import signal
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from starlette.concurrency import run_in_threadpool

from indexer.artifact import current_link
from indexer.settings import Settings
from search_api.api.schemas import ErrorBody
from search_api.engine.errors import CodeSearchError, NotFound, ReloadRefused, Unauthorized
from search_api.engine.searcher import Searcher

log = logging.getLogger("codesearch.admin")
router = APIRouter(prefix="/admin", tags=["admin"])


def require_token(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    settings: Settings = request.app.state.settings
    if settings.admin_token is None:
        raise NotFound(f"no endpoint {request.url.path}")
    expected = f"Bearer {settings.admin_token.get_secret_value()}"
    if authorization is None or not secrets.compare_digest(
        authorization.encode(), expected.encode()
    ):
        raise Unauthorized("this endpoint needs 'Authorization: Bearer <CODESEARCH_ADMIN_TOKEN>'")


async def reload_searcher(app: FastAPI) -> dict[str, Any]:
    """Open the build that ``current`` points at and swap it in; the old searcher keeps
    answering until then, and requests already holding it finish on it. A build that is
    missing, damaged or made with another model is refused and the old one stays."""
    lock: asyncio.Lock = app.state.reload_lock
    async with lock:
        settings: Settings = app.state.settings
        old: Searcher = app.state.searcher
        target = current_link(settings.index_dir).resolve()
        if target == old.build_dir:
            return {"status": "unchanged", "build_id": old.build_dir.name}
        started = time.perf_counter()
        try:
            fresh = await run_in_threadpool(Searcher.open, settings)
            await run_in_threadpool(fresh.warm_up)
        except (CodeSearchError, OSError, ValueError) as exc:
            log.warning("reload refused, still serving %s: %s", old.build_dir.name, exc)
            raise ReloadRefused(
                f"the index at {target.name} was refused ({exc}); "
                f"still serving {old.build_dir.name}"
            ) from exc
        app.state.searcher = fresh
        seconds = time.perf_counter() - started
        log.info(
            "switched from %s to %s in %.1fs", old.build_dir.name, fresh.build_dir.name, seconds
        )
        return {
            "status": "reloaded",
            "build_id": fresh.build_dir.name,
            "previous_build_id": old.build_dir.name,
            "seconds": round(seconds, 2),
        }


def install_signal_reload(app: FastAPI) -> None:
    """``kill -HUP <pid>`` reloads like the endpoint (where the platform has SIGHUP)."""
    loop = asyncio.get_running_loop()

    def on_hangup() -> None:
        task = loop.create_task(reload_searcher(app))
        task.add_done_callback(lambda t: t.exception() and log.warning("SIGHUP reload failed"))

    try:
        loop.add_signal_handler(signal.SIGHUP, on_hangup)
    except (NotImplementedError, RuntimeError, AttributeError, ValueError):
        log.info("SIGHUP reload unavailable here; use POST /admin/reload")


@router.post(
    "/reload",
    dependencies=[Depends(require_token)],
    responses={
        401: {"model": ErrorBody, "description": "Missing or wrong bearer token"},
        409: {"model": ErrorBody, "description": "The new build was refused; the old one serves"},
    },
)
async def reload(request: Request) -> dict[str, Any]:
    """Serve the index build that 'current' points at now (after `codesearch build`)."""
    return await reload_searcher(request.app)
