"""An MCP server for chatbot backends: ``search_codes`` and ``lookup_code`` over the same
searcher as the API. ``codesearch mcp`` serves it on stdio."""

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from .errors import CodeSearchError
from .schemas import record_detail
from .searcher import Searcher
from .text_search import text_search_payload

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
            return text_search_payload(searcher, query, limit, system)
        except CodeSearchError as exc:
            raise ToolError(str(exc)) from exc

    @server.tool()
    def lookup_code(
        code: Annotated[
            str, Field(min_length=1, max_length=16, description="A HCPCS, CPT or modifier code.")
        ],
    ) -> dict[str, Any]:
        """The full record of one code: descriptors, status and dates, RVUs, synonyms and
        plain language."""
        try:
            return record_detail(searcher.lookup(code))
        except CodeSearchError as exc:
            raise ToolError(str(exc)) from exc

    return server
