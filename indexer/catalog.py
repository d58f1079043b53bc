"""Official files -> one code record per code, newest release winning."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .enrichment import Enrichment
from .errors import SourceError
from .hcpcs import HcpcsRow, parse_fixed_width, parse_workbook
from .history import Release
from .records import CPT_PATTERN, CodeRecord, RvuInfo, category_of, code_key
from .rvu import RvuRow, parse_rvu_csv
from .sources import SourceFile
from .vocabulary import Vocabulary, mine_abbreviations

_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")


@dataclass
class Catalog:
    records: dict[str, CodeRecord]
    releases: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    unknown_enrichment_codes: list[str] = field(default_factory=list)
    hcpcs_releases: list[Release] = field(default_factory=list)  # oldest first, for history


def parse_hcpcs(source: SourceFile) -> list[HcpcsRow]:
    data = source.read_bytes()
    if source.name.lower().endswith(".xlsx"):
        return parse_workbook(data, source.label)
    return parse_fixed_width(data, source.label)


def build_catalog(
    sources: list[SourceFile],
    vocabulary: Vocabulary,
    enrichment: dict[str, Enrichment],
    today: dt.date | None = None,
) -> Catalog:
    """Merge every release into records, oldest first so the newest wins for each code."""
    today = today or dt.date.today()
    records: dict[str, CodeRecord] = {}
    aligned: list[tuple[str, str]] = []
    releases: list[str] = []
    parsed: list[Release] = []
    hcpcs_sources = sorted((s for s in sources if s.kind == "hcpcs"), key=_release_key)
    for source in hcpcs_sources:
        release = source.release or "unknown"
        releases.append(release)
        rows = parse_hcpcs(source)
        parsed.append(Release(release, rows))
        aligned = [(r.descriptor_short, r.descriptor_long) for r in rows if not r.is_modifier]
        for row in rows:
            key = code_key(row.code, row.is_modifier)
            if row.is_modifier and not _MODIFIER.match(row.code):
                raise SourceError(source.label, f"malformed modifier {row.code!r}", row.row)
            system = "MODIFIER" if row.is_modifier else "HCPCS"
            previous = records.get(key)
            record = CodeRecord(
                code=row.code,
                system=system,
                descriptor_short=row.descriptor_short,
                descriptor_long=row.descriptor_long or None,
                active=row.termination_date is None or row.termination_date > today.isoformat(),
                added_date=row.added_date,
                effective_date=row.effective_date,
                termination_date=row.termination_date,
                action_code=row.action_code,
                betos=row.betos,
                type_of_service=row.type_of_service,
                coverage=row.coverage,
                cross_references=row.cross_references,
                release=release,
                sources=(previous.sources if previous else []) + [source.name],
            )
            records[key] = record
    vocabulary.add_mined(mine_abbreviations(aligned))

    for source in sorted((s for s in sources if s.kind == "rvu"), key=_release_key):
        release = source.release or "unknown"
        releases.append(f"rvu {release}")
        for rvu in parse_rvu_csv(source.read_bytes(), source.label):
            _attach_rvu(records, rvu, release, source.name)

    unknown: list[str] = []
    for code, extra in enrichment.items():
        record = records.get(code)
        if record is None:
            unknown.append(code)
            continue
        record.plain_language = extra.plain_language
        record.synonyms = list(extra.synonyms)
    for record in records.values():
        record.category_id, record.category = category_of(record.code, record.system)
        record.descriptor_expanded = vocabulary.expand_shorthand(record.descriptor_short)

    counts: dict[str, int] = {"total": len(records)}
    for record in records.values():
        state = "active" if record.active else "terminated"
        counts[f"{record.system.lower()}_{state}"] = (
            counts.get(f"{record.system.lower()}_{state}", 0) + 1
        )
    counts["with_plain_language"] = sum(1 for r in records.values() if r.plain_language)
    counts["with_synonyms"] = sum(1 for r in records.values() if r.synonyms)
    return Catalog(records, releases, counts, sorted(unknown), parsed)


def _attach_rvu(
    records: dict[str, CodeRecord], rvu: RvuRow, release: str, source_name: str
) -> None:
    info = RvuInfo(
        status_code=rvu.status_code,
        work_rvu=rvu.work_rvu,
        total_rvu_nonfacility=rvu.total_rvu_nonfacility,
        total_rvu_facility=rvu.total_rvu_facility,
        global_days=rvu.global_days,
        release=release,
    )
    record = records.get(rvu.code)
    if record is None:
        system = "CPT" if CPT_PATTERN.match(rvu.code) else "HCPCS"
        record = CodeRecord(
            code=rvu.code,
            system=system,
            descriptor_short=rvu.descriptor_short,
            active=rvu.status_code != "D",
            release=f"rvu {release}",
        )
        records[rvu.code] = record
    elif record.system == "CPT":
        record.descriptor_short = rvu.descriptor_short
        record.active = rvu.status_code != "D"
    record.rvu = info
    if source_name not in record.sources:
        record.sources.append(source_name)


def _release_key(source: SourceFile) -> tuple[str, str]:
    return (source.release or "", source.label)
