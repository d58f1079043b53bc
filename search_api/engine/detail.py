"""What a code is, beyond its record: meanings, clinical context, comparison, history.

Every protocol shows the same detail: REST ``GET /codes/{code}``, the MCP tool
``lookup_code`` and the page all call :func:`code_detail`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from indexer.categories import load_category_stats
from indexer.cms_tables import (
    ACTION,
    COVERAGE,
    GLOBAL_DAYS,
    PFS_STATUS,
    TYPE_OF_SERVICE,
    betos_meaning,
    likely_specialties,
)
from indexer.records import CodeRecord, record_key
from search_api.engine.errors import BadRequest
from search_api.engine.searcher import Searcher

MAX_CODE_CHARS = 16


def find_code(searcher: Searcher, code: str) -> CodeRecord:
    """The record of a code as a user wrote it.

    Raises:
        BadRequest: the text is too long to be a code.
        NotFound: no record has it.
    """
    if len(code) > MAX_CODE_CHARS:
        raise BadRequest("a code has at most 5 characters")
    return searcher.lookup(code)


@functools.lru_cache(maxsize=4)
def category_stats(directory: Path) -> dict[str, Any]:
    """Category statistics of one build (builds are immutable, so caching by path is safe)."""
    stats = load_category_stats(directory)
    stats["by_id"] = {c["id"]: c for c in stats["categories"]}
    return stats


def _label(category: dict[str, Any]) -> str:
    if category["system"] == "HCPCS" and category["id"].startswith("hcpcs-"):
        return f"{category['id'][-1].upper()} codes"
    return f"{category['name']} codes"


def comparison(record: CodeRecord, stats: dict[str, Any]) -> dict[str, Any] | None:
    """How the code compares within its category, from the build's category statistics."""
    category = stats["by_id"].get(record.category_id)
    if category is None:
        return None
    label = _label(category)
    percentile = stats["work_rvu_percentiles"].get(record_key(record))
    summary = []
    share = category["share_without_work_rvu"]
    if share is not None:
        summary.append(f"{share * 100:.0f} % of active {label} have no work RVU")
    work = category["work_rvu"]
    if percentile is not None and work and record.rvu is not None:
        summary.append(
            f"Work RVU {record.rvu.work_rvu:g} is at the {percentile:.0f}th percentile of the "
            f"{work['count']} active {label} with a work RVU (median {work['median']:g})"
        )
    return {
        "category_id": category["id"],
        "category": category["name"],
        "active_codes_in_category": category["active"],
        "share_without_work_rvu": share,
        "work_rvu_percentile": percentile,
        "category_work_rvu": work,
        "summary": summary,
    }


def replacement(record: CodeRecord) -> list[str]:
    """Codes the release files cross-reference a terminated code to."""
    return [] if record.active else list(record.cross_references)


def code_detail(record: CodeRecord, searcher: Searcher) -> dict[str, Any]:
    """Everything known of a code: the record, its coded fields in words, clinical
    context, likely specialties, comparison within its category, and history. REST
    (``GET /codes/{code}``) and MCP (``lookup_code``) return exactly this."""
    detail = record.to_dict()
    stats = category_stats(searcher.build_dir)
    if record.rvu is not None:
        detail["rvu"]["status"] = PFS_STATUS.get(record.rvu.status_code)
        detail["rvu"]["global_days_meaning"] = GLOBAL_DAYS.get(record.rvu.global_days or "")
    detail["coverage_meaning"] = COVERAGE.get(record.coverage or "")
    detail["action"] = ACTION.get(record.action_code or "")
    detail["replaced_by"] = replacement(record)
    detail["clinical_context"] = {
        "category_id": record.category_id,
        "category": record.category,
        "betos": {"code": record.betos, "meaning": betos_meaning(record.betos)}
        if record.betos
        else None,
        "type_of_service": [
            {"code": t, "meaning": TYPE_OF_SERVICE.get(t)} for t in record.type_of_service
        ],
    }
    detail["likely_specialties"] = likely_specialties(
        record.betos, record.type_of_service, record.category_id
    )
    detail["comparison"] = comparison(record, stats)
    history = searcher.history.for_code(record_key(record))
    detail["history"] = history["events"] if history else []
    return detail


def code_history(record: CodeRecord, searcher: Searcher) -> dict[str, Any]:
    """When the code was added, changed, terminated or reinstated, by the releases."""
    history = searcher.history.for_code(record_key(record)) or {"events": [], "active_periods": []}
    return {
        "code": record.code,
        "system": record.system,
        "active": record.active,
        "releases": searcher.history.releases,
        "active_periods": history["active_periods"],
        "replaced_by": replacement(record),
        "events": history["events"],
    }


def category_members(
    searcher: Searcher, category_id: str, include_terminated: bool
) -> tuple[dict[str, Any], list[CodeRecord]] | None:
    """A category's statistics and its codes in code order (None: no such category)."""
    found = category_stats(searcher.build_dir)["by_id"].get(category_id.strip().lower())
    if found is None:
        return None
    members = sorted(
        (
            r
            for r in searcher.records
            if r.category_id == found["id"] and (include_terminated or r.active)
        ),
        key=lambda r: r.code,
    )
    return found, members
