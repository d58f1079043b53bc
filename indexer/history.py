"""Code history across HCPCS releases: added, changed, terminated and reinstated codes.

Every discovered release is compared with the one before it, in release order, and the
files' own dates (ADD DT, ACT EFF DT, TERM DT) and action codes date the events. The
result is stored in the index artifact as ``history.json`` and read by ``HistoryIndex``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .hcpcs import HcpcsRow
from .records import code_key

HISTORY_FILE = "history.json"
EVENT_KINDS = ("added", "changed", "terminated", "reinstated")
DESCRIPTOR_FIELDS = ("descriptor_long", "descriptor_short")
# Action codes that say a descriptor changed in the release carrying them.
_DESCRIPTOR_ACTIONS = {
    "B": ("descriptor_long",),
    "C": ("descriptor_long",),
    "S": ("descriptor_short",),
}


@dataclass
class Release:
    """One HCPCS release: its id ('2025-10', from the file name) and its rows."""

    release: str
    rows: list[HcpcsRow]


def row_key(row: HcpcsRow) -> str:
    return code_key(row.code, row.is_modifier)


def release_start(release: str) -> str | None:
    """'2025-10' -> '2025-10-01'; None for a release whose date is unknown."""
    try:
        return dt.date.fromisoformat(f"{release}-01").isoformat()
    except ValueError:
        return None


def _within(day: str | None, after: str | None, release: str) -> str | None:
    """``day`` if it falls after the previous release and by the end of this one's quarter."""
    start = release_start(release)
    if day is None or start is None:
        return start or day
    end = (dt.date.fromisoformat(start) + dt.timedelta(days=92)).isoformat()
    if (after is None or day > after) and day <= end:
        return day
    return start


def _event(
    kind: str, row: HcpcsRow, release: str, date: str | None, basis: str, **extra: Any
) -> dict[str, Any]:
    return {
        "kind": kind,
        "code": row.code,
        "date": date,
        "release": release,
        "basis": basis,
        "action_code": row.action_code,
        **extra,
    }


def build_history(releases: Sequence[Release]) -> dict[str, Any]:
    """Per-code events and active periods over releases given oldest first.

    Returns:
        ``{"releases": [...], "codes": {key: {"events": [...], "active_periods": [...]}}}``
        where a period is ``[first_day, last_day_or_None]``.
    """
    events: dict[str, list[dict[str, Any]]] = {}
    state: dict[str, HcpcsRow] = {}
    previous_start: str | None = None
    for number, release in enumerate(releases):
        name = release.release
        start = release_start(name)
        current = {row_key(row): row for row in release.rows}
        for key, row in current.items():
            found = events.setdefault(key, [])
            before = state.get(key)
            if before is None:
                found += _first_seen(row, name, start, baseline=number == 0)
                continue
            changes = [
                {"field": f, "old": getattr(before, f), "new": getattr(row, f)}
                for f in DESCRIPTOR_FIELDS
                if getattr(before, f) != getattr(row, f)
            ]
            if changes:
                date = _within(row.effective_date, previous_start, name)
                found.append(_event("changed", row, name, date, "release_diff", changes=changes))
            if row.termination_date != before.termination_date:
                if row.termination_date is not None:
                    found.append(
                        _event(
                            "terminated",
                            row,
                            name,
                            row.termination_date,
                            "termination_date",
                            replaced_by=row.cross_references,
                            previous_termination_date=before.termination_date,
                        )
                    )
                else:
                    date = _within(row.effective_date, previous_start, name)
                    found.append(_event("reinstated", row, name, date, "release_diff"))
        for key, before in state.items():
            if key not in current and before.termination_date is None and start is not None:
                last_day = (dt.date.fromisoformat(start) - dt.timedelta(days=1)).isoformat()
                events[key].append(
                    _event(
                        "terminated", before, name, last_day, "dropped_from_release", replaced_by=[]
                    )
                )
        state.update(current)
        previous_start = start or previous_start
    codes = {
        key: {"events": sorted(found, key=_event_order), "active_periods": active_periods(found)}
        for key, found in events.items()
    }
    return {"releases": [r.release for r in releases], "codes": codes}


def _first_seen(
    row: HcpcsRow, release: str, start: str | None, baseline: bool
) -> list[dict[str, Any]]:
    found = [
        _event(
            "added",
            row,
            release,
            row.added_date or start,
            "added_date" if row.added_date else "release_diff",
        )
    ]
    fields = _DESCRIPTOR_ACTIONS.get(row.action_code or "")
    if baseline and fields:
        # The oldest release says its descriptor changed; the older wording is not loaded.
        changes = [{"field": f, "old": None, "new": getattr(row, f)} for f in fields]
        found.append(
            _event(
                "changed", row, release, row.effective_date or start, "action_code", changes=changes
            )
        )
    if row.termination_date is not None:
        found.append(
            _event(
                "terminated",
                row,
                release,
                row.termination_date,
                "termination_date",
                replaced_by=row.cross_references,
                previous_termination_date=None,
            )
        )
    return found


def _event_order(event: dict[str, Any]) -> tuple[str, int]:
    return (event["date"] or "", EVENT_KINDS.index(event["kind"]))


def active_periods(events: Iterable[dict[str, Any]]) -> list[list[str | None]]:
    """Replay events in date order: added/reinstated open a period, terminated closes it."""
    periods: list[list[str | None]] = []
    open_from: str | None = None
    opened = False
    for event in sorted(events, key=_event_order):
        kind, day = event["kind"], event["date"]
        if kind in ("added", "reinstated") and not opened:
            open_from, opened = day, True
        elif kind == "terminated":
            if opened:
                periods.append([open_from, day])
                opened = False
            elif periods and day is not None:  # a termination date moved
                periods[-1][1] = day
    if opened:
        periods.append([open_from, None])
    return periods


def save_history(history: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(history, ensure_ascii=False, sort_keys=True), encoding="utf-8")


class HistoryIndex:
    """The stored history, with the active-on-a-date filter as numpy arrays."""

    def __init__(
        self, history: dict[str, Any], position: dict[str, int], active_now: np.ndarray
    ) -> None:
        self.releases: list[str] = history.get("releases", [])
        self.codes: dict[str, dict[str, Any]] = history.get("codes", {})
        self._known = np.zeros(len(active_now), dtype=bool)
        self._active_now = active_now
        index, starts, ends = [], [], []
        for key, entry in self.codes.items():
            at = position.get(key)
            if at is None:
                continue
            self._known[at] = True
            for first, last in entry["active_periods"]:
                index.append(at)
                starts.append(_ordinal(first, dt.date.min))
                ends.append(_ordinal(last, dt.date.max))
        self._index = np.array(index, dtype=np.int64)
        self._starts = np.array(starts, dtype=np.int64)
        self._ends = np.array(ends, dtype=np.int64)
        self.events = sorted(
            (e for entry in self.codes.values() for e in entry["events"]),
            key=lambda e: (e["date"] or "", e["code"], EVENT_KINDS.index(e["kind"])),
        )

    @classmethod
    def load(
        cls, directory: Path, position: dict[str, int], active_now: np.ndarray
    ) -> HistoryIndex:
        path = directory / HISTORY_FILE
        history = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return cls(history, position, active_now)

    def for_code(self, key: str) -> dict[str, Any] | None:
        return self.codes.get(key)

    def active_mask(self, day: dt.date) -> np.ndarray:
        """Codes valid on ``day``: by their periods where the releases date them, else as now."""
        mask = self._active_now & ~self._known
        ordinal = day.toordinal()
        inside = (self._starts <= ordinal) & (ordinal <= self._ends)
        mask[self._index[inside]] = True
        return mask

    def changes_since(
        self, since: dt.date, kinds: Sequence[str] = EVENT_KINDS, until: dt.date | None = None
    ) -> list[dict[str, Any]]:
        low = since.isoformat()
        high = until.isoformat() if until else "9999-12-31"
        return [
            e for e in self.events if e["date"] and low <= e["date"] <= high and e["kind"] in kinds
        ]


def _ordinal(day: str | None, default: dt.date) -> int:
    return (dt.date.fromisoformat(day) if day else default).toordinal()
