"""The API documents itself: every page twin and API answer validates against its typed model
(no field left out of the model), /api/openapi.json names every field of every JSON answer,
operations are tagged by audience with the public first, dates are ISO 8601 and numbers are
numbers, and the sign-in page links no JSON twin."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from tests.web.conftest import Site

from openpeel.presentation import tables
from openpeel.web import schemas
from openpeel.web.routers.pages import PAGES, api_path

#: each page's twin at an address that fills every part of it (a force's charts too)
ADDRESSES = {
    "/forces/{force}": "/api/forces/hampshire",
    "/forces/{force}/forecasts": "/api/forces/hampshire/forecasts",
    "/indicators/{indicator}": "/api/indicators/arrests_per_1000?force=hampshire",
    "/publications/{slug}": "/api/publications/hampshire-2016",
}
SIGNED_IN = {
    "/api/workspace": schemas.Workspace,
    "/api/workspace/hampshire/2016": schemas.AssessmentPage,
    "/api/admin/users": schemas.Accounts,
}


@pytest.mark.parametrize("spec", PAGES, ids=[p.path for p in PAGES])
@pytest.mark.parametrize("viewer", [None, "pat"])
def test_every_page_twin_is_its_model(shared_site: Site, spec: Any, viewer: str | None) -> None:
    address = ADDRESSES.get(spec.path, api_path(spec.path))
    answer = shared_site.client.get(address, headers=shared_site.as_user(viewer))
    assert answer.status_code == 200, answer.text
    spec.model.model_validate(answer.json())  # extra fields are refused


@pytest.mark.parametrize(("address", "model"), list(SIGNED_IN.items()))
def test_every_signed_in_answer_is_its_model(
    shared_site: Site, address: str, model: type[schemas.Model]
) -> None:
    answer = shared_site.client.get(address, headers=shared_site.as_user("jo"))
    assert answer.status_code == 200, answer.text
    model.model_validate(answer.json())


def test_numbers_are_numbers_beside_their_text(shared_site: Site) -> None:
    force = shared_site.client.get("/api/forces/hampshire?year=2016").json()
    first = force["key_indicators"][0]
    for name in ("value", "lower", "upper", "ew_value", "peer_value"):
        assert isinstance(first[name], float), name
    assert isinstance(first["rank"], int)
    assert first["lower"] <= first["value"] <= first["upper"]
    indicator = shared_site.client.get("/api/indicators/arrests_per_1000").json()
    assert isinstance(indicator["ew_value"], float)
    assert indicator["ew_text"].startswith(f"{indicator['ew_value']:.1f}")
    ranks = [row["rank"] for row in indicator["forces"] if row["rank"] is not None]
    assert all(isinstance(r, int) for r in ranks)
    assert sorted(ranks) == list(range(1, len(ranks) + 1))
    for row in force["publications"]:
        datetime.fromisoformat(row["embargo_until"])
    for response in force["responses"]:
        date.fromisoformat(response["due_on"])


def _schema(site: Site) -> dict[str, Any]:
    schema: dict[str, Any] = site.client.get("/api/openapi.json").json()
    return schema


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_openapi_names_every_field_of_every_json_answer(shared_site: Site) -> None:
    schema = _schema(shared_site)
    documented = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation["responses"].get("200", {}).get("content", {})
            if "application/json" not in content or path.endswith(".{fmt}"):
                continue
            body = _resolve(schema, content["application/json"]["schema"])
            assert body.get("properties"), f"{method.upper()} {path} answers a bare object"
            assert body.get("additionalProperties") is False, f"{method} {path}"
            documented += 1
    assert documented >= len(PAGES) + len(SIGNED_IN)
    force = _resolve(schema, {"$ref": "#/components/schemas/KeyIndicator"})
    assert force["properties"]["ew_value"]["anyOf"][0]["type"] == "number"
    row = _resolve(schema, {"$ref": "#/components/schemas/PublicationRow"})
    assert row["properties"]["embargo_until"]["anyOf"][0]["format"] == "date-time"


def test_operations_are_tagged_by_audience_the_public_reads_first(shared_site: Site) -> None:
    schema = _schema(shared_site)
    assert [t["name"] for t in schema["tags"]] == ["public", "force", "inspector", "admin"]
    tags = [op["tags"] for ops in schema["paths"].values() for op in ops.values()]
    assert all(len(t) == 1 and t[0] in {"public", "force", "inspector", "admin"} for t in tags)
    first = next(iter(schema["paths"].values()))
    assert next(iter(first.values()))["tags"] == ["public"]
    public = [
        (path, method)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if op["tags"] == ["public"]
    ]
    assert all(method == "get" for _, method in public), "the public only reads"
    # the twins, the two CSVs (an indicator's, every force on every indicator), the rug's
    # XLSX and the outputs; and each page's downloads: its workbook, and one table or chart
    assert len(public) == len(PAGES) + 4 + 2 * len(tables.DOWNLOADS)


def test_the_sign_in_and_error_pages_link_no_json_twin(shared_site: Site) -> None:
    for address in ("/login", "/no-such-page"):
        html = shared_site.client.get(address, headers={"Accept": "text/html"}).text
        assert 'type="application/json"' not in html
        assert "This page as data" not in html
