"""The FastAPI app: search, autocomplete, code lookup, health."""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from indexer.settings import Settings, get_settings

from .admin import install_signal_reload
from .admin import router as admin_router
from .dates import parse_day
from .deps import ERRORS, SearcherDep, allowed_params, error_body
from .detail_routes import router as detail_router
from .errors import CodeSearchError
from .fhir import router as fhir_router
from .nlm import router as nlm_router
from .schemas import (
    AutocompleteResponse,
    SearchResponse,
    autocomplete_response,
    search_response,
)
from .searcher import Searcher
from .text_search import text_search_router
from .web import mount_web_page

log = logging.getLogger("codesearch.api")


class RequestLog:
    """Logs method, route, status, time and a request id (also sent as ``X-Request-ID``).

    Never user-typed text by default: clinicians may type patient details into the query,
    the path (``/codes/{code}``) or a body. The line carries the route's template, never the
    path as sent, and only the length of the query string, unless ``log_queries`` is set
    (then ``q`` is logged escaped by ``repr``, so no control character forges a line). A
    plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` costs more per request than
    the autocomplete lookup itself.
    """

    def __init__(self, app: ASGIApp, log_queries: bool = False) -> None:
        self.app = app
        self.log_queries = log_queries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:12]
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.INFO):
                raw = scope.get("query_string", b"").decode("latin-1")
                if self.log_queries:
                    shown = repr(parse_qs(raw).get("q", [""])[0])
                else:
                    shown = f"<{len(raw)} chars>"
                log.info(
                    "%s %s %s query=%s status=%d %.1fms",
                    request_id,
                    scope["method"],
                    route_template(scope),
                    shown,
                    status,
                    (time.perf_counter() - started) * 1000,
                )


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/codes/{code}``), never the path as sent."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "<no route>"


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

    max_chars = settings.max_query_chars
    QueryText = Annotated[
        str,
        Query(
            min_length=1, max_length=max_chars, description="Free text, a code or a code prefix."
        ),
    ]
    Limit = Annotated[int, Query(ge=1, le=settings.max_limit)]

    @app.get(
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
        system: Literal["HCPCS", "CPT", "MODIFIER"] | None = None,
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

    @app.get(
        "/autocomplete",
        response_model=AutocompleteResponse,
        responses=ERRORS,
        dependencies=[Depends(allowed_params("q", "limit", "system"))],
    )
    async def autocomplete(  # async: a lookup well under a millisecond needs no thread hop
        searcher: SearcherDep,
        q: QueryText,
        limit: Limit = 10,
        system: Literal["HCPCS", "CPT", "MODIFIER"] | None = None,
    ) -> dict[str, Any]:
        """Suggestions as you type: every word is a prefix; code prefixes first."""
        return autocomplete_response(q, searcher.autocomplete(q, limit=limit, system=system))

    app.include_router(detail_router)  # /codes/{code}, history, /changes, /categories

    @app.get("/health", dependencies=[Depends(allowed_params())])
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

    app.include_router(fhir_router)
    app.include_router(admin_router)
    app.include_router(nlm_router)
    app.include_router(text_search_router(settings, ERRORS))
    mount_web_page(app)
    return app
