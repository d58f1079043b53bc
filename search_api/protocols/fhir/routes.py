"""FHIR R4 terminology operations under ``/fhir``: $lookup, $validate-code, $expand, metadata.

HCPCS Level II (with its modifiers) is ``http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets``
(the https spelling is accepted too) and CPT is ``http://www.ama-assn.org/go/cpt``; each
code system's implicit value set is its URI followed by ``?fhir_vs``. Every error under
``/fhir``, FastAPI's own validation errors included, is an ``OperationOutcome``.
"""

import json
import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer.errors import CodeSearchError
from search_api.api.deps import SearcherDep, unknown_params
from search_api.protocols.fhir import terminology as resources
from search_api.protocols.fhir.terminology import FhirError

log = logging.getLogger("codesearch.api")

MAX_COUNT = 1000
DEFAULT_COUNT = 100
FORMATS = {"json", "application/json", "application/fhir+json", "fhir+json"}
ISSUE_CODES = {
    400: "invalid",
    404: "not-found",
    405: "not-supported",
    413: "too-costly",
    422: "invalid",
    503: "transient",
}


class FhirResponse(JSONResponse):
    media_type = "application/fhir+json"


def outcome(status: int, code: str, message: str) -> FhirResponse:
    return FhirResponse(resources.operation_outcome(code, message), status_code=status)


class FhirRoute(APIRoute):
    """Turns every error raised while answering a FHIR request into an OperationOutcome."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def fhir_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except FhirError as exc:  # before CodeSearchError: it names its own issue code
                return outcome(exc.status, exc.code, str(exc))
            except RequestValidationError as exc:
                message = "; ".join(
                    f"{'.'.join(map(str, e.get('loc', ())[1:])) or 'request'}: {e.get('msg', '')}"
                    for e in exc.errors()
                )
                return outcome(400, "invalid", message)
            except CodeSearchError as exc:
                return outcome(exc.status, ISSUE_CODES.get(exc.status, "processing"), str(exc))
            except StarletteHTTPException as exc:
                code = ISSUE_CODES.get(exc.status_code, "processing")
                return outcome(exc.status_code, code, str(exc.detail))
            except Exception:
                log.exception("unexpected error in a FHIR operation")
                return outcome(500, "exception", "internal error")

        return fhir_handler


OUTCOME = {
    "content": {"application/fhir+json": {"schema": {"type": "object"}}},
    "description": "An OperationOutcome",
}
router = APIRouter(
    prefix="/fhir",
    tags=["FHIR terminology"],
    route_class=FhirRoute,
    responses={status: OUTCOME for status in (400, 404, 405, 406, 422)},
)


def allowed(*names: str) -> Callable[[Request], None]:
    """Reject query parameters the operation does not support (FHIR: not-supported)."""
    known = {*names, "_format", "_pretty"}

    def check(request: Request) -> None:
        unknown = unknown_params(request, known)
        if unknown:
            raise FhirError(
                400,
                "not-supported",
                f"unsupported parameter(s): {', '.join(unknown)}; supported: {', '.join(names)}",
            )
        wanted = request.query_params.get("_format")
        if wanted is not None and wanted not in FORMATS:
            raise FhirError(406, "not-supported", f"_format {wanted!r}: only JSON is served")

    return check


MAX_BODY_BYTES = 1_000_000  # a Parameters resource of a few codes is well under 10 kB
MAX_BODY_DEPTH = 16  # Parameters > parameter > valueCoding > ...: a handful of levels


def json_depth(value: Any) -> int:
    """Nesting depth of parsed JSON (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        for child in children:
            stack.append((child, depth + 1))
        deepest = max(deepest, depth + (1 if isinstance(item, dict | list) else 0))
    return deepest


async def body_parameters(request: Request, names: tuple[str, ...]) -> dict[str, list[Any]]:
    """The parameters of a POSTed ``Parameters`` resource, by name, with their values."""
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise FhirError(413, "too-costly", f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FhirError(400, "structure", f"the body is not JSON: {exc}") from None
    except RecursionError:
        raise FhirError(400, "structure", "the body is nested too deeply") from None
    if json_depth(body) > MAX_BODY_DEPTH:
        raise FhirError(400, "structure", f"the body is nested over {MAX_BODY_DEPTH} levels")
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise FhirError(400, "structure", "the body must be a FHIR Parameters resource")
    found: dict[str, list[Any]] = {}
    for parameter in body.get("parameter") or []:
        if not isinstance(parameter, dict) or not isinstance(parameter.get("name"), str):
            raise FhirError(400, "structure", "each parameter needs a name")
        values = [v for k, v in parameter.items() if k.startswith("value")]
        if len(values) != 1:
            raise FhirError(400, "structure", f"parameter {parameter['name']!r} needs one value[x]")
        found.setdefault(parameter["name"], []).append(values[0])
    unknown = sorted(set(found) - set(names))
    if unknown:
        raise FhirError(
            400,
            "not-supported",
            f"unsupported parameter(s): {', '.join(unknown)}; supported: {', '.join(names)}",
        )
    return found


def one(params: dict[str, list[Any]], name: str, kind: type = str) -> Any:
    values = params.get(name) or []
    if len(values) > 1:
        raise FhirError(400, "invalid", f"parameter {name!r} is given more than once")
    if not values:
        return None
    value = values[0]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise FhirError(400, "invalid", f"parameter {name!r} must be an integer")
    if kind is bool and not isinstance(value, bool):
        raise FhirError(400, "invalid", f"parameter {name!r} must be a boolean")
    if kind is str and not isinstance(value, str):
        raise FhirError(400, "invalid", f"parameter {name!r} must be a string")
    return value


def coding_parts(params: dict[str, list[Any]]) -> tuple[str | None, str | None, str | None]:
    """system, code and display from a POSTed ``coding`` parameter, if any."""
    coding = one(params, "coding", dict)
    if coding is None:
        return None, None, None
    fields = ("system", "code", "display")
    parts = [coding.get(k) for k in fields] if isinstance(coding, dict) else []
    if not parts or not all(p is None or isinstance(p, str) for p in parts):
        raise FhirError(400, "invalid", "parameter 'coding' must be a Coding")
    return parts[0], parts[1], parts[2]


def page(count: int | None, offset: int | None) -> tuple[int, int]:
    count = DEFAULT_COUNT if count is None else count
    offset = 0 if offset is None else offset
    if not 0 <= count <= MAX_COUNT:
        raise FhirError(400, "invalid", f"count must be between 0 and {MAX_COUNT}")
    if offset < 0:
        raise FhirError(400, "invalid", "offset must be 0 or more")
    return count, offset


System = Annotated[str | None, Query(max_length=300, description="Code system URI.")]
Code = Annotated[str | None, Query(max_length=64, description="The code.")]
Display = Annotated[str | None, Query(max_length=2000, description="A display to check.")]
Url = Annotated[str | None, Query(max_length=300)]
Filter = Annotated[str | None, Query(max_length=2000, description="Text: every word a prefix.")]
Count = Annotated[int | None, Query(ge=0, le=MAX_COUNT, description="Page size (default 100).")]
Offset = Annotated[int | None, Query(ge=0, le=1_000_000)]
LOOKUP_PARAMS = ("system", "code", "property", "coding")
CS_VALIDATE_PARAMS = ("url", "system", "code", "display", "coding")
VS_VALIDATE_PARAMS = ("url", "system", "code", "display", "coding")
EXPAND_PARAMS = ("url", "filter", "count", "offset", "activeOnly")


@router.get("/metadata", dependencies=[Depends(allowed("mode"))], response_class=FhirResponse)
def metadata(
    searcher: SearcherDep,
    mode: Annotated[str | None, Query(pattern="^(full|normal|terminology)$")] = None,
) -> FhirResponse:
    """CapabilityStatement, or TerminologyCapabilities with mode=terminology."""
    if mode == "terminology":
        return FhirResponse(resources.terminology_capabilities(searcher))
    return FhirResponse(resources.capability_statement(searcher))


@router.get(
    "/CodeSystem/$lookup",
    dependencies=[Depends(allowed(*LOOKUP_PARAMS[:3]))],
    response_class=FhirResponse,
)
def lookup_get(
    searcher: SearcherDep,
    system: System = None,
    code: Code = None,
    property: Annotated[list[str] | None, Query(description="Properties to return.")] = None,
) -> FhirResponse:
    """Display, designations and properties of one code (FHIR CodeSystem/$lookup)."""
    return FhirResponse(resources.lookup(searcher, system, code, property))


@router.post("/CodeSystem/$lookup", response_class=FhirResponse)
async def lookup_post(request: Request, searcher: SearcherDep) -> FhirResponse:
    """CodeSystem/$lookup with a Parameters body (system and code, or coding)."""
    params = await body_parameters(request, LOOKUP_PARAMS)
    system, code, _ = coding_parts(params)
    wanted = params.get("property")
    if wanted and not all(isinstance(p, str) for p in wanted):
        raise FhirError(400, "invalid", "parameter 'property' must be a code")
    return FhirResponse(
        resources.lookup(
            searcher, one(params, "system") or system, one(params, "code") or code, wanted
        )
    )


@router.get(
    "/CodeSystem/$validate-code",
    dependencies=[Depends(allowed(*CS_VALIDATE_PARAMS[:4]))],
    response_class=FhirResponse,
)
def cs_validate_get(
    searcher: SearcherDep,
    url: Url = None,
    system: System = None,
    code: Code = None,
    display: Display = None,
) -> FhirResponse:
    """Is the code in the code system (and the display one of its displays)?"""
    return FhirResponse(resources.validate_code(searcher, url or system, code, display))


@router.post("/CodeSystem/$validate-code", response_class=FhirResponse)
async def cs_validate_post(request: Request, searcher: SearcherDep) -> FhirResponse:
    """CodeSystem/$validate-code with a Parameters body."""
    params = await body_parameters(request, CS_VALIDATE_PARAMS)
    system, code, display = coding_parts(params)
    return FhirResponse(
        resources.validate_code(
            searcher,
            one(params, "url") or one(params, "system") or system,
            one(params, "code") or code,
            one(params, "display") or display,
        )
    )


@router.get(
    "/ValueSet/$validate-code",
    dependencies=[Depends(allowed(*VS_VALIDATE_PARAMS[:4]))],
    response_class=FhirResponse,
)
def vs_validate_get(
    searcher: SearcherDep,
    url: Url = None,
    system: System = None,
    code: Code = None,
    display: Display = None,
) -> FhirResponse:
    """Is the code in the implicit value set (all codes of HCPCS or CPT)?"""
    return FhirResponse(resources.validate_in_value_set(searcher, url, system, code, display))


@router.post("/ValueSet/$validate-code", response_class=FhirResponse)
async def vs_validate_post(request: Request, searcher: SearcherDep) -> FhirResponse:
    """ValueSet/$validate-code with a Parameters body."""
    params = await body_parameters(request, VS_VALIDATE_PARAMS)
    system, code, display = coding_parts(params)
    return FhirResponse(
        resources.validate_in_value_set(
            searcher,
            one(params, "url"),
            one(params, "system") or system,
            one(params, "code") or code,
            one(params, "display") or display,
        )
    )


@router.get(
    "/ValueSet/$expand",
    dependencies=[Depends(allowed(*EXPAND_PARAMS))],
    response_class=FhirResponse,
)
def expand_get(
    searcher: SearcherDep,
    url: Url = None,
    filter: Filter = None,
    count: Count = None,
    offset: Offset = None,
    activeOnly: bool | None = None,  # noqa: N803 (the FHIR name)
) -> FhirResponse:
    """Codes of an implicit value set, optionally filtered by text, one page at a time."""
    count, offset = page(count, offset)
    return FhirResponse(resources.expand(searcher, url, filter, count, offset, bool(activeOnly)))


@router.post("/ValueSet/$expand", response_class=FhirResponse)
async def expand_post(request: Request, searcher: SearcherDep) -> FhirResponse:
    """ValueSet/$expand with a Parameters body."""
    params = await body_parameters(request, EXPAND_PARAMS)
    text = one(params, "filter")
    if text is not None and len(text) > 2000:
        raise FhirError(400, "too-long", "filter has more than 2,000 characters")
    count, offset = page(one(params, "count", int), one(params, "offset", int))
    active_only = bool(one(params, "activeOnly", bool))
    return FhirResponse(
        resources.expand(searcher, one(params, "url"), text, count, offset, active_only)
    )


OPERATIONS = (
    "/fhir/metadata",
    "/fhir/CodeSystem/$lookup",
    "/fhir/CodeSystem/$validate-code",
    "/fhir/ValueSet/$validate-code",
    "/fhir/ValueSet/$expand",
)


@router.api_route(
    "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
def unsupported(request: Request, rest: str) -> FhirResponse:
    """Anything else under /fhir: an OperationOutcome, not the app's error shape."""
    if request.url.path in OPERATIONS:
        raise FhirError(405, "not-supported", f"{request.method} is not supported here")
    supported = ", ".join(OPERATIONS)
    message = f"no FHIR interaction at /fhir/{rest}; supported: {supported}"
    raise FhirError(404, "not-supported", message)
