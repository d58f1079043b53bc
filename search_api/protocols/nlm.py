"""NLM Clinical Tables–compatible search: ``GET /api/hcpcs/v3/search`` and ``/api/cpt/v3/search``.

Answers with the Clinical Table Search Service's positional array
``[total, codes, extra_data, display_rows]`` so widgets built for that service
(autocomplete-lhc) work unchanged. ``terms`` matches as ``/autocomplete`` does: every word
is the start of a word in the descriptor, the short descriptor or a synonym.
"""

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from indexer.analysis import tokens
from indexer.records import CodeRecord
from search_api.api.deps import SearcherDep, unknown_params
from search_api.engine.errors import BadRequest, InvalidParameter
from search_api.engine.searcher import Searcher
from search_api.engine.terminology import MAX_MATCHES, prefix_matches

MAX_LIST = 500
PARAMS = ("terms", "maxList", "count", "offset", "q", "df", "sf", "cf", "ef")


def _rvu(name: str) -> Callable[[CodeRecord], Any]:
    return lambda r: getattr(r.rvu, name) if r.rvu else None


# Field names follow NLM's HCPCS table where it has them; the rest are this service's own.
FIELDS: dict[str, Callable[[CodeRecord], Any]] = {
    "code": lambda r: r.code,
    "display": lambda r: r.display,
    "short_desc": lambda r: r.descriptor_short,
    "long_desc": lambda r: r.descriptor_long,
    "synonyms": lambda r: r.synonyms,
    "plain_language": lambda r: r.plain_language,
    "add_dt": lambda r: r.added_date,
    "act_eff_dt": lambda r: r.effective_date,
    "term_dt": lambda r: r.termination_date,
    "obsolete": lambda r: not r.active,
    "category": lambda r: r.category,
    "release": lambda r: r.release,
    "status_code": _rvu("status_code"),
    "work_rvu": _rvu("work_rvu"),
    "global_days": _rvu("global_days"),
}
SEARCH_FIELDS = ("code", "display", "short_desc", "long_desc", "synonyms")
DEFAULT_DF = "code,display"
CLAUSE = re.compile(r"^([a-z_]+):(\S+)$")

router = APIRouter(tags=["NLM Clinical Tables"])


def known_params(request: Request) -> None:
    unknown = unknown_params(request, PARAMS)
    if unknown:
        allowed = ", ".join(PARAMS)
        raise BadRequest(f"unknown parameter(s): {', '.join(unknown)}; allowed: {allowed}")


def field_list(name: str, value: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    """A comma-separated list of field names, each checked."""
    names = [f.strip() for f in value.split(",") if f.strip()]
    choices = allowed or tuple(FIELDS)
    if not names:
        raise InvalidParameter(f"{name}: list at least one field")
    for field_name in names:
        if field_name not in choices:
            raise InvalidParameter(
                f"{name}: unknown field {field_name!r}; fields: {', '.join(choices)}"
            )
    return names


def as_text(value: Any) -> str:
    """How a field shows in a display row: strings as they are, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return str(value)


def restrict_to_fields(
    records: list[CodeRecord], terms: str, fields: list[str]
) -> list[CodeRecord]:
    """Keep codes where every word of ``terms`` starts a word of one of the ``sf`` fields."""
    words = tokens(terms)

    def matches(record: CodeRecord) -> bool:
        record_words = tokens(" ".join(as_text(FIELDS[f](record)) for f in fields))
        return all(any(t.startswith(w) for t in record_words) for w in words)

    return [r for r in records if matches(r)]


def extra_query(records: list[CodeRecord], q: str) -> list[CodeRecord]:
    """``q``: space-separated ``field:value`` clauses, all must hold; ``value*`` is a prefix."""
    clauses = []
    for part in q.split():
        match = CLAUSE.match(part)
        if not match or match.group(1) not in FIELDS:
            raise InvalidParameter(
                f"q: {part!r} is not field:value (fields: {', '.join(FIELDS)}; value* for a prefix)"
            )
        clauses.append((match.group(1), match.group(2).casefold()))

    def holds(record: CodeRecord, field_name: str, wanted: str) -> bool:
        value = FIELDS[field_name](record)
        values = value if isinstance(value, list) else [value]
        for one in values:
            text = as_text(one).casefold()
            if text == wanted or (wanted.endswith("*") and text.startswith(wanted[:-1])):
                return True
        return False

    return [r for r in records if all(holds(r, f, v) for f, v in clauses)]


def clinical_tables_search(
    searcher: Searcher,
    system: str,
    terms: str,
    raw_max: str | None,
    count: int,
    offset: int,
    q: str | None,
    df: str,
    sf: str | None,
    cf: str,
    ef: str | None,
) -> list[Any]:
    """The Clinical Table Search Service's answer: ``[total, codes, extra_data, rows]``."""
    if raw_max is not None:  # NLM: present but empty means the most there is
        try:
            count = MAX_LIST if raw_max == "" else int(raw_max)
        except ValueError:
            raise InvalidParameter("maxList: a whole number from 1 to 500") from None
        if not 1 <= count <= MAX_LIST:
            raise InvalidParameter("maxList: a whole number from 1 to 500")
    display_fields = field_list("df", df)
    code_field = field_list("cf", cf)
    if len(code_field) != 1:
        raise InvalidParameter("cf: exactly one field")
    extra: list[tuple[str, str]] = []
    if ef:
        for item in ef.split(","):
            field_name, _, alias = item.strip().partition(":")
            field_list("ef", field_name)
            extra.append((field_name, alias or field_name))
    records = prefix_matches(searcher, terms, [system], limit=MAX_MATCHES)
    if sf is not None:
        records = restrict_to_fields(records, terms, field_list("sf", sf, SEARCH_FIELDS))
    if q:
        records = extra_query(records, q)
    shown = records[offset : offset + count]
    codes = [as_text(FIELDS[code_field[0]](r)) for r in shown]
    extra_data = {alias: [FIELDS[f](r) for r in shown] for f, alias in extra} if extra else None
    rows = [[as_text(FIELDS[f](r)) for f in display_fields] for r in shown]
    return [len(records), codes, extra_data, rows]


Terms = Annotated[
    str, Query(min_length=1, max_length=2000, description="Words or word starts (implicit AND).")
]
Count = Annotated[int, Query(ge=1, le=MAX_LIST, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=MAX_MATCHES, description="Codes to skip.")]
MaxList = Annotated[
    str | None, Query(description="Results wanted, 1 to 500 (empty: 500); overrides count.")
]
ExtraQuery = Annotated[
    str | None,
    Query(max_length=500, description="field:value clauses, all must hold; value* is a prefix."),
]
DisplayFields = Annotated[str, Query(max_length=500, description="Display fields (comma list).")]
SearchFields = Annotated[
    str | None,
    Query(
        max_length=500,
        description="Fields terms must match (default: all of " + ", ".join(SEARCH_FIELDS) + ").",
    ),
]
CodeField = Annotated[str, Query(max_length=50, description="The field returned as the code.")]
ExtraFields = Annotated[
    str | None, Query(max_length=500, description="Extra fields: field or field:alias, commas.")
]


def _endpoint(system: str) -> Callable[..., list[Any]]:
    def search(
        searcher: SearcherDep,
        terms: Terms,
        maxList: MaxList = None,  # noqa: N803
        count: Count = 7,
        offset: Offset = 0,
        q: ExtraQuery = None,
        df: DisplayFields = DEFAULT_DF,
        sf: SearchFields = None,
        cf: CodeField = "code",
        ef: ExtraFields = None,
    ) -> list[Any]:
        """Codes matching the terms, as the NLM Clinical Tables API answers."""
        return clinical_tables_search(
            searcher, system, terms, maxList, count, offset, q, df, sf, cf, ef
        )

    return search


LAYOUT = "`[total, codes, extra_data, display_rows]`, as clinicaltables.nlm.nih.gov answers."
router.add_api_route(
    "/api/hcpcs/v3/search",
    _endpoint("HCPCS"),
    methods=["GET"],
    dependencies=[Depends(known_params)],
    summary="HCPCS Level II, NLM Clinical Tables protocol",
    description=LAYOUT,
)
router.add_api_route(
    "/api/cpt/v3/search",
    _endpoint("CPT"),
    methods=["GET"],
    dependencies=[Depends(known_params)],
    summary="CPT, NLM Clinical Tables protocol",
    description=LAYOUT,
)
