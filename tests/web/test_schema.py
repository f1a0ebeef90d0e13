"""The API against its own OpenAPI schema: schemathesis generates requests for every operation
(valid and not) and checks each answer: no server error, a documented status code and media
type, a body that matches the documented schema (the one error shape included).

A request the schema allows may still be one OpenPEEL cannot carry out: rules across parameters
that OpenAPI cannot state (``forces`` only with ``compare=forces``) and names it cannot list
(a force by any spelling). Those answer 400 with the documented error shape, so 400 is
accepted for schema-valid requests besides schemathesis' default statuses; the body is still
checked against the error model."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from tests.web.conftest import Site

pytestmark = pytest.mark.slow

# schemathesis' statuses for a schema-valid request, and 400 (see above)
ACCEPTED = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]


def _operations(site: Site) -> list[Any]:
    config = SchemathesisConfig.from_dict(
        {"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}}
    )
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", site.client.app, config=config)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the schema has an invalid operation: {result}"
        operations.append(result.ok())
    return operations


@pytest.mark.parametrize("viewer", [None, "pat"], ids=["the public", "an inspector"])
def test_every_operation_answers_as_its_schema_says(shared_site: Site, viewer: str | None) -> None:
    """Every answer against its typed model (openpeel.web.schemas), as the public and as an
    inspector see them."""
    operations = _operations(shared_site)
    assert len(operations) >= 15
    headers = shared_site.as_user(viewer)
    for operation in operations:
        if viewer is None and operation.method.upper() != "GET":
            continue  # the public's changes are refused before any model

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers)

        try:
            check()
        except Exception as exc:
            raise AssertionError(f"{operation.label}: {exc}") from exc
