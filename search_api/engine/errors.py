"""Errors raised below the API layer; each carries its HTTP status. One handler maps them."""

from __future__ import annotations

from indexer.errors import CodeSearchError, IndexUnavailable, SourceError

__all__ = [
    "BadRequest",
    "CodeSearchError",
    "IndexUnavailable",
    "InvalidParameter",
    "NotFound",
    "ReloadRefused",
    "Unauthorized",
    "SourceError",
]


class BadRequest(CodeSearchError):
    status = 400
    kind = "bad_request"


class NotFound(CodeSearchError):
    status = 404
    kind = "not_found"


class Unauthorized(CodeSearchError):
    status = 401
    kind = "unauthorized"


class ReloadRefused(CodeSearchError):
    status = 409
    kind = "reload_refused"


class InvalidParameter(CodeSearchError):
    status = 422
    kind = "invalid_parameter"
