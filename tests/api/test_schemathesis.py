"""schemathesis against the app's own OpenAPI document: generated requests for every
operation, checked for server errors and for answers that contradict the document."""

from __future__ import annotations

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from indexer.settings import Settings
from search_api.api.app import create_app
from search_api.engine.searcher import Searcher

EXAMPLES = 60
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="session")
def api_schema(settings: Settings, searcher: Searcher) -> schemathesis.BaseSchema:
    app = create_app(settings, searcher=searcher)
    app.state.searcher = searcher  # what the lifespan does, without running a server
    app.state.reload_lock = asyncio.Lock()
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_openapi_contract(api_schema: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        def conforms(case: schemathesis.Case) -> None:
            response = case.call()
            assert response.status_code < 500, (case.path, case.query, response.text[:300])
            case.validate_response(response, checks=CHECKS)

        conforms()
