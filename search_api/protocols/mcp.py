"""An MCP server for chatbot backends: ``search_codes`` and ``lookup_code`` over the same
searcher as the API. ``codesearch mcp`` serves it on stdio."""

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from search_api.api.schemas import text_search_response
from search_api.engine.detail import code_detail, find_code
from search_api.engine.errors import CodeSearchError
from search_api.engine.searcher import Searcher

INSTRUCTIONS = (
    "Search US billing codes (HCPCS Level II and CPT) from free text. Use search_codes with the "
    "user's words or a whole paragraph; trust a result only when no_confident_match is false. "
    "Use lookup_code for the full record of a code (descriptors, status, RVUs, synonyms)."
)


def build_mcp_server(searcher: Searcher) -> MCPServer:
    """The MCP server, its tools backed by ``searcher``."""
    server = MCPServer("codesearch", instructions=INSTRUCTIONS)
    max_chars = searcher.settings.max_text_chars
    max_limit = searcher.settings.max_limit

    @server.tool()
    def search_codes(
        query: Annotated[
            str,
            Field(min_length=1, max_length=max_chars, description="Free text or a code."),
        ],
        limit: Annotated[int, Field(ge=1, le=max_limit, description="How many codes.")] = 5,
        system: Annotated[
            Literal["HCPCS", "CPT", "MODIFIER"] | None,
            Field(description="Only codes of this system."),
        ] = None,
    ) -> dict[str, Any]:
        """Ranked HCPCS/CPT codes for free text, each with a calibrated confidence and the
        evidence for the match; no_confident_match is true when nothing fits."""
        try:
            return text_search_response(searcher.search(query, limit=limit, system=system))
        except CodeSearchError as exc:
            raise ToolError(str(exc)) from exc

    @server.tool()
    def lookup_code(
        code: Annotated[
            str, Field(min_length=1, max_length=16, description="A HCPCS, CPT or modifier code.")
        ],
    ) -> dict[str, Any]:
        """Everything known of one code, exactly as GET /codes/{code} returns it:
        descriptors, status and dates, RVUs, synonyms, plain language, meanings of the
        coded fields, clinical context, comparison within its category and history."""
        try:
            return code_detail(find_code(searcher, code), searcher)
        except CodeSearchError as exc:
            raise ToolError(str(exc)) from exc

    return server
