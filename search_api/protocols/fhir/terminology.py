"""The FHIR R4 resources the ``/fhir`` router answers with, built from the searcher's records."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from indexer.errors import CodeSearchError
from indexer.records import CodeRecord
from search_api.engine.errors import NotFound
from search_api.engine.searcher import Searcher
from search_api.engine.terminology import all_codes, prefix_matches

HCPCS_URI = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CPT_URI = "http://www.ama-assn.org/go/cpt"
SYSTEMS = {
    HCPCS_URI: "HCPCS",
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets": "HCPCS",  # a common spelling
    CPT_URI: "CPT",
}
CANONICAL = {"HCPCS": HCPCS_URI, "CPT": CPT_URI}
TITLES = {"HCPCS": "HCPCS Level II (codes and modifiers)", "CPT": "CPT"}
RECORD_SYSTEMS = {"HCPCS": ("HCPCS", "MODIFIER"), "CPT": ("CPT",)}
IMPLICIT_VALUE_SET = "?fhir_vs"

# The project's own designation uses; synonyms use SNOMED CT's "Synonym" as tools expect.
DESIGNATION_USE = "urn:codesearch:fhir:designation-use"
SNOMED = "http://snomed.info/sct"
PROPERTIES = (
    "status",
    "inactive",
    "modifier",
    "addedDate",
    "effectiveDate",
    "retirementDate",
    "category",
    "betos",
    "coverage",
    "actionCode",
    "typeOfService",
    "rvuStatusCode",
    "workRvu",
    "totalRvuNonFacility",
    "totalRvuFacility",
    "globalDays",
)

FILTER_DOC = (
    "`filter` matches as the service's autocomplete does: the text is split into words (lower "
    "case, punctuation dropped) and a code matches when every word is the start of a word in "
    "its descriptor (long, or short with CMS shorthand spelled out), its CMS short descriptor or "
    "one of the project's synonyms (`dexameth sod phos` finds J1100, `toradol` finds J1885). "
    "Text that is a code or code prefix (`E06`, `j1100`) matches the codes that start with it. "
    "There is no stemming, spelling repair or semantic matching here: use `GET /search` for "
    "ranked free text. Active matches come first in autocomplete order (code prefixes, then "
    "descriptor matches before synonym matches); inactive codes follow in code order unless "
    "`activeOnly=true`. Without `filter` the expansion lists every code in code order. "
    "`count` (default 100, at most 1000) and `offset` page through `total` matches."
)


class FhirError(CodeSearchError):
    """An error with its FHIR issue code (``not-supported``, ``invalid``...), answered as an
    OperationOutcome; the project's other errors get the issue code of their status."""

    kind = "fhir_error"

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def operation_outcome(code: str, message: str, severity: str = "error") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": severity,
                "code": code,
                "diagnostics": message,
                "details": {"text": message},
            }
        ],
    }


def system_name(uri: str | None) -> str:
    if not uri:
        raise FhirError(400, "required", "the code system (system) is required")
    name = SYSTEMS.get(uri)
    if name is None:
        raise FhirError(
            400,
            "not-supported",
            f"unknown code system {uri!r}; supported: {HCPCS_URI}, {CPT_URI}",
        )
    return name


def value_set_name(url: str | None) -> str:
    if not url:
        raise FhirError(400, "required", "the value set (url) is required")
    base, _, tail = url.partition("?")
    if "?" + tail != IMPLICIT_VALUE_SET or base not in SYSTEMS:
        raise FhirError(
            400,
            "not-supported",
            f"unknown value set {url!r}; supported: {HCPCS_URI}{IMPLICIT_VALUE_SET}, "
            f"{CPT_URI}{IMPLICIT_VALUE_SET}",
        )
    return SYSTEMS[base]


def version(searcher: Searcher, name: str) -> str | None:
    """The newest release of the system's source files (HCPCS file, or the RVU file for CPT)."""
    releases = searcher.artifact.manifest.get("releases") or []
    if name == "CPT":
        releases = [r.removeprefix("rvu ") for r in releases if r.startswith("rvu ")]
    else:
        releases = [r for r in releases if not r.startswith("rvu ")]
    return max(releases, default=None)


def find(searcher: Searcher, name: str, code: str | None) -> CodeRecord | None:
    """The record of a code in the system (codes are case-sensitive), or None."""
    if not code:
        raise FhirError(400, "required", "the code is required")
    try:
        record = searcher.lookup(code)
    except NotFound:
        return None
    if record.code != code or record.system not in RECORD_SYSTEMS[name]:
        return None
    return record


def not_found_message(searcher: Searcher, name: str, code: str) -> str:
    message = f"code {code!r} is not in {TITLES[name]}"
    try:
        record = searcher.lookup(code)
    except NotFound:
        return message
    if record.system in RECORD_SYSTEMS[name] and record.code != code:
        return f"{message}; codes are case-sensitive: did you mean {record.code!r}?"
    return message


def _designation(use_system: str, use_code: str, use_display: str, value: str) -> dict[str, Any]:
    return {
        "name": "designation",
        "part": [
            {"name": "language", "valueCode": "en"},
            {
                "name": "use",
                "valueCoding": {"system": use_system, "code": use_code, "display": use_display},
            },
            {"name": "value", "valueString": value},
        ],
    }


def designations(record: CodeRecord) -> list[dict[str, Any]]:
    found = [
        _designation(
            DESIGNATION_USE, "short-descriptor", "CMS short descriptor", record.descriptor_short
        )
    ]
    if record.descriptor_expanded and record.descriptor_expanded != record.display:
        found.append(
            _designation(
                DESIGNATION_USE,
                "expanded-short-descriptor",
                "Short descriptor with CMS shorthand spelled out",
                record.descriptor_expanded,
            )
        )
    if record.plain_language:
        found.append(
            _designation(DESIGNATION_USE, "plain-language", "Plain language", record.plain_language)
        )
    found += [
        _designation(SNOMED, "900000000000013009", "Synonym", synonym)
        for synonym in record.synonyms
    ]
    return found


def properties(record: CodeRecord) -> list[tuple[str, str, Any]]:
    """(property code, value[x] name, value) for each property the record has."""
    rvu = record.rvu
    found: list[tuple[str, str, Any]] = [
        ("status", "valueCode", "active" if record.active else "retired"),
        ("inactive", "valueBoolean", not record.active),
        ("modifier", "valueBoolean", record.system == "MODIFIER"),
        ("addedDate", "valueDateTime", record.added_date),
        ("effectiveDate", "valueDateTime", record.effective_date),
        ("retirementDate", "valueDateTime", record.termination_date),
        ("category", "valueString", record.category),
        ("betos", "valueCode", record.betos),
        ("coverage", "valueCode", record.coverage),
        ("actionCode", "valueCode", record.action_code),
        *(("typeOfService", "valueCode", t) for t in record.type_of_service),
    ]
    if rvu is not None:
        found += [
            ("rvuStatusCode", "valueCode", rvu.status_code),
            ("workRvu", "valueDecimal", rvu.work_rvu),
            ("totalRvuNonFacility", "valueDecimal", rvu.total_rvu_nonfacility),
            ("totalRvuFacility", "valueDecimal", rvu.total_rvu_facility),
            ("globalDays", "valueCode", rvu.global_days),
        ]
    return [(code, kind, value) for code, kind, value in found if value not in (None, "")]


def lookup(
    searcher: Searcher, system: str | None, code: str | None, wanted: list[str] | None
) -> dict[str, Any]:
    """CodeSystem/$lookup: name, version, display, designations and properties of a code."""
    name = system_name(system)
    record = find(searcher, name, code)
    if record is None:
        raise FhirError(404, "not-found", not_found_message(searcher, name, code or ""))
    unknown = sorted(set(wanted or []) - set(PROPERTIES) - {"designation"})
    if unknown:
        raise FhirError(
            400,
            "not-supported",
            f"unknown property {', '.join(unknown)}; known: {', '.join(PROPERTIES)}",
        )
    parameters: list[dict[str, Any]] = [
        {"name": "name", "valueString": TITLES[name]},
        {"name": "display", "valueString": record.display},
    ]
    release = record.release.removeprefix("rvu ")
    if release:
        parameters.insert(1, {"name": "version", "valueString": release})
    if not wanted or "designation" in wanted:
        parameters += designations(record)
    parameters += [
        {
            "name": "property",
            "part": [{"name": "code", "valueCode": prop}, {"name": "value", kind: value}],
        }
        for prop, kind, value in properties(record)
        if not wanted or prop in wanted
    ]
    return {"resourceType": "Parameters", "parameter": parameters}


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def validate_code(
    searcher: Searcher, system: str | None, code: str | None, display: str | None
) -> dict[str, Any]:
    """CodeSystem/$validate-code: result, the code's display, and why when not valid."""
    return _validate(searcher, system_name(system), code, display)


def validate_in_value_set(
    searcher: Searcher,
    url: str | None,
    system: str | None,
    code: str | None,
    display: str | None,
) -> dict[str, Any]:
    """ValueSet/$validate-code against an implicit (all codes) value set."""
    name = value_set_name(url)
    if system and SYSTEMS.get(system) != name:
        if not code:
            raise FhirError(400, "required", "the code is required")
        return _result(False, f"system {system!r} is not in value set {url!r}")
    return _validate(searcher, name, code, display)


def _validate(
    searcher: Searcher, name: str, code: str | None, display: str | None
) -> dict[str, Any]:
    record = find(searcher, name, code)
    if record is None:
        return _result(False, not_found_message(searcher, name, code or ""))
    if display is not None:
        known = {
            record.display,
            record.descriptor_short,
            record.descriptor_long or "",
            record.descriptor_expanded,
        }
        if _normal(display) not in {_normal(k) for k in known if k}:
            return _result(
                False,
                f"{display!r} is not a display of {record.code}; expected {record.display!r}",
                record.display,
            )
    message = None
    if not record.active:
        message = f"{record.code} is inactive (terminated {record.termination_date or 'unknown'})"
    return _result(True, message, record.display)


def _result(valid: bool, message: str | None, display: str | None = None) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [{"name": "result", "valueBoolean": valid}]
    if message:
        parameters.append({"name": "message", "valueString": message})
    if display:
        parameters.append({"name": "display", "valueString": display})
    return {"resourceType": "Parameters", "parameter": parameters}


def expand(
    searcher: Searcher,
    url: str | None,
    text: str | None,
    count: int,
    offset: int,
    active_only: bool,
) -> dict[str, Any]:
    """ValueSet/$expand of an implicit value set: one page of codes and the total."""
    name = value_set_name(url)
    text = (text or "").strip()
    systems = RECORD_SYSTEMS[name]
    if text:
        records = prefix_matches(searcher, text, systems, include_inactive=not active_only)
    else:
        records = all_codes(searcher, systems, active_only=active_only)
    uri = CANONICAL[name]
    contains = []
    for record in records[offset : offset + count]:
        entry: dict[str, Any] = {"system": uri, "code": record.code, "display": record.display}
        if not record.active:
            entry["inactive"] = True
        contains.append(entry)
    used: list[dict[str, Any]] = [
        {"name": "count", "valueInteger": count},
        {"name": "offset", "valueInteger": offset},
        {"name": "activeOnly", "valueBoolean": active_only},
    ]
    if text:
        used.insert(0, {"name": "filter", "valueString": text})
    expansion: dict[str, Any] = {
        "identifier": f"urn:uuid:{uuid.uuid4()}",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "total": len(records),
        "offset": offset,
        "parameter": used,
    }
    if contains:
        expansion["contains"] = contains
    value_set: dict[str, Any] = {
        "resourceType": "ValueSet",
        "url": uri + IMPLICIT_VALUE_SET,
        "name": f"All{name}Codes",
        "title": f"All codes of {TITLES[name]}",
        "status": "active",
        "expansion": expansion,
    }
    release = version(searcher, name)
    if release:
        value_set["version"] = release
    return value_set


def _date(searcher: Searcher) -> str:
    built = str(searcher.artifact.manifest.get("built_at") or "")
    return built or datetime.now(UTC).isoformat(timespec="seconds")


def capability_statement(searcher: Searcher) -> dict[str, Any]:
    operation = "http://hl7.org/fhir/OperationDefinition/"
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": _date(searcher),
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/CapabilityStatement/terminology-server"],
        "software": {"name": "codesearch", "version": "0.1.0"},
        "implementation": {
            "description": "codesearch: HCPCS Level II and CPT terminology "
            "operations over the served index build"
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Terminology operations only; GET and POST (Parameters body). "
                "Code systems: " + ", ".join(CANONICAL.values()) + ". Value sets: "
                "each code system's implicit value set (URI + `?fhir_vs`).",
                "resource": [
                    {
                        "type": "CodeSystem",
                        "documentation": "Implicit code systems; see TerminologyCapabilities "
                        "(`metadata?mode=terminology`) for their properties.",
                        "operation": [
                            {"name": "lookup", "definition": operation + "CodeSystem-lookup"},
                            {
                                "name": "validate-code",
                                "definition": operation + "CodeSystem-validate-code",
                            },
                        ],
                    },
                    {
                        "type": "ValueSet",
                        "documentation": FILTER_DOC,
                        "operation": [
                            {
                                "name": "expand",
                                "definition": operation + "ValueSet-expand",
                                "documentation": FILTER_DOC,
                            },
                            {
                                "name": "validate-code",
                                "definition": operation + "ValueSet-validate-code",
                            },
                        ],
                    },
                ],
            }
        ],
    }


def terminology_capabilities(searcher: Searcher) -> dict[str, Any]:
    code_systems = []
    for name, uri in CANONICAL.items():
        entry: dict[str, Any] = {"uri": uri}
        release = version(searcher, name)
        if release:
            entry["version"] = [
                {"code": release, "isDefault": True, "property": ["designation", *PROPERTIES]}
            ]
        code_systems.append(entry)
    return {
        "resourceType": "TerminologyCapabilities",
        "status": "active",
        "date": _date(searcher),
        "kind": "instance",
        "software": {"name": "codesearch", "version": "0.1.0"},
        "codeSystem": code_systems,
        "expansion": {
            "hierarchical": False,
            "paging": True,
            "incomplete": False,
            "parameter": [
                {"name": "filter", "documentation": FILTER_DOC},
                {"name": "count", "documentation": "Page size, 0 to 1000 (default 100)."},
                {"name": "offset", "documentation": "Codes to skip (default 0)."},
                {"name": "activeOnly", "documentation": "Leave out inactive codes."},
            ],
            "textFilter": FILTER_DOC,
        },
        "codeSearch": "all",
        "validateCode": {"translations": False},
    }
