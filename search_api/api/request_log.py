"""The request log: method, route template, status, time and a request id, never the text
a user typed."""

import logging
import time
import uuid
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
