"""The FastAPI app: the engine's searcher in the lifespan, one error shape, the request
log, and the routers (``routes/`` for our REST API, ``protocols/`` for FHIR and NLM)."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer.settings import Settings, get_settings
from search_api.api.deps import ERRORS, error_body
from search_api.api.request_log import RequestLog
from search_api.api.routes import admin, categories, changes, codes, health
from search_api.api.routes.admin import install_signal_reload
from search_api.api.routes.search import search_router
from search_api.api.routes.web import mount_web_page
from search_api.engine.errors import CodeSearchError
from search_api.engine.searcher import Searcher
from search_api.protocols import nlm
from search_api.protocols.fhir import routes as fhir_routes

log = logging.getLogger("codesearch.api")


def create_app(settings: Settings | None = None, searcher: Searcher | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        started = time.perf_counter()
        app.state.searcher = searcher or Searcher.open(settings)
        if searcher is None:
            await run_in_threadpool(app.state.searcher.warm_up)
        app.state.reload_lock = asyncio.Lock()
        install_signal_reload(app)
        log.info(
            "index %s loaded in %.1fs",
            app.state.searcher.build_dir.name,
            time.perf_counter() - started,
        )
        yield
        if app.state.searcher is not searcher:  # close what this app opened, not a caller's
            app.state.searcher.close()

    app = FastAPI(
        title="codesearch",
        summary="Find HCPCS Level II and CPT codes from free text, with the evidence for "
        "each match.",
        version="0.1.0",
        lifespan=lifespan,
        responses=ERRORS,  # every route documents the one error shape
    )
    app.state.settings = settings
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"]
        )

    app.add_middleware(RequestLog, log_queries=settings.log_queries)

    @app.exception_handler(CodeSearchError)
    async def domain_error(request: Request, exc: CodeSearchError) -> JSONResponse:
        return JSONResponse(error_body(exc.status, exc.kind, str(exc)), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"location": list(map(str, e.get("loc", ()))), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        message = "; ".join(
            f"{'.'.join(d['location'][1:]) or 'request'}: {d['message']}" for d in details
        )
        return JSONResponse(error_body(422, "invalid_parameter", message, details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(exc.status_code, "http_error", str(exc.detail)), status_code=exc.status_code
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(error_body(500, "internal_error", "internal error"), status_code=500)

    app.include_router(search_router(settings))
    for router in (codes.router, changes.router, categories.router, health.router, admin.router):
        app.include_router(router)
    # The protocols: they translate to and from the engine, and rank nothing of their own.
    app.include_router(fhir_routes.router)
    app.include_router(nlm.router)
    mount_web_page(app)
    return app
