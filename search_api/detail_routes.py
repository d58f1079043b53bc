"""Code detail, history, changes and category browsing: what a coder needs once a code is found."""

import functools
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

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
from indexer.history import EVENT_KINDS
from indexer.records import CodeRecord

from .dates import parse_day
from .deps import ERRORS, SearcherDep, allowed_params
from .errors import BadRequest, NotFound
from .searcher import Searcher

router = APIRouter()

EventKind = Literal["added", "changed", "terminated", "reinstated"]


@functools.lru_cache(maxsize=4)
def _category_stats(directory: Path) -> dict[str, Any]:
    """Category statistics of one build (builds are immutable, so caching by path is safe)."""
    stats = load_category_stats(directory)
    stats["by_id"] = {c["id"]: c for c in stats["categories"]}
    return stats


def _key(record: CodeRecord) -> str:
    return f"MOD:{record.code}" if record.system == "MODIFIER" else record.code


def _lookup(searcher: Searcher, code: str) -> CodeRecord:
    if len(code) > 16:
        raise BadRequest("a code has at most 5 characters")
    return searcher.lookup(code)


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
    percentile = stats["work_rvu_percentiles"].get(_key(record))
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
    detail = record.to_dict()
    stats = _category_stats(searcher.build_dir)
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
    history = searcher.history.for_code(_key(record))
    detail["history"] = history["events"] if history else []
    return detail


@router.get("/codes/{code}", responses=ERRORS, dependencies=[Depends(allowed_params())])
def lookup(searcher: SearcherDep, code: str) -> dict[str, Any]:
    """The full record of one code or modifier, with meanings, comparison and history."""
    return code_detail(_lookup(searcher, code), searcher)


@router.get("/codes/{code}/history", responses=ERRORS, dependencies=[Depends(allowed_params())])
def code_history(searcher: SearcherDep, code: str) -> dict[str, Any]:
    """When the code was added, its descriptor changed, and it was terminated or reinstated."""
    record = _lookup(searcher, code)
    history = searcher.history.for_code(_key(record)) or {"events": [], "active_periods": []}
    return {
        "code": record.code,
        "system": record.system,
        "active": record.active,
        "releases": searcher.history.releases,
        "active_periods": history["active_periods"],
        "replaced_by": replacement(record),
        "events": history["events"],
    }


@router.get(
    "/changes",
    responses=ERRORS,
    dependencies=[Depends(allowed_params("since", "until", "kind", "limit", "offset"))],
)
def changes(
    searcher: SearcherDep,
    since: Annotated[str, Query(description="First day, YYYY-MM-DD.")],
    until: Annotated[str | None, Query(description="Last day, YYYY-MM-DD.")] = None,
    kind: EventKind | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Codes added, changed, terminated or reinstated on or after a date, oldest first."""
    first = parse_day(since, "since")
    last = parse_day(until, "until") if until is not None else None
    if last is not None and last < first:
        raise BadRequest(f"until ({last}) is before since ({first})")
    found = searcher.history.changes_since(first, (kind,) if kind else EVENT_KINDS, last)
    counts = {k: sum(1 for e in found if e["kind"] == k) for k in EVENT_KINDS}
    return {
        "since": first.isoformat(),
        "until": last.isoformat() if last else None,
        "releases": searcher.history.releases,
        "total": len(found),
        "counts": counts,
        "changes": found[offset : offset + limit],
    }


@router.get("/categories", responses=ERRORS, dependencies=[Depends(allowed_params())])
def categories(searcher: SearcherDep) -> dict[str, Any]:
    """HCPCS letter ranges and CPT sections with code counts and work-RVU statistics."""
    return {"categories": _category_stats(searcher.build_dir)["categories"]}


@router.get(
    "/categories/{category_id}",
    responses=ERRORS,
    dependencies=[Depends(allowed_params("limit", "offset", "include_terminated"))],
)
def category(
    searcher: SearcherDep,
    category_id: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    include_terminated: bool = False,
) -> dict[str, Any]:
    """One category's statistics and its codes in code order."""
    found = _category_stats(searcher.build_dir)["by_id"].get(category_id.strip().lower())
    if found is None:
        raise NotFound(f"unknown category {category_id[:40]!r}: see /categories for the ids")
    members = sorted(
        (
            r
            for r in searcher.records
            if r.category_id == found["id"] and (include_terminated or r.active)
        ),
        key=lambda r: r.code,
    )
    return {
        **found,
        "total": len(members),
        "results": [
            {
                "code": r.code,
                "system": r.system,
                "display": r.display,
                "active": r.active,
                "termination_date": r.termination_date,
            }
            for r in members[offset : offset + limit]
        ],
    }
