"""Dates given as query parameters (YYYY-MM-DD), checked with a message a person can act on."""

from __future__ import annotations

import datetime as dt

from search_api.engine.errors import InvalidParameter


def parse_day(value: str, name: str) -> dt.date:
    """``value`` as a calendar date, or a 422 naming the parameter and the expected form."""
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(
            f"{name} must be a date written YYYY-MM-DD (e.g. 2025-04-01), got {value[:40]!r}"
        ) from None
