"""Category statistics computed at build time: counts, work-RVU shares and percentiles.

Stored in the index artifact as ``categories.json``: one entry per HCPCS letter range or
CPT section, and each code's work-RVU percentile within its category.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .records import CodeRecord, record_key

CATEGORIES_FILE = "categories.json"


def _quantile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks of sorted ``values``."""
    position = (len(values) - 1) * q
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (position - low), 4)


def percentile_rank(value: float, ordered: list[float]) -> float:
    """Percent of sorted ``ordered`` below ``value``, counting ties as half (0-100)."""
    below = bisect.bisect_left(ordered, value)
    equal = bisect.bisect_right(ordered, value) - below
    return round(100.0 * (below + 0.5 * equal) / len(ordered), 1)


def has_work_rvu(record: CodeRecord) -> bool:
    return record.rvu is not None and bool(record.rvu.work_rvu)


def build_category_stats(
    records: Iterable[CodeRecord], newest_hcpcs_release: str | None
) -> dict[str, Any]:
    """Counts per category and each active code's work-RVU percentile within its category.

    Args:
        records: every code record of the catalog.
        newest_hcpcs_release: the newest HCPCS release id; ``in_newest_release`` counts the
            codes that release lists.

    Returns:
        ``{"categories": [...], "work_rvu_percentiles": {key: percentile}}``.
    """
    grouped: dict[str, list[CodeRecord]] = {}
    for record in records:
        grouped.setdefault(record.category_id, []).append(record)
    categories: list[dict[str, Any]] = []
    percentiles: dict[str, float] = {}
    for category_id, members in grouped.items():
        active = [r for r in members if r.active]
        with_work = sorted(
            (r for r in active if has_work_rvu(r)),
            key=lambda r: r.rvu.work_rvu if r.rvu and r.rvu.work_rvu else 0.0,
        )
        values = [r.rvu.work_rvu for r in with_work if r.rvu and r.rvu.work_rvu]
        for record in with_work:
            if record.rvu and record.rvu.work_rvu:
                percentiles[record_key(record)] = percentile_rank(record.rvu.work_rvu, values)
        codes = sorted(r.code for r in members)
        categories.append(
            {
                "id": category_id,
                "name": members[0].category,
                "system": members[0].system,
                "codes": len(members),
                "active": len(active),
                "terminated": len(members) - len(active),
                "in_newest_release": sum(1 for r in members if r.release == newest_hcpcs_release),
                "first_code": codes[0],
                "last_code": codes[-1],
                "active_with_rvu": sum(1 for r in active if r.rvu is not None),
                "active_without_work_rvu": len(active) - len(with_work),
                "share_without_work_rvu": round((len(active) - len(with_work)) / len(active), 4)
                if active
                else None,
                "pfs_status_codes": dict(
                    sorted(Counter(r.rvu.status_code for r in active if r.rvu is not None).items())
                ),
                "work_rvu": {
                    "count": len(values),
                    "min": values[0],
                    "p25": _quantile(values, 0.25),
                    "median": _quantile(values, 0.5),
                    "p75": _quantile(values, 0.75),
                    "p90": _quantile(values, 0.9),
                    "max": values[-1],
                }
                if values
                else None,
            }
        )
    categories.sort(key=lambda c: (c["system"] != "HCPCS", c["system"], c["id"]))
    return {"categories": categories, "work_rvu_percentiles": percentiles}


def save_category_stats(stats: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(stats, ensure_ascii=False, sort_keys=True), encoding="utf-8")


def load_category_stats(directory: Path) -> dict[str, Any]:
    path = directory / CATEGORIES_FILE
    if not path.exists():
        return {"categories": [], "work_rvu_percentiles": {}}
    stats: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return stats
