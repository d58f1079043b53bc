"""Domain errors of the indexer. The API maps them to HTTP statuses in one place."""

from __future__ import annotations


class CodeSearchError(Exception):
    """Base of every error this project raises on purpose."""

    status = 500
    kind = "internal_error"


class SourceError(CodeSearchError):
    """A source file is missing or malformed; names the file and, where known, the row."""

    kind = "bad_source_file"

    def __init__(self, source: str, message: str, row: int | None = None) -> None:
        where = f"{source}, row {row}" if row is not None else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.row = row


class IndexUnavailable(CodeSearchError):
    """No usable index artifact (missing, partial, or not matching this build of the code)."""

    status = 503
    kind = "index_unavailable"
