from __future__ import annotations

import json
import os
import sys
from typing import Any

import anyio
from fastapi.testclient import TestClient
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from indexer.settings import Settings
from search_api.engine.searcher import Searcher
from search_api.protocols.mcp import build_mcp_server
from tests.helpers import environment


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    if isinstance(result.structured_content, dict):
        body = result.structured_content
        return body.get("result", body) if set(body) == {"result"} else body
    return dict(json.loads(result.content[0].text))


def test_client_lists_and_calls_both_tools(searcher: Searcher) -> None:
    async def session() -> None:
        async with Client(build_mcp_server(searcher)) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert set(tools) == {"search_codes", "lookup_code"}
            parameters = tools["search_codes"].input_schema["properties"]
            assert {"query", "limit", "system"} <= set(parameters)

            arguments = {"query": "toradol shot", "limit": 3}
            found = structured(await client.call_tool("search_codes", arguments))
            assert found["results"][0]["code"] == "J1885"
            assert 0.0 <= found["results"][0]["confidence"] <= 1.0
            assert isinstance(found["no_confident_match"], bool)

            record = structured(await client.call_tool("lookup_code", {"code": "e0601"}))
            assert record["code"] == "E0601" and record["synonyms"]

            missing = await client.call_tool("lookup_code", {"code": "Z9999"})
            assert missing.is_error and "unknown code" in missing.content[0].text
            invalid = await client.call_tool("search_codes", {"query": "cpap", "limit": 0})
            assert invalid.is_error

    anyio.run(session)


def test_codesearch_mcp_serves_stdio(settings: Settings, searcher: Searcher) -> None:
    env = environment(settings, settings.index_dir)
    command = StdioServerParameters(
        command=sys.executable, args=["-m", "search_api", "mcp"], env=env, cwd=os.getcwd()
    )

    async def session() -> None:
        async with Client(command) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert names == {"search_codes", "lookup_code"}
            record = structured(await client.call_tool("lookup_code", {"code": "J1100"}))
            assert record["code"] == "J1100"

    anyio.run(session)


def test_lookup_code_returns_what_get_codes_returns(searcher: Searcher, client: TestClient) -> None:
    async def lookups() -> list[dict[str, Any]]:
        async with Client(build_mcp_server(searcher)) as session:
            return [
                structured(await session.call_tool("lookup_code", {"code": code}))
                for code in ("J1885", "e0601", "99490", "LT")
            ]

    over_mcp = anyio.run(lookups)
    over_rest = [client.get(f"/codes/{code}").json() for code in ("J1885", "e0601", "99490", "LT")]
    assert over_mcp == over_rest
    assert {"clinical_context", "comparison", "history", "coverage_meaning"} <= set(over_mcp[0])
